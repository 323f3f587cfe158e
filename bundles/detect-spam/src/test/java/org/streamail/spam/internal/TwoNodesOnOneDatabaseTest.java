package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.streamail.api.model.Finding;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.SpamStore;
import org.streamail.store.internal.JdbcSpamStore;

/**
 * Two gateway nodes, each with its own engine and its own JDBC store instance, on one database: a report
 * or a rule made on node A refuses the copy on node B after B's next refresh (what the component does
 * every {@code refresh.seconds}); a message inspected on A can be reported by id on B once A's summary
 * writer stored it ({@code flushSeen}, what the writer thread does within a second). Runs on H2 always,
 * and on PostgreSQL when {@code STREAMAIL_TEST_PG_URL} is set (a fresh schema, dropped afterwards).
 */
class TwoNodesOnOneDatabaseTest {

    @TempDir
    Path dir;

    private static SpamEngine node(DataSource ds) {
        return node(new JdbcSpamStore(ds));
    }

    private static SpamEngine node(SpamStore store) {
        // classifier.model = LR: the model whose state is the trained messages, not the counts
        return new SpamEngine(store, SpamEngine.Settings.defaults(), Clock.systemUTC(),
                id -> Optional.empty(), d -> false, Classifier.Tuning.logistic(), Tokenizer.DEFAULT);
    }

    /**
     * Node A's store, which runs {@code beforeSetState} once just before the first state write it passes on: what
     * another node does between A's tally and A's write, made deterministic.
     */
    private static SpamStore interleaving(SpamStore store, AtomicReference<Runnable> beforeSetState) {
        return (SpamStore) Proxy.newProxyInstance(SpamStore.class.getClassLoader(), new Class<?>[] {SpamStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("setState")) {
                        Runnable r = beforeSetState.getAndSet(null);
                        if (r != null) {
                            r.run();
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /**
     * The third reporter's report on node B lands between the second reporter's tally and state write on node A:
     * A's write of PENDING (two reporters, as A counted) must not put back a stale state over B's BLOCKING, or the
     * block is lost on every node though three users reported (second multi-node audit). And the campaign is
     * recalled once, by the report whose write made it block, however the nodes' memories stand: a fourth report
     * on a node that has not refreshed since does not recall it again.
     */
    private static void reportsRacingOnTwoNodes(DataSource ds) {
        AtomicReference<Runnable> hook = new AtomicReference<>();
        SpamEngine a = node(interleaving(new JdbcSpamStore(ds), hook));
        SpamEngine b = node(ds);
        List<String> recalls = new CopyOnWriteArrayList<>();
        for (SpamEngine n : List.of(a, b)) {
            n.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id));
        }
        a.refresh();
        b.refresh();
        byte[] copy = SpamEngineTest.variant("Dave", "trk-d4", 4004);
        a.report(ReportKind.SPAM, SpamEngineTest.delivered("gw-1", SpamEngineTest.variant("Alice", "trk-a1", 1001)), "u1", false);
        hook.set(() -> {
            b.refresh();
            assertThat(b.report(ReportKind.SPAM,
                SpamEngineTest.delivered("gw-3", SpamEngineTest.variant("Carol", "trk-c3", 3003)), "u3", false).blocking())
                    .as("the third reporter, on B").isTrue();
        });
        a.report(ReportKind.SPAM, SpamEngineTest.delivered("gw-2", SpamEngineTest.variant("Bob", "trk-b2", 2002)), "u2", false);
        assertThat(hook.get()).as("B reported in between").isNull();

        a.refresh();
        b.refresh();
        assertThat(refused(b, copy)).as("still blocking on B after A's late write").isTrue();
        assertThat(refused(a, copy)).as("blocking on A").isTrue();
        assertThat(recalls).as("one recall so far, by the report that made it block").containsExactly("gw-3");

        // a fourth reporter on a node that never refreshed: it already blocks in the store, nothing to recall again
        SpamEngine c = node(ds);
        c.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id));
        assertThat(c.report(ReportKind.SPAM, SpamEngineTest.delivered("gw-1", SpamEngineTest.variant("Alice", "trk-a1", 1001)),
                "u4", false).blocking()).isTrue();
        assertThat(recalls).as("still one recall").containsExactly("gw-3");
    }

