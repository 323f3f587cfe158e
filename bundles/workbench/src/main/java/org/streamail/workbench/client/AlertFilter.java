package org.streamail.workbench.client;

import java.time.Duration;

/**
 * Server-side filters of {@code GET /alerts}, newest first.
 *
 * @param limit       1..1000
 * @param minSeverity the lowest severity listed (one of {@link Alert#SEVERITIES}), or {@code null} for all
 * @param kind        only this kind (e.g. {@code click-blocked}), or {@code null}/empty for every kind
 * @param since       only alerts raised within this long before now, or {@code null} for no time bound
 */
public record AlertFilter(int limit, String minSeverity, String kind, Duration since) {

    public AlertFilter {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, got " + limit);
        }
        if (minSeverity != null && !minSeverity.isBlank() && Alert.rank(minSeverity) < 0) {
            throw new IllegalArgumentException("severity must be one of " + Alert.SEVERITIES + ", got " + minSeverity);
        }
        if (kind != null && (kind.length() > 256 || kind.chars().anyMatch(Character::isISOControl))) {
            throw new IllegalArgumentException("kind must be at most 256 characters without control characters");
        }
        if (since != null && (since.isNegative() || since.isZero())) {
            throw new IllegalArgumentException("since must be a positive duration, got " + since);
        }
    }

    /** The newest {@code limit} alerts of at least {@code minSeverity}. */
    public static AlertFilter atLeast(String minSeverity, int limit) {
        return new AlertFilter(limit, minSeverity, null, null);
    }
}
