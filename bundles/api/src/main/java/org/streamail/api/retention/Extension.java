package org.streamail.api.retention;

import java.time.Instant;
import java.util.Objects;

/**
 * A recipient's change of a message's expiry, as done. Immutable.
 *
 * @param mailbox        the mailbox
 * @param folder         the folder the message is in
 * @param messageId      its Message-ID
 * @param previousExpiry the expiry before, or {@code null} if it had none the policy trusted
 * @param newExpiry      the expiry now (after clamping to {@code max.age})
 */
public record Extension(String mailbox, String folder, String messageId, Instant previousExpiry, Instant newExpiry) {
    public Extension {
        Objects.requireNonNull(mailbox, "mailbox");
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(newExpiry, "newExpiry");
    }
}
