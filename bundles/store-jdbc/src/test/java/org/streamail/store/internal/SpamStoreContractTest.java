package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.SpamStore;
import org.streamail.api.spam.SpamStore.Corpus;
import org.streamail.api.spam.SpamStore.Fingerprint;
import org.streamail.api.spam.SpamStore.FingerprintState;
import org.streamail.api.spam.SpamStore.Report;
import org.streamail.api.spam.SpamStore.Tally;
import org.streamail.api.spam.SpamStore.TokenCount;

/**
 * What every database behind the spam store must do (migration V3). Subclasses supply a fresh database per
 * test ({@link H2SpamStoreTest}, {@link PostgresSpamStoreTest}). "Nodes" are separate store instances on
 * the same database, as two gateways on one PostgreSQL.
 */
abstract class SpamStoreContractTest {

    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00.123Z");

    protected abstract DataSource newDatabase() throws Exception;

    protected DataSource ds;
    protected JdbcSpamStore store;
    private ExecutorService pool;

    @BeforeEach
    void createStore() throws Exception {
        ds = newDatabase();
        store = new JdbcSpamStore(ds);
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

    private static Fingerprint fp(String id, FingerprintState state) {
        return new Fingerprint(id, List.of(1, -2, Integer.MAX_VALUE, 0), List.of("ab".repeat(32), "cd".repeat(32)),
                state, T0, 0);
    }

    // ---------------------------------------------------------------- fingerprints

    @Test
    void aFingerprintIsSavedOnceWithEveryFieldAndItsGeneration() {
        Fingerprint saved = store.saveFingerprint(fp("0a1b", FingerprintState.PENDING));
        assertThat(saved.minHash()).containsExactly(1, -2, Integer.MAX_VALUE, 0);
        assertThat(saved.attachmentHashes()).containsExactly("ab".repeat(32), "cd".repeat(32));
        assertThat(saved.createdAt()).isEqualTo(T0);
        assertThat(saved.generation()).isPositive();
        Fingerprint again = store.saveFingerprint(fp("0a1b", FingerprintState.BLOCKING));
        assertThat(again).isEqualTo(saved); // the first one stands
        assertThat(store.fingerprint("0a1b")).contains(saved);
        assertThat(store.fingerprint("ffff")).isEmpty();
        assertThat(store.fingerprint("not hex; DROP TABLE")).isEmpty();
        assertThatThrownBy(() -> store.saveFingerprint(fp("XYZ", FingerprintState.PENDING)))
                .isInstanceOf(IllegalArgumentException.class);
        Fingerprint empty = store.saveFingerprint(new Fingerprint("0e", List.of(), List.of(), FingerprintState.PENDING, T0, 0));
        assertThat(empty.minHash()).isEmpty();
        assertThat(empty.attachmentHashes()).isEmpty();
    }

    @Test
    void concurrentSavesOfOneFingerprintKeepOneRowAndReturnItToEveryone() throws Exception {
        List<Fingerprint> results = concurrently(8, () -> new JdbcSpamStore(ds).saveFingerprint(fp("beef", FingerprintState.PENDING)));
        assertThat(new HashSet<>(results)).hasSize(1);
        assertThat(store.fingerprintsChangedAfter(0, 100)).hasSize(1);
    }

    @Test
    void stateChangesFeedOtherNodesInGenerationOrder() {
        store.saveFingerprint(fp("01", FingerprintState.PENDING));
        store.saveFingerprint(fp("02", FingerprintState.PENDING));
        List<Fingerprint> first = store.fingerprintsChangedAfter(0, 100);
        assertThat(first).extracting(Fingerprint::id).containsExactly("01", "02");
        long seen = first.get(1).generation();

        JdbcSpamStore nodeB = new JdbcSpamStore(ds);
        assertThat(nodeB.setState("01", FingerprintState.BLOCKING)).isTrue();
        assertThat(nodeB.setState("01", FingerprintState.BLOCKING)).isFalse(); // unchanged: no feed entry
        assertThat(nodeB.setState("99", FingerprintState.BLOCKING)).isFalse();
        List<Fingerprint> changed = store.fingerprintsChangedAfter(seen, 100);
        assertThat(changed).singleElement().satisfies(f -> {
            assertThat(f.id()).isEqualTo("01");
            assertThat(f.state()).isEqualTo(FingerprintState.BLOCKING);
        });
        assertThat(store.fingerprintsChangedAfter(changed.get(0).generation(), 100)).isEmpty();
        assertThat(store.fingerprintsChangedAfter(0, 1)).hasSize(1); // the limit holds
    }

    // ---------------------------------------------------------------- reports

    @Test
    void reportsAreIdempotentPerReporterAndTheLatestAdminReportCounts() {
        store.saveFingerprint(fp("aa", FingerprintState.PENDING));
        assertThat(store.recordReport(new Report("aa", "alice", ReportKind.SPAM, false, "X@Spam.example", T0))).isTrue();
        assertThat(store.recordReport(new Report("aa", "alice", ReportKind.SPAM, false, "x@spam.example", T0.plusSeconds(1))))
                .isFalse();
        assertThat(store.recordReport(new Report("aa", "bob", ReportKind.SPAM, false, "x@spam.example", T0))).isTrue();
        assertThat(store.tally("aa")).isEqualTo(new Tally(2, 0, null));

        assertThat(store.recordReport(new Report("aa", "bob", ReportKind.HAM, false, "", T0.plusSeconds(2)))).isTrue();
        assertThat(store.tally("aa")).isEqualTo(new Tally(1, 1, null));

        store.recordReport(new Report("aa", "root", ReportKind.SPAM, true, "", T0.plusSeconds(3)));
        store.recordReport(new Report("aa", "admin2", ReportKind.HAM, true, "", T0.plusSeconds(4)));
        assertThat(store.tally("aa")).isEqualTo(new Tally(2, 2, ReportKind.HAM));
        store.recordReport(new Report("aa", "root", ReportKind.SPAM, true, "", T0.plusSeconds(5))); // same kind: no-op
        store.recordReport(new Report("aa", "root", ReportKind.HAM, true, "", T0.plusSeconds(6)));
        store.recordReport(new Report("aa", "root", ReportKind.SPAM, true, "", T0.plusSeconds(7)));
        assertThat(store.tally("aa").latestAdminKind()).isEqualTo(ReportKind.SPAM);
        assertThat(store.tally("bb")).isEqualTo(new Tally(0, 0, null));
    }

    @Test
    void concurrentReportsOfOneReporterCountOnce() throws Exception {
        store.saveFingerprint(fp("cc", FingerprintState.PENDING));
        List<Boolean> results = concurrently(8, () -> new JdbcSpamStore(ds)
                .recordReport(new Report("cc", "alice", ReportKind.SPAM, false, "", T0)));
        assertThat(results.stream().filter(b -> b).count()).isEqualTo(1);
        assertThat(store.tally("cc").spamReporters()).isEqualTo(1);
    }

    @Test
    void reportersOfASenderAreCountedOnceAndOnlyInTheWindow() {
        store.saveFingerprint(fp("d1", FingerprintState.PENDING));
        store.saveFingerprint(fp("d2", FingerprintState.PENDING));
        store.recordReport(new Report("d1", "u1", ReportKind.SPAM, false, "p@bulk.example", T0));
        store.recordReport(new Report("d2", "u1", ReportKind.SPAM, false, "p@bulk.example", T0));
        store.recordReport(new Report("d2", "u2", ReportKind.SPAM, false, "p@bulk.example", T0.minusSeconds(3600)));
        store.recordReport(new Report("d2", "u3", ReportKind.HAM, false, "p@bulk.example", T0));
        assertThat(store.spamReportersOfSender("p@bulk.example", T0.minusSeconds(7200))).isEqualTo(2);
        assertThat(store.spamReportersOfSender("P@BULK.example", T0.minusSeconds(60))).isEqualTo(1);
        assertThat(store.spamReportersOfSender("other@bulk.example", T0.minusSeconds(7200))).isZero();
    }

    // ---------------------------------------------------------------- classifier

    private Map<Long, TokenCount> allTokens(JdbcSpamStore s) {
        Map<Long, TokenCount> out = new HashMap<>();
        long g = 0;
        long t = Long.MIN_VALUE;
        for (int pages = 0; pages < 10_000; pages++) {
            List<TokenCount> page = s.tokensChangedAfter(g, t, 3);
            if (page.isEmpty()) {
                break;
            }
            for (TokenCount c : page) {
                out.put(c.token(), c);
            }
            g = page.get(page.size() - 1).generation();
            t = page.get(page.size() - 1).token();
        }
        return out;
    }

    @Test
    void trainingIsIdempotentAndRetrainingTakesTheOldCountsBack() {
        long[] tokens = {Long.MIN_VALUE, -1, 0, 7, Long.MAX_VALUE, 7};
        assertThat(store.train("a1", ReportKind.SPAM, tokens)).isTrue();
        assertThat(store.train("a1", ReportKind.SPAM, tokens)).isFalse();
        assertThat(store.train("a2", ReportKind.SPAM, new long[] {7, 8})).isTrue();
        assertThat(store.corpus()).isEqualTo(new Corpus(2, 0));
        assertThat(store.trainedAs("a1")).contains(ReportKind.SPAM);
        assertThat(store.trainedAs("a9")).isEmpty();
        Map<Long, TokenCount> counts = allTokens(store);
        assertThat(counts).hasSize(6); // duplicates within one message count once
        assertThat(counts.get(7L).spam()).isEqualTo(2);
        assertThat(counts.get(Long.MIN_VALUE).spam()).isEqualTo(1);

        assertThat(store.train("a1", ReportKind.HAM, tokens)).isTrue();
        assertThat(store.corpus()).isEqualTo(new Corpus(1, 1));
        counts = allTokens(store);
        assertThat(counts.get(7L)).satisfies(c -> {
            assertThat(c.spam()).isEqualTo(1);
            assertThat(c.ham()).isEqualTo(1);
        });
        assertThat(counts.get(0L).spam()).isZero();
        assertThat(counts.get(0L).ham()).isEqualTo(1);
    }

    @Test
    void theTokenFeedPagesThroughOneLargeGenerationWithoutSkippingRows() {
        long[] tokens = new long[50];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = i * 1_000_003L - 20;
        }
        store.train("b16", ReportKind.HAM, tokens);
        assertThat(allTokens(store)).hasSize(50); // read 3 rows at a time, all in one generation
        List<TokenCount> first = store.tokensChangedAfter(0, Long.MIN_VALUE, 100);
        TokenCount last = first.get(first.size() - 1);
        assertThat(store.tokensChangedAfter(last.generation(), last.token(), 100)).isEmpty();
        store.train("e1", ReportKind.SPAM, new long[] {tokens[0]});
        assertThat(store.tokensChangedAfter(last.generation(), last.token(), 100)).singleElement()
                .satisfies(c -> assertThat(c.spam()).isEqualTo(1));
    }

