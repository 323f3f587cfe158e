package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.reporting.internal.AlertMailFoldingTest.ADMIN;
import static org.streamail.reporting.internal.AlertMailFoldingTest.admin;
import static org.streamail.reporting.internal.AlertMailFoldingTest.body;
import static org.streamail.reporting.internal.AlertServiceImplTest.T0;
import static org.streamail.reporting.internal.AlertServiceImplTest.parse;
import static org.streamail.reporting.internal.AlertServiceImplTest.request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.Severity;
import org.streamail.api.store.StoreException;
import org.streamail.testsupport.InMemoryDirectory;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.MutableClock;

/**
 * Alert mail folded across gateway nodes: two service instances ("nodes", each with its own intake) on one alert store
 * and one {@link InMemorySharedState} (the JDBC store's compare-and-set semantics), with one {@link MutableClock}.
 * Notifications run on the raising thread; the test sends due digests itself, on each node.
 */
class AlertMailNodesTest {

    final MemoryAlertStore store = new MemoryAlertStore();
    final InMemorySharedState shared = new InMemorySharedState();
    final MutableClock clock = new MutableClock(T0);
    final CapturingIntake intakeA = new CapturingIntake();
    final CapturingIntake intakeB = new CapturingIntake();

    AlertServiceImpl node(CapturingIntake intake, Map<String, Object> props) {
        return node(intake, props, AlertServiceImpl.MAX_FOLD_KEYS);
    }

