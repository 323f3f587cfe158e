package org.streamail.api.store;

import java.time.Instant;
import org.streamail.api.model.Action;

/**
 * Filter for the message log, newest first. {@code null} fields do not filter.
 *
 * @param limit     at most this many (1..1000, clamped)
 * @param offset    entries to skip
 * @param action    only this decided action
 * @param sender    only this envelope sender (case-insensitive)
 * @param recipient only messages with this envelope recipient (case-insensitive)
 * @param since     received at or after
 * @param until     received before
 */
public record LogQuery(int limit, int offset, Action action, String sender, String recipient, Instant since,
        Instant until) {

    public static final int MAX_LIMIT = 1000;

    public LogQuery {
        limit = Math.max(1, Math.min(limit, MAX_LIMIT));
        offset = Math.max(0, offset);
    }

    /** The newest {@code limit} entries. */
    public static LogQuery newest(int limit) {
        return new LogQuery(limit, 0, null, null, null, null, null);
    }
}
