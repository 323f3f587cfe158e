package org.streamail.api.store;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The store's housekeeping: deletes rows older than their configured age (message log, alerts, link
 * deliveries and clicks, quarantine records, audit trails, unconfirmed spam reports, expired block rules).
 * It runs on its own schedule; this service lets an administrator run it now, for example after lowering a
 * retention period.
 *
 * <p>Thread-safe. Runs are serialised: a call made while a run is in progress waits for it, then runs.
 */
public interface Housekeeping {

    /**
     * What one run did.
     *
     * @param deleted    rows deleted (or, for held quarantine, expired) per table, in run order; a table kept
     *                   forever is absent
     * @param failures   tables that failed, to a short message; the other tables were still cleaned
     * @param incomplete whether rows are left for the next run (a table hit its batch limit, or the run was
     *                   interrupted)
     * @param took       how long the run took
     */
    record Result(Map<String, Long> deleted, Map<String, String> failures, boolean incomplete, Duration took) {

        public Result {
            // copies that keep the run order, for display
            deleted = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(deleted, "deleted")));
            failures = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(failures, "failures")));
            Objects.requireNonNull(took, "took");
        }
    }

    /**
     * Runs housekeeping once now, blocking until it ends. Never throws for a database failure: it is in
     * {@link Result#failures()}.
     */
    Result runNow();
}
