package org.streamail.api.linkguard;

import java.time.Instant;
import java.util.Objects;

/**
 * One click on a rewritten link. Immutable.
 *
 * @param id        the click id
 * @param at        when
 * @param messageId the gateway id of the message the link was in
 * @param recipient the recipient the link was rewritten for
 * @param url       the original URL
 * @param clientIp  the clicking workstation (after trusted-proxy handling)
 * @param mac       its MAC from the neighbour table, or {@code ""} when not on the same network
 * @param blocked   whether the click was refused (block page) rather than redirected
 * @param reason    why it was blocked (the rule that fired), or {@code ""}
 */
public record Click(String id, Instant at, String messageId, String recipient, String url, String clientIp, String mac,
        boolean blocked, String reason) {

    public Click {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(at, "at");
        messageId = messageId == null ? "" : messageId;
        recipient = recipient == null ? "" : recipient;
        Objects.requireNonNull(url, "url");
        clientIp = clientIp == null ? "" : clientIp;
        mac = mac == null ? "" : mac;
        reason = reason == null ? "" : reason;
    }
}
