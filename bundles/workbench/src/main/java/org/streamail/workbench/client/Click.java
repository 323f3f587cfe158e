package org.streamail.workbench.client;

import java.time.Instant;

/**
 * A click on a rewritten link ({@code GET /clicks}): the message it was in ({@code messageId}, a gateway id),
 * who clicked from where ({@code clientIp}, {@code mac}), the original URL, and whether (and why) it was
 * blocked. Strings never {@code null}; {@code time} may be.
 */
public record Click(String id, Instant time, String messageId, String recipient, String url, String clientIp,
        String mac, boolean blocked, String reason) {
}
