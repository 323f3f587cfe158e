package org.streamail.api.campaign;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Acts on a message found bad after delivery (a click revealed a bad URL, an admin marked it, reports
 * reached the threshold): finds every delivery of the same campaign in the message log and the link
 * store (same URL, or same sender and subject within the configured window), marks its URLs bad for the
 * link guard (only those judged bad or seen in no mail outside the campaign), alerts each recipient and the admins, and pulls the copies back through
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

    /**
     * Recalls the campaign of one delivered message, knowing which of its URLs were judged bad (the link a
     * click was blocked on). Those are always marked bad and always used to find other copies. The message's
     * other URLs count only when they are the campaign's own: a URL that also reached mail outside the
     * campaign (an everyday site that a lure links next to its bad one) is neither marked bad nor used to
     * gather copies. The three-argument form is this one with no URL known bad.
     *
     * @param badUrls URLs of the message judged bad (at most 100 are used); may be empty, never {@code null}
     * @throws java.util.NoSuchElementException if the message log has no such message
     * @since 1.1
     */
    default RecallReport recall(String messageId, String reason, String actor, java.util.Collection<String> badUrls) {
        return recall(messageId, reason, actor);
    }
}
