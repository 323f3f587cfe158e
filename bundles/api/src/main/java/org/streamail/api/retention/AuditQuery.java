package org.streamail.api.retention;

/**
 * Filter for the retention audit trail, newest first. {@code null} fields do not filter.
 *
 * @param limit     at most this many (1..1000, clamped)
 * @param mailbox   only this mailbox (case-insensitive)
 * @param messageId only this Message-ID (exact)
 */
public record AuditQuery(int limit, String mailbox, String messageId) {

    public static final int MAX_LIMIT = 1000;

    public AuditQuery {
        limit = Math.max(1, Math.min(limit, MAX_LIMIT));
    }

    /** The newest {@code limit} records. */
    public static AuditQuery newest(int limit) {
        return new AuditQuery(limit, null, null);
    }
}
