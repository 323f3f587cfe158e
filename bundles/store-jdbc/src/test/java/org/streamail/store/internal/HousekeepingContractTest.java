package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.SpamStore;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineEntry.Status;
import org.streamail.testsupport.MutableClock;

/**
 * What store housekeeping must do on every database ({@link H2HousekeepingTest}, {@link PostgresHousekeepingTest}):
 * per table, rows older than the cut-off go and newer ones stay, by the right time column; 0 keeps forever;
 * batching; held quarantine kept unless {@code quarantine.held.days} is set; a failing table does not stop the
 * others; the scheduled thread runs and stops. Rows are written with plain SQL at chosen times, except the
 * quarantine, which goes through its store so its own reads check the result.
 */
abstract class HousekeepingContractTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    protected abstract DataSource newDatabase() throws Exception;

    protected DataSource ds;

    @BeforeEach
    void createDatabase() throws Exception {
        ds = newDatabase();
        SchemaMigrator.fromBundle().migrate(ds);
    }

    // ---------------------------------------------------------------- fixtures

    private static HousekeepingSettings settings(int messageLog, int alerts, int deliveries, int clicks, int released,
            int held, int audit, int batch) {
        return new HousekeepingSettings(messageLog, alerts, deliveries, clicks, released, held, audit, 0, 0, 0, 0,
                Duration.ofHours(24), batch);
    }

    private static HousekeepingSettings only(String what, int days, int batch) {
        return settings(what.equals("message_log") ? days : 0, what.equals("alert") ? days : 0, 0, 0, 0, 0, 0, batch);
    }

    private JdbcHousekeeping housekeeping(HousekeepingSettings s, Instant now) {
        return new JdbcHousekeeping(ds, s, new MutableClock(now), null);
    }

    /** Just older than {@code days} before NOW, or just younger when {@code older} is false. */
    private static Instant around(int days, boolean older) {
        Instant cut = NOW.minus(Duration.ofDays(days));
        return older ? cut.minus(HOUR) : cut.plus(HOUR);
    }

    private void sql(String sql, Object... args) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                Object a = args[i];
                if (a instanceof Instant t) {
                    ps.setLong(i + 1, t.toEpochMilli());
                } else {
                    ps.setObject(i + 1, a);
                }
            }
            ps.executeUpdate();
        }
    }

    private long count(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private List<String> ids(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private void messageLog(String id, Instant at) throws Exception {
        sql("INSERT INTO message_log (id, message_id, subject, sender, client_ip, envelope_json, received_chain_json, "
                + "size_bytes, verdict_json, action, status, status_detail, received_at, updated_at) VALUES "
                + "(?, '<m@x>', 's', 'a@x.example', '192.0.2.1', '{}', '[]', 10, NULL, NULL, 'RECEIVED', '', ?, ?)",
                id, at, NOW);
        sql("INSERT INTO message_log_rcpt (id, recipient) VALUES (?, 'r1@example.org')", id);
        sql("INSERT INTO message_log_rcpt (id, recipient) VALUES (?, 'r2@example.org')", id);
    }

    private void alert(String id, Instant at) throws Exception {
        sql("INSERT INTO alert (id, created_at, severity, kind, subject, message_id, recipient, title, detail, "
                + "occurrences) VALUES (?, ?, 'HIGH', 'intrusion', '198.51.100.7', '', '', 't', 'd', 1)", id, at);
    }

    private void delivery(String messageId, Instant at) throws Exception {
        sql("INSERT INTO link_delivery (message_id, recipient, url_hash, url, delivered_at) VALUES "
                + "(?, 'r@example.org', ?, 'https://a.example/', ?)", messageId, "a".repeat(64), at);
    }

    private void click(String id, Instant at) throws Exception {
        sql("INSERT INTO link_click (id, clicked_at, message_id, recipient, url_hash, url, client_ip, mac, blocked, "
                + "reason) VALUES (?, ?, 'm', 'r@example.org', ?, 'https://a.example/', '192.0.2.9', '', ?, '')",
                id, at, "b".repeat(64), Boolean.FALSE);
    }

    private void retentionAudit(String id, Instant at) throws Exception {
        sql("INSERT INTO retention_audit (id, mailbox, folder, message_id, content_hash, expiry, rule_text, action, "
                + "acted_at, actor, dry_run, detail) VALUES (?, 'u@example.org', 'INBOX', '<m@x>', '', NULL, 'r', "
                + "'DELETE', ?, 'sweeper', ?, '')", id, at, Boolean.FALSE);
    }

    private void isolationAudit(String ip, Instant at) throws Exception {
        sql("INSERT INTO isolation_audit (acted_at, actor, action, ip, reason, rules_before, rules_after) VALUES "
                + "(?, 'admin', 'isolate', ?, 'r', '', ?)", at, ip, ip);
    }

    private static Envelope envelope() {
        return new Envelope("a@sender.example", List.of("r1@example.org", "r2@example.org"), "203.0.113.7",
                "mx.sender.example", true, NOW, Direction.INBOUND, null);
    }

    /** Holds {@code id} at {@code heldAt}; then releases or deletes it at {@code actedAt} unless status is HELD. */
    private void quarantine(String id, Instant heldAt, Status status, Instant actedAt) {
        MutableClock clock = new MutableClock(heldAt);
        JdbcQuarantineStore store = new JdbcQuarantineStore(ds, clock);
        store.hold(id, "<" + id + "@x>", "s", envelope(), new Verdict(Action.QUARANTINE, 9, List.of(), List.of(),
                "test"), ("raw " + id).getBytes());
        if (status != Status.HELD) {
            clock.advance(Duration.between(heldAt, actedAt));
            assertThat(store.transition(id, status, "admin")).isTrue();
        }
    }

    /** One old and one young row in every table, at the given days (the defaults in the first test). */
    private void fillAll(int messageLog, int alerts, int deliveries, int clicks, int audit) throws Exception {
        messageLog("ml-old", around(messageLog, true));
        messageLog("ml-new", around(messageLog, false));
        alert("al-old", around(alerts, true));
        alert("al-new", around(alerts, false));
        delivery("ld-old", around(deliveries, true));
        delivery("ld-new", around(deliveries, false));
        click("lc-old", around(clicks, true));
        click("lc-new", around(clicks, false));
        retentionAudit("ra-old", around(audit, true));
        retentionAudit("ra-new", around(audit, false));
        isolationAudit("10.0.0.1", around(audit, true));
        isolationAudit("10.0.0.2", around(audit, false));
    }

    // ---------------------------------------------------------------- tests

    @Test
    void theDefaultsDeleteRowsOlderThanTheirCutOffAndKeepNewerOnesInEveryTable() throws Exception {
        fillAll(90, 180, 30, 90, 365);
        quarantine("q-held-ancient", NOW.minus(Duration.ofDays(1000)), Status.HELD, null);
        // released and deleted records go by when they were acted on, not when they were quarantined
        quarantine("q-rel-old", around(40, true), Status.RELEASED, around(30, true));
        quarantine("q-del-old", around(40, true), Status.DELETED, around(30, true));
        quarantine("q-rel-new", NOW.minus(Duration.ofDays(100)), Status.RELEASED, around(30, false));

        JdbcHousekeeping.Report report = housekeeping(HousekeepingSettings.defaults(), NOW).runOnce();

        assertThat(report.failures()).isEmpty();
        assertThat(report.incomplete()).isFalse();
        assertThat(report.counts()).containsEntry("message_log", 1L).containsEntry("alert", 1L)
                .containsEntry("link_delivery", 1L).containsEntry("link_click", 1L)
                .containsEntry("retention_audit", 1L).containsEntry("isolation_audit", 1L)
                .containsEntry("quarantine_released", 2L).doesNotContainKey("quarantine_expired");
        assertThat(ids("SELECT id FROM message_log")).containsExactly("ml-new");
        assertThat(ids("SELECT DISTINCT id FROM message_log_rcpt")).containsExactly("ml-new"); // cascaded
        assertThat(ids("SELECT id FROM alert")).containsExactly("al-new");
        assertThat(ids("SELECT message_id FROM link_delivery")).containsExactly("ld-new");
        assertThat(ids("SELECT id FROM link_click")).containsExactly("lc-new");
        assertThat(ids("SELECT id FROM retention_audit")).containsExactly("ra-new");
        assertThat(ids("SELECT ip FROM isolation_audit")).containsExactly("10.0.0.2");
        assertThat(ids("SELECT id FROM quarantine")).containsExactlyInAnyOrder("q-held-ancient", "q-rel-new");
        assertThat(ids("SELECT DISTINCT id FROM quarantine_rcpt")).containsExactlyInAnyOrder("q-held-ancient",
                "q-rel-new");
        // held mail is never dropped by default: still HELD, bytes intact
        JdbcQuarantineStore store = new JdbcQuarantineStore(ds);
        assertThat(store.get("q-held-ancient")).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(Status.HELD));
        assertThat(store.raw("q-held-ancient")).hasValueSatisfying(r -> assertThat(new String(r)).isEqualTo(
                "raw q-held-ancient"));

        // a second run finds nothing more
        assertThat(housekeeping(HousekeepingSettings.defaults(), NOW).runOnce().counts().values())
                .containsOnly(0L);
    }

    @Test
    void otherDaysMoveTheCutOffPerTable() throws Exception {
        fillAll(7, 3, 2, 5, 10);
        JdbcHousekeeping.Report report = housekeeping(settings(7, 3, 2, 5, 30, 0, 10, 1000), NOW).runOnce();
        assertThat(report.counts()).containsEntry("message_log", 1L).containsEntry("alert", 1L)
                .containsEntry("link_delivery", 1L).containsEntry("link_click", 1L)
                .containsEntry("retention_audit", 1L).containsEntry("isolation_audit", 1L);
        assertThat(ids("SELECT id FROM message_log")).containsExactly("ml-new");
        assertThat(ids("SELECT id FROM alert")).containsExactly("al-new");
        assertThat(ids("SELECT message_id FROM link_delivery")).containsExactly("ld-new");
        assertThat(ids("SELECT id FROM link_click")).containsExactly("lc-new");
        assertThat(ids("SELECT id FROM retention_audit")).containsExactly("ra-new");
        assertThat(ids("SELECT ip FROM isolation_audit")).containsExactly("10.0.0.2");
    }

    @Test
    void zeroDaysKeepEveryRowForever() throws Exception {
        fillAll(1, 1, 1, 1, 1);
        alert("al-ancient", Instant.EPOCH);
        quarantine("q-rel-ancient", Instant.EPOCH, Status.RELEASED, Instant.EPOCH.plusSeconds(1));
        quarantine("q-held-ancient", Instant.EPOCH, Status.HELD, null);

        JdbcHousekeeping.Report report = housekeeping(settings(0, 0, 0, 0, 0, 0, 0, 1000), NOW).runOnce();

        assertThat(report.counts()).isEmpty();
        assertThat(report.transactions()).isZero();
        assertThat(count("SELECT COUNT(*) FROM message_log")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM alert")).isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM link_delivery")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM link_click")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM retention_audit")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM isolation_audit")).isEqualTo(2);
        assertThat(count("SELECT COUNT(*) FROM quarantine")).isEqualTo(2);
    }

    @Test
    void aBacklogIsDeletedInBatchesOfBatchSizeEachInItsOwnTransaction() throws Exception {
        for (int i = 0; i < 35; i++) {
            alert(String.format(Locale.ROOT, "old-%02d", i), around(180, true).minusSeconds(i));
        }
        for (int i = 0; i < 5; i++) {
            alert("new-" + i, around(180, false));
        }

        JdbcHousekeeping.Report report = housekeeping(only("alert", 180, 10), NOW).runOnce();

        assertThat(report.counts()).containsExactly(java.util.Map.entry("alert", 35L));
        assertThat(report.transactions()).isEqualTo(4); // 10 + 10 + 10 + 5
        assertThat(ids("SELECT id FROM alert")).containsExactlyInAnyOrder("new-0", "new-1", "new-2", "new-3", "new-4");
    }

    @Test
    void anExactMultipleOfTheBatchSizeEndsWithAnEmptyBatch() throws Exception {
        for (int i = 0; i < 20; i++) {
            messageLog("old-" + i, around(90, true).minusSeconds(i));
        }
        JdbcHousekeeping.Report report = housekeeping(only("message_log", 90, 10), NOW).runOnce();
        assertThat(report.counts()).containsEntry("message_log", 20L);
        assertThat(report.transactions()).isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM message_log")).isZero();
        assertThat(count("SELECT COUNT(*) FROM message_log_rcpt")).isZero();
    }

    @Test
    void heldQuarantineIsDeletedLikeAnAdminDeleteOnlyWhenHeldDaysIsSet() throws Exception {
        quarantine("q-held-old", around(30, true), Status.HELD, null);
        quarantine("q-held-new", around(30, false), Status.HELD, null);
        HousekeepingSettings held30 = settings(0, 0, 0, 0, 30, 30, 0, 1000);

        JdbcHousekeeping.Report report = housekeeping(held30, NOW).runOnce();

        assertThat(report.counts()).containsEntry("quarantine_expired", 1L).containsEntry("quarantine_released", 0L);
        JdbcQuarantineStore store = new JdbcQuarantineStore(ds);
        QuarantineEntry expired = store.get("q-held-old").orElseThrow();
        assertThat(expired.status()).isEqualTo(Status.DELETED);
        assertThat(expired.actedBy()).isEqualTo(JdbcHousekeeping.ACTOR);
        assertThat(expired.actedAt()).isEqualTo(NOW);
        assertThat(store.raw("q-held-old")).isEmpty();
        assertThat(count("SELECT COUNT(*) FROM quarantine WHERE raw_message IS NOT NULL")).isEqualTo(1);
        assertThat(store.get("q-held-new")).hasValueSatisfying(e -> assertThat(e.status()).isEqualTo(Status.HELD));
        assertThat(store.raw("q-held-new")).isPresent();

        // the DELETED record itself goes quarantine.released.days after the expiry
        JdbcHousekeeping.Report later = housekeeping(held30, NOW.plus(Duration.ofDays(31))).runOnce();
        assertThat(later.counts()).containsEntry("quarantine_released", 1L);
        assertThat(store.get("q-held-old")).isEmpty();
        assertThat(ids("SELECT DISTINCT id FROM quarantine_rcpt")).containsExactly("q-held-new");
        // q-held-new is now 61 days old and expires in that run
        assertThat(later.counts()).containsEntry("quarantine_expired", 1L);
    }

    @Test
    void aFailingTableIsReportedAndTheOthersAreStillCleaned() throws Exception {
        fillAll(90, 180, 30, 90, 365);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE alert");
        }

        JdbcHousekeeping.Report report = housekeeping(HousekeepingSettings.defaults(), NOW).runOnce();

        assertThat(report.failures()).containsOnlyKeys("alert");
        assertThat(report.counts()).containsEntry("message_log", 1L).containsEntry("link_click", 1L)
                .containsEntry("isolation_audit", 1L);
        assertThat(ids("SELECT id FROM message_log")).containsExactly("ml-new");
    }

    private void fingerprint(String id, String state, Instant created, Instant... reports) throws Exception {
        sql("INSERT INTO spam_fingerprint (id, minhash, attachments, state, created_at, generation) VALUES "
                + "(?, ?, '', ?, ?, 1)", id, new byte[0], state, created);
        for (int i = 0; i < reports.length; i++) {
            sql("INSERT INTO spam_report (fingerprint_id, reporter, kind, is_admin, sender, reported_at) VALUES "
                    + "(?, ?, 'SPAM', ?, 'x@spam.example', ?)", id, "user" + i + "@example.org", Boolean.FALSE,
                    reports[i]);
        }
    }

    private void rule(String id, Instant expires) throws Exception {
        sql("INSERT INTO spam_block_rule (id, rule_type, rule_value, reason, created_by, created_at, expires_at, "
                + "rule_source) VALUES (?, 'SENDER', ?, 'r', 'admin', ?, ?, 'ADMIN')", id, id + "@spam.example",
                NOW.minus(Duration.ofDays(400)), expires == null ? null : expires.toEpochMilli());
    }

    private static HousekeepingSettings spamOnly(int pending, int expiredRules, int trained) {
        return spamOnly(pending, expiredRules, trained, 0);
    }

    private static HousekeepingSettings spamOnly(int pending, int expiredRules, int trained, int seen) {
        return new HousekeepingSettings(0, 0, 0, 0, 0, 0, 0, pending, expiredRules, trained, seen,
                Duration.ofHours(24), 1000);
    }

    @Test
    void unconfirmedSpamFingerprintsGoWithTheirReportsWhenNobodyReportedThemForThePeriod() throws Exception {
        // ids are hex, as the store requires: a* pending, b1 blocking, c1 lifted
        fingerprint("a1", "PENDING", around(90, true).minus(Duration.ofDays(10)), around(90, true)); // stale
        fingerprint("a2", "PENDING", around(90, true).minus(Duration.ofDays(10)),
                around(90, true), around(90, false)); // reported again lately
        fingerprint("a3", "PENDING", around(90, false)); // young
        fingerprint("a4", "PENDING", around(90, true)); // old, no report row at all
        fingerprint("b1", "BLOCKING", Instant.EPOCH, Instant.EPOCH);
        fingerprint("c1", "LIFTED", Instant.EPOCH, Instant.EPOCH);

        JdbcHousekeeping.Report report = housekeeping(HousekeepingSettings.defaults(), NOW).runOnce();

        assertThat(report.failures()).isEmpty();
        assertThat(report.counts()).containsEntry("spam_pending", 2L);
        assertThat(ids("SELECT id FROM spam_fingerprint")).containsExactlyInAnyOrder("a2",
                "a3", "b1", "c1");
        assertThat(ids("SELECT DISTINCT fingerprint_id FROM spam_report")).containsExactlyInAnyOrder(
                "a2", "b1", "c1"); // cascaded
        // the store still reads what is left, and its report tally is intact
        JdbcSpamStore store = new JdbcSpamStore(ds);
        assertThat(store.fingerprint("a1")).isEmpty();
        assertThat(store.tally("a2").spamReporters()).isEqualTo(2);
    }

    @Test
    void blockRulesExpiredLongerAgoThanThePeriodAreDeletedAndEveryNodeIsToldToReload() throws Exception {
        rule("expired-long-ago", around(30, true));
        rule("expired-lately", around(30, false));
        rule("expires-later", NOW.plus(Duration.ofDays(5)));
        rule("never-expires", null);
        JdbcSpamStore store = new JdbcSpamStore(ds);
        long before = store.rulesGeneration();

        JdbcHousekeeping.Report report = housekeeping(HousekeepingSettings.defaults(), NOW).runOnce();

        assertThat(report.counts()).containsEntry("spam_expired_rules", 1L);
        assertThat(store.rules()).extracting(r -> r.id()).containsExactlyInAnyOrder("expired-lately",
                "expires-later", "never-expires");
        assertThat(store.rulesGeneration()).isGreaterThan(before);

        // nothing deleted: the counter stays, so no node reloads for nothing
        long after = store.rulesGeneration();
        assertThat(housekeeping(HousekeepingSettings.defaults(), NOW).runOnce().counts())
                .containsEntry("spam_expired_rules", 0L);
        assertThat(store.rulesGeneration()).isEqualTo(after);
    }

    /**
     * An administrator removes an expired rule on node B while housekeeping on node A deletes it. Every rule writer
     * takes the {@code rule} counter first and then touches rule rows; housekeeping used to delete the rows first and
     * take the counter after, so A held the row and waited for the counter while B held the counter and waited for
     * the row: a deadlock, and the database aborted one of them (B's removal failed with a StoreException, or A's
     * pass). The delete is held open here until B is waiting, so the interleaving is the same on every run.
     */
    @Test
    void housekeepingAndARuleRemovalOnAnotherNodeAtOnceDoNotDeadlock() throws Exception {
        rule("expired-long-ago", around(30, true));
        JdbcSpamStore nodeB = new JdbcSpamStore(ds);
        long before = nodeB.rulesGeneration();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            List<Future<Boolean>> removal = new ArrayList<>();
            DataSource paused = afterStatement(ds, "DELETE FROM spam_block_rule", () -> {
                removal.add(other.submit(() -> nodeB.removeRule("expired-long-ago")));
                Thread.sleep(700); // B is now waiting for a lock A holds
                return null;
            });

            JdbcHousekeeping.Report report = new JdbcHousekeeping(paused, spamOnly(0, 30, 0), new MutableClock(NOW), null)
                    .runOnce();

            assertThat(report.failures()).isEmpty();
            assertThat(report.counts()).containsEntry("spam_expired_rules", 1L);
            assertThat(removal).hasSize(1);
            assertThat(removal.get(0).get(30, TimeUnit.SECONDS)).isFalse(); // housekeeping got there first
            assertThat(nodeB.rules()).isEmpty();
            assertThat(nodeB.rulesGeneration()).isEqualTo(before + 2);
        } finally {
            other.shutdownNow();
        }
    }

    /**
     * A user reports an old unconfirmed fingerprint on node B while housekeeping on node A deletes it. The report's
     * insert was not committed when A's DELETE chose its rows, so A did not see it, waited for B's lock, then deleted
     * the fingerprint and, by the cascade, the report B had just committed: recordReport had returned true and the
     * report was gone. Housekeeping and every report now take the {@code fingerprint} counter first, so A's choice is
     * made after B's commit and the reported fingerprint stays.
     */
    @Test
    void aReportCommittedWhileHousekeepingDeletesItsFingerprintIsNotLost() throws Exception {
        fingerprint("a1", "PENDING", around(90, true).minus(Duration.ofDays(10)), around(90, true)); // stale
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            List<Future<JdbcHousekeeping.Report>> run = new ArrayList<>();
            DataSource paused = afterStatement(ds, "INSERT INTO spam_report", () -> {
                run.add(other.submit(() -> housekeeping(spamOnly(90, 0, 0), NOW).runOnce()));
                Thread.sleep(700); // A is now waiting for B
                return null;
            });

            assertThat(new JdbcSpamStore(paused).recordReport(new SpamStore.Report("a1", "late@example.org",
                    ReportKind.SPAM, false, "x@spam.example", NOW))).isTrue();

            assertThat(run).hasSize(1);
            assertThat(run.get(0).get(30, TimeUnit.SECONDS).failures()).isEmpty();
            JdbcSpamStore store = new JdbcSpamStore(ds);
            assertThat(store.fingerprint("a1")).isPresent();
            assertThat(store.tally("a1").spamReporters()).isEqualTo(2);
        } finally {
            other.shutdownNow();
        }
    }

    /** A DataSource whose prepared statements starting with {@code prefix} run {@code hook} after they execute. */
    private static DataSource afterStatement(DataSource target, String prefix, Callable<?> hook) {
        InvocationHandler onDataSource = (proxy, method, args) -> {
            Object result = invoke(target, method, args);
            if (!(result instanceof Connection connection)) {
                return result;
            }
            return Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (cp, cm, cargs) -> {
                        Object r = invoke(connection, cm, cargs);
                        if (cm.getName().equals("prepareStatement") && r instanceof PreparedStatement ps
                                && ((String) cargs[0]).startsWith(prefix)) {
                            return Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                                    new Class<?>[] {PreparedStatement.class}, (sp, sm, sargs) -> {
                                        Object out = invoke(ps, sm, sargs);
                                        if (sm.getName().equals("executeUpdate")) {
                                            hook.call();
                                        }
                                        return out;
                                    });
                        }
                        return r;
                    });
        };
        return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                onDataSource);
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void spamTrainingRecordsAreKeptByDefaultAndDroppedByAgeWhenSet() throws Exception {
        sql("INSERT INTO spam_trained (message_key, kind, tokens, trained_at) VALUES ('old', 'SPAM', ?, ?)",
                new byte[8], around(200, true));
        sql("INSERT INTO spam_trained (message_key, kind, tokens, trained_at) VALUES ('new', 'HAM', ?, ?)",
                new byte[8], around(200, false));

        assertThat(housekeeping(HousekeepingSettings.defaults(), NOW).runOnce().counts())
                .doesNotContainKey("spam_trained");
        assertThat(count("SELECT COUNT(*) FROM spam_trained")).isEqualTo(2);

        JdbcHousekeeping.Report report = housekeeping(spamOnly(0, 0, 200), NOW).runOnce();
        assertThat(report.counts()).containsOnlyKeys("spam_trained").containsEntry("spam_trained", 1L);
        assertThat(ids("SELECT message_key FROM spam_trained")).containsExactly("new");
    }

    /** The backstop behind the detect-spam nodes' own recent.shared.hours: 30 days by default. */
    @Test
    void summariesOfInspectedMessagesAreDroppedByAgeThirtyDaysByDefault() throws Exception {
        for (String[] row : new String[][] {{"gw-old", "true"}, {"gw-new", "false"}}) {
            sql("INSERT INTO spam_seen (gateway_id, reference_id, minhash, attachments, tokens, sender, seen_at) "
                    + "VALUES (?, 'ab', ?, '', ?, '', ?)", row[0], new byte[4], new byte[8],
                    around(30, Boolean.parseBoolean(row[1])));
        }
        JdbcHousekeeping.Report report = housekeeping(HousekeepingSettings.defaults(), NOW).runOnce();
        assertThat(report.counts()).containsEntry("spam_seen", 1L);
        assertThat(ids("SELECT gateway_id FROM spam_seen")).containsExactly("gw-new");
        assertThat(housekeeping(spamOnly(0, 0, 0, 0), NOW).runOnce().counts()).doesNotContainKey("spam_seen");
    }

    @Test
    void theThreadRunsShortlyAfterActivationAndStopsOnDeactivation() throws Exception {
        alert("al-old", Instant.now().minus(Duration.ofDays(181)));
        alert("al-new", Instant.now().minus(Duration.ofDays(179)));
        JdbcHousekeeping hk = new JdbcHousekeeping(ds, HousekeepingSettings.defaults(), java.time.Clock.systemUTC(),
                Duration.ofMillis(50));
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (count("SELECT COUNT(*) FROM alert") != 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(ids("SELECT id FROM alert")).containsExactly("al-new");
        } finally {
            hk.deactivate();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (housekeepingThreadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(housekeepingThreadAlive()).isFalse();
    }

    private static boolean housekeepingThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().equals("streamail-store-housekeeping"));
    }

    @Test
    void migrationsV5V6AndV8IndexEveryTimeColumnHousekeepingUses() throws Exception {
        Set<String> indexed = new HashSet<>();
        try (Connection c = ds.getConnection()) {
            DatabaseMetaData md = c.getMetaData();
            String[][] expected = {{"link_delivery", "delivered_at"}, {"quarantine", "acted_at"},
                {"message_log", "received_at"}, {"alert", "created_at"}, {"link_click", "clicked_at"},
                {"retention_audit", "acted_at"}, {"isolation_audit", "acted_at"}, {"spam_fingerprint", "created_at"},
                {"spam_block_rule", "expires_at"}, {"spam_trained", "trained_at"}, {"spam_seen", "seen_at"}};
            for (String[] e : expected) {
                String table = md.storesUpperCaseIdentifiers() ? e[0].toUpperCase(Locale.ROOT) : e[0];
                try (ResultSet rs = md.getIndexInfo(null, c.getSchema(), table, false, false)) {
                    while (rs.next()) {
                        String col = rs.getString("COLUMN_NAME");
                        // a usable index has the time column first, or after the status it filters on
                        if (col != null && col.equalsIgnoreCase(e[1]) && (rs.getShort("ORDINAL_POSITION") == 1
                                || e[0].equals("quarantine") || e[0].equals("spam_fingerprint"))) {
                            indexed.add(e[0] + "." + e[1]);
                        }
                    }
                }
            }
        }
        assertThat(indexed).containsExactlyInAnyOrder("link_delivery.delivered_at", "quarantine.acted_at",
                "message_log.received_at", "alert.created_at", "link_click.clicked_at", "retention_audit.acted_at",
                "isolation_audit.acted_at", "spam_fingerprint.created_at", "spam_block_rule.expires_at",
                "spam_trained.trained_at", "spam_seen.seen_at");
        assertThat(count("SELECT MAX(version) FROM streamail_schema_version")).isGreaterThanOrEqualTo(6);
    }
}
