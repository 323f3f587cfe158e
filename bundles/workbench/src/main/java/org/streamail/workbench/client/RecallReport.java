package org.streamail.workbench.client;

import java.util.List;

/**
 * What {@code POST /messages/{id}/recall} did: the campaign's id, the gateway ids of its messages, the
 * recipients warned, how many delivered copies were pulled from mailboxes, and per mailbox what happened.
 * Lists unmodifiable.
 */
public record RecallReport(String campaignId, List<String> messages, List<String> warned, int pulled,
        List<Outcome> mailboxes) {

    public RecallReport {
        messages = List.copyOf(messages);
        warned = List.copyOf(warned);
        mailboxes = List.copyOf(mailboxes);
    }

    /** One mailbox: copies found, moved, deleted, and the error (empty when none). */
    public record Outcome(String mailbox, int found, int moved, int deleted, String error) {
    }
}
