package org.streamail.store.internal;

import java.time.Duration;

/**
 * Validated housekeeping configuration (PID {@code org.streamail.store.housekeeping}). Days of 0 keep rows
 * forever. Immutable and thread-safe.
 *
 * @param messageLogDays        message log, by {@code received_at}
 * @param alertsDays            alerts, by {@code created_at}
 * @param linkDeliveriesDays    link deliveries, by {@code delivered_at}
 * @param clicksDays            link clicks, by {@code clicked_at}
 * @param quarantineReleasedDays quarantine records no longer HELD, by {@code acted_at}
 * @param quarantineHeldDays    held quarantine entries, by {@code quarantined_at}; 0 by default
 * @param auditDays             retention and isolation audit, by {@code acted_at}
 * @param spamPendingDays       spam fingerprints still PENDING (too few reporters), by their newest report
 * @param spamExpiredRulesDays  block rules, by {@code expires_at} (rules without an expiry are kept)
 * @param spamTrainedDays       the per-message training record (what lets a re-report take training back),
 *                              by {@code trained_at}; 0 by default
 * @param spamSeenDays          summaries of inspected messages (for reports by id), by {@code seen_at}: the backstop
 *                              behind the detect-spam nodes' own {@code recent.shared.hours}
 * @param interval              time between runs
 * @param batchSize             rows per transaction
 */
record HousekeepingSettings(int messageLogDays, int alertsDays, int linkDeliveriesDays, int clicksDays,
        int quarantineReleasedDays, int quarantineHeldDays, int auditDays, int spamPendingDays,
        int spamExpiredRulesDays, int spamTrainedDays, int spamSeenDays, Duration interval, int batchSize) {

    static final String PID = "org.streamail.store.housekeeping";
    /** A century: anything longer is a typo, and the cut-off arithmetic stays far from overflow. */
    static final int MAX_DAYS = 36_500;
    static final int MAX_INTERVAL_HOURS = 8760;
    static final int MIN_BATCH = 10;
    static final int MAX_BATCH = 100_000;

    HousekeepingSettings {
        days("message.log.days", messageLogDays);
        days("alerts.days", alertsDays);
        days("link.deliveries.days", linkDeliveriesDays);
        days("clicks.days", clicksDays);
        days("quarantine.released.days", quarantineReleasedDays);
        days("quarantine.held.days", quarantineHeldDays);
        days("audit.days", auditDays);
        days("spam.pending.days", spamPendingDays);
        days("spam.expired.rules.days", spamExpiredRulesDays);
        days("spam.trained.days", spamTrainedDays);
        days("spam.seen.days", spamSeenDays);
        if (interval == null || interval.compareTo(Duration.ofHours(1)) < 0
                || interval.compareTo(Duration.ofHours(MAX_INTERVAL_HOURS)) > 0) {
            throw new IllegalArgumentException(PID + ": interval.hours must be 1.." + MAX_INTERVAL_HOURS + ", got "
                    + (interval == null ? "nothing" : interval.toHours()));
        }
        if (batchSize < MIN_BATCH || batchSize > MAX_BATCH) {
            throw new IllegalArgumentException(PID + ": batch.size must be " + MIN_BATCH + ".." + MAX_BATCH
                    + ", got " + batchSize);
        }
    }

    /** The defaults of {@link HousekeepingConfig}. */
    static HousekeepingSettings defaults() {
        return new HousekeepingSettings(90, 180, 30, 90, 30, 0, 365, 90, 30, 0, 30, Duration.ofHours(24), 1000);
    }

    /** @throws IllegalArgumentException naming the property, for a value out of range */
    static HousekeepingSettings from(HousekeepingConfig c) {
        if (c.interval_hours() < 1 || c.interval_hours() > MAX_INTERVAL_HOURS) {
            throw new IllegalArgumentException(PID + ": interval.hours must be 1.." + MAX_INTERVAL_HOURS + ", got "
                    + c.interval_hours());
        }
        return new HousekeepingSettings(c.message_log_days(), c.alerts_days(), c.link_deliveries_days(),
                c.clicks_days(), c.quarantine_released_days(), c.quarantine_held_days(), c.audit_days(),
                c.spam_pending_days(), c.spam_expired_rules_days(), c.spam_trained_days(), c.spam_seen_days(),
                Duration.ofHours(c.interval_hours()), c.batch_size());
    }

    private static void days(String property, int value) {
        if (value < 0 || value > MAX_DAYS) {
            throw new IllegalArgumentException(PID + ": " + property + " must be 0 (keep forever) to " + MAX_DAYS
                    + " days, got " + value);
        }
    }
}
