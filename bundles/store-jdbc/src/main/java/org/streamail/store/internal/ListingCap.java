package org.streamail.store.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The most rows a listing that returns a whole table reads ({@code SpamStore.rules()}, {@code Directory.list()}
 * and the directory's recipient cache), and its warning when a table holds more: "every loop, buffer and nesting
 * depth is bounded" (audit: these read the table into memory whatever its size). The API's methods return a
 * {@code List}, so the cut is made here, in a stable order the caller of each listing names, and logged at WARN at
 * most once a minute per listing, naming the table and the cap. Thread-safe.
 */
final class ListingCap {

    /** Rows one listing reads at most: far above any real use (a few thousand rules, users). */
    static final int MAX_ROWS = 100_000;
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(ListingCap.class);

    private final String table;
    private final String consequence;
    private final int max;
    private final AtomicLong nextWarnAt = new AtomicLong(System.nanoTime());
    private final AtomicInteger warnings = new AtomicInteger();

    /**
     * @param table       the table read, named in the warning
     * @param consequence what the cut means, for the warning (which rows are left out and what that does)
     * @param max         rows read at most, 1 or more
     */
    ListingCap(String table, String consequence, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("a listing cap must be at least 1, got " + max);
        }
        this.table = table;
        this.consequence = consequence;
        this.max = max;
    }

    /** Rows to ask the database for: one more than the cap, so that a listing knows when it was cut. */
    int fetch() {
        return max + 1;
    }

    /** Whether a listing that has read {@code rows} rows must stop (and warn, see {@link #reached}) before the next. */
    boolean full(int rows) {
        return rows >= max;
    }

    int max() {
        return max;
    }

    /** Called when a listing found more rows than the cap; logs at most once a minute. */
    void reached() {
        long now = System.nanoTime();
        long next = nextWarnAt.get();
        if (now - next >= 0 && nextWarnAt.compareAndSet(next, now + WARN_EVERY_NANOS)) {
            warnings.incrementAndGet();
            LOG.warn("Store: table {} holds more than {} rows, the most one listing reads; only the first {} are used "
                    + "({}). Remove rows no longer needed (this warning is repeated at most once a minute)", table,
                    max, max, consequence);
        }
    }

    /** Warnings logged so far (for tests). */
    int warnings() {
        return warnings.get();
    }
}
