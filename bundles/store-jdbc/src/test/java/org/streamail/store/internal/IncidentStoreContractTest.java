package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.Severity;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.linkguard.BadUrl;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.store.StoreException;

/**
 * What every database behind the issue-6 stores (alerts, isolation, link guard; migration V4) must do.
 * Subclasses supply a fresh database per test ({@link H2IncidentStoreTest}, {@link PostgresIncidentStoreTest});
 * "nodes" are separate store instances on the same database, as two gateways on one PostgreSQL.
 */
abstract class IncidentStoreContractTest {

    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00.123Z");

    protected abstract DataSource newDatabase() throws Exception;

    protected DataSource ds;
    protected JdbcAlertStore alerts;
    protected JdbcIsolationStore isolation;
    protected JdbcLinkStore links;
    private ExecutorService pool;

    @BeforeEach
    void createStores() throws Exception {
        ds = newDatabase();
        alerts = new JdbcAlertStore(ds);
        isolation = new JdbcIsolationStore(ds);
        links = new JdbcLinkStore(ds);
        pool = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private <T> List<T> concurrently(int n, Callable<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    private static long count(DataSource db, String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------- migration

    @Test
    void migrationV4AppliesOnADatabaseAlreadyAtV3AndKeepsItsRows() throws Exception {
        DataSource old = newDatabase();
        List<SchemaMigrator.Migration> shipped = SchemaMigrator.fromBundle().migrations();
        assertThat(shipped).extracting(SchemaMigrator.Migration::version).contains(4);
        List<SchemaMigrator.Migration> upToV3 = shipped.stream().filter(m -> m.version() <= 3).toList();
        assertThat(new SchemaMigrator(upToV3).migrate(old)).containsExactly(1, 2, 3);
        // a node at V3 wrote data (plain SQL: a store component would migrate to the latest version first)
        try (Connection c = old.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO spam_block_rule (id, rule_type, rule_value, reason, created_by, created_at, "
                    + "expires_at, rule_source) VALUES ('r1', 'SENDER', 'x@spam.example', 'v3', 'admin', 1, NULL, 'ADMIN')");
        }
        assertThat(count(old, "SELECT MAX(version) FROM streamail_schema_version")).isEqualTo(3);

        List<Integer> applied = SchemaMigrator.fromBundle().migrate(old);

        assertThat(applied).contains(4).doesNotContain(1, 2, 3);
        assertThat(count(old, "SELECT COUNT(*) FROM streamail_schema_version WHERE version = 4")).isEqualTo(1);
        assertThat(count(old, "SELECT COUNT(*) FROM spam_block_rule")).isEqualTo(1);
        assertThat(SchemaMigrator.fromBundle().migrate(old)).isEmpty();
        // and the new tables work
        new JdbcAlertStore(old).add(alert("a1", T0, Severity.LOW, "click-blocked", "10.0.0.1"));
        assertThat(new JdbcAlertStore(old).get("a1")).isPresent();
        new JdbcIsolationStore(old).put(iso("10.0.0.9", T0, null, 1));
        new JdbcLinkStore(old).markBad("https://bad.example/", "phish", T0);
        assertThat(new JdbcLinkStore(old).badReason("https://bad.example/")).contains("phish");
    }

    @Test
    void aFailingStatementBecomesAStoreException() throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE alert");
            s.execute("DROP TABLE isolation_audit");
            s.execute("DROP TABLE bad_url");
        }
        assertThatThrownBy(() -> alerts.add(alert("a", T0, Severity.LOW, "k", "s")))
                .isInstanceOf(StoreException.class).hasMessageContaining("alert a");
        assertThatThrownBy(() -> alerts.query(AlertQuery.newest(1))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> isolation.offences("10.0.0.1")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> isolation.audit(audit(T0, "isolate", "10.0.0.1"))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> links.markBad("https://a.example/", "r", T0)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> links.badUrls(10)).isInstanceOf(StoreException.class)
                .hasMessageContaining("listing bad URLs");
        assertThatThrownBy(() -> links.unmarkBad("https://a.example/")).isInstanceOf(StoreException.class)
                .hasMessageContaining("lifting the bad mark");
    }

    // ---------------------------------------------------------------- alerts

    private static Alert alert(String id, Instant at, Severity severity, String kind, String subject) {
        return new Alert(id, at, severity, kind, subject, "gw-" + id, "user@example.org", "title " + id,
                "line one\nline two é", 1);
    }

    @Test
    void anAlertIsStoredWithEveryFieldAndFoundById() {
        Alert a = new Alert("al-1", T0, Severity.HIGH, "click-blocked", "192.0.2.7", "gw-17", "bob@example.org",
                "Blocked click", "détail\nwith lines \u0000 and a NUL", 3);
        alerts.add(a);

        Alert read = alerts.get("al-1").orElseThrow();
        assertThat(read).usingRecursiveComparison().ignoringFields("detail").isEqualTo(a);
        assertThat(read.detail()).isEqualTo("détail\nwith lines \uFFFD and a NUL"); // PostgreSQL refuses NUL
        assertThat(alerts.get("al-2")).isEmpty();
        assertThat(alerts.get("x".repeat(500))).isEmpty();
        assertThatThrownBy(() -> alerts.add(a)).isInstanceOf(StoreException.class); // ids are new
        assertThatThrownBy(() -> alerts.add(new Alert("", T0, Severity.LOW, "k", "", "", "", "", "", 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void longAlertTextIsCutWithAMarkAndLongKeysStillMatchThemselves() {
        String kind = "k".repeat(100);
        String subject = "s".repeat(1000);
        alerts.add(new Alert("long", T0, Severity.LOW, kind, subject, "m".repeat(300), "r".repeat(600),
                "t".repeat(5000), "d".repeat(50_000), 1));

        Alert read = alerts.get("long").orElseThrow();
        assertThat(read.title()).hasSize(JdbcAlertStore.TITLE_WIDTH).endsWith(IncidentSql.CUT_MARK);
        assertThat(read.detail()).hasSize(JdbcAlertStore.MAX_DETAIL).startsWith("ddd").endsWith(IncidentSql.CUT_MARK);
        assertThat(read.messageId()).hasSize(JdbcAlertStore.GATEWAY_ID_WIDTH);
        assertThat(alerts.count(kind, subject, T0)).isEqualTo(1);
        assertThat(alerts.query(new AlertQuery(10, null, kind, subject, null))).hasSize(1);
    }

    @Test
    void queryFiltersBySeverityKindSubjectAndTimeNewestFirstWithinTheLimit() {
        alerts.add(alert("a", T0, Severity.INFO, "click-blocked", "10.0.0.1"));
        alerts.add(alert("b", T0.plusSeconds(1), Severity.MEDIUM, "click-blocked", "10.0.0.2"));
        alerts.add(alert("c", T0.plusSeconds(2), Severity.HIGH, "host-isolated", "10.0.0.1"));
        alerts.add(alert("d", T0.plusSeconds(3), Severity.CRITICAL, "click-blocked", "10.0.0.1"));
        alerts.add(alert("e", T0.plusSeconds(3), Severity.LOW, "campaign-recalled", "camp-1")); // same ms as d

        assertThat(alerts.query(AlertQuery.newest(100))).extracting(Alert::id).containsExactly("e", "d", "c", "b", "a");
        assertThat(alerts.query(AlertQuery.newest(2))).extracting(Alert::id).containsExactly("e", "d");
        assertThat(alerts.query(new AlertQuery(100, Severity.MEDIUM, null, null, null))).extracting(Alert::id)
                .containsExactly("d", "c", "b");
        assertThat(alerts.query(new AlertQuery(100, Severity.CRITICAL, null, null, null))).extracting(Alert::id)
                .containsExactly("d");
        assertThat(alerts.query(new AlertQuery(100, Severity.INFO, null, null, null))).hasSize(5);
        // "since" the far past or the far future: everything or nothing, never an overflow
        assertThat(alerts.query(new AlertQuery(100, null, null, null, java.time.Instant.MIN))).hasSize(5);
        assertThat(alerts.query(new AlertQuery(100, null, null, null, java.time.Instant.MAX))).isEmpty();
        assertThat(alerts.query(new AlertQuery(100, null, "click-blocked", null, null))).extracting(Alert::id)
                .containsExactly("d", "b", "a");
        assertThat(alerts.query(new AlertQuery(100, null, null, "10.0.0.1", null))).extracting(Alert::id)
                .containsExactly("d", "c", "a");
        assertThat(alerts.query(new AlertQuery(100, null, null, null, T0.plusSeconds(2)))).extracting(Alert::id)
                .containsExactly("e", "d", "c");
        assertThat(alerts.query(new AlertQuery(100, Severity.LOW, "click-blocked", "10.0.0.1", T0)))
                .extracting(Alert::id).containsExactly("d");
        assertThat(alerts.query(new AlertQuery(0, null, null, null, null))).hasSize(1); // clamped up to 1
    }

    @Test
    void countIsPerKindAndSubjectWithinTheWindow() {
        for (int i = 0; i < 4; i++) {
            alerts.add(alert("c" + i, T0.plusSeconds(60L * i), Severity.LOW, "click-blocked", "10.0.0.1"));
        }
        alerts.add(alert("other-kind", T0.plusSeconds(200), Severity.LOW, "host-isolated", "10.0.0.1"));
        alerts.add(alert("other-subject", T0.plusSeconds(200), Severity.LOW, "click-blocked", "10.0.0.2"));

        assertThat(alerts.count("click-blocked", "10.0.0.1", T0)).isEqualTo(4);
        assertThat(alerts.count("click-blocked", "10.0.0.1", T0.plusSeconds(60))).isEqualTo(3); // at or after
        assertThat(alerts.count("click-blocked", "10.0.0.1", T0.plusSeconds(61))).isEqualTo(2);
        assertThat(alerts.count("click-blocked", "10.0.0.1", T0.plusSeconds(1000))).isZero();
        assertThat(alerts.count("host-isolated", "10.0.0.1", T0)).isEqualTo(1);
        assertThat(alerts.count("click-blocked", "10.0.0.9", T0)).isZero();
    }

    @Test
    void anAlertWithASeverityFromANewerNodeIsSkipped() throws Exception {
        alerts.add(alert("known", T0, Severity.HIGH, "k", "s"));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO alert (id, created_at, severity, kind, subject, message_id, recipient, title, "
                    + "detail, occurrences) VALUES ('future', " + T0.plusSeconds(5).toEpochMilli()
                    + ", 'APOCALYPTIC', 'k', 's', '', '', '', '', 1)");
        }
        assertThat(alerts.query(AlertQuery.newest(10))).extracting(Alert::id).containsExactly("known");
        assertThat(alerts.get("future")).isEmpty();
        assertThat(alerts.count("k", "s", T0)).isEqualTo(2);
    }

    // ---------------------------------------------------------------- isolation

    private static Isolation iso(String ip, Instant since, Instant until, int offences) {
        return new Isolation(ip, "52:54:00:12:34:56", "clicked a phishing link", "linkguard", since, until, offences);
    }

    private static IsolationAudit audit(Instant at, String action, String ip) {
        return new IsolationAudit(at, "admin", action, ip, "why " + action, "10.0.0.5", "10.0.0.5," + ip);
    }

    @Test
    void putIsAnUpsertThatLeavesOneRowPerHost() throws Exception {
        isolation.put(iso("10.0.0.7", T0, T0.plus(Duration.ofHours(4)), 1));
        Isolation extended = new Isolation("10.0.0.7", "", "clicked again", "admin", T0.plusSeconds(10), null, 2);
        isolation.put(extended);

        assertThat(count(ds, "SELECT COUNT(*) FROM isolation WHERE ip = '10.0.0.7'")).isEqualTo(1);
        assertThat(isolation.get("10.0.0.7")).contains(extended);
        assertThat(isolation.list()).containsExactly(extended);
        assertThat(isolation.get("10.0.0.8")).isEmpty();
        assertThatThrownBy(() -> isolation.put(iso("1".repeat(65), T0, null, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> isolation.put(iso(" ", T0, null, 1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentPutsOfOneHostFromSeveralNodesLeaveOneRowAndNeverFail() throws Exception {
        List<Integer> done = concurrently(8, () -> {
            JdbcIsolationStore node = new JdbcIsolationStore(ds);
            for (int i = 0; i < 5; i++) {
                node.put(iso("2001:db8::1", T0.plusSeconds(i), null, i + 1));
            }
            return 1;
        });
        assertThat(done).hasSize(8);
        assertThat(count(ds, "SELECT COUNT(*) FROM isolation")).isEqualTo(1);
        assertThat(isolation.get("2001:db8::1")).isPresent();
    }

    @Test
    void removeSaysWhetherTheHostWasIsolatedAndListIsOldestFirst() {
        isolation.put(iso("10.0.0.3", T0.plusSeconds(30), T0.plusSeconds(60), 1));
        isolation.put(iso("10.0.0.1", T0.plusSeconds(10), null, 1));
        isolation.put(iso("10.0.0.2", T0.plusSeconds(20), T0.minusSeconds(1), 2)); // expired: listed until removed

        assertThat(isolation.list()).extracting(Isolation::ip).containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.3");
        assertThat(isolation.list().get(0).until()).isNull();
        assertThat(isolation.list().get(2).until()).isEqualTo(T0.plusSeconds(60));
        assertThat(isolation.remove("10.0.0.2")).isTrue();
        assertThat(isolation.remove("10.0.0.2")).isFalse();
        assertThat(isolation.remove("10.9.9.9")).isFalse();
        assertThat(isolation.list()).extracting(Isolation::ip).containsExactly("10.0.0.1", "10.0.0.3");
    }

    @Test
    void offencesCountEveryIsolationOfTheHostAcrossReleases() {
        String ip = "10.0.0.7";
        assertThat(isolation.offences(ip)).isZero();
        isolation.audit(audit(T0, "isolate", ip));
        isolation.audit(audit(T0.plusSeconds(1), "extend", ip));
        isolation.audit(audit(T0.plusSeconds(2), "release", ip));
        isolation.remove(ip);
        isolation.audit(audit(T0.plusSeconds(3), "isolate", ip));
        isolation.audit(audit(T0.plusSeconds(4), "expire", ip));
        isolation.audit(audit(T0.plusSeconds(5), "refuse", ip));
        isolation.audit(audit(T0.plusSeconds(6), "isolate", "10.0.0.8"));

        assertThat(isolation.offences(ip)).isEqualTo(2);
        assertThat(new JdbcIsolationStore(ds).offences(ip)).isEqualTo(2); // another node, same answer
        assertThat(isolation.offences("10.0.0.8")).isEqualTo(1);
        assertThat(isolation.offences("10.0.0.9")).isZero();
    }

    @Test
    void theAuditIsNewestFirstInRecordingOrderFilteredByHostAndLimited() {
        isolation.audit(audit(T0, "isolate", "10.0.0.1"));
        isolation.audit(audit(T0.plusSeconds(1), "isolate", "10.0.0.2"));
        // same millisecond: recording order decides
        isolation.audit(audit(T0.plusSeconds(2), "extend", "10.0.0.1"));
        isolation.audit(audit(T0.plusSeconds(2), "release", "10.0.0.1"));

        List<IsolationAudit> all = isolation.auditLog(null, 100);
        assertThat(all).extracting(IsolationAudit::action).containsExactly("release", "extend", "isolate", "isolate");
        assertThat(all.get(0)).isEqualTo(audit(T0.plusSeconds(2), "release", "10.0.0.1"));
        assertThat(isolation.auditLog("10.0.0.1", 100)).extracting(IsolationAudit::action)
                .containsExactly("release", "extend", "isolate");
        assertThat(isolation.auditLog("10.0.0.2", 100)).singleElement()
                .satisfies(a -> assertThat(a.rulesAfter()).isEqualTo("10.0.0.5,10.0.0.2"));
        assertThat(isolation.auditLog(null, 2)).hasSize(2);
        assertThat(isolation.auditLog(null, 0)).hasSize(1);
        assertThat(isolation.auditLog("10.0.0.3", 10)).isEmpty();
    }

    @Test
    void longAuditTextIsCutAndAnOverlongActionRefused() {
        String rules = IntStream.range(0, 20_000).mapToObj(i -> "10.1." + (i / 256) + "." + (i % 256))
                .collect(Collectors.joining(","));
        isolation.audit(new IsolationAudit(T0, "a".repeat(400), "isolate", "10.0.0.1", "r".repeat(10_000), rules, ""));

        IsolationAudit read = isolation.auditLog(null, 1).get(0);
        assertThat(read.rulesBefore()).hasSize(JdbcIsolationStore.MAX_RULES).endsWith(IncidentSql.CUT_MARK);
        assertThat(read.reason()).hasSize(JdbcIsolationStore.MAX_AUDIT_REASON);
        assertThat(read.actor()).hasSize(256);
        assertThat(read.rulesAfter()).isEmpty();
        assertThatThrownBy(() -> isolation.audit(audit(T0, "x".repeat(33), "10.0.0.1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("action");
    }

    // ---------------------------------------------------------------- links

    @Test
    void recordLinksIsIdempotentAndLinksOfListsDistinctUrls() throws Exception {
        List<String> urls = List.of("https://a.example/x?q=1", "https://b.example/", "https://a.example/x?q=1");
        links.recordLinks("gw-1", List.of("alice@example.org", "bob@example.org"), urls, T0);
        links.recordLinks("gw-1", List.of("bob@example.org", "alice@example.org"), urls, T0.plusSeconds(5));
        new JdbcLinkStore(ds).recordLinks("gw-1", List.of("alice@example.org"), List.of("https://b.example/"), T0);

        assertThat(count(ds, "SELECT COUNT(*) FROM link_delivery")).isEqualTo(4);
        assertThat(links.linksOf("gw-1")).containsExactlyInAnyOrder("https://a.example/x?q=1", "https://b.example/");
        assertThat(links.linksOf("gw-2")).isEmpty();
        // URLs compare exactly as given
        links.recordLinks("gw-1", List.of("alice@example.org"), List.of("https://B.example/"), T0);
        assertThat(links.linksOf("gw-1")).hasSize(3);
        // the first recording stands
        assertThat(links.deliveriesOf("https://b.example/", null, 10)).extracting(LinkDelivery::at).containsOnly(T0);
        links.recordLinks("gw-3", List.of(), urls, T0); // nothing to record
        assertThat(links.linksOf("gw-3")).isEmpty();
    }

    @Test
    void concurrentRecordingsOfOverlappingLinksFromSeveralNodesKeepOneRowEach() throws Exception {
        List<String> urls = IntStream.range(0, 40).mapToObj(i -> "https://c.example/" + i).toList();
        List<String> rcpts = IntStream.range(0, 10).mapToObj(i -> "u" + i + "@example.org").toList();
        concurrently(8, () -> {
            List<String> mine = new ArrayList<>(urls);
            java.util.Collections.shuffle(mine);
            new JdbcLinkStore(ds).recordLinks("gw-c", rcpts, mine, T0);
            return 1;
        });
        assertThat(count(ds, "SELECT COUNT(*) FROM link_delivery")).isEqualTo(400);
        assertThat(links.linksOf("gw-c")).hasSize(40);
    }

    @Test
    void deliveriesOfAUrlAreNewestFirstSinceTheGivenTimeWithinTheLimit() {
        String url = "https://evil.example/login";
        links.recordLinks("gw-1", List.of("a@example.org"), List.of(url), T0);
        links.recordLinks("gw-2", List.of("b@example.org", "c@example.org"), List.of(url, "https://ok.example/"),
                T0.plusSeconds(60));
        links.recordLinks("gw-3", List.of("d@example.org"), List.of(url), T0.plusSeconds(120));
        links.recordLinks("gw-4", List.of("e@example.org"), List.of("https://ok.example/"), T0.plusSeconds(180));

        assertThat(links.deliveriesOf(url, T0, 100)).containsExactly(
                new LinkDelivery("gw-3", "d@example.org", url, T0.plusSeconds(120)),
                new LinkDelivery("gw-2", "b@example.org", url, T0.plusSeconds(60)),
                new LinkDelivery("gw-2", "c@example.org", url, T0.plusSeconds(60)),
                new LinkDelivery("gw-1", "a@example.org", url, T0));
        assertThat(links.deliveriesOf(url, T0.plusSeconds(60), 100)).extracting(LinkDelivery::messageId)
                .containsExactly("gw-3", "gw-2", "gw-2");
        assertThat(links.deliveriesOf(url, T0, 2)).extracting(LinkDelivery::messageId).containsExactly("gw-3", "gw-2");
        assertThat(links.deliveriesOf(url, T0.plusSeconds(121), 100)).isEmpty();
        assertThat(links.deliveriesOf("https://never.example/", T0, 100)).isEmpty();
        assertThat(links.deliveriesOf(url, T0, 0)).hasSize(1);
        // before a time: what ordinary mail carried before a campaign, however many deliveries came after
        assertThat(links.deliveriesBefore(url, T0, T0.plusSeconds(120), 1)).extracting(LinkDelivery::messageId)
                .containsExactly("gw-2");
        assertThat(links.deliveriesBefore(url, T0, T0.plusSeconds(60), 100)).extracting(LinkDelivery::messageId)
                .containsExactly("gw-1");
        assertThat(links.deliveriesBefore(url, T0.plusSeconds(1), T0.plusSeconds(60), 100)).isEmpty();
        assertThat(links.deliveriesBefore(url, null, null, 100)).hasSize(4);
    }

    @Test
    void absurdUrlsAndKeysAreRefusedAndLongOnesWithinTheBoundKept() {
        String longUrl = "https://x.example/" + "p".repeat(IncidentSql.MAX_URL - 18);
        links.recordLinks("gw-1", List.of("a@example.org"), List.of(longUrl), T0);
        assertThat(links.linksOf("gw-1")).containsExactly(longUrl);
        assertThat(links.deliveriesOf(longUrl, T0, 1)).hasSize(1);

        String tooLong = longUrl + "p";
        assertThatThrownBy(() -> links.recordLinks("gw-1", List.of("a@example.org"), List.of(tooLong), T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8192");
        assertThatThrownBy(() -> links.markBad(tooLong, "x", T0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.deliveriesOf(tooLong, T0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.recordClick(new Click("k", T0, "gw", "a", tooLong, "", "", true, "")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.recordLinks("gw-1", List.of("a@example.org"), List.of(""), T0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.recordLinks("m".repeat(129), List.of("a"), List.of("https://a/"), T0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> links.recordLinks("gw", List.of("r".repeat(513)), List.of("https://a/"), T0))
                .isInstanceOf(IllegalArgumentException.class);
        List<String> many = IntStream.range(0, 1001).mapToObj(i -> "https://m.example/" + i).toList();
        assertThatThrownBy(() -> links.recordLinks("gw", List.of("a"), many, T0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too many");
        assertThat(links.badReason(tooLong)).isEmpty();
    }

    /**
     * NUL in a key: PostgreSQL refuses it in any text value (SQL state 22021), H2 compares it. Before, a lookup by
     * such a key failed with a StoreException on PostgreSQL and was "absent" on H2, and an alert or click id with
     * NUL was stored on H2 only. Now lookups are absent and writes refused on both.
     */
    @Test
    void aKeyWithNulIsAbsentWhenLookedUpAndRefusedWhenWrittenOnEveryDatabase() throws Exception {
        String nul = "k\u0000ey";
        assertThat(alerts.get(nul)).isEmpty();
        assertThat(isolation.get("10.0.0.1\u0000")).isEmpty();
        assertThat(isolation.offences("10.0.0.1\u0000")).isZero();
        assertThat(isolation.auditLog("10.0.0.1\u0000", 10)).isEmpty();
        assertThat(links.linksOf(nul)).isEmpty();
        assertThatThrownBy(() -> alerts.add(alert(nul, T0, Severity.LOW, "k", "s")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> links.recordClick(new Click(nul, T0, "gw", "a@example.org", "https://a.example/", "",
                "", false, ""))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThat(count(ds, "SELECT COUNT(*) FROM alert")).isZero();
        assertThat(count(ds, "SELECT COUNT(*) FROM link_click")).isZero();
    }

    /**
     * A lone surrogate (an HTML entity such as {@code &#xD800;} decodes to one) has no UTF-8 form: the key hashed it
     * as {@code ?}, so it shared its row with the link that really has a {@code ?}, and pgjdbc stored it as {@code ?}
     * while H2 kept it. Read as U+FFFD now, as a browser encodes it, the same on both databases.
     */
    @Test
    void aLoneSurrogateInAUrlIsReadAsAReplacementCharacterAndNeverMergesWithAQuestionMark() throws Exception {
        String lone = "https://a.example/p\uD800q";
        String question = "https://a.example/p?q";
        links.recordLinks("gw-1", List.of("alice@example.org"), List.of(lone, question), T0);
        assertThat(links.linksOf("gw-1")).containsExactlyInAnyOrder("https://a.example/p\uFFFDq", question);
        assertThat(links.deliveriesOf(lone, null, 10)).extracting(LinkDelivery::url)
                .containsExactly("https://a.example/p\uFFFDq");
        assertThat(links.deliveriesOf(question, null, 10)).extracting(LinkDelivery::url).containsExactly(question);

        links.markBad(lone, "lure", T0);
        assertThat(links.badReason(lone)).contains("lure");
        assertThat(links.badReason("https://a.example/p\uFFFDq")).contains("lure");
        assertThat(links.badReason(question)).isEmpty();
        assertThat(links.unmarkBad(lone)).isTrue();
        assertThat(links.badReason(lone)).isEmpty();
    }

    @Test
    void markBadIsIdempotentAndTheFirstReasonStands() throws Exception {
        String url = "https://evil.example/login";
        assertThat(links.badReason(url)).isEmpty();
        links.markBad(url, "campaign c1: reported by 5 users", T0);
        links.markBad(url, "campaign c2: something else", T0.plusSeconds(5));
        new JdbcLinkStore(ds).markBad(url, "another node", T0.plusSeconds(6));

        assertThat(links.badReason(url)).contains("campaign c1: reported by 5 users");
        assertThat(count(ds, "SELECT COUNT(*) FROM bad_url")).isEqualTo(1);
        assertThat(links.badReason("https://evil.example/LOGIN")).isEmpty();
        concurrently(8, () -> {
            new JdbcLinkStore(ds).markBad("https://race.example/", "race", T0);
            return 1;
        });
        assertThat(count(ds, "SELECT COUNT(*) FROM bad_url")).isEqualTo(2);
        links.markBad("https://long-reason.example/", "r".repeat(5000), T0);
        assertThat(links.badReason("https://long-reason.example/").orElseThrow())
                .hasSize(JdbcLinkStore.REASON_WIDTH).endsWith(IncidentSql.CUT_MARK);
        assertThat(links.badReason("")).isEmpty();
    }

    @Test
    void badUrlsAreNewestMarkFirstWithEveryFieldAndBoundedByTheLimit() {
        assertThat(links.badUrls(10)).isEmpty();
        links.markBad("https://b.example/", "campaign c2: second", T0.plusSeconds(2));
        links.markBad("https://a.example/", "campaign c1: first", T0);
        links.markBad("https://c.example/", "campaign c3: third", T0.plusSeconds(5));
        links.markBad("https://d.example/", null, T0.plusSeconds(1));
        links.markBad("https://b.example/", "campaign c9: a later mark does not replace the first", T0.plusSeconds(9));

        assertThat(links.badUrls(1000)).containsExactly(
                new BadUrl("https://c.example/", "campaign c3: third", T0.plusSeconds(5)),
                new BadUrl("https://b.example/", "campaign c2: second", T0.plusSeconds(2)),
                new BadUrl("https://d.example/", "", T0.plusSeconds(1)),
                new BadUrl("https://a.example/", "campaign c1: first", T0));
        assertThat(links.badUrls(2)).extracting(BadUrl::url).containsExactly("https://c.example/", "https://b.example/");
        assertThat(links.badUrls(1)).extracting(BadUrl::url).containsExactly("https://c.example/");
        assertThat(new JdbcLinkStore(ds).badUrls(3)).hasSize(3); // another node sees the same marks
    }

    @Test
    void aBadUrlsLimitOutsideOneToAThousandIsRefused() {
        links.markBad("https://a.example/", "x", T0);
        for (int limit : new int[] {0, -1, 1001, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> links.badUrls(limit)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("1..1000");
        }
        assertThat(links.badUrls(1000)).hasSize(1);
    }

    @Test
    void unmarkBadLiftsTheMarkOnceAndTheUrlCanBeMarkedAgainWithANewReason() {
        String url = "https://evil.example/login";
        links.markBad(url, "campaign c1: reported", T0);
        links.markBad("https://other.example/", "campaign c1: reported", T0);

        assertThat(links.unmarkBad(url)).isTrue();
        assertThat(links.badReason(url)).isEmpty();
        assertThat(links.badUrls(10)).extracting(BadUrl::url).containsExactly("https://other.example/");
        assertThat(links.unmarkBad(url)).isFalse();
        assertThat(new JdbcLinkStore(ds).unmarkBad(url)).isFalse();
        assertThat(links.badReason("https://other.example/")).contains("campaign c1: reported");

        links.markBad(url, "campaign c7: reported again", T0.plusSeconds(60));
        assertThat(links.badReason(url)).contains("campaign c7: reported again");
        assertThat(links.badUrls(10).get(0)).isEqualTo(
                new BadUrl(url, "campaign c7: reported again", T0.plusSeconds(60)));
    }

    @Test
    void unmarkBadOfANeverMarkedOrUnstorableUrlIsFalse() {
        String longUrl = "https://x.example/" + "p".repeat(IncidentSql.MAX_URL - 18);
        links.markBad(longUrl, "longest storable", T0);

        assertThat(links.unmarkBad("https://never.example/")).isFalse();
        assertThat(links.unmarkBad(longUrl + "p")).isFalse();
        assertThat(links.unmarkBad("")).isFalse();
        assertThat(links.unmarkBad("https://nul.example/\u0000")).isFalse();
        assertThatThrownBy(() -> links.unmarkBad(null)).isInstanceOf(NullPointerException.class);
        assertThat(links.badReason(longUrl)).contains("longest storable");
        assertThat(links.unmarkBad(longUrl)).isTrue();
        assertThat(links.badReason(longUrl)).isEmpty();
    }

    @Test
    void clicksAreNewestFirstFilteredByBlockedAndIdempotentPerId() {
        links.recordClick(new Click("k1", T0, "gw-1", "a@example.org", "https://ok.example/", "10.0.0.1", "", false, ""));
        Click blocked = new Click("k2", T0.plusSeconds(1), "gw-2", "b@example.org", "https://evil.example/",
                "10.0.0.2", "52:54:00:aa:bb:cc", true, "phishing-url");
        links.recordClick(blocked);
        links.recordClick(new Click("k3", T0.plusSeconds(2), "gw-1", "a@example.org", "https://ok.example/", "10.0.0.1",
                "", false, ""));
        links.recordClick(new Click("k4", T0.plusSeconds(3), "gw-3", "c@example.org", "https://evil.example/",
                "10.0.0.3", "", true, "r".repeat(3000)));
        links.recordClick(blocked); // a retried request: recorded once

        assertThat(links.clicks(100, false)).extracting(Click::id).containsExactly("k4", "k3", "k2", "k1");
        assertThat(links.clicks(100, true)).extracting(Click::id).containsExactly("k4", "k2");
        assertThat(links.clicks(1, true)).extracting(Click::id).containsExactly("k4");
        assertThat(links.clicks(0, false)).hasSize(1);
        assertThat(links.clicks(100, true).get(1)).isEqualTo(blocked);
        assertThat(links.clicks(1, true).get(0).reason()).hasSize(JdbcLinkStore.REASON_WIDTH);
    }
}
