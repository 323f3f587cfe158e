package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.SpamStore;

class SpamEngineTest {

    final InMemorySpamStore store = new InMemorySpamStore();
    final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    final Map<String, SpamEngine.Stored> quarantine = new HashMap<>();
    final SpamEngine engine = node();

    SpamEngine node() {
        return new SpamEngine(store, SpamEngine.Settings.defaults(), clock, id -> Optional.ofNullable(quarantine.get(id)),
                d -> d.equals("example.org"));
    }

    /** A node whose classifier is {@code classifier.model = LR}. */
    SpamEngine lrNode() {
        return new SpamEngine(store, SpamEngine.Settings.defaults(), clock, id -> Optional.ofNullable(quarantine.get(id)),
                d -> d.equals("example.org"), Classifier.Tuning.logistic(), Tokenizer.DEFAULT);
    }

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static byte[] variant(String name, String tracking, int order) {
        return Mail.text("offers@shop-example.biz", "Exclusive offer for " + name, Mail.campaign(name, tracking, order));
    }

    List<Finding> inspect(SpamEngine e, byte[] raw) {
        return e.inspect("id-" + Math.abs(java.util.Arrays.hashCode(raw)), raw, List.of(), List.of(), () -> false);
    }

    static Optional<Finding> rule(List<Finding> findings, String rule) {
        return findings.stream().filter(f -> f.rule().equals(rule)).findFirst();
    }

    // ---------------------------------------------------------------- fingerprints and reporters

    /** A copy as the gateway delivered it: its own Received line first, then a forged one the sender wrote. */
    static byte[] delivered(String gatewayId, byte[] raw) {
        String ours = "Received: from mx.shop-example.biz (mx.shop-example.biz [192.0.2.9])\r\n\tby gw.example.org "
                + "(Streamail) with ESMTPS id " + gatewayId + "\r\n\tfor <alice@example.org>; Sun, 1 Mar 2026 10:00:00 +0000\r\n";
        String forged = "Received: from x (x [198.51.100.1]) by mx.example.org (Streamail) with ESMTP id FORGED0001; "
                + "Sun, 1 Mar 2026 09:00:00 +0000\r\n";
        return (ours + forged + new String(raw, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theReportThatMakesAFingerprintBlockRecallsTheDeliveredCampaignOnce() {
        List<String> recalls = new java.util.ArrayList<>();
        engine.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id + " " + ref + " " + reason));
        engine.report(ReportKind.SPAM, delivered("GW0000000001", variant("Alice", "t-aa11", 1001)), "alice", false);
        engine.report(ReportKind.SPAM, delivered("GW0000000002", variant("Bob", "t-bb22", 1002)), "bob", false);
        assertThat(recalls).isEmpty(); // two reporters: not blocking yet
        ReportResult third = engine.report(ReportKind.SPAM, delivered("GW0000000003", variant("Carol", "t-cc33", 1003)),
                "carol", false);
        assertThat(third.blocking()).isTrue();
        // the gateway's own Received line names the copy, not the forged one below it
        assertThat(recalls).containsExactly("GW0000000003 " + third.reference() + " reported as spam by 3 users");
        engine.report(ReportKind.SPAM, delivered("GW0000000004", variant("Dave", "t-dd44", 1004)), "dave", false);
        assertThat(recalls).hasSize(1); // already blocking: nothing new to recall
    }

    @Test
    void anAdminReportByIdRecallsThatMessageAndAHamReportOrAnUndeliveredMessageRecallsNothing() {
        List<String> recalls = new java.util.ArrayList<>();
        List<String> claims = new java.util.ArrayList<>();
        engine.onBlockedCampaign((id, ref, reason, claimed) -> {
            recalls.add(id);
            claims.add(String.valueOf(claimed));
        });
        engine.report(ReportKind.HAM, delivered("GW0000000010", variant("Eve", "t-ee55", 1005)), "admin", true);
        engine.report(ReportKind.SPAM, variant("Frank", "t-ff66", 1006), "admin", true); // never passed through us
        assertThat(recalls).isEmpty();
        quarantine.put("GW0000000011", new SpamEngine.Stored(Mail.text("x@other-shop.example", "Cheap pills now",
                "Buy cheap pills online without prescription, discreet shipping, best prices guaranteed, order today."), null));
        engine.reportById(ReportKind.SPAM, "GW0000000011", "admin", true);
        assertThat(recalls).containsExactly("GW0000000011");
        assertThat(claims).containsExactly("null"); // named by the report: the gateway's own copy, nothing to check
        // an id read from a Received line inside reported bytes comes with those bytes' Message-ID, to be checked
        byte[] raw = delivered("GW0000000012", Mail.text("news@lottery-win.example", "You won the grand prize",
                "Claim your lottery prize today: send your bank details and a processing fee to our agent at once."));
        engine.report(ReportKind.SPAM, raw, "admin", true);
        assertThat(recalls).last().isEqualTo("GW0000000012");
        assertThat(claims).last().isEqualTo(MimeText.read(raw).header("Message-ID").strip()).isNotEqualTo("null");
    }

    @Test
    void anIdFromAReceivedLineIsRecalledOnlyWhenTheLogHoldsItWithTheReportedMessageId() {
        // fifth audit: a Received line copied from any mail a user got would let reporters recall that mail
        org.streamail.api.model.Envelope env = org.streamail.api.model.Envelope.inbound("a@b.example",
                List.of("c@example.org"), "192.0.2.1", "b.example");
        java.util.Map<String, org.streamail.api.store.LogEntry> log = java.util.Map.of("GW1",
                new org.streamail.api.store.LogEntry("GW1", "campaign-1@b.example", "Deals", env, List.of(), 100, null,
                        org.streamail.api.store.DeliveryStatus.DELIVERED, "", java.time.Instant.EPOCH, null));
        java.util.function.Function<String, java.util.Optional<org.streamail.api.store.LogEntry>> lookup =
                id -> java.util.Optional.ofNullable(log.get(id));
        // the message log keeps the Message-ID without angle brackets, the header has them
        assertThat(SpamComponent.notTheReportedMessage("GW1", "<Campaign-1@b.example>", lookup)).isEmpty();
        assertThat(SpamComponent.notTheReportedMessage("GW1", "<ceo-memo@example.org>", lookup)).hasValueSatisfying(
                why -> assertThat(why).contains("Message-ID is not the one logged for GW1"));
        assertThat(SpamComponent.notTheReportedMessage("GW1", "", lookup)).isPresent();
        assertThat(SpamComponent.notTheReportedMessage("GW9", "<campaign-1@b.example>", lookup)).isPresent();
        assertThat(SpamComponent.notTheReportedMessage("GW1", "<campaign-1@b.example>", null)).isPresent();
    }

    @Test
    void aFailingRecallNeverFailsTheReport() {
        engine.onBlockedCampaign((id, ref, reason, claimed) -> {
            throw new IllegalStateException("message log down");
        });
        ReportResult r = engine.report(ReportKind.SPAM, delivered("GW0000000020", variant("Gina", "t-gg77", 1007)), "admin", true);
        assertThat(r.blocking()).isTrue();
    }

    @Test
    void aReportStoredJustBeforeTheDatabaseWentAwayTakesEffectOnceItAnswersWithoutBeingSentAgain() {
        // open item of the second multi-node audit: the third report recorded, then the database dropped before
        // the state write; the report answered 503 and the block stayed pending until someone reported again
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        SpamStore flaky = downAfterCarolsReport(down);
        SpamEngine node = new SpamEngine(flaky, SpamEngine.Settings.defaults(), clock, id -> Optional.empty(),
                d -> d.equals("example.org"));
        List<String> recalls = new java.util.ArrayList<>();
        node.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id));
        node.report(ReportKind.SPAM, variant("Alice", "t-aa11", 1001), "alice", false);
        node.report(ReportKind.SPAM, variant("Bob", "t-bb22", 1002), "bob", false);
        byte[] third = delivered("GW0000000031", variant("Carol", "t-cc33", 1003));
        assertThatThrownBy(() -> node.report(ReportKind.SPAM, third, "carol", false))
                .isInstanceOf(org.streamail.api.store.StoreException.class);
        assertThat(node.unfinishedReports()).isEqualTo(1);
        node.refresh(); // still down: kept, nothing lost
        assertThat(node.unfinishedReports()).isEqualTo(1);
        assertThat(rule(inspect(node, variant("Zoe", "t-zz99", 9)), "fuzzy-match")).isEmpty();

