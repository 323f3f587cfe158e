package org.streamail.api.campaign;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Acts on a message found bad after delivery (a click revealed a bad URL, an admin marked it, reports
 * reached the threshold): finds every delivery of the same campaign in the message log and the link
 * store (same URL, or same sender and subject within the configured window), marks its URLs bad for the
 * link guard, alerts each recipient and the admins, and pulls the copies back through
 * {@link MailboxRecall} when one is available. Idempotent per campaign: a second recall pulls nothing
 * more and does not warn again. Implemented by the reporting bundle. Thread-safe.
 */
@ProviderType
public interface CampaignService {

    /**
     * Recalls the campaign of one delivered message.
     *
     * @param messageId the gateway id of a message in the message log
     * @param reason    why, for the alerts
     * @param actor     who asks ({@code linkguard} for a click)
     * @throws java.util.NoSuchElementException if the message log has no such message
     */
    RecallReport recall(String messageId, String reason, String actor);
}
