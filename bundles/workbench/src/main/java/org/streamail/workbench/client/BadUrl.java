package org.streamail.workbench.client;

import java.time.Instant;

/**
 * A URL a campaign recall marked bad ({@code GET /bad-urls}): the link guard blocks every click on it until an
 * administrator lifts the mark. {@code url} is exactly as the gateway keeps it (the value to pass to
 * {@link GatewayClient#unmarkBadUrl}); {@code reason} names the campaign. Strings never {@code null};
 * {@code markedAt} may be (an unreadable timestamp).
 */
public record BadUrl(String url, String reason, Instant markedAt) {
}
