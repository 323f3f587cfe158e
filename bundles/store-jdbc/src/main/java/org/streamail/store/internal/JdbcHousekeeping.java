package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.store.Housekeeping;
import org.streamail.api.store.StoreException;

/**
 * Store housekeeping (PID {@code org.streamail.store.housekeeping}): deletes rows older than their configured
 * age from the tables that otherwise grow without bound (message log, alerts, link deliveries and clicks,
 * quarantine records, retention and isolation audit, spam fingerprints nobody confirmed, expired block rules,
 * summaries of inspected messages, optionally the spam training records). Held quarantine entries are only expired when
 * {@code quarantine.held.days} is set; they are then deleted the way an admin deletes them
 * ({@code status = DELETED}, message bytes dropped, acted by {@value #ACTOR}), and the record itself goes
 * {@code quarantine.released.days} later.
 *
 * <p>Each table is cleaned in batches of {@code batch.size} rows, oldest first, one transaction per batch
 * (so rows stay locked briefly and the gateway keeps writing), until a batch finds fewer rows or
 * {@value #MAX_BATCHES_PER_TABLE} batches ran; the rest waits for the next run. The statements are plain
 * {@code DELETE ... WHERE key IN (SELECT key ... ORDER BY time FETCH FIRST n ROWS ONLY)}, the same on H2 and
 * PostgreSQL, and every time column used has an index (V5 and V6 added the missing ones). Several nodes on one
 * PostgreSQL may run it at once: they delete the same old rows, and a row already gone is simply not counted.
 *
 * <p>Lifecycle: active while its DataSource is registered (reference {@code DataSource}; its target is this
 * PID's {@code DataSource.target}, by default the same DataSource as the stores). Activation validates the configuration (a bad value fails it with
 * an {@link IllegalArgumentException} naming the property) and starts one daemon thread, which runs one
 * minute later and then every {@code interval.hours}. The schema is migrated through {@link SchemaGate}
 * before the first run. A run logs one INFO line with the counts per table; a failure is logged at WARN and
 * retried at the next interval; nothing is thrown into DS. Deactivation interrupts the thread (checked
 * between batches) and waits up to {@link #STOP_WAIT}.
 *
 * <p>Threading: runs are serialised ({@link #runOnce()} is synchronized). Registered as {@link Housekeeping}, so
 * an administrator can run it now ({@code streamail:housekeeping-run}).
 */
@Component(service = Housekeeping.class, name = HousekeepingSettings.PID, configurationPid = HousekeepingSettings.PID,
        immediate = true)
@Designate(ocd = HousekeepingConfig.class)
public final class JdbcHousekeeping implements Housekeeping {

    static final String ACTOR = "housekeeping";
    static final Duration FIRST_RUN_DELAY = Duration.ofMinutes(1);
    static final Duration STOP_WAIT = Duration.ofSeconds(10);
    /** Per table and run: 10,000 batches (10 million rows at the default size); the rest waits a run. */
    static final int MAX_BATCHES_PER_TABLE = 10_000;
    /** A batch that takes longer than this is cancelled, so locks are never held for long. */
    static final int BATCH_TIMEOUT_SECONDS = 300;
    private static final long DAY_MILLIS = TimeUnit.DAYS.toMillis(1);
    private static final Logger LOG = LoggerFactory.getLogger(JdbcHousekeeping.class);

    /**
     * One cleaning pass. {@code sql} takes (cut-off, limit), or (now, cut-off, limit) when {@code expire}; the
     * cut-off is bound {@code cutoffs} times. Each batch first locks the spam change counter {@code lockArea} (when
     * not null), as the spam store's writers of that area do, and a batch that changed rows also advances the
     * counter {@code generationArea} (when not null) in its transaction, so every node reloads what it caches.
     */
    private record Pass(String name, int days, String sql, boolean expire, int cutoffs, String lockArea,
            String generationArea) {

        Pass(String name, int days, String sql, boolean expire) {
            this(name, days, sql, expire, 1, null, null);
        }
    }

    /**
     * What a run did: rows per pass (a pass whose days are 0 is absent), transactions committed, passes that
     * failed (name to message), whether some pass stopped at {@link #MAX_BATCHES_PER_TABLE} or was interrupted.
     */
    record Report(Map<String, Long> counts, int transactions, Map<String, String> failures, boolean incomplete,
            Duration took) {
    }

    private final DataSource dataSource;
    private final HousekeepingSettings settings;
    private final Clock clock;
    private final SchemaGate schema;
    private final List<Pass> passes;
    private final ScheduledExecutorService scheduler;

    @Activate
    public JdbcHousekeeping(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource,
            HousekeepingConfig config, Map<String, Object> properties) {
        this(dataSource, HousekeepingSettings.from(checked(config, properties)), Clock.systemUTC(), FIRST_RUN_DELAY);
    }

    /**
     * Checks the raw properties before any config method is read ({@code message.log.days = 30days} would fail
     * in DS without naming the property) and logs each key nothing reads (a probable typo). Returns config.
     */
    private static HousekeepingConfig checked(HousekeepingConfig config, Map<String, Object> properties) {
        ConfigCheck.check(HousekeepingSettings.PID, HousekeepingConfig.class, properties).forEach(k ->
                LOG.warn("{}: unknown property '{}' ignored (misspelled?)", HousekeepingSettings.PID, k));
        return config;
    }