    @Test
    void theTrainedMessageFeedReplaysEveryTrainingWithItsTokensAndShowsARetrainingAgain() {
        store.train("c1", ReportKind.SPAM, new long[] {5, -5, 5});
        store.train("c2", ReportKind.HAM, new long[] {Long.MAX_VALUE});
        store.train("c3", ReportKind.SPAM, new long[] {1, 2, 3});
        List<SpamStore.TrainedMessage> all = new ArrayList<>();
        long g = 0;
        String key = "";
        for (int pages = 0; pages < 100; pages++) {
            List<SpamStore.TrainedMessage> page = store.trainedChangedAfter(g, key, 2);
            if (page.isEmpty()) {
                break;
            }
            assertThat(page).hasSizeLessThanOrEqualTo(2);
            all.addAll(page);
            g = page.get(page.size() - 1).generation();
            key = page.get(page.size() - 1).messageKey();
        }
        assertThat(all).extracting(SpamStore.TrainedMessage::messageKey).containsExactly("c1", "c2", "c3");
        assertThat(all.get(0).kind()).isEqualTo(ReportKind.SPAM);
        assertThat(all.get(0).tokens()).containsExactlyInAnyOrder(5, -5); // distinct, as counted
        assertThat(all.get(1).tokens()).containsExactly(Long.MAX_VALUE);
        assertThat(store.trainedChangedAfter(g, key, 10)).isEmpty();

        store.train("c1", ReportKind.HAM, new long[] {5, -5});
        assertThat(store.trainedChangedAfter(g, key, 10)).singleElement().satisfies(m -> {
            assertThat(m.messageKey()).isEqualTo("c1");
            assertThat(m.kind()).isEqualTo(ReportKind.HAM);
            assertThat(m.generation()).isGreaterThan(all.get(2).generation());
        });
    }

