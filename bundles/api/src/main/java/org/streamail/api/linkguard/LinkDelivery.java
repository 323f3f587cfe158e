package org.streamail.api.linkguard;

import java.time.Instant;
import java.util.Objects;

/**
 * A rewritten link as delivered: which message carried it to whom.
 *
 * @param messageId the gateway id of the message
 * @param recipient the recipient (the token was signed for that recipient)
 * @param url       the original URL
 * @param at        when the message was delivered (rewritten)
 */
public record LinkDelivery(String messageId, String recipient, String url, Instant at) {

    public LinkDelivery {
        Objects.requireNonNull(messageId, "messageId");
        recipient = recipient == null ? "" : recipient;
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(at, "at");
    }
}