    /**
     * @param firstRun delay of the first run; {@code null}: no thread, runs only through {@link #runOnce()}
     */
    JdbcHousekeeping(DataSource dataSource, HousekeepingSettings settings, Clock clock, Duration firstRun) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        this.passes = passes(settings);
        if (firstRun == null) {
            scheduler = null;
        } else {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-store-housekeeping");
                t.setDaemon(true);
                return t;
            });
            // Never let the scheduler die (an OutOfMemoryError included, which this used to rethrow: housekeeping then
            // stopped for good): the next interval tries again.
            scheduler.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(this::runOnce, e -> LOG.warn(
                    "Store housekeeping failed: {}; retried in {} h", e.toString(), settings.interval().toHours(), e)),
                    Math.max(0, firstRun.toMillis()),
                    settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
        LOG.info("Store housekeeping active: {}, every {} h, batches of {}", describe(settings),
                settings.interval().toHours(), settings.batchSize());
    }

    @Deactivate
    void deactivate() {
        if (scheduler == null) {
            return;
        }
        scheduler.shutdownNow();
        try {
            if (!scheduler.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("Store housekeeping: a batch was still running at shutdown; it ends within {} s",
                        BATCH_TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<Pass> passes(HousekeepingSettings s) {
        List<Pass> out = new ArrayList<>();
        // Held entries first: expired ones become DELETED records now and are dropped released.days later.
        out.add(new Pass("quarantine_expired", s.quarantineHeldDays(), "UPDATE quarantine SET status = "
                + "'DELETED', acted_by = '" + ACTOR + "', acted_at = ?, raw_message = NULL WHERE status = 'HELD' AND id IN "
                + "(SELECT id FROM quarantine WHERE status = 'HELD' AND quarantined_at < ? ORDER BY quarantined_at "
                + "OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY)", true));
        out.add(new Pass("quarantine_released", s.quarantineReleasedDays(), "DELETE FROM quarantine WHERE "
                + "id IN (SELECT id FROM quarantine WHERE status IN ('RELEASED', 'DELETED') AND acted_at < ? "
                + "ORDER BY acted_at OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY)", false));
        out.add(delete("message_log", s.messageLogDays(), "message_log", "id", "received_at"));
        out.add(delete("alert", s.alertsDays(), "alert", "id", "created_at"));
        out.add(delete("link_delivery", s.linkDeliveriesDays(), "link_delivery", "message_id, recipient, url_hash",
                "delivered_at"));
        out.add(delete("link_click", s.clicksDays(), "link_click", "id", "clicked_at"));
        out.add(delete("retention_audit", s.auditDays(), "retention_audit", "id", "acted_at"));
        out.add(delete("isolation_audit", s.auditDays(), "isolation_audit", "id", "acted_at"));
        // Spam (schema V3). A PENDING fingerprint never blocked anything and no node holds it; it goes when
        // nobody has reported it for the period (its reports cascade). BLOCKING and LIFTED ones are the
        // gateway's memory and stay.
        out.add(new Pass("spam_pending", s.spamPendingDays(), "DELETE FROM spam_fingerprint WHERE id IN (SELECT f.id "
                + "FROM spam_fingerprint f WHERE f.state = 'PENDING' AND f.created_at < ? AND NOT EXISTS (SELECT 1 "
                + "FROM spam_report r WHERE r.fingerprint_id = f.id AND r.reported_at >= ?) ORDER BY f.created_at "
                + "OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY)", false, 2, "fingerprint", null));
        // Nodes cache the rules and reload them when the 'rule' counter moves: advance it with the delete.
        out.add(new Pass("spam_expired_rules", s.spamExpiredRulesDays(), "DELETE FROM spam_block_rule WHERE id IN "
                + "(SELECT id FROM spam_block_rule WHERE expires_at IS NOT NULL AND expires_at < ? ORDER BY "
                + "expires_at OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY)", false, 1, "rule", "rule"));
        out.add(delete("spam_trained", s.spamTrainedDays(), "spam_trained", "message_key", "trained_at"));
        // Summaries of inspected messages (V8): each detect-spam node deletes them after its recent.shared.hours;
        // this pass catches what is left when no node does (all turned off, or gone).
        out.add(delete("spam_seen", s.spamSeenDays(), "spam_seen", "gateway_id", "seen_at"));
        return List.copyOf(out);
    }

    /** Recipient rows of the message log and the quarantine go with their entry (ON DELETE CASCADE, V1). */
    private static Pass delete(String name, int days, String table, String key, String time) {
        String k = key.contains(",") ? "(" + key + ")" : key;
        return new Pass(name, days, "DELETE FROM " + table + " WHERE " + k + " IN (SELECT " + key + " FROM " + table
                + " WHERE " + time + " < ? ORDER BY " + time + " OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY)", false);
    }

    @Override
    public Result runNow() {
        LOG.info("Store housekeeping: run requested now");
        Report r = runOnce();
        return new Result(r.counts(), r.failures(), r.incomplete(), r.took());
    }

    /** One run over every table; logs its outcome. Runs are serialised. Never throws for database failures. */
    synchronized Report runOnce() {
        long started = System.nanoTime();
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, String> failures = new LinkedHashMap<>();
        int[] transactions = {0};
        boolean incomplete = false;
        try {
            schema.ensure();
        } catch (StoreException e) {
            LOG.warn("Store housekeeping skipped: the database is not ready ({}); retried in {} h", e.getMessage(),
                    settings.interval().toHours());
            return new Report(counts, 0, Map.of("schema", String.valueOf(e.getMessage())), true,
                    Duration.ofNanos(System.nanoTime() - started));
        }
        long now = clock.millis();
        for (Pass p : passes) {
            if (p.days() == 0) {
                continue;
            }
            if (Thread.currentThread().isInterrupted()) {
                incomplete = true;
                break;
            }
            long[] done = {0};
            try {
                incomplete |= run(p, now, now - p.days() * DAY_MILLIS, done, transactions);
            } catch (SQLException | RuntimeException e) {
                // Cut: a driver message may quote the whole statement; one WARN line is enough.
                failures.put(p.name(), IncidentSql.clip(String.valueOf(e.getMessage()).replace('\n', ' '), 300));
            }
            counts.put(p.name(), done[0]);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Report report = new Report(Collections.unmodifiableMap(counts), transactions[0],
                Collections.unmodifiableMap(failures), incomplete, took);
        String line = summary(counts);
        if (failures.isEmpty()) {
            LOG.info("Store housekeeping: {} ({} transactions, {} ms){}", line, transactions[0], took.toMillis(),
                    incomplete ? "; more remain for the next run" : "");
        } else {
            LOG.warn("Store housekeeping: {} ({} ms); failed: {}; retried in {} h", line, took.toMillis(), failures,
                    settings.interval().toHours());
        }
        return report;
    }

    /**
     * Runs one pass in batches on one connection, committing each; adds to {@code done} as it goes so a
     * failure still reports what was committed. Returns whether it stopped before the table was clean.
     */
    private boolean run(Pass p, long now, long cutoff, long[] done, int[] transactions) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(p.sql())) {
                ps.setQueryTimeout(BATCH_TIMEOUT_SECONDS);
                for (int batch = 0; batch < MAX_BATCHES_PER_TABLE; batch++) {
                    if (Thread.currentThread().isInterrupted()) {
                        return true;
                    }
                    int i = 1;
                    if (p.expire()) {
                        ps.setLong(i++, now);
                    }
                    for (int k = 0; k < p.cutoffs(); k++) {
                        ps.setLong(i++, cutoff);
                    }
                    ps.setInt(i, settings.batchSize());
                    int n;
                    try {
                        if (p.lockArea() != null) {
                            // Every other writer of the area takes its counter first, then touches rows. Deleting
                            // first and locking after deadlocked against an administrator removing a deleted rule on
                            // another node (who held the counter and waited for the row), and a report committed
                            // while the delete waited for it was lost by the cascade.
                            JdbcSpamStore.lockArea(c, p.lockArea());
                        }
                        n = ps.executeUpdate();
                        if (n > 0 && p.generationArea() != null) {
                            advance(c, p.generationArea());
                        }
                        c.commit();
                    } catch (SQLException | RuntimeException e) {
                        Jdbc.rollbackQuietly(c, e);
                        throw e;
                    }
                    transactions[0]++;
                    done[0] += n;
                    if (n < settings.batchSize()) {
                        return false;
                    }
                }
                return true;
            } finally {
                try {
                    c.setAutoCommit(autoCommit);
                } catch (SQLException ignored) {
                    // closed next; a pool resets it anyway
                }
            }
        }
    }

    private static void advance(Connection c, String area) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE spam_generation SET counter = counter + 1 WHERE area = ?")) {
            up.setString(1, area);
            up.executeUpdate();
        }
    }

    private static String summary(Map<String, Long> counts) {
        if (counts.isEmpty()) {
            return "nothing to do (every table is kept forever)";
        }
        StringBuilder b = new StringBuilder();
        counts.forEach((name, n) -> b.append(b.length() == 0 ? "" : ", ").append(name).append(' ').append(n));
        return b.toString();
    }

    private static String describe(HousekeepingSettings s) {
        return "message log " + days(s.messageLogDays()) + ", alerts " + days(s.alertsDays()) + ", link deliveries "
                + days(s.linkDeliveriesDays()) + ", clicks " + days(s.clicksDays()) + ", quarantine released/deleted "
                + days(s.quarantineReleasedDays()) + ", quarantine held " + days(s.quarantineHeldDays())
                + ", audit trails " + days(s.auditDays()) + ", unconfirmed spam reports " + days(s.spamPendingDays())
                + ", expired block rules " + days(s.spamExpiredRulesDays()) + ", spam training records "
                + days(s.spamTrainedDays()) + ", inspected message summaries " + days(s.spamSeenDays());
    }

    private static String days(int d) {
        return d == 0 ? "kept forever" : d + " d";
    }
}
