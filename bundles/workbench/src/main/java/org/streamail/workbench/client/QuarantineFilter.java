package org.streamail.workbench.client;

/**
 * Server-side filters of {@code GET /quarantine}. {@code null} or empty strings mean "any", except
 * {@code status} where the gateway's default is {@code HELD}; {@code ANY} lists every status.
 */
public record QuarantineFilter(int limit, String status, String category, String sender, String recipient) {

    public QuarantineFilter {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, got " + limit);
        }
    }

    /** The newest {@code limit} held messages. */
    public static QuarantineFilter held(int limit) {
        return new QuarantineFilter(limit, "HELD", null, null, null);
    }
}