    @Test
    void concurrentTrainingOnTwoNodesLosesNoCount() throws Exception {
        int[] next = {0};
        List<Boolean> done = concurrently(8, () -> {
            int me;
            synchronized (next) {
                me = next[0]++;
            }
            JdbcSpamStore node = new JdbcSpamStore(ds);
            for (int i = 0; i < 5; i++) {
                node.train(Integer.toHexString(me * 100 + i), i % 2 == 0 ? ReportKind.SPAM : ReportKind.HAM,
                        new long[] {42, 43, me * 1000L + i});
            }
            return true;
        });
        assertThat(done).hasSize(8);
        Map<Long, TokenCount> counts = allTokens(store);
        assertThat(counts.get(42L).spam()).isEqualTo(24);
        assertThat(counts.get(42L).ham()).isEqualTo(16);
        assertThat(store.corpus()).isEqualTo(new Corpus(24, 16));
    }

    // ---------------------------------------------------------------- inspected message summaries

    private static SpamStore.SeenMessage seen(String gatewayId, Instant at, long... tokens) {
        List<Integer> minHash = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            minHash.add(i % 2 == 0 ? Integer.MIN_VALUE + i : i * -31);
        }
        return new SpamStore.SeenMessage(gatewayId, "0f1e2d", minHash, List.of("ab".repeat(32)), tokens,
                "p@bulk.example", at);
    }

    @Test
    void aSummaryIsSavedWithEveryFieldAndReadOnAnotherNode() {
        SpamStore.SeenMessage m = seen("GW0001", T0, Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);
        store.saveSeen(List.of(m, new SpamStore.SeenMessage("GW0002", "aa", List.of(), List.of(), new long[0], "", T0)));
        JdbcSpamStore nodeB = new JdbcSpamStore(ds);
        SpamStore.SeenMessage read = nodeB.seen("GW0001").orElseThrow();
        assertThat(read.gatewayId()).isEqualTo("GW0001");
        assertThat(read.referenceId()).isEqualTo("0f1e2d");
        assertThat(read.minHash()).isEqualTo(m.minHash()).hasSize(128);
        assertThat(read.attachmentHashes()).containsExactly("ab".repeat(32));
        assertThat(read.tokens()).containsExactly(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);
        assertThat(read.sender()).isEqualTo("p@bulk.example");
        assertThat(read.seenAt()).isEqualTo(T0);
        SpamStore.SeenMessage empty = nodeB.seen("GW0002").orElseThrow();
        assertThat(empty.minHash()).isEmpty();
        assertThat(empty.attachmentHashes()).isEmpty();
        assertThat(empty.tokens()).isEmpty();
        assertThat(empty.sender()).isEmpty();
        assertThat(nodeB.seen("GW0003")).isEmpty();
        assertThat(nodeB.seen("GW\u00000001")).isEmpty();
        assertThat(nodeB.seen("x".repeat(129))).isEmpty();
        assertThat(nodeB.seen("")).isEmpty();
        store.saveSeen(List.of()); // nothing to do
    }

    @Test
    void aReinspectionReplacesTheSummaryAndTheLastOfABatchWins() throws Exception {
        store.saveSeen(List.of(seen("GW1", T0, 1)));
        store.saveSeen(List.of(seen("GW1", T0.plusSeconds(1), 2), seen("GW2", T0, 5), seen("GW1", T0.plusSeconds(2), 3)));
        assertThat(store.seen("GW1").orElseThrow().tokens()).containsExactly(3);
        assertThat(store.seen("GW1").orElseThrow().seenAt()).isEqualTo(T0.plusSeconds(2));
        try (var c = ds.getConnection(); var st = c.createStatement();
                var rs = st.executeQuery("SELECT COUNT(*) FROM spam_seen")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(2);
        }
        // eight nodes write the same id at once: one row, nobody fails
        int[] n = {0};
        List<Boolean> done = concurrently(8, () -> {
            long me;
            synchronized (n) {
                me = n[0]++;
            }
            new JdbcSpamStore(ds).saveSeen(List.of(seen("GW9", T0, me)));
            return true;
        });
        assertThat(done).hasSize(8);
        assertThat(store.seen("GW9").orElseThrow().tokens()).hasSize(1);
    }

    @Test
    void aSummaryOutOfBoundsRefusesTheWholeBatchAndStoresNothing() {
        SpamStore.SeenMessage good = seen("GW-ok", T0, 1);
        List<SpamStore.SeenMessage> bad = List.of(
                seen("x".repeat(129), T0, 1),
                seen("GW\u00001", T0, 1),
                new SpamStore.SeenMessage("GW-b", "NOT HEX", List.of(), List.of(), new long[0], "", T0),
                new SpamStore.SeenMessage("GW-b", "ab", List.of(), List.of("zz"), new long[0], "", T0),
                new SpamStore.SeenMessage("GW-b", "ab", List.of(), List.of(), new long[JdbcSpamStore.MAX_TOKENS + 1], "",
                        T0),
                new SpamStore.SeenMessage("GW-b", "ab", List.of(), List.of(), new long[0], "a".repeat(513), T0),
                new SpamStore.SeenMessage("GW-b", "ab", List.of(), List.of(), new long[0], "a\u0000@b.example", T0));
        for (SpamStore.SeenMessage b : bad) {
            assertThatThrownBy(() -> store.saveSeen(List.of(good, b))).isInstanceOf(IllegalArgumentException.class);
        }
        List<SpamStore.SeenMessage> tooMany = new ArrayList<>();
        for (int i = 0; i <= JdbcSpamStore.MAX_SEEN_BATCH; i++) {
            tooMany.add(seen("GW" + i, T0, i));
        }
        assertThatThrownBy(() -> store.saveSeen(tooMany)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(JdbcSpamStore.MAX_SEEN_BATCH));
        assertThat(store.seen("GW-ok")).isEmpty();
        assertThat(store.seen("GW0")).isEmpty();
    }

    @Test
    void summariesOlderThanTheCutoffAreDeletedOldestFirstWithinTheLimit() {
        store.saveSeen(List.of(seen("GW-a", T0.minusSeconds(300), 1), seen("GW-b", T0.minusSeconds(200), 2),
                seen("GW-c", T0.minusSeconds(100), 3), seen("GW-d", T0, 4)));
        assertThat(store.deleteSeenBefore(T0.minusSeconds(50), 2)).isEqualTo(2);
        assertThat(store.seen("GW-a")).isEmpty();
        assertThat(store.seen("GW-b")).isEmpty();
        assertThat(store.seen("GW-c")).isPresent();
        assertThat(store.deleteSeenBefore(T0.minusSeconds(50), 100)).isEqualTo(1);
        assertThat(store.deleteSeenBefore(T0.minusSeconds(50), 100)).isZero();
        assertThat(store.deleteSeenBefore(T0, 100)).as("strictly before").isZero();
        assertThat(store.seen("GW-d")).isPresent();
    }

    // ---------------------------------------------------------------- block rules

    @Test
    void rulesAreKeptWithEveryFieldListedNewestFirstAndChangeTheGeneration() {
        long g0 = store.rulesGeneration();
        BlockRule a = store.addRule(new BlockRule("r1", BlockRule.Type.CLIENT_IP, "203.0.113.0/24", "botnet", "root", T0,
                null, BlockRule.Source.ADMIN));
        BlockRule b = store.addRule(new BlockRule("r2", BlockRule.Type.SENDER, "p@bulk.example", "auto \u0000 rule", "auto",
                T0.plusSeconds(5), T0.plusSeconds(3600), BlockRule.Source.AUTO));
        long g1 = store.rulesGeneration();
        assertThat(g1).isGreaterThan(g0);
        assertThat(store.rules()).containsExactly(b, a);
        assertThat(b.reason()).isEqualTo("auto \uFFFD rule");
        assertThat(b.expiresAt()).isEqualTo(T0.plusSeconds(3600));
        assertThat(a.expiresAt()).isNull();

        JdbcSpamStore nodeB = new JdbcSpamStore(ds);
        assertThat(nodeB.removeRule("r1")).isTrue();
        assertThat(nodeB.removeRule("r1")).isFalse();
        assertThat(store.rulesGeneration()).isGreaterThan(g1);
        assertThat(store.rules()).containsExactly(b);
        assertThatThrownBy(() -> store.addRule(new BlockRule("r2", BlockRule.Type.HELO, "x.example", "", "root", T0, null,
                BlockRule.Source.ADMIN))).isInstanceOf(org.streamail.api.store.StoreException.class);
    }

    /**
     * Audit: rules() read the whole spam_block_rule table into memory. It stops at a cap (100,000; 3 here), keeping
     * the newest rules (then by id, so the cut is stable when several share a creation time), with a WARN at most
     * once a minute.
     */
    @Test
    void rulesStopAtTheCapKeepingTheNewestAndWarnAtMostOnceAMinute() {
        for (int i = 0; i < 5; i++) {
            store.addRule(new BlockRule("r" + i, BlockRule.Type.HELO, "h" + i + ".example", "", "root",
                    T0.plusSeconds(i), null, BlockRule.Source.ADMIN));
        }
        store.addRule(new BlockRule("r5b", BlockRule.Type.HELO, "h5b.example", "", "root", T0.plusSeconds(4), null,
                BlockRule.Source.ADMIN));
        store.addRule(new BlockRule("r5a", BlockRule.Type.HELO, "h5a.example", "", "root", T0.plusSeconds(4), null,
                BlockRule.Source.ADMIN));
        JdbcSpamStore capped = new JdbcSpamStore(ds, 3);
        assertThat(capped.rules()).extracting(BlockRule::id).containsExactly("r4", "r5a", "r5b");
        assertThat(capped.rules()).extracting(BlockRule::id).containsExactly("r4", "r5a", "r5b");
        assertThat(capped.rulesCap().warnings()).as("warned, once a minute at most").isEqualTo(1);

        assertThat(new JdbcSpamStore(ds, 7).rules()).hasSize(7);
        assertThat(store.rules()).hasSize(7);
        assertThat(store.rulesCap().warnings()).isZero();
    }

    /**
     * NUL in a reporter, a rule id or a rule value: PostgreSQL refuses it in any text value (SQL state 22021), H2
     * stored it. Before, the same call stored a row on H2 and failed with a StoreException on PostgreSQL; now both
     * refuse it with IllegalArgumentException and nothing is written, and removing such a rule id is simply false.
     */
    @Test
    void nulInAReporterOrARuleIsRefusedTheSameOnEveryDatabase() throws Exception {
        store.saveFingerprint(fp("ab", FingerprintState.PENDING));
        long g0 = store.rulesGeneration();
        assertThatThrownBy(() -> store.recordReport(new Report("ab", "ali\u0000ce", ReportKind.SPAM, false, "", T0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> store.addRule(new BlockRule("r\u00001", BlockRule.Type.HELO, "x.example", "", "root", T0,
                null, BlockRule.Source.ADMIN))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> store.addRule(new BlockRule("r1", BlockRule.Type.SENDER, "a\u0000@spam.example", "",
                "root", T0, null, BlockRule.Source.ADMIN))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
        assertThat(store.removeRule("r\u00001")).isFalse();
        assertThat(store.tally("ab")).isEqualTo(new Tally(0, 0, null));
        assertThat(store.rules()).isEmpty();
        assertThat(store.rulesGeneration()).isEqualTo(g0);
    }

    /**
     * Eight "nodes" (each its own store instance) add a rule with one type and value at once: one is stored, the
     * others are refused naming it, as the spam service refuses a duplicate on one node (second multi-node audit:
     * two gateways stored both, and removing the rule an SMTP reply named left its twin refusing mail). An expired
     * rule with the value, another type or another value does not count; once the rule is removed it may be added
     * again.
     */
    @Test
    void aSecondActiveRuleWithTheSameTypeAndValueIsRefusedAcrossNodes() throws Exception {
        store.addRule(new BlockRule("old", BlockRule.Type.SENDER_DOMAIN, "bulk.example", "expired", "root",
                T0.minusSeconds(7200), T0.minusSeconds(3600), BlockRule.Source.ADMIN));
        store.addRule(new BlockRule("helo", BlockRule.Type.HELO, "bulk.example", "", "root", T0, null, BlockRule.Source.ADMIN));
        int[] n = {0};
        List<Object> outcomes = concurrently(8, () -> {
            String id;
            synchronized (n) {
                id = "n" + n[0]++;
            }
            try {
                return new JdbcSpamStore(ds).addRule(new BlockRule(id, BlockRule.Type.SENDER_DOMAIN, "bulk.example",
                        "race", "root", T0, null, BlockRule.Source.ADMIN));
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        List<BlockRule> stored = outcomes.stream().filter(BlockRule.class::isInstance).map(BlockRule.class::cast).toList();
        assertThat(stored).hasSize(1);
        String winner = stored.get(0).id();
        assertThat(outcomes).filteredOn(String.class::isInstance).hasSize(7)
                .allMatch(m -> m.equals("SENDER_DOMAIN bulk.example is already blocked by rule " + winner));
        assertThat(store.rules()).extracting(BlockRule::id).containsExactlyInAnyOrder(winner, "old", "helo");

        assertThat(store.removeRule(winner)).isTrue();
        assertThat(store.addRule(new BlockRule("again", BlockRule.Type.SENDER_DOMAIN, "bulk.example", "", "root",
                T0.plusSeconds(1), T0.plusSeconds(60), BlockRule.Source.AUTO)).id()).isEqualTo("again");
        // after "again" expired, a new rule is welcome
        assertThat(store.addRule(new BlockRule("later", BlockRule.Type.SENDER_DOMAIN, "bulk.example", "", "root",
                T0.plusSeconds(60), null, BlockRule.Source.ADMIN)).id()).isEqualTo("later");
    }

    @Test
    void aRuleWithATypeFromANewerNodeIsSkippedNotFatal() throws Exception {
        store.addRule(new BlockRule("ok", BlockRule.Type.HELO, "x.example", "", "root", T0, null, BlockRule.Source.ADMIN));
        try (var c = ds.getConnection(); var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO spam_block_rule (id, rule_type, rule_value, reason, created_by, created_at, "
                    + "expires_at, rule_source) VALUES ('new', 'ASN', '64500', '', 'root', 1, NULL, 'ADMIN')");
        }
        assertThat(store.rules()).extracting(BlockRule::id).containsExactly("ok");
    }

    @Test
    void theSpamTablesComeWithTheOtherMigrations() throws Exception {
        Set<Integer> versions = new HashSet<>();
        try (var c = ds.getConnection(); var s = c.createStatement();
                var rs = s.executeQuery("SELECT version FROM streamail_schema_version")) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
        }
        assertThat(versions).contains(1, 2, 3, 8);
    }
}
