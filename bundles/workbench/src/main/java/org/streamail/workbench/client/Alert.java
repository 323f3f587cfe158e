package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * One alert ({@code GET /alerts}). {@code severity} is one of {@link #SEVERITIES} (lowest first); strings are
 * never {@code null} (empty when absent); {@code createdAt} may be {@code null}.
 */
public record Alert(String id, Instant createdAt, String severity, String kind, String subject, String messageId,
        String recipient, String title, String detail, int occurrences) {

    /** The gateway's severities, lowest first. */
    public static final List<String> SEVERITIES = List.of("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL");

    /** Position of {@code severity} in {@link #SEVERITIES}; -1 for a severity this workbench does not know. */
    public int severityRank() {
        return rank(severity);
    }

    /** Position of a severity name in {@link #SEVERITIES} (case-insensitive); -1 when unknown or {@code null}. */
    public static int rank(String severity) {
        return severity == null ? -1 : SEVERITIES.indexOf(severity.strip().toUpperCase(Locale.ROOT));
    }
}
