package org.streamail.api.campaign;

import java.util.Objects;

/**
 * What a pull-back did in one mailbox.
 *
 * @param mailbox the mailbox
 * @param found   messages with the Message-ID found in its non-exempt folders
 * @param moved   moved to the recall folder
 * @param deleted deleted (by UID)
 * @param error   why it failed, or {@code ""}
 */
public record RecallOutcome(String mailbox, int found, int moved, int deleted, String error) {

    public RecallOutcome {
        Objects.requireNonNull(mailbox, "mailbox");
        error = error == null ? "" : error;
    }
}
