package org.streamail.api.store;

import org.streamail.api.model.Category;

/**
 * Filter for listing the quarantine, newest first. {@code null} fields do not filter.
 *
 * @param limit     at most this many entries (1..1000; larger values are clamped)
 * @param offset    entries to skip, for paging
 * @param status    only entries in this state ({@code HELD} by default in the REST API)
 * @param category  only entries whose verdict has this category
 * @param sender    only this envelope sender (exact, case-insensitive)
 * @param recipient only entries with this envelope recipient (exact, case-insensitive)
 */
public record QuarantineQuery(int limit, int offset, QuarantineEntry.Status status, Category category, String sender,
        String recipient) {

    public static final int MAX_LIMIT = 1000;

    public QuarantineQuery {
        limit = Math.max(1, Math.min(limit, MAX_LIMIT));
        offset = Math.max(0, offset);
    }

    /** The newest {@code limit} held entries. */
    public static QuarantineQuery held(int limit) {
        return new QuarantineQuery(limit, 0, QuarantineEntry.Status.HELD, null, null, null);
    }
}
