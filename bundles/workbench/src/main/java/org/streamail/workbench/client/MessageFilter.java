package org.streamail.workbench.client;

/**
 * Server-side filters of {@code GET /messages}. {@code null} or empty strings mean "any".
 *
 * @param limit     1..1000
 * @param action    DELIVER, TAG, QUARANTINE or REJECT
 * @param sender    exact envelope sender
 * @param recipient exact envelope recipient
 */
public record MessageFilter(int limit, String action, String sender, String recipient) {

    public MessageFilter {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be 1..1000, got " + limit);
        }
    }

    /** The newest {@code limit} messages, unfiltered. */
    public static MessageFilter latest(int limit) {
        return new MessageFilter(limit, null, null, null);
    }
}
