package org.streamail.api.linkguard;

import java.time.Instant;
import java.util.Objects;

/**
 * A URL marked bad after delivery (by a campaign recall): the link guard blocks every click on it until an
 * administrator lifts the mark. Immutable.
 *
 * @param url      the URL, as the link guard normalised it
 * @param reason   why it was marked ({@code campaign <id>: <reason>})
 * @param markedAt when
 * @since 1.1
 */
public record BadUrl(String url, String reason, Instant markedAt) {

    public BadUrl {
        Objects.requireNonNull(url, "url");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(markedAt, "markedAt");
    }
}