        down.set(false);
        node.refresh();
        assertThat(node.unfinishedReports()).isZero();
        assertThat(rule(inspect(node, variant("Zoe", "t-zz99", 9)), "fuzzy-match")).isPresent();
        assertThat(recalls).containsExactly("GW0000000031");
        assertThat(store.corpus().spamMessages()).as("the third report trained too").isEqualTo(3);
        // every node sees it: the state is in the store
        SpamEngine other = node();
        other.refresh();
        assertThat(rule(inspect(other, variant("Yann", "t-yy88", 8)), "fuzzy-match")).isPresent();
        // carol sending it again now changes nothing and recalls nothing more
        ReportResult again = node.report(ReportKind.SPAM, third, "carol", false);
        assertThat(again.counted()).isFalse();
        assertThat(again.blocking()).isTrue();
        assertThat(recalls).hasSize(1);
    }

    @Test
    void anUnfinishedReportSurvivesARestartOfTheNodeWhileTheDatabaseIsDown(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path data) throws Exception {
        // open item of the last sessions: the unfinished reports lived in the engine's memory, so restarting the
        // gateway (or changing the spam configuration, which builds a new engine) before the database came back
        // left the third reporter's block pending until someone reported the campaign again
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean();
        SpamStore flaky = downAfterCarolsReport(down);
        java.nio.file.Path journal = data.resolve("unfinished-reports");
        SpamEngine before = journaledNode(flaky, UnfinishedReports.journaled(journal));
        before.report(ReportKind.SPAM, variant("Alice", "t-aa11", 1001), "alice", false);
        before.report(ReportKind.SPAM, variant("Bob", "t-bb22", 1002), "bob", false);
        byte[] third = delivered("GW0000000032", variant("Carol", "t-cc33", 1003));
        assertThatThrownBy(() -> before.report(ReportKind.SPAM, third, "carol", false))
                .isInstanceOf(org.streamail.api.store.StoreException.class);
        assertThat(before.unfinishedReports()).isEqualTo(1);
        try (var files = java.nio.file.Files.list(journal)) {
            List<java.nio.file.Path> kept = files.toList();
            assertThat(kept).hasSize(1);
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(kept.get(0)))).isEqualTo("rw-------");
        }

        // the node restarts (a new engine over what the old one left on disk), then the database comes back
        SpamEngine after = journaledNode(flaky, UnfinishedReports.journaled(journal));
        List<String> recalls = new java.util.ArrayList<>();
        after.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id));
        assertThat(after.unfinishedReports()).isEqualTo(1);
        after.refresh(); // still down: kept
        assertThat(after.unfinishedReports()).isEqualTo(1);
        down.set(false);
        after.refresh();
        assertThat(after.unfinishedReports()).isZero();
        assertThat(rule(inspect(after, variant("Zoe", "t-zz99", 9)), "fuzzy-match")).isPresent();
        assertThat(recalls).as("the recall the report called for, by the id kept with it").containsExactly("GW0000000032");
        assertThat(store.corpus().spamMessages()).as("the third report trained too").isEqualTo(3);
        try (var files = java.nio.file.Files.list(journal)) {
            assertThat(files.toList()).as("finished: its file is gone").isEmpty();
        }
        assertThat(UnfinishedReports.journaled(journal).size()).isZero();
    }

    /** The process dying in the middle of a report (kill -9 cannot be caught; an Error that nothing catches can). */
    static final class Killed extends Error {
        Killed() {
            super("killed", null, false, false);
        }
    }

    @Test
    void aReportWhoseNodeIsKilledBetweenItsCommitAndItsStateWriteTakesEffectAfterTheRestart(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path data) throws Exception {
        // open item of the last session: carol's report was committed, then the process died before the state write;
        // the report counted, but the block, the recall and the training waited for someone to report it again
        assertKilledReportTakesEffectAfterRestart(data, "setState");
    }

    @Test
    void aReportWhoseNodeIsKilledBeforeTheStoreRecordedItIsRecordedAfterTheRestart(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path data) throws Exception {
        // the reporter got no answer: the report was on its way, so it is taken (once: reports are idempotent)
        assertKilledReportTakesEffectAfterRestart(data, "recordReport");
    }

    private void assertKilledReportTakesEffectAfterRestart(java.nio.file.Path data, String dyingCall) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
        SpamStore dying = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SpamStore.class}, (p, m, args) -> {
                    if (m.getName().equals(dyingCall) && armed.getAndSet(false)) {
                        throw new Killed();
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        java.nio.file.Path journal = data.resolve("unfinished-reports");
        SpamEngine before = journaledNode(dying, UnfinishedReports.journaled(journal));
        before.report(ReportKind.SPAM, variant("Alice", "t-aa11", 1001), "alice", false);
        before.report(ReportKind.SPAM, variant("Bob", "t-bb22", 1002), "bob", false);
        armed.set(true);
        byte[] third = delivered("GW0000000033", variant("Carol", "t-cc33", 1003));
        assertThatThrownBy(() -> before.report(ReportKind.SPAM, third, "carol", false)).isInstanceOf(Killed.class);
        assertThat(store.corpus().spamMessages()).as("carol's report has not trained").isEqualTo(2);

        SpamEngine after = journaledNode(store, UnfinishedReports.journaled(journal));
        List<String> recalls = new java.util.ArrayList<>();
        after.onBlockedCampaign((id, ref, reason, claimed) -> recalls.add(id));
        assertThat(after.unfinishedReports()).isEqualTo(1);
        after.refresh();
        assertThat(after.unfinishedReports()).isZero();
        assertThat(rule(inspect(after, variant("Zoe", "t-zz99", 9)), "fuzzy-match")).isPresent();
        assertThat(recalls).containsExactly("GW0000000033");
        assertThat(store.corpus().spamMessages()).as("carol's report trained").isEqualTo(3);
        try (var files = java.nio.file.Files.list(journal)) {
            assertThat(files.toList()).isEmpty();
        }
        // carol sending it again counts nothing more and recalls nothing more
        ReportResult again = after.report(ReportKind.SPAM, third, "carol", false);
        assertThat(again.counted()).isFalse();
        assertThat(again.blocking()).isTrue();
        assertThat(recalls).hasSize(1);
    }

    @Test
    void aReportThatTookEffectLeavesNothingInTheJournal(@org.junit.jupiter.api.io.TempDir java.nio.file.Path data)
            throws Exception {
        java.nio.file.Path journal = data.resolve("unfinished-reports");
        SpamEngine node = journaledNode(store, UnfinishedReports.journaled(journal));
        node.report(ReportKind.SPAM, variant("Alice", "t-aa11", 1001), "alice", false);
        assertThatThrownBy(() -> node.report(ReportKind.SPAM, variant("Bob", "t-bb22", 1002), " ", false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(node.unfinishedReports()).isZero();
        if (java.nio.file.Files.exists(journal)) {
            try (var files = java.nio.file.Files.list(journal)) {
                assertThat(files.toList()).isEmpty();
            }
        }
    }

    /** The store, which goes down (every call fails while {@code down} is set) right after it records carol's report. */
    private SpamStore downAfterCarolsReport(java.util.concurrent.atomic.AtomicBoolean down) {
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
        return (SpamStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SpamStore.class}, (p, m, args) -> {
                    if (down.get()) {
                        throw new org.streamail.api.store.StoreException("connection refused");
                    }
                    try {
                        Object result = m.invoke(store, args);
                        if (m.getName().equals("recordReport") && ((SpamStore.Report) args[0]).reporter().equals("carol")
                                && armed.getAndSet(false)) {
                            down.set(true); // the report is stored; everything after it fails
                        }
                        return result;
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private SpamEngine journaledNode(SpamStore s, UnfinishedReports unfinished) {
        return new SpamEngine(s, SpamEngine.Settings.defaults(), clock, id -> Optional.empty(),
                d -> d.equals("example.org"), Classifier.Tuning.defaults(), Tokenizer.DEFAULT,
                new RecentMessages(SpamEngine.Settings.defaults().recentBytes()), unfinished);
    }

    @Test
    void anUnfinishedReportThatFailsForAnotherReasonThanTheStoreIsDropped() {
        java.util.concurrent.atomic.AtomicReference<RuntimeException> failure = new java.util.concurrent.atomic.AtomicReference<>();
        SpamStore flaky = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SpamStore.class}, (p, m, args) -> {
                    if (failure.get() != null && m.getName().equals("tally")) {
                        throw failure.get();
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SpamEngine node = new SpamEngine(flaky, SpamEngine.Settings.defaults(), clock, id -> Optional.empty(),
                d -> d.equals("example.org"));
        failure.set(new org.streamail.api.store.StoreException("connection refused"));
        assertThatThrownBy(() -> node.report(ReportKind.SPAM, variant("Alice", "t-aa11", 1001), "admin", true))
                .isInstanceOf(org.streamail.api.store.StoreException.class);
        assertThat(node.unfinishedReports()).isEqualTo(1);

        failure.set(new IllegalStateException("a bug, not the database"));
        node.refresh();
        assertThat(node.unfinishedReports()).as("dropped, not retried forever").isZero();
    }

    @Test
    void threeDistinctReportersMakeAFingerprintRefuseEveryVariant() {
        ReportResult first = engine.report(ReportKind.SPAM, variant("Alice", "t-aa11", 1001), "alice", false);
        assertThat(first.blocking()).isFalse();
        engine.report(ReportKind.SPAM, variant("Bob", "t-bb22", 1002), "bob", false);
        assertThat(rule(inspect(engine, variant("Zoe", "t-zz99", 9)), "fuzzy-match")).isEmpty();

        ReportResult third = engine.report(ReportKind.SPAM, variant("Carol", "t-cc33", 1003), "carol", false);
        assertThat(third.blocking()).isTrue();
        assertThat(third.reference()).isEqualTo(first.reference()); // near duplicates count for one fingerprint
        assertThat(third.spamReporters()).isEqualTo(3);

        for (String name : List.of("Dave", "Eve", "Mallory")) {
            Finding f = rule(inspect(engine, variant(name, "t-" + name.hashCode(), name.length() * 77)), "fuzzy-match")
                    .orElseThrow();
            assertThat(f.score()).isGreaterThanOrEqualTo(100);
            assertThat(f.category()).isEqualTo(Category.SPAM);
            assertThat(f.detail()).contains("ref " + first.reference());
            // the SMTP reply quotes the strongest finding: how close the copy came stays out of it (audit finding)
            assertThat(f.detail()).doesNotContain("similarity");
            assertThat(rule(inspect(engine, variant(name, "t-" + name.hashCode(), name.length() * 77)), "fuzzy-similarity")
                    .orElseThrow()).satisfies(i -> {
                        assertThat(i.score()).isZero();
                        assertThat(i.detail()).startsWith("similarity ").contains(first.reference());
                    });
        }
        byte[] unrelated = Mail.text("carol@partner.example", "Minutes", "Hi team, the quarterly planning meeting "
                + "moves to Thursday at ten in the large room; bring the draft budget and the hiring list. Carol");
        assertThat(rule(inspect(engine, unrelated), "fuzzy-match")).isEmpty();
    }

    @Test
    void unrelatedMessagesWithNothingToFingerprintNeverShareAReferenceOrClaimToBlock() {
        byte[] tiny = Mail.text("a@x.example", "hi", "zzz");
        byte[] other = Mail.text("b@y.example", "yo", "see you");
        // (bytes that are not mail at all are refused: bytesThatAreNotMailAreRefusedAndNothingIsLearned)
        byte[] notMail = "Subject: \r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ReportResult r1 = engine.report(ReportKind.SPAM, tiny, "root", true);
        ReportResult r2 = engine.report(ReportKind.SPAM, other, "root", true);
        ReportResult r3 = engine.report(ReportKind.SPAM, notMail, "root", true);
        assertThat(java.util.Set.of(r1.reference(), r2.reference(), r3.reference())).hasSize(3);
        assertThat(List.of(r1, r2, r3)).allSatisfy(r -> {
            assertThat(r.blocking()).as("an admin report of %s", r.reference()).isFalse();
            assertThat(r.spamReporters()).isEqualTo(1);
        });
        assertThat(engine.report(ReportKind.SPAM, tiny, "root", true).counted()).isFalse(); // still idempotent
        assertThat(rule(inspect(engine, Mail.text("c@z.example", "hi", "zzz")), "fuzzy-match")).isEmpty();
        // a message with enough words does block after an admin report
        assertThat(engine.report(ReportKind.SPAM, variant("Bob", "b", 2), "root", true).blocking()).isTrue();
    }

    @Test
    void theSameReporterReportingTwiceCountsOnce() {
        engine.report(ReportKind.SPAM, variant("Alice", "t1a", 1), "alice", false);
        // the same campaign with another tracking id and order number is the same message
        ReportResult again = engine.report(ReportKind.SPAM, variant("Alice", "t2b", 2), "alice", false);
        ReportResult once = engine.report(ReportKind.SPAM, variant("Alice", "t1a", 1), "alice", false);
        assertThat(again.counted()).isFalse();
        assertThat(once.counted()).isFalse();
        assertThat(once.spamReporters()).isEqualTo(1);
        assertThat(once.blocking()).isFalse();
        assertThat(store.corpus().spamMessages()).isEqualTo(1); // the classifier learned the message once
    }

    @Test
    void bytesThatAreNotMailAreRefusedAndNothingIsLearned() {
        // audit finding: "streamail:report-spam /etc/shadow" and random bytes over REST trained the shared classifier
        byte[] random = new byte[2048];
        new java.util.Random(3).nextBytes(random);
        for (byte[] junk : new byte[][] {random, "root:$6$s$h:19000:0:99999:7:::\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)}) {
            assertThatThrownBy(() -> engine.report(ReportKind.SPAM, junk, "root", true))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a mail message");
        }
        assertThat(store.corpus().spamMessages()).isZero();
        assertThat(store.fingerprintsChangedAfter(Long.MIN_VALUE, 10)).isEmpty(); // and no fingerprint came of it
        assertThat(engine.report(ReportKind.SPAM, variant("Alice", "a", 1), "root", true).counted()).isTrue();
    }

    @Test
    void oneAdminReportBlocksAtOnceAndAnAdminHamReportLiftsIt() {
        ReportResult r = engine.report(ReportKind.SPAM, variant("Alice", "a", 1), "root", true);
        assertThat(r.blocking()).isTrue();
        assertThat(rule(inspect(engine, variant("Bob", "b", 2)), "fuzzy-match")).isPresent();

        ReportResult lifted = engine.report(ReportKind.HAM, variant("Alice", "a", 1), "root", true);
        assertThat(lifted.blocking()).isFalse();
        assertThat(rule(inspect(engine, variant("Bob", "b", 2)), "fuzzy-match")).isEmpty();
    }

    @Test
    void aUserHamReportLiftsABlockAndPollutionBelowTheThresholdNeverBlocks() {
        for (String u : List.of("u1", "u2", "u3")) {
            engine.report(ReportKind.SPAM, variant(u, u, 1), u, false);
        }
        assertThat(rule(inspect(engine, variant("x", "x", 2)), "fuzzy-match")).isPresent();
        ReportResult ham = engine.report(ReportKind.HAM, variant("me", "m", 3), "newsletter-fan", false);
        assertThat(ham.blocking()).isFalse();
        assertThat(ham.hamReporters()).isEqualTo(1);
        assertThat(rule(inspect(engine, variant("x", "x", 2)), "fuzzy-match")).isEmpty();

        // two colluding users cannot block a legitimate newsletter on their own
        byte[] newsletter = Mail.text("news@partner.example", "Our spring newsletter", "Dear reader, this month "
                + "we visited the new plant, met the apprentices and planned the summer party for every family.");
        engine.report(ReportKind.SPAM, newsletter, "troll1", false);
        assertThat(engine.report(ReportKind.SPAM, newsletter, "troll2", false).blocking()).isFalse();
    }

    @Test
    void aReportedAttachmentIsRefusedUnderAnyText() {
        byte[] pdf = "%PDF-1.7 malicious invoice payload".getBytes(StandardCharsets.US_ASCII);
        engine.report(ReportKind.SPAM, Mail.withAttachment("a@x.example", "Invoice", "pay now", "inv.pdf", pdf), "root", true);
        List<Finding> f = inspect(engine, Mail.withAttachment("b@y.example", "Your receipt",
                "totally different words here", "receipt.pdf", pdf));
        assertThat(rule(f, "reported-attachment")).get().satisfies(x -> assertThat(x.score()).isEqualTo(100));
    }

    @Test
    void aReportOnOneNodeBlocksOnAnotherAfterItsRefresh() {
        SpamEngine nodeB = node();
        nodeB.refresh();
        engine.report(ReportKind.SPAM, variant("Alice", "a", 1), "root", true);
        assertThat(rule(inspect(nodeB, variant("Bob", "b", 2)), "fuzzy-match")).isEmpty(); // B's copy is stale
        nodeB.refresh();
        assertThat(rule(inspect(nodeB, variant("Bob", "b", 2)), "fuzzy-match")).isPresent();
        // and the lift travels the same way
        engine.report(ReportKind.HAM, variant("Alice", "a", 1), "root", true);
        nodeB.refresh();
        assertThat(rule(inspect(nodeB, variant("Bob", "b", 2)), "fuzzy-match")).isEmpty();
    }

    @Test
    void whenTheStoreIsDownTheLastCopiesStayInUse() {
        engine.report(ReportKind.SPAM, variant("Alice", "a", 1), "root", true);
        store.down = true;
        engine.refresh(); // logs, does not throw
        assertThat(rule(inspect(engine, variant("Bob", "b", 2)), "fuzzy-match")).isPresent();
        assertThatThrownBy(() -> engine.report(ReportKind.SPAM, variant("C", "c", 3), "x", false))
                .isInstanceOf(org.streamail.api.store.StoreException.class);
    }

    @Test
    void messagesCanBeReportedByQuarantineIdOrByTheIdOfARecentlyInspectedMessage() {
        quarantine.put("q-1", new SpamEngine.Stored(variant("Alice", "a", 1), "offers@shop-example.biz"));
        assertThat(engine.reportById(ReportKind.SPAM, "q-1", "root", true).blocking()).isTrue();

        byte[] other = Mail.text("x@other.example", "Hello friend", "We offer cheap loans with no questions asked "
                + "to every customer who answers this letter within three days of receiving it.");
        engine.inspect("spool-42", other, List.of(), List.of(), () -> false);
        assertThat(engine.reportById(ReportKind.SPAM, "spool-42", "root", true).blocking()).isTrue();

        assertThatThrownBy(() -> engine.reportById(ReportKind.SPAM, "nope", "root", true))
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining("nope");
    }

    // ---------------------------------------------------------------- shared summaries (recent.shared.hours)

    /** A node on this test's store and clock with its own recent bytes, as another gateway node. */
    SpamEngine node(SpamEngine.Settings settings) {
        return new SpamEngine(store, settings, clock, id -> Optional.empty(), d -> false, Classifier.Tuning.defaults(),
                Tokenizer.DEFAULT, new RecentMessages(settings.recentBytes()), UnfinishedReports.inMemory());
    }

    @Test
    void withSharedSummariesOffAMessageInspectedOnAnotherNodeIsNotFoundByIdAsBefore() {
        SpamEngine.Settings off = SpamEngine.Settings.defaults().withRecentShared(Duration.ZERO);
        SpamEngine a = node(off);
        SpamEngine b = node(off);
        a.inspect("gw-a-1", "p@bulk.example", variant("Alice", "a", 1), List.of(), List.of(), () -> false);
        assertThat(a.flushSeen()).isZero();
        assertThat(store.seenCount()).isZero();
        assertThatThrownBy(() -> b.reportById(ReportKind.SPAM, "gw-a-1", "root", true))
                .isInstanceOf(NoSuchElementException.class).hasMessageContaining("gw-a-1")
                .hasMessageContaining("another gateway node received is only known there");
        assertThat(a.reportById(ReportKind.SPAM, "gw-a-1", "root", true).blocking()).isTrue(); // its recent bytes
    }

    @Test
    void aSummaryIsReportedOnAnotherNodeUntilItIsOlderThanRecentSharedHoursAndThenDeleted() {
        SpamEngine a = node(SpamEngine.Settings.defaults());
        SpamEngine b = node(SpamEngine.Settings.defaults());
        a.inspect("gw-old", variant("Alice", "a", 1), List.of(), List.of(), () -> false);
        assertThatThrownBy(() -> b.reportById(ReportKind.SPAM, "gw-old", "u1", false))
                .as("not yet written: only A knows it").isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("in the last 48 hours");
        assertThat(a.flushSeen()).isEqualTo(1);
        clock.now = clock.now.plus(Duration.ofHours(47));
        a.inspect("gw-new", Mail.text("x@other.example", "Hello friend", "We offer cheap loans with no questions "
                + "asked to every customer who answers this letter within three days of receiving it."), List.of(),
                List.of(), () -> false);
        a.flushSeen();
        assertThat(b.reportById(ReportKind.SPAM, "gw-old", "u1", false).counted()).isTrue();

        clock.now = clock.now.plus(Duration.ofHours(2)); // gw-old is 49 h old now, gw-new 2 h
        assertThatThrownBy(() -> b.reportById(ReportKind.SPAM, "gw-old", "u2", false))
                .as("too old, even before it is deleted").isInstanceOf(NoSuchElementException.class);
        assertThat(b.cleanSeen()).isEqualTo(1);
        assertThat(store.seenCount()).isEqualTo(1);
        assertThat(b.reportById(ReportKind.SPAM, "gw-new", "u1", false).counted()).isTrue();
    }

    @Test
    void aSummaryTheStoreFailsIsKeptForLaterAndInspectNeverSeesTheFailure() {
        SpamEngine a = node(SpamEngine.Settings.defaults());
        SpamEngine b = node(SpamEngine.Settings.defaults());
        store.down = true;
        assertThat(a.inspect("gw-1", variant("Alice", "a", 1), List.of(), List.of(), () -> false)).isNotNull();
        assertThat(a.flushSeen()).isZero();
        assertThat(a.droppedSummaries()).isZero();
        store.down = false;
        assertThat(a.flushSeen()).as("written once the store answers").isEqualTo(1);
        assertThat(b.reportById(ReportKind.SPAM, "gw-1", "root", true).blocking()).as("B finds it").isTrue();
    }

    /**
     * The database hangs while mail arrives: inspect only offers summaries to the writer's bounded queue, so it goes
     * on at full speed and the newest summaries are dropped (counted); once the database answers, what was queued is
     * written, and closing the writer writes the rest.
     */
    @Test
    void aFullWriterQueueNeverBlocksInspect() throws Exception {
        java.util.concurrent.CountDownLatch hang = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();
        SpamStore hanging = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(SpamStore.class.getClassLoader(),
                new Class<?>[] {SpamStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("saveSeen")) {
                        saves.incrementAndGet();
                        hang.await();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SpamEngine.Settings settings = SpamEngine.Settings.defaults();
        SeenWriter writer = new SeenWriter(hanging, settings.recentShared(), clock, 3);
        SpamEngine a = new SpamEngine(hanging, settings, clock, id -> Optional.empty(), d -> false,
                Classifier.Tuning.defaults(), Tokenizer.DEFAULT, new RecentMessages(settings.recentBytes()),
                UnfinishedReports.inMemory(), writer);
        writer.start();
        try {
            a.inspect("gw-0", variant("Alice", "a", 0), List.of(), List.of(), () -> false);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (saves.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10); // the writer takes gw-0 and hangs in the store
            }
            assertThat(saves.get()).isEqualTo(1);
            long start = System.nanoTime();
            for (int i = 1; i <= 40; i++) {
                a.inspect("gw-" + i, variant("Alice", "a", i), List.of(), List.of(), () -> false);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(a.droppedSummaries()).isEqualTo(40 - 3);
        } finally {
            hang.countDown();
            writer.close();
        }
        assertThat(store.seenCount()).as("gw-0 and the three queued").isEqualTo(4);
        assertThat(store.seen("gw-3")).isPresent();
        assertThat(store.seen("gw-4")).isEmpty();
        assertThat(writer.queued()).isZero();
    }

    @Test
    void theSummaryWriterGoesOnAfterAnError() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean failOnce = new java.util.concurrent.atomic.AtomicBoolean(true);
        SpamStore failing = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SpamStore.class}, (p, method, args) -> {
                    if (method.getName().equals("saveSeen") && failOnce.getAndSet(false)) {
                        throw new NoClassDefFoundError("org/h2/Something (a bundle refresh)");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SeenWriter writer = new SeenWriter(failing, Duration.ofHours(48), clock, 100);
        writer.start();
        try {
            writer.offer(new SpamStore.SeenMessage("gw-1", "ref-1", List.of(1, 2), List.of(), new long[] {7L}, "",
                    clock.instant()));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (failOnce.get() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            writer.offer(new SpamStore.SeenMessage("gw-2", "ref-2", List.of(1, 2), List.of(), new long[] {7L}, "",
                    clock.instant()));
            while (store.seen("gw-2").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(store.seen("gw-2")).as("written after the Error").isPresent();
        } finally {
            writer.close();
        }
    }

    @Test
    void aBatchTheStoreFailsIsWrittenLaterInOrderNotDropped() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        SpamStore flaky = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SpamStore.class}, (p, method, args) -> {
                    if (method.getName().equals("saveSeen")) {
                        if (down.get()) {
                            throw new IllegalStateException("connection refused");
                        }
                        for (Object m : (List<?>) args[0]) {
                            order.add(((SpamStore.SeenMessage) m).gatewayId());
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SeenWriter writer = new SeenWriter(flaky, Duration.ofHours(48), clock, 100);
        writer.offer(seenAt("gw-1", clock.instant()));
        assertThat(writer.flush()).isZero();
        assertThat(writer.retrying()).isEqualTo(1);
        writer.offer(seenAt("gw-2", clock.instant()));
        assertThat(writer.flush()).as("still down").isZero();
        assertThat(writer.retrying()).isEqualTo(1);
        assertThat(writer.queued()).as("nothing newer is written while the failed batch waits").isEqualTo(1);
        down.set(false);
        assertThat(writer.flush()).isEqualTo(2);
        assertThat(order).containsExactly("gw-1", "gw-2");
        assertThat(store.seen("gw-1")).isPresent();
        assertThat(writer.dropped()).isZero();

        // a summary that waited past recent.shared.hours is not worth writing any more
        down.set(true);
        writer.offer(seenAt("gw-3", clock.instant()));
        writer.flush();
        clock.now = clock.now.plus(Duration.ofHours(49));
        down.set(false);
        assertThat(writer.flush()).isZero();
        assertThat(writer.retrying()).isZero();
        assertThat(writer.dropped()).isEqualTo(1);
        assertThat(store.seen("gw-3")).isEmpty();
    }

    @Test
    void theSummaryThreadTriesAFailedBatchAgainOnItsOwn() throws Exception {
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        SpamStore flaky = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {SpamStore.class}, (p, method, args) -> {
                    if (method.getName().equals("saveSeen") && failures.incrementAndGet() <= 2) {
                        throw new IllegalStateException("timeout");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SeenWriter writer = new SeenWriter(flaky, Duration.ofHours(48), clock, 100);
        writer.start();
        try {
            writer.offer(seenAt("gw-1", clock.instant()));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (store.seen("gw-1").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(store.seen("gw-1")).as("written at the third try (after 1 s and 2 s)").isPresent();
            assertThat(writer.dropped()).isZero();
        } finally {
            writer.close();
        }
    }

    private static SpamStore.SeenMessage seenAt(String id, Instant at) {
        return new SpamStore.SeenMessage(id, "ref-" + id, List.of(1, 2), List.of(), new long[] {7L}, "", at);
    }

    @Test
    void badReportsAreRefusedWithAReason() {
        assertThatThrownBy(() -> engine.report(ReportKind.SPAM, new byte[0], "a", false)).hasMessageContaining("empty");
        assertThatThrownBy(() -> engine.report(ReportKind.SPAM, variant("a", "b", 1), " ", false))
                .hasMessageContaining("reporter");
        assertThatThrownBy(() -> engine.reportById(ReportKind.HAM, "", "a", false)).hasMessageContaining("id");
    }

    // ---------------------------------------------------------------- classifier

    static final String[] SPAMMY = {"viagra", "mortgage", "winner", "casino", "cheap", "pills", "bonus",
        "unsubscribe", "guaranteed", "income", "investment", "lottery", "refinance", "credit", "offer", "free"};
    static final String[] HAMMY = {"meeting", "patch", "review", "kernel", "build", "release", "agenda",
        "minutes", "deadline", "project", "draft", "budget", "commit", "branch", "design", "lunch"};

    static byte[] generated(Random r, String[] words, String from, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            sb.append(words[r.nextInt(words.length)]).append(i % 9 == 8 ? ".\n" : " ");
        }
        return Mail.text(from, words[r.nextInt(words.length)] + " " + n, sb.toString());
    }

    @Test
    void theClassifierLearnsFromReportsAndScoresNewMail() {
        Random r = new Random(7);
        assertThat(rule(inspect(engine, generated(r, SPAMMY, "x@spam.example", 0)), "bayes")).isEmpty(); // untrained
        for (int i = 0; i < 30; i++) {
            engine.report(ReportKind.SPAM, generated(r, SPAMMY, "promo" + i + "@spam.example", i), "u" + (i % 2), false);
            engine.report(ReportKind.HAM, generated(r, HAMMY, "dev" + i + "@work.example", i), "u" + (i % 2), false);
        }
        assertThat(store.corpus()).isEqualTo(new SpamStore.Corpus(30, 30));
        Finding spam = rule(inspect(engine, generated(r, SPAMMY, "new@spam.example", 99)), "bayes").orElseThrow();
        Finding ham = rule(inspect(engine, generated(r, HAMMY, "new@work.example", 99)), "bayes").orElseThrow();
        assertThat(spam.score()).isEqualTo(6.0);
        assertThat(spam.category()).isEqualTo(Category.SPAM);
        assertThat(ham.score()).isLessThan(-1.5);
        assertThat(ham.category()).isEqualTo(Category.INFO);
        assertThat(spam.detail()).doesNotContain("for spam"); // the SMTP reply may quote it: no clues there

        // why: the strongest features on each side, named, in a finding of their own that weighs nothing
        Finding why = rule(inspect(engine, Mail.text("new@spam.example", "agenda",
                "viagra casino lottery winner, agenda for the meeting")), "bayes-clues").orElseThrow();
        assertThat(why.score()).isZero();
        assertThat(why.category()).isEqualTo(Category.INFO);
        assertThat(why.detail()).startsWith("for spam: ").contains("word \"viagra\" 0.9").contains("; for ham: ")
                .contains("subject word \"agenda\" 0.0");

        // a second node learns through the store
        SpamEngine nodeB = node();
        nodeB.refresh();
        assertThat(nodeB.classifier().spamMessages()).isEqualTo(30);
        assertThat(rule(inspect(nodeB, generated(r, SPAMMY, "new2@spam.example", 98)), "bayes").orElseThrow().score())
                .isEqualTo(6.0);
    }

    static final String[] NEUTRAL = {"the", "team", "week", "update", "news", "today", "people", "time",
        "information", "please", "thanks", "list", "new", "more", "read", "online"};

    /** 40 words, {@code percent} % of them from {@code words}, the others from {@link #NEUTRAL}. */
    static String mixed(Random r, String[] words, int percent) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            String[] from = r.nextInt(100) < percent ? words : NEUTRAL;
            text.append(from[r.nextInt(from.length)]).append(i % 9 == 8 ? ".\n" : " ");
        }
        return text.toString();
    }

    /** Such words sent as an HTML newsletter (multipart/alternative, tags, a font). */
    static byte[] htmlMail(Random r, String[] words, int percent, String from, int n) {
        String text = mixed(r, words, percent);
        String html = "<html><body bgcolor=\"#ffffff\"><table width=\"600\"><tr><td><font face=\"Arial\" size=\"2\">"
                + "<p>" + text.replace("\n", "</p>\n<p>") + "</p></font></td></tr></table></body></html>";
        return ("From: " + from + "\r\nTo: alice@example.org\r\nSubject: " + words[r.nextInt(words.length)] + " " + n
                + "\r\nMessage-ID: <" + n + "." + Math.abs(html.hashCode()) + "@mailer.example>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.replace("\n", "\r\n")
                + "\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html.replace("\n", "\r\n")
                + "\r\n--b1--\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The same as plain text. */
    static byte[] plainMail(Random r, String[] words, int percent, String from, int n) {
        return Mail.text(from, words[r.nextInt(words.length)] + " " + n, mixed(r, words, percent));
    }

    /**
     * The training mail confounds format and class (all spam HTML, all ham plain text, as easy-ham-1 and spam-1
     * nearly do); a legitimate newsletter in HTML must not be flagged for its format. With the default
     * (format-neutral) features it is judged on its words alone; with the FORMAT and HTML families the same
     * training flags it.
     */
    @Test
    void aLegitimateHtmlNewsletterIsNotFlaggedForItsFormatWhenTheTrainingSpamWasAllHtml() {
        Set<Tokenizer.Family> withFormat = java.util.EnumSet.copyOf(Tokenizer.DEFAULT);
        withFormat.add(Tokenizer.Family.FORMAT);
        withFormat.add(Tokenizer.Family.HTML);
        int[] flagged = new int[2]; // of 10 newsletters, at the default cut-off 0.9
        double[] highest = new double[2];
        for (int k = 0; k < 2; k++) {
            SpamEngine e = new SpamEngine(new InMemorySpamStore(), SpamEngine.Settings.defaults(), clock,
                    id -> Optional.empty(), d -> false, Classifier.Tuning.logistic(), k == 0 ? Tokenizer.DEFAULT : withFormat);
            Random r = new Random(5);
            for (int i = 0; i < 40; i++) {
                e.report(ReportKind.SPAM, htmlMail(r, SPAMMY, 50, "promo" + i + "@spam.example", i), "u", false);
                e.report(ReportKind.HAM, plainMail(r, HAMMY, 50, "dev" + i + "@work.example", i), "u", false);
            }
            e.refresh();
            assertThat(e.learn()).isTrue();
            // newsletters from senders never seen, in everyday words only (as common in the training spam as in the
            // ham), in HTML: nothing in their words says spam or ham
            Random t = new Random(9);
            for (int i = 0; i < 10; i++) {
                double p = e.probability(htmlMail(t, HAMMY, 0, "news@paper" + i + ".example", 100 + i));
                highest[k] = Math.max(highest[k], p);
                if (p >= 0.9) {
                    flagged[k]++;
                }
            }
            // both still tell the training kinds apart
            assertThat(e.probability(htmlMail(t, SPAMMY, 50, "new@spam.example", 200))).isGreaterThanOrEqualTo(0.9);
            assertThat(e.probability(plainMail(t, HAMMY, 50, "new@work.example", 200))).isLessThan(0.5);
        }
        // the default stays unsure (about 0.5: no evidence either way); with the format families the format decides
        assertThat(flagged[0]).as("format-neutral (default)").isZero();
        assertThat(highest[0]).as("format-neutral (default)").isLessThan(0.6);
        assertThat(flagged[1]).as("with FORMAT and HTML").isGreaterThanOrEqualTo(8);
    }

    @Test
    void onceLearnedTheLogisticModelAnswersWithItsOwnCluesAndASecondNodeLearnsTheSameFromTheStore() {
        SpamEngine engine = lrNode();
        assertThat(node().logistic()).as("LR is the default model").isNotNull();
        assertThat(new SpamEngine(store, SpamEngine.Settings.defaults(), clock, id -> Optional.empty(), d -> false,
                Classifier.Tuning.chiSquare(), Tokenizer.DEFAULT).logistic()).as("the count models learn no weights").isNull();
        Random r = new Random(11);
        for (int i = 0; i < 30; i++) {
            engine.report(ReportKind.SPAM, generated(r, SPAMMY, "promo" + i + "@spam.example", i), "u" + (i % 2), false);
            engine.report(ReportKind.HAM, generated(r, HAMMY, "dev" + i + "@work.example", i), "u" + (i % 2), false);
        }
        assertThat(engine.logistic()).isNotNull();
        assertThat(engine.logistic().ready()).isFalse(); // the counts answered so far
        engine.refresh();
        assertThat(engine.learn()).isTrue();
        assertThat(engine.logistic().ready()).isTrue();
        assertThat(engine.logistic().messages()).isEqualTo(60);

        byte[] newSpam = generated(r, SPAMMY, "new@spam.example", 99);
        byte[] newHam = generated(r, HAMMY, "new@work.example", 99);
        Finding spam = rule(inspect(engine, newSpam), "bayes").orElseThrow();
        Finding ham = rule(inspect(engine, newHam), "bayes").orElseThrow();
        assertThat(spam.score()).isEqualTo(6.0);
        assertThat(ham.score()).isLessThan(-1.0);
        assertThat(engine.probability(newSpam)).isNotEqualTo(engine.classifier().probability(
                engine.features(newSpam).tokens())); // it is not the count model answering
        Finding why = rule(inspect(engine, Mail.text("new@spam.example", "agenda",
                "viagra casino lottery winner, agenda for the meeting")), "bayes-clues").orElseThrow();
        assertThat(why.score()).isZero();
        assertThat(why.detail()).startsWith("for spam: ").contains("; for ham: ");

        SpamEngine nodeB = lrNode();
        nodeB.refresh();
        nodeB.learn();
        assertThat(Double.doubleToRawLongBits(nodeB.probability(newSpam)))
                .isEqualTo(Double.doubleToRawLongBits(engine.probability(newSpam)));
        assertThat(Double.doubleToRawLongBits(nodeB.probability(newHam)))
                .isEqualTo(Double.doubleToRawLongBits(engine.probability(newHam)));
    }

    @Test
    void theLogisticModelsFullScoreNeedsTheCountModelNotToCallTheMessageHam() {
        double cut = SpamEngine.Settings.defaults().bayesSpamProbability(); // 0.83 since 2026-12-07, night
        assertThat(SpamEngine.agreed(0.99, 0.2, cut)).isEqualTo(cut - 0.01); // held below the cut-off: no +6
        assertThat(engine.bayesScore(SpamEngine.agreed(0.99, 0.2, cut))).isLessThan(4.0);
        assertThat(SpamEngine.agreed(0.99, 0.5, cut)).isEqualTo(0.99); // CHI2 unsure at 0.5 or more: agreed
        assertThat(SpamEngine.agreed(0.99, Double.NaN, cut)).isEqualTo(0.99); // no count verdict: nothing held
        assertThat(SpamEngine.agreed(0.7, 0.01, cut)).isEqualTo(0.7); // below the cut-off: untouched
        assertThat(SpamEngine.agreed(0.99, 0.2, 0.9)).isEqualTo(0.89); // another cut-off, the same rule
        assertThat(SpamEngine.agreed(1.0, 0.0, 0.5)).isEqualTo(0.5);
    }

    @Test
    void withTheProbabilityWithoutRedFlagsSetOnlyAFlaglessMessageBelowItIsHeldBelowTheCutOff() {
        double cut = SpamEngine.Settings.defaults().bayesSpamProbability();
        assertThat(SpamEngine.unflaggedHeld(0.9, false, cut, 0.95)).isEqualTo(cut - 0.01); // words alone: held
        assertThat(SpamEngine.unflaggedHeld(0.9, true, cut, 0.95)).isEqualTo(0.9); // a red flag: the cut-off as is
        assertThat(SpamEngine.unflaggedHeld(0.96, false, cut, 0.95)).isEqualTo(0.96); // sure enough without
        assertThat(SpamEngine.unflaggedHeld(0.9, false, cut, 0)).isEqualTo(0.9); // off (the default)
        assertThat(SpamEngine.unflaggedHeld(0.7, false, cut, 0.95)).isEqualTo(0.7); // below the cut-off: untouched

        // through the engine: the same confident spam, once with a Date (no red flag) and once without (date-missing)
        SpamEngine strict = new SpamEngine(store, SpamEngine.Settings.defaults().withUnflaggedProbability(1.0), clock,
                id -> Optional.empty(), d -> false, Classifier.Tuning.logistic(), Tokenizer.DEFAULT);
        Random r = new Random(11);
        for (int i = 0; i < 30; i++) {
            strict.report(ReportKind.SPAM, generated(r, SPAMMY, "promo" + i + "@spam.example", i), "u" + (i % 2), false);
            strict.report(ReportKind.HAM, generated(r, HAMMY, "dev" + i + "@work.example", i), "u" + (i % 2), false);
        }
        strict.refresh();
        assertThat(strict.learn()).isTrue();
        byte[] flagged = generated(r, SPAMMY, "new@spam.example", 99);
        byte[] flagless = ("Date: Mon, 7 Dec 2026 10:00:00 +0000\r\n" + new String(flagged, StandardCharsets.UTF_8))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(Tokenizer.flagged(strict.features(flagged).tokens())).isTrue();
        assertThat(Tokenizer.flagged(strict.features(flagless).tokens())).isFalse();
        assertThat(rule(inspect(strict, flagged), "bayes").orElseThrow().score()).isEqualTo(6.0);
        assertThat(strict.probability(flagless)).isEqualTo(cut - 0.01);
        assertThat(rule(inspect(strict, flagless), "bayes").orElseThrow().score()).isLessThan(4.0);
        SpamEngine plain = lrNode(); // the same store, the option off
        plain.refresh();
        plain.learn();
        assertThat(rule(inspect(plain, flagless), "bayes").orElseThrow().score()).isEqualTo(6.0);
    }

    @Test
    void onlyAnAdminCanRetrainAMessageTheOtherWay() {
        byte[] m = variant("Alice", "a", 1);
        engine.report(ReportKind.SPAM, m, "alice", false);
        engine.report(ReportKind.HAM, m, "bob", false);
        assertThat(store.corpus()).isEqualTo(new SpamStore.Corpus(1, 0));
        engine.report(ReportKind.HAM, m, "root", true);
        assertThat(store.corpus()).isEqualTo(new SpamStore.Corpus(0, 1));
        assertThat(engine.classifier().hamMessages()).isEqualTo(1);
        assertThat(engine.classifier().spamMessages()).isZero();
    }

    @Test
    void probabilitiesMapToScoresBetweenMinusTwoAndSix() {
        assertThat(engine.bayesScore(0.0)).isEqualTo(-2.0);
        assertThat(engine.bayesScore(0.5)).isEqualTo(0.0);
        assertThat(engine.bayesScore(0.7)).isBetween(1.0, 4.0);
        assertThat(engine.bayesScore(0.82)).isBetween(3.5, 4.0); // below the cut-off (0.83): at most +4
        assertThat(engine.bayesScore(0.83)).isEqualTo(6.0);
        assertThat(engine.bayesScore(1.0)).isEqualTo(6.0);
        assertThat(Classifier.chi2Q(0, 4)).isEqualTo(1.0);
        assertThat(Classifier.chi2Q(5000, 300)).isLessThan(1e-100); // no underflow to NaN
    }

    // ---------------------------------------------------------------- block rules

    static SmtpSession session(String ip, String helo, String sender) {
        return new SmtpSession("s1", ip, helo, false, null, sender, List.of());
    }

    @Test
    void eachEnvelopeRuleRefusesAtItsOwnStage() {
        engine.add(BlockRule.Type.CLIENT_IP, "198.51.100.0/24", "botnet", null, "root");
        engine.add(BlockRule.Type.HELO, "bulk.evil.example", "", null, "root");
        engine.add(BlockRule.Type.SENDER, "boss@fake.example", "", null, "root");
        engine.add(BlockRule.Type.SENDER_DOMAIN, "evil.example", "", null, "root");

        SmtpReply r = engine.onConnect(session("198.51.100.23", null, null)).orElseThrow();
        assertThat(r.line()).startsWith("550 5.7.1 Refused by rule").contains("client_ip: botnet");
        assertThat(engine.onConnect(session("192.0.2.1", null, null))).isEmpty();
        assertThat(engine.onHelo(session("192.0.2.1", "bulk.evil.example", null))).isPresent();
        assertThat(engine.onHelo(session("192.0.2.1", "mx.good.example", null))).isEmpty();
        assertThat(engine.onMailFrom(session("192.0.2.1", "mx", "BOSS@fake.example"))).isPresent();
        assertThat(engine.onMailFrom(session("192.0.2.1", "mx", "anyone@sub.evil.example"))).isPresent();
        assertThat(engine.onMailFrom(session("192.0.2.1", "mx", "friend@good.example"))).isEmpty();
        assertThat(engine.onMailFrom(session("192.0.2.1", "mx", ""))).isEmpty(); // null sender: no domain to judge
        // an authenticated (own) user is never refused by remembered rejections
        assertThat(engine.onConnect(new SmtpSession("s2", "198.51.100.23", null, false, "carol", null, List.of()))).isEmpty();
    }

    @Test
    void aRuleStoredInTheOldIpv6FormIsNotAddedTwice() {
        store.addRule(new BlockRule("old-rule", BlockRule.Type.CLIENT_IP, "2001:db8:0:0:0:0:0:7", "", "root",
                clock.instant(), null, BlockRule.Source.ADMIN));
        engine.refresh();
        assertThat(engine.onConnect(session("2001:db8::7", null, null))).isPresent();
        assertThatThrownBy(() -> engine.add(BlockRule.Type.CLIENT_IP, "2001:DB8::7", "", null, "root"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already blocked by rule old-rule");
        assertThat(engine.add(BlockRule.Type.CLIENT_IP, "2001:db8::8", "", null, "root").value()).isEqualTo("2001:db8::8");
    }

    @Test
    void parallelAddsOfOneValueStoreOneRule() throws Exception {
        // audit finding: 16 parallel POST /blocklist of one sender stored it twice; a store that is slow to
        // list its rules (a database) widens the window between the duplicate check and the insert
        SpamStore slow = (SpamStore) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {SpamStore.class}, (p, m, args) -> {
                    if (m.getName().equals("rules")) {
                        Thread.sleep(20);
                    }
                    try {
                        return m.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        SpamEngine shared = new SpamEngine(slow, SpamEngine.Settings.defaults(), clock, id -> Optional.empty(),
                d -> d.equals("example.org"));
        int threads = 8;
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
        for (int i = 0; i < threads; i++) {
            results.add(pool.submit(() -> {
                start.await();
                try {
                    shared.add(BlockRule.Type.SENDER, "race@spam.example", "", null, "root");
                    return true;
                } catch (IllegalArgumentException e) {
                    assertThat(e).hasMessageContaining("already blocked by rule");
                    return false;
                }
            }));
        }
        start.countDown();
        int added = 0;
        for (java.util.concurrent.Future<Boolean> f : results) {
            added += f.get(30, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();
        assertThat(added).isEqualTo(1);
        assertThat(store.rules()).hasSize(1);
    }

    @Test
    void aReasonWithBidiOverridesOrLineSeparatorsIsRefusedAndNothingIsStored() {
        for (String reason : new String[] {"safe \u202egnp.exe", "one\u2028two", "one\u2029two", "zero\u200bwidth",
                "lone \ud800 surrogate", "tab\there"}) {
            assertThatThrownBy(() -> engine.add(BlockRule.Type.SENDER, "x@spam.example", reason, null, "root"))
                    .as(reason).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the reason must be");
        }
        assertThat(engine.list()).isEmpty();
        // letters of any script and characters outside the BMP stay allowed
        assertThat(engine.add(BlockRule.Type.SENDER, "x@spam.example", "Spam über 🎰 Kasino", null, "root").reason())
                .isEqualTo("Spam über 🎰 Kasino");
    }

    @Test
    void rulesThatWouldLockOutOurOwnSideOrRepeatOneAreRefusedAndAShortIdRemoves() {
        for (String loopback : new String[] {"127.0.0.1", "127.0.0.0/8", "127.9.9.9", "127.1.2.0/24", "::1"}) {
            assertThatThrownBy(() -> engine.add(BlockRule.Type.CLIENT_IP, loopback, "", null, "root"))
                    .as(loopback).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loopback");
        }
        assertThatThrownBy(() -> engine.add(BlockRule.Type.SENDER_DOMAIN, "Example.org", "", null, "root"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("protected domain");
        BlockRule r = engine.add(BlockRule.Type.CLIENT_IP, "198.51.100.0/24", "botnet", null, "root");
        assertThatThrownBy(() -> engine.add(BlockRule.Type.CLIENT_IP, "198.51.100.0/24", "again", null, "root"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already blocked by rule " + r.id());
        assertThat(engine.onConnect(session("127.0.0.1", null, null))).isEmpty();
        assertThatThrownBy(() -> engine.add(BlockRule.Type.HELO, "far.example", "", clock.now.plus(Duration.ofDays(999_999_999)), "root"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leave it out for a rule that never expires");

        // the 8 characters an SMTP reply shows are enough to remove it; too short or unknown removes nothing
        assertThat(engine.remove(r.id().substring(0, 4), "root")).isFalse();
        assertThat(engine.remove("ffffffff", "root")).isFalse();
        assertThat(engine.remove(r.id().substring(0, 8), "root")).isTrue();
        assertThat(engine.list()).isEmpty();
        assertThat(engine.onConnect(session("198.51.100.23", null, null))).isEmpty();

        // an installation that wants them (a test whose only client is local) turns them on
        SpamEngine permissive = new SpamEngine(store, SpamEngine.Settings.defaults().withLoopbackRules(), clock,
                id -> Optional.empty(), d -> d.equals("example.org"));
        permissive.add(BlockRule.Type.CLIENT_IP, "127.0.0.1", "", null, "root");
        assertThat(permissive.onConnect(session("127.0.0.1", null, null))).isPresent();
    }

    @Test
    void urlDomainAndAttachmentRulesRefuseAtData() {
        byte[] pdf = "%PDF bad".getBytes(StandardCharsets.US_ASCII);
        engine.add(BlockRule.Type.URL_DOMAIN, "shop-example.biz", "scam shop", null, "root");
        engine.add(BlockRule.Type.ATTACHMENT_HASH, MimeText.sha256(pdf), "", null, "root");
        Finding url = rule(inspect(engine, variant("A", "a", 1)), "blocked-url-domain").orElseThrow();
        assertThat(url.category()).isEqualTo(Category.POLICY);
        assertThat(url.score()).isEqualTo(100);
        assertThat(url.detail()).contains("deals.shop-example.biz", "scam shop");
        assertThat(rule(inspect(engine, Mail.withAttachment("a@b.example", "hi", "see", "a.pdf", pdf)), "blocked-attachment"))
                .isPresent();
    }

    @Test
    void rulesExpireAndCanBeRemovedAndOtherNodesFollow() {
        BlockRule timed = engine.add(BlockRule.Type.CLIENT_IP, "203.0.113.9", "", clock.now.plus(Duration.ofHours(24)), "root");
        SpamEngine nodeB = node();
        nodeB.refresh();
        assertThat(nodeB.onConnect(session("203.0.113.9", null, null))).isPresent();
        clock.now = clock.now.plus(Duration.ofHours(24));
        assertThat(engine.onConnect(session("203.0.113.9", null, null))).isEmpty();
        assertThat(nodeB.onConnect(session("203.0.113.9", null, null))).isEmpty();

        BlockRule forever = engine.add(BlockRule.Type.CLIENT_IP, "203.0.113.10", "", null, "root");
        nodeB.refresh();
        assertThat(nodeB.onConnect(session("203.0.113.10", null, null))).isPresent();
        assertThat(engine.remove(forever.id(), "root")).isTrue();
        assertThat(engine.remove(forever.id(), "root")).isFalse();
        nodeB.refresh();
        assertThat(nodeB.onConnect(session("203.0.113.10", null, null))).isEmpty();
        assertThat(engine.list()).extracting(BlockRule::id).containsExactly(timed.id());
        assertThatThrownBy(() -> engine.add(BlockRule.Type.CLIENT_IP, "203.0.113.11", "", clock.now.minusSeconds(1), "root"))
                .hasMessageContaining("not in the future");
    }

    @Test
    void repeatedReportsOfOneSenderAddAnAutomaticRuleButNeverForOurOwnDomains() {
        for (int i = 0; i < 5; i++) {
            byte[] m = Mail.text("pusher@bulk.example", "Deal " + i, "Completely different text number " + "abcdefghij".charAt(i)
                    + " about " + "xyzuvwqrst".substring(i) + " with many words so that it has a signature of its own");
            engine.report(ReportKind.SPAM, m, "user" + i, false);
        }
        assertThat(engine.list()).singleElement().satisfies(r -> {
            assertThat(r.type()).isEqualTo(BlockRule.Type.SENDER);
            assertThat(r.value()).isEqualTo("pusher@bulk.example");
            assertThat(r.source()).isEqualTo(BlockRule.Source.AUTO);
            assertThat(r.expiresAt()).isEqualTo(clock.now.plus(Duration.ofDays(30)));
        });
        assertThat(engine.onMailFrom(session("192.0.2.1", "mx", "pusher@bulk.example"))).isPresent();

        for (int i = 0; i < 6; i++) {
            engine.report(ReportKind.SPAM, Mail.text("colleague@example.org", "Lunch " + i, "Anyone for lunch at the "
                    + "canteen today at noon? The menu has soup number " + "abcdef".charAt(i) + " and a salad bar."),
                    "user" + i, false);
        }
        assertThat(engine.list()).hasSize(1);
    }
}
