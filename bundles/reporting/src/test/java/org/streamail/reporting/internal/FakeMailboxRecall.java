package org.streamail.reporting.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.streamail.api.campaign.MailboxRecall;
import org.streamail.api.campaign.RecallOutcome;

/** Mailboxes as counts of copies per Message-ID; a recall moves them out, as the IMAP one does. */
final class FakeMailboxRecall implements MailboxRecall {

    /** mailbox + "|" + Message-ID -> copies still in the mailbox. */
    private final Map<String, Integer> copies = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    /** Mailboxes (lower case) whose IMAP server is down: a recall there fails with an error outcome. */
    final java.util.Set<String> down = new java.util.HashSet<>();

    synchronized void deliver(String mailbox, String messageId) {
        copies.merge(key(mailbox, messageId), 1, Integer::sum);
    }

    synchronized int copiesOf(String mailbox, String messageId) {
        return copies.getOrDefault(key(mailbox, messageId), 0);
    }

    @Override
    public synchronized RecallOutcome recall(String mailbox, String messageId, String reason, String actor) {
        if (mailbox == null || mailbox.isBlank() || messageId == null || messageId.isBlank()) {
            throw new IllegalArgumentException("mailbox and messageId are required");
        }
        calls.add(mailbox + " " + messageId);
        Integer n = copies.remove(key(mailbox, messageId));
        int found = n == null ? 0 : n;
        return new RecallOutcome(mailbox, found, found, 0, "");
    }

    /** The fake's copies carry no Received field: every copy of the Message-ID counts as the delivery's. */
    @Override
    public synchronized RecallOutcome recall(String mailbox, String messageId, String gatewayId, String reason,
            String actor) {
        if (gatewayId == null || gatewayId.isBlank()) {
            throw new IllegalArgumentException("gatewayId is required");
        }
        calls.add(mailbox + " " + messageId + " " + gatewayId);
        if (down.contains(mailbox.toLowerCase(Locale.ROOT))) {
            return new RecallOutcome(mailbox, 0, 0, 0, "IMAP: connection refused (test)");
        }
        Integer n = copies.remove(key(mailbox, messageId));
        int found = n == null ? 0 : n;
        return new RecallOutcome(mailbox, found, found, 0, "");
    }

    private static String key(String mailbox, String messageId) {
        return mailbox.toLowerCase(Locale.ROOT) + "|" + messageId;
    }
}