    AlertServiceImpl node(CapturingIntake intake, Map<String, Object> props, int maxKeys) {
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class, props), store, clock,
                Runnable::run, null, maxKeys);
        s.intake = intake;
        s.directory = new InMemoryDirectory("corp.example");
        s.sharedState = shared;
        return s;
    }

    /** Every mail of both nodes, subjects in the order each node sent them (A's first). */
    List<String> subjects() throws Exception {
        List<String> out = new ArrayList<>();
        for (CapturingIntake intake : List.of(intakeA, intakeB)) {
            for (CapturingIntake.Received r : intake.received) {
                out.add(parse(r.raw()).getSubject());
            }
        }
        return out;
    }

    int mails() {
        return intakeA.received.size() + intakeB.received.size();
    }

    /** The key's record: its home slot (a fresh store puts it there). */
    SharedFolds.Fold record(String to, boolean toUser, Alert a) {
        String hash = SharedFolds.hash(NotificationFolder.Key.of(to, toUser, a));
        String name = SharedFolds.recordName(SharedFolds.home(hash, AlertServiceImpl.MAX_FOLD_KEYS));
        return SharedFolds.Fold.parse(shared.peek(name).orElseThrow().value());
    }

    @Test
    void theSameKeyOnTwoNodesGivesOneFirstMailAndOneDigestCountingBoth() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        List<Alert> raised = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            raised.add((i % 2 == 0 ? a : b).raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5")));
            clock.advance(Duration.ofSeconds(10));
        }
        assertThat(intakeA.received).as("A opened the window and mailed the first").hasSize(1);
        assertThat(intakeB.received).as("B saw the window open and folded").isEmpty();

        clock.advance(Duration.ofMinutes(15));
        assertThat(b.sendDueDigests() + a.sendDueDigests()).as("one node claims the digest").isEqualTo(1);
        assertThat(a.sendDueDigests() + b.sendDueDigests()).isZero();
        assertThat(mails()).isEqualTo(2);
        CapturingIntake.Received digest = intakeB.received.get(0);
        assertThat(digest.envelope().recipients()).containsExactly(ADMIN);
        assertThat(parse(digest.raw()).getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link (5 more since 09:00 UTC)");
        String body = body(digest);
        assertThat(body).contains("Folded:     5 alerts since the mail at 09:00 UTC",
                "First:      " + raised.get(1).createdAt(), "Last:       " + raised.get(5).createdAt(),
                "Highest:    CRITICAL");
        for (Alert x : raised.subList(1, 6)) {
            assertThat(body).as("folded on A and on B").contains("  " + x.createdAt() + "  " + x.id() + "\r\n");
        }
        assertThat(body).doesNotContain(raised.get(0).id());
    }

    @Test
    void aDigestIsSentByTheOtherNodeWhenTheOneThatOpenedTheWindowIsGone() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        clock.advance(Duration.ofMinutes(15));
        assertThat(b.sendDueDigests()).as("A never ticks again; B took part, so B sends it").isEqualTo(1);
        assertThat(subjects()).containsExactly("[Streamail CRITICAL] Blocked click on a phishing link",
                "[Streamail CRITICAL] Blocked click on a phishing link (2 more since 09:00 UTC)");
        assertThat(a.sendDueDigests()).as("A coming back finds it claimed").isZero();
    }

    @Test
    void anEscalationOnOneNodeIsMailedOnceAndNotAgainByTheOther() throws Exception {
        // A one-second escalation window keeps the requested severities as they are (no step-ups).
        AlertServiceImpl a = node(intakeA, admin("escalation.window", "PT1S"));
        AlertServiceImpl b = node(intakeB, admin("escalation.window", "PT1S"));
        a.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5"));
        clock.advance(Duration.ofSeconds(2));
        b.raise(request("click-blocked", Severity.HIGH, "10.0.0.5"));
        clock.advance(Duration.ofSeconds(2));
        Alert sameOnA = a.raise(request("click-blocked", Severity.HIGH, "10.0.0.5"));
        clock.advance(Duration.ofSeconds(2));
        b.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5"));
        assertThat(subjects()).as("A's first, B's escalation; A's HIGH is no escalation after B's").containsExactly(
                "[Streamail MEDIUM] Blocked click on a phishing link", "[Streamail HIGH] Blocked click on a phishing link");
        assertThat(record(ADMIN, false, sameOnA).mailed()).isEqualTo(Severity.HIGH);

        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests() + b.sendDueDigests()).isEqualTo(1);
        assertThat(subjects()).contains("[Streamail HIGH] Blocked click on a phishing link (2 more since 09:00 UTC)");
    }

    @Test
    void twoNodesEscalatingAtTheSameMomentMailItOnce() throws Exception {
        AlertServiceImpl a = node(intakeA, admin("escalation.window", "PT1S"));
        AlertServiceImpl b = node(intakeB, admin("escalation.window", "PT1S"));
        a.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5"));
        clock.advance(Duration.ofSeconds(2));
        // Both nodes read the record (severity MEDIUM mailed) before either writes its escalation.
        CyclicBarrier bothRead = new CyclicBarrier(2);
        AtomicInteger reads = new AtomicInteger();
        shared.afterRead = () -> {
            if (reads.incrementAndGet() <= 2) {
                try {
                    bothRead.await(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            Future<Alert> onA = two.submit(() -> a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5")));
            Future<Alert> onB = two.submit(() -> b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5")));
            onA.get(10, TimeUnit.SECONDS);
            onB.get(10, TimeUnit.SECONDS);
        } finally {
            two.shutdownNow();
            shared.afterRead = null;
        }
        assertThat(reads.get()).as("the loser read again").isGreaterThanOrEqualTo(3);
        assertThat(subjects()).containsExactlyInAnyOrder("[Streamail MEDIUM] Blocked click on a phishing link",
                "[Streamail CRITICAL] Blocked click on a phishing link");
        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests() + b.sendDueDigests()).as("the loser's alert folded").isEqualTo(1);
        assertThat(subjects()).contains("[Streamail CRITICAL] Blocked click on a phishing link (1 more since 09:00 UTC)");
    }

    @Test
    void aWindowReopensAfterItClosedAndItsRecordIsReused() throws Exception {
        AlertServiceImpl a = node(intakeA, admin("notify.fold.window", "PT10M"));
        AlertServiceImpl b = node(intakeB, admin("notify.fold.window", "PT10M"));
        Alert first = a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        clock.advance(Duration.ofMinutes(10));
        // The next alert, on B, before any tick: it sends the closed window's digest, then opens a new one.
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(intakeB.received).hasSize(2);
        assertThat(parse(intakeB.received.get(0).raw()).getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link (1 more since 09:00 UTC)");
        assertThat(parse(intakeB.received.get(1).raw()).getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link");
        assertThat(a.sendDueDigests() + b.sendDueDigests()).as("the old window's digest went with the reopening")
                .isZero();
        SharedFolds.Fold reopened = record(ADMIN, false, first);
        assertThat(reopened.start()).isEqualTo(T0.plus(Duration.ofMinutes(10)));
        assertThat(reopened.count()).isZero();

        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(mails()).as("A folds into the window B opened").isEqualTo(3);
        clock.advance(Duration.ofMinutes(10));
        assertThat(a.sendDueDigests() + b.sendDueDigests()).isEqualTo(1);
        assertThat(intakeA.received).hasSize(2);
        assertThat(parse(intakeA.received.get(1).raw()).getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link (1 more since 09:10 UTC)");
    }

    @Test
    void userMailIsFoldedAcrossNodesPerRecipientApartFromAdminMail() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        org.streamail.api.alert.AlertRequest toAlice = new org.streamail.api.alert.AlertRequest("click-blocked",
                Severity.CRITICAL, "10.0.0.5", "m1", "alice@corp.example", "Blocked click", "detail");
        org.streamail.api.alert.AlertRequest toAliceUpper = new org.streamail.api.alert.AlertRequest("click-blocked",
                Severity.CRITICAL, "10.0.0.5", "m2", "Alice@Corp.Example", "Blocked click", "detail");
        a.raise(toAlice);
        b.raise(toAliceUpper);
        assertThat(intakeA.received).extracting(r -> r.envelope().recipients().get(0))
                .containsExactly(ADMIN, "alice@corp.example");
        assertThat(intakeB.received).as("both folded on B, admin and user").isEmpty();
        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests() + b.sendDueDigests()).as("one admin digest, one user digest").isEqualTo(2);
    }

    @Test
    void aFailingStoreNeverCostsAMail() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        shared.failure = new StoreException("database down (test)");
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(intakeA.received).as("each node folds on its own, as before").hasSize(1);
        assertThat(intakeB.received).hasSize(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests()).isEqualTo(1);
        assertThat(b.sendDueDigests()).isEqualTo(1);
        assertThat(subjects()).filteredOn(x -> x.contains("(1 more since")).hasSize(2);
    }

    @Test
    void theStoreFailingMidWindowFoldsPerNodeAndTheSharedDigestWaitsForIt() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        shared.failure = new StoreException("database down (test)");
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(intakeB.received).as("B cannot see A's window: it mails, as a node alone would").hasSize(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests()).as("A's shared digest cannot be claimed while the store is down").isZero();
        assertThat(b.sendDueDigests()).as("B's own window's digest has nothing folded").isZero();
        shared.failure = null;
        assertThat(a.sendDueDigests()).as("claimed at the next tick once the store answers").isEqualTo(1);
        assertThat(parse(intakeA.received.get(1).raw()).getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link (1 more since 09:00 UTC)");
    }

    @Test
    void aDamagedRecordIsOverwrittenAndTheMailGoesOut() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        Alert probe = new Alert("x", T0, Severity.CRITICAL, "click-blocked", "10.0.0.5", "", "", "", "", 1);
        String hash = SharedFolds.hash(NotificationFolder.Key.of(ADMIN, false, probe));
        String name = SharedFolds.recordName(SharedFolds.home(hash, AlertServiceImpl.MAX_FOLD_KEYS));
        shared.put(name, "key=" + hash + "\nstart=yesterday\n\u0001garbage");
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(intakeA.received).hasSize(1);
        assertThat(SharedFolds.Fold.parse(shared.peek(name).orElseThrow().value()).count()).isEqualTo(1);
    }

    @Test
    void keysBeyondTheSharedSlotsFoldPerNodeAndEveryFirstAlertIsMailed() throws Exception {
        // 3 slots: the fourth key's slots all hold open windows.
        AlertServiceImpl a = node(intakeA, admin(), 3);
        for (int i = 0; i < 4; i++) {
            a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0." + i));
            a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0." + i));
        }
        assertThat(intakeA.received).as("one first mail per key").hasSize(4);
        for (int i = 0; i < 3; i++) {
            assertThat(shared.peek(SharedFolds.recordName(i))).isPresent();
        }
        assertThat(shared.peek(SharedFolds.recordName(3))).as("never more records than slots").isEmpty();
        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests()).as("three shared digests and one of this node").isEqualTo(4);
    }

    @Test
    void concurrentRepeatsOnTwoNodesGiveOneMailAndOneDigestCountingAll() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Alert>> all = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                AlertServiceImpl n = i % 2 == 0 ? a : b;
                all.add(pool.submit(() -> {
                    go.await();
                    return n.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
                }));
            }
            go.countDown();
            for (Future<Alert> f : all) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(mails()).isEqualTo(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(a.sendDueDigests() + b.sendDueDigests()).isEqualTo(1);
        assertThat(subjects()).contains("[Streamail CRITICAL] Blocked click on a phishing link (199 more since 09:00 UTC)");
    }

    @Test
    void deactivationClosesTheSharedWindowsItTookPartInAndSendsTheirDigests() throws Exception {
        AlertServiceImpl a = node(intakeA, admin());
        AlertServiceImpl b = node(intakeB, admin());
        a.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        a.deactivate();
        assertThat(subjects()).containsExactly("[Streamail CRITICAL] Blocked click on a phishing link",
                "[Streamail CRITICAL] Blocked click on a phishing link (1 more since 09:00 UTC)");
        b.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(intakeB.received).as("B opens a new window after the early close").hasSize(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(b.sendDueDigests()).isZero();
    }

    @Test
    void theLargestRecordFitsASharedValueAndReadsBackTheSame() {
        String subject = "s=\u00e9\u4e2d " + "x".repeat(AlertServiceImpl.MAX_SUBJECT - 10);
        String recipient = "u".repeat(64) + "@" + "d".repeat(250) + ".example";
        Alert big = new Alert("AAAAAAAAAAAAAAAA", T0, Severity.HIGH, "k".repeat(64), subject, "m".repeat(256),
                recipient, "t=\u00e9 ".repeat(40).strip(), "detail not kept", 7);
        String hash = SharedFolds.hash(NotificationFolder.Key.of(recipient, true, big));
        SharedFolds.Fold f = SharedFolds.Fold.open(hash, recipient, true, T0, T0.plusSeconds(900), Severity.MEDIUM);
        for (int i = 0; i < 25; i++) {
            f = f.folded(new Alert("id-" + "%013d".formatted(i), T0.plusNanos(123_456_789L * (i + 1)), Severity.HIGH,
                    big.kind(), subject, big.messageId(), recipient, big.title(), big.detail(), 7));
        }
        String value = f.format();
        assertThat(value.length()).isLessThan(org.streamail.api.store.SharedState.MAX_VALUE);
        SharedFolds.Fold back = SharedFolds.Fold.parse(value);
        assertThat(back).isEqualTo(f);
        assertThat(back.count()).isEqualTo(25);
        assertThat(back.listed()).hasSize(NotificationFolder.MAX_LISTED);
        assertThat(back.sample().detail()).isEmpty();
        assertThat(back.sample().subject()).isEqualTo(subject);
        assertThat(SharedFolds.recordName(AlertServiceImpl.MAX_FOLD_KEYS - 1).length())
                .isLessThanOrEqualTo(org.streamail.api.store.SharedState.MAX_NAME);
    }
}
