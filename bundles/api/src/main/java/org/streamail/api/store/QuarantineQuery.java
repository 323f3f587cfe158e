package org.streamail.api.store;

import java.time.Instant;
import org.streamail.api.model.Category;

/**
 * Filter for listing the quarantine, newest first (by the time an entry was held, then by id, both descending).
 * {@code null} fields do not filter.
 *
 * <p>Two ways to page: {@code offset}, for a person turning pages, and the keyset of {@link #after}, for a program
 * reading a whole list while it changes. An entry released or deleted between two pages shifts every later entry one
 * place up, so the next offset skips one; the page after the last entry read does not.
 *
 * @param limit     at most this many entries (1..1000; larger values are clamped)
 * @param offset    entries to skip, for paging
 * @param status    only entries in this state ({@code HELD} by default in the REST API)
 * @param category  only entries whose verdict has this category
 * @param sender    only this envelope sender (exact, case-insensitive)
 * @param recipient only entries with this envelope recipient (exact, case-insensitive)
 * @param beforeAt  with {@code beforeId}: only entries after this place in the order (held earlier, or at the same
 *                  time with a smaller id); both {@code null}: from the newest
 * @param beforeId  see {@code beforeAt}
 */
public record QuarantineQuery(int limit, int offset, QuarantineEntry.Status status, Category category, String sender,
        String recipient, Instant beforeAt, String beforeId) {

    public static final int MAX_LIMIT = 1000;

    public QuarantineQuery {
        limit = Math.max(1, Math.min(limit, MAX_LIMIT));
        offset = Math.max(0, offset);
        if ((beforeAt == null) != (beforeId == null)) {
            throw new IllegalArgumentException("beforeAt and beforeId go together");
        }
    }

    /** A query from the newest entry on. */
    public QuarantineQuery(int limit, int offset, QuarantineEntry.Status status, Category category, String sender,
            String recipient) {
        this(limit, offset, status, category, sender, recipient, null, null);
    }

    /** The newest {@code limit} held entries. */
    public static QuarantineQuery held(int limit) {
        return new QuarantineQuery(limit, 0, QuarantineEntry.Status.HELD, null, null, null);
    }

    /**
     * The next page of this query after {@code last}, the last entry of the page read: the same filter, without an
     * offset, from the entry after {@code last} in the order.
     *
     * @since package version 1.6.0
     */
    public QuarantineQuery after(QuarantineEntry last) {
        return new QuarantineQuery(limit, 0, status, category, sender, recipient, last.quarantinedAt(), last.id());
    }

    /**
     * Whether {@code e} comes after this query's keyset place ({@link #after}) in the order, or there is none: for
     * stores that filter in memory.
     *
     * @since package version 1.6.0
     */
    public boolean afterPlace(QuarantineEntry e) {
        if (beforeAt == null) {
            return true;
        }
        int byTime = e.quarantinedAt().compareTo(beforeAt);
        return byTime < 0 || byTime == 0 && e.id().compareTo(beforeId) < 0;
    }
}
