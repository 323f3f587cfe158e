package org.streamail.api.campaign;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Pulls a delivered message back out of a mailbox over IMAP, by Message-ID, acting by UID only (UID MOVE,
 * or {@code \Deleted} + UID EXPUNGE) like the retention sweeper, never in exempt folders. Whether it moves
 * to a folder or deletes is the implementation's policy. Implemented by the retention bundle. Thread-safe.
 */
@ProviderType
public interface MailboxRecall {

    /**
     * Pulls back every copy of {@code messageId} in {@code mailbox}. Never throws for IMAP trouble: the
     * outcome carries the error.
     *
     * @param messageId the Message-ID header, with or without angle brackets
     * @param reason    for the audit
     * @param actor     who asks, for the audit
     * @throws IllegalArgumentException if the mailbox or id is empty or malformed
     */
    RecallOutcome recall(String mailbox, String messageId, String reason, String actor);

    /**
     * Pulls back the copies of {@code messageId} in {@code mailbox} that the gateway delivered as
     * {@code gatewayId}: a copy whose first gateway {@code Received} field ({@link
     * org.streamail.api.model.GatewayReceived}) names another id, or that has none, is left alone. A sender
     * chooses the Message-ID freely, so a lure can reuse the id of a genuine message the recipient already has;
     * recalling the lure by Message-ID alone would pull the genuine message too. Never throws for IMAP trouble.
     *
     * @param gatewayId the gateway id of the delivery whose copies are recalled
     * @throws IllegalArgumentException if the mailbox, id or gateway id is empty or malformed
     * @since 1.2
     */
    RecallOutcome recall(String mailbox, String messageId, String gatewayId, String reason, String actor);
}
