package org.streamail.api.alert;

import java.time.Instant;

/**
 * Filter for alerts, newest first. {@code null} fields do not filter.
 *
 * @param limit       at most this many (1..1000, clamped)
 * @param minSeverity only alerts at or above this severity
 * @param kind        only this kind
 * @param subject     only this subject (exact)
 * @param since       created at or after
 */
public record AlertQuery(int limit, Severity minSeverity, String kind, String subject, Instant since) {

    public static final int MAX_LIMIT = 1000;

    public AlertQuery {
        limit = Math.max(1, Math.min(limit, MAX_LIMIT));
    }

    /** The newest {@code limit} alerts. */
    public static AlertQuery newest(int limit) {
        return new AlertQuery(limit, null, null, null, null);
    }
}