    /**
     * Three users each report their own copy of one campaign (other names), split across the nodes within one
     * refresh interval: every report counts for the one fingerprint, which blocks at the third (second multi-node
     * audit: a node that had not refreshed yet made a fingerprint of its own, and the counts stayed split for good).
     */
    private static void nearCopiesReportedOnANodeNotYetRefreshedCountTogether(DataSource ds) {
        SpamEngine a = node(ds);
        SpamEngine b = node(ds);
        a.refresh();
        b.refresh();
        ReportResult first = a.report(ReportKind.SPAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "u1", false);
        ReportResult second = b.report(ReportKind.SPAM, SpamEngineTest.variant("Bob", "trk-b2", 2002), "u2", false);
        assertThat(second.reference()).isEqualTo(first.reference());
        assertThat(second.spamReporters()).isEqualTo(2);
        ReportResult third = a.report(ReportKind.SPAM, SpamEngineTest.variant("Carol", "trk-c3", 3003), "u3", false);
        assertThat(third.reference()).isEqualTo(first.reference());
        assertThat(third.blocking()).isTrue();
        b.refresh();
        assertThat(refused(b, SpamEngineTest.variant("Dave", "trk-d4", 4004))).isTrue();
    }

    /**
     * Two users report their copies of a new campaign on two nodes at the same moment: both nodes compared before
     * either saved, so both save a fingerprint of their own (node B's whole report runs just before node A's save).
     * Both reports must still count for one fingerprint — the older one — so the third user's report blocks the
     * campaign on both nodes (open item of the second multi-node audit: the campaign split between two fingerprints,
     * 2 + 1 reporters, neither blocking). A repeat of a message whose own fingerprint lost the race counts there too.
     * (A later copy that resembles only the losing fingerprint still counts for it: near duplicates are not
     * transitive, and the store keeps no alias from one fingerprint to the other; README.)
     */
    private static void aCampaignFirstReportedOnTwoNodesAtOnceStaysOneCampaign(DataSource ds) {
        AtomicReference<Runnable> beforeSave = new AtomicReference<>();
        SpamStore aStore = (SpamStore) Proxy.newProxyInstance(SpamStore.class.getClassLoader(),
                new Class<?>[] {SpamStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("saveFingerprint")) {
                        Runnable r = beforeSave.getAndSet(null);
                        if (r != null) {
                            r.run();
                        }
                    }
                    try {
                        return method.invoke(new JdbcSpamStore(ds), args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SpamEngine a = node(aStore);
        SpamEngine b = node(ds);
        a.refresh();
        b.refresh();
        AtomicReference<ReportResult> onB = new AtomicReference<>();
        byte[] bobs = SpamEngineTest.variant("Bob", "trk-b2", 2002);
        beforeSave.set(() -> onB.set(b.report(ReportKind.SPAM, bobs, "u2", false)));
        ReportResult onA = a.report(ReportKind.SPAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "u1", false);
        assertThat(onB.get()).as("B's report ran inside A's").isNotNull();
        assertThat(onA.reference()).as("A counts for B's older fingerprint").isEqualTo(onB.get().reference());
        assertThat(onA.spamReporters()).isEqualTo(2);
        // the losing fingerprint's own message reported again counts for the campaign, not for its orphan
        assertThat(a.report(ReportKind.SPAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "u4", false).reference())
                .isEqualTo(onB.get().reference());
        // the third user (another copy of Bob's, on node A whose memory holds both fingerprints) makes it block
        ReportResult third = a.report(ReportKind.SPAM, SpamEngineTest.delivered("gw-3", bobs), "u3", false);
        assertThat(third.reference()).isEqualTo(onB.get().reference());
        assertThat(third.spamReporters()).isEqualTo(4);
        assertThat(third.blocking()).isTrue();
        b.refresh();
        assertThat(refused(b, SpamEngineTest.variant("Dave", "trk-d4", 4004))).isTrue();
    }

    /**
     * The campaign is recalled by the report that made the fingerprint block, once: not again by a later report on a
     * node whose memory has not seen the block yet (within the refresh interval), nor by reports racing on two
     * nodes (second multi-node audit: the third and fourth users reporting at once on A and B recalled twice and
     * warned the recipient twice).
     */
    private static void aLaterReportOnANodeNotYetRefreshedRecallsNothing(DataSource ds) {
        SpamEngine a = node(ds);
        SpamEngine b = node(ds);
        List<String> recalls = new CopyOnWriteArrayList<>();
        a.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add("A " + id));
        b.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add("B " + id));
        a.refresh();
        b.refresh();
        byte[] copy = SpamEngineTest.delivered("gw-1", SpamEngineTest.variant("Alice", "trk-a1", 1001));
        for (String user : List.of("u1", "u2", "u3")) {
            a.report(ReportKind.SPAM, copy, user, false);
        }
        assertThat(recalls).containsExactly("A gw-1");
        assertThat(b.report(ReportKind.SPAM, copy, "u4", false).blocking()).isTrue();
        assertThat(b.report(ReportKind.SPAM, copy, "root", true).blocking()).isTrue();
        assertThat(recalls).as("no second recall from B").containsExactly("A gw-1");
    }

    @Test
    void aLaterReportOnANodeNotYetRefreshedRecallsNothingOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::aLaterReportOnANodeNotYetRefreshedRecallsNothing);
    }

    @Test
    void aLaterReportOnANodeNotYetRefreshedRecallsNothingOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::aLaterReportOnANodeNotYetRefreshedRecallsNothing);
    }

    /**
     * One value blocked on both nodes at the same moment is stored once: the second add is refused naming the first
     * rule, so removing the rule an SMTP reply names lifts the block everywhere (second multi-node audit). A node
     * whose automatic sender rule finds the sender already blocked by another node still takes the report.
     */
    private static void oneValueBlockedOnTwoNodesIsOneRule(DataSource ds) {
        SpamEngine a = node(ds);
        SpamEngine b = node(ds);
        a.refresh();
        b.refresh();
        BlockRule rule = a.add(BlockRule.Type.SENDER_DOMAIN, "bulk.example", "seen on A", null, "root");
        assertThatThrownBy(() -> b.add(BlockRule.Type.SENDER_DOMAIN, "bulk.example", "seen on B", null, "admin2"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(rule.id());
        assertThat(b.list()).hasSize(1);
        SmtpSession s = new SmtpSession("s", "192.0.2.9", "mx.bulk.example", false, null, "x@bulk.example", List.of());
        b.refresh();
        assertThat(b.onMailFrom(s)).isPresent();
        assertThat(a.remove(rule.id().substring(0, 8), "root")).isTrue();
        b.refresh();
        assertThat(b.onMailFrom(s)).as("lifted on B by removing the one rule").isEmpty();

        // automatic rules: five users report one sender on B; A blocked that sender meanwhile, unseen by B's memory
        a.add(BlockRule.Type.SENDER, "p@bulk.example", "by hand on A", null, "root");
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < 5; i++) {
            byte[] raw = SpamEngineTest.generated(r, SpamEngineTest.SPAMMY, "p@bulk.example", 100 + i);
            assertThat(b.report(ReportKind.SPAM, raw, "user" + i, false).reference()).isNotEmpty();
        }
        assertThat(b.list()).extracting(BlockRule::value).containsExactly("p@bulk.example");
    }

    @Test
    void oneValueBlockedOnTwoNodesIsOneRuleOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::oneValueBlockedOnTwoNodesIsOneRule);
    }

    @Test
    void oneValueBlockedOnTwoNodesIsOneRuleOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::oneValueBlockedOnTwoNodesIsOneRule);
    }

    @Test
    void aCampaignFirstReportedOnTwoNodesAtOnceStaysOneCampaignOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::aCampaignFirstReportedOnTwoNodesAtOnceStaysOneCampaign);
    }

    @Test
    void aCampaignFirstReportedOnTwoNodesAtOnceStaysOneCampaignOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::aCampaignFirstReportedOnTwoNodesAtOnceStaysOneCampaign);
    }

    @Test
    void nearCopiesReportedOnANodeNotYetRefreshedCountTogetherOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::nearCopiesReportedOnANodeNotYetRefreshedCountTogether);
    }

    @Test
    void nearCopiesReportedOnANodeNotYetRefreshedCountTogetherOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::nearCopiesReportedOnANodeNotYetRefreshedCountTogether);
    }

    private static boolean refused(SpamEngine node, byte[] raw) {
        List<Finding> f = node.inspect("x", raw, List.of(), List.of(), () -> false);
        return f.stream().anyMatch(x -> x.rule().equals("fuzzy-match") && x.score() >= 100);
    }

    private static void reportOnAThenRefuseOnB(DataSource ds) {
        SpamEngine a = node(ds);
        SpamEngine b = node(ds);
        a.refresh();
        b.refresh();
        byte[] copyForB = SpamEngineTest.variant("Bob", "trk-b2", 2002);
        assertThat(refused(b, copyForB)).isFalse();

        assertThat(a.report(ReportKind.SPAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "root", true).blocking()).isTrue();
        assertThat(refused(a, copyForB)).as("node A at once").isTrue();
        b.refresh();
        assertThat(refused(b, copyForB)).as("node B after one refresh").isTrue();

        BlockRule rule = a.add(BlockRule.Type.CLIENT_IP, "198.51.100.0/24", "botnet", null, "root");
        b.refresh();
        SmtpSession s = new SmtpSession("s", "198.51.100.7", null, false, null, null, List.of());
        assertThat(b.onConnect(s)).isPresent();

        a.report(ReportKind.HAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "root", true);
        a.remove(rule.id(), "root");
        b.refresh();
        assertThat(refused(b, copyForB)).as("lifted on B").isFalse();
        assertThat(b.onConnect(s)).isEmpty();
        assertThat(b.classifier().hamMessages()).isEqualTo(1); // re-trained as ham, seen through the store
        assertThat(b.classifier().spamMessages()).isZero();

        // the logistic model: trained through A, learned by each node from the store's trained messages, alike
        java.util.Random r = new java.util.Random(12);
        for (int i = 0; i < 12; i++) {
            a.trainOnly(SpamEngineTest.generated(r, SpamEngineTest.SPAMMY, "p" + i + "@spam.example", i), ReportKind.SPAM);
            a.trainOnly(SpamEngineTest.generated(r, SpamEngineTest.HAMMY, "d" + i + "@work.example", i), ReportKind.HAM);
        }
        a.refresh();
        a.learn();
        b.refresh();
        b.learn();
        assertThat(b.logistic().messages()).isEqualTo(a.logistic().messages()).isEqualTo(25);
        for (String[] words : List.of(SpamEngineTest.SPAMMY, SpamEngineTest.HAMMY)) {
            byte[] probe = SpamEngineTest.generated(r, words, "new@example.net", 77);
            assertThat(Double.doubleToRawLongBits(b.probability(probe)))
                    .isEqualTo(Double.doubleToRawLongBits(a.probability(probe)));
        }
        assertThat(a.probability(SpamEngineTest.generated(r, SpamEngineTest.SPAMMY, "x@spam.example", 78)))
                .isGreaterThan(0.9);

        // report by id: until A's writer stored the summary only A knows the message (its recent bytes); then B too
        a.inspect("gw-only-on-a", copyForB, List.of(), List.of(), () -> false);
        assertThatThrownBy(() -> b.reportById(ReportKind.SPAM, "gw-only-on-a", "u1", false))
                .isInstanceOf(java.util.NoSuchElementException.class).hasMessageContaining("gw-only-on-a");
        assertThat(a.reportById(ReportKind.SPAM, "gw-only-on-a", "u1", false).counted()).isTrue();
        assertThat(a.flushSeen()).isPositive(); // with the probes refused() inspected
        assertThat(b.reportById(ReportKind.SPAM, "gw-only-on-a", "u2", false).counted()).isTrue();
    }

    /**
     * A message inspected on node A is reported by its gateway id on node B, which never saw its bytes: B reads the
     * summary A's writer stored (hashes and metadata, no bytes), and the administrator's report counts and blocks,
     * recalls the campaign by that id, and the copy is refused on B at once and on A after its refresh. The report
     * counts for the same fingerprint and trains the same message as a report of the bytes would. A node started
     * afterwards (a restart: new engine, nothing in memory) still finds the message.
     */
    private static void aMessageInspectedOnAIsReportedByIdOnBAndAfterARestart(DataSource ds) {
        SpamEngine a = node(ds);
        SpamEngine b = node(ds);
        List<String> recalls = new CopyOnWriteArrayList<>();
        b.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id + " " + claimed));
        a.refresh();
        b.refresh();
        byte[] inspected = SpamEngineTest.variant("Alice", "trk-a1", 1001);
        byte[] copy = SpamEngineTest.variant("Bob", "trk-b2", 2002);
        assertThat(refused(a, inspected)).isFalse();
        a.inspect("GW-A-0001", "Offers@Bulk.example", inspected, List.of(), List.of(), () -> false);
        assertThat(a.flushSeen()).isPositive(); // with the probes refused() inspected

        ReportResult onB = b.reportById(ReportKind.SPAM, "GW-A-0001", "root", true);
        assertThat(onB.counted()).isTrue();
        assertThat(onB.spamReporters()).isEqualTo(1);
        assertThat(onB.blocking()).isTrue();
        assertThat(recalls).as("recalled by the gateway id, nothing to confirm").containsExactly("GW-A-0001 null");
        assertThat(refused(b, copy)).as("refused on B at once").isTrue();
        a.refresh();
        assertThat(refused(a, copy)).as("refused on A after its refresh").isTrue();

        JdbcSpamStore store = new JdbcSpamStore(ds);
        assertThat(store.trainedAs(onB.reference())).contains(ReportKind.SPAM);
        assertThat(store.spamReportersOfSender("offers@bulk.example", java.time.Instant.EPOCH)).isEqualTo(1);
        ReportResult bytesOnA = a.report(ReportKind.SPAM, inspected, "u1", false);
        assertThat(bytesOnA.reference()).as("the bytes count for the same fingerprint").isEqualTo(onB.reference());
        assertThat(bytesOnA.spamReporters()).isEqualTo(2);

        SpamEngine restarted = node(ds);
        restarted.refresh();
        ReportResult afterRestart = restarted.reportById(ReportKind.SPAM, "GW-A-0001", "u2", false);
        assertThat(afterRestart.counted()).isTrue();
        assertThat(afterRestart.reference()).isEqualTo(onB.reference());
        assertThat(afterRestart.spamReporters()).isEqualTo(3);
        assertThatThrownBy(() -> restarted.reportById(ReportKind.SPAM, "GW-NEVER-SEEN", "u2", false))
                .isInstanceOf(java.util.NoSuchElementException.class).hasMessageContaining("GW-NEVER-SEEN");
    }

    @Test
    void aMessageInspectedOnAIsReportedByIdOnBAndAfterARestartOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::aMessageInspectedOnAIsReportedByIdOnBAndAfterARestart);
    }

    @Test
    void aMessageInspectedOnAIsReportedByIdOnBAndAfterARestartOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::aMessageInspectedOnAIsReportedByIdOnBAndAfterARestart);
    }

    @Test
    void racingReportsOnTwoNodesKeepTheBlockAndRecallOnceOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::reportsRacingOnTwoNodes);
    }

    @Test
    void racingReportsOnTwoNodesKeepTheBlockAndRecallOnceOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::reportsRacingOnTwoNodes);
    }

    @Test
    void aReportOnNodeARefusesTheCopyOnNodeBOnH2() throws Exception {
        onH2(TwoNodesOnOneDatabaseTest::reportOnAThenRefuseOnB);
    }

    @Test
    void aReportOnNodeARefusesTheCopyOnNodeBOnPostgres() throws Exception {
        onPostgres(TwoNodesOnOneDatabaseTest::reportOnAThenRefuseOnB);
    }

    private void onH2(Consumer<DataSource> scenario) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        ds.setPassword("");
        try {
            scenario.accept(ds);
        } finally {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("SHUTDOWN");
            }
        }
    }

    private static void onPostgres(Consumer<DataSource> scenario) throws Exception {
        String url = System.getProperty("STREAMAIL_TEST_PG_URL", System.getenv("STREAMAIL_TEST_PG_URL"));
        Assumptions.assumeTrue(url != null && !url.isBlank(), "STREAMAIL_TEST_PG_URL not set");
        String schema = "spam_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        PGSimpleDataSource admin = new PGSimpleDataSource();
        admin.setURL(url);
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        try {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(url);
            ds.setCurrentSchema(schema);
            scenario.accept(ds);
        } finally {
            try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
