package org.streamail.core.internal.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.delivery.DeliverySettings;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.pipeline.PipelineSettings;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.policy.PolicyRules;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.testsupport.InMemoryQuarantineStore;
import org.streamail.core.internal.support.TestDetector;
import org.streamail.core.internal.support.Wait;

class IntakeTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final InMemoryQuarantineStore store = new InMemoryQuarantineStore();
    private Pipeline pipeline;
    private Spool spool;
    private Delivery delivery;
    private Intake intake;

    private void start(String mandatory, Duration budget, Spool.Syncer syncer, boolean recover) throws IOException {
        Policy policy = Policy.fixed(PolicyRules.parse(5, 8, 15, mandatory, "MALFORMED=QUARANTINE", "", "QUARANTINE"));
        pipeline = new Pipeline(policy, new PipelineSettings(2, Duration.ofSeconds(5), budget, 10_000),
                List.of(new TestDetector("spam")));
        spool = syncer == null ? new Spool(dir.resolve("spool")) : new Spool(dir.resolve("spool"), syncer);
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        delivery.start();
        intake = Intake.withoutTransformers(pipeline, spool, delivery, store, log, recover);
    }

    private void start() throws IOException {
        start("", Duration.ofSeconds(5), null, true);
    }

    @AfterEach
    void stop() {
        if (intake != null) {
            intake.close();
        }
        if (delivery != null) {
            delivery.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private IntakeResult send(String subject) throws IOException {
        return intake.receive(Mail.envelope(), new ByteArrayInputStream(Mail.message(subject)));
    }

    private Path eml(String id) {
        return dir.resolve("delivered").resolve(id + ".eml");
    }

    @Test
    void cleanMessageGets250AndIsDeliveredToTheLocalFolder() throws Exception {
        start();
        IntakeResult r = send("hello");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        assertThat(r.reply().line()).isEqualTo("250 2.0.0 Ok queued as " + r.id());
        assertThat(r.verdict().action()).isEqualTo(Action.DELIVER);
        Wait.until("delivered", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.DELIVERED));
        assertThat(Files.readString(eml(r.id()))).endsWith(new String(Mail.message("hello"), StandardCharsets.US_ASCII));
        assertThat(log.get(r.id()).orElseThrow().subject()).isEqualTo("hello");
        assertThat(log.get(r.id()).orElseThrow().verdict().action()).isEqualTo(Action.DELIVER);
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void theMessageLogKeepsABoundedReceivedChainWhateverTheSenderWrote() throws Exception {
        start();
        StringBuilder m = new StringBuilder();
        // the newest hop first, folded over 120 lines (about 4,800 characters; the test intake takes 10,000 bytes)
        m.append("Received: from a.example by b.example");
        for (int i = 0; i < 120; i++) {
            m.append("\r\n\tpadding-").append(String.format("%030d", i));
        }
        m.append("; Thu, 3 Dec 2026 10:00:00 +0000\r\n");
        for (int i = 0; i < 39; i++) {
            m.append("Received: from hop").append(i).append(".example by next.example; Thu, 3 Dec 2026 10:00:00 +0000\r\n");
        }
        m.append("From: a@sender.example\r\nTo: r@example.org\r\nSubject: long chain\r\n\r\nbody\r\n");
        IntakeResult r = intake.receive(Mail.envelope(),
                new ByteArrayInputStream(m.toString().getBytes(StandardCharsets.US_ASCII)));
        assertThat(r.outcome()).as(r.reply().line()).isEqualTo(IntakeResult.Outcome.ACCEPTED);

        java.util.List<String> chain = log.get(r.id()).orElseThrow().receivedChain();
        assertThat(chain).hasSize(Intake.MAX_LOGGED_HOPS + 1);
        assertThat(chain.get(0)).hasSizeLessThan(Intake.MAX_LOGGED_HOP_CHARS + 60).startsWith("from a.example")
                .endsWith("more characters not kept]");
        assertThat(chain.get(1)).startsWith("from hop0.example");
        assertThat(chain.get(Intake.MAX_LOGGED_HOPS)).isEqualTo("[10 more Received fields not kept]");
        // the message itself is untouched: the log only keeps less of it
        Wait.until("delivered", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.DELIVERED));
        assertThat(Files.readString(eml(r.id()))).contains("padding-" + String.format("%030d", 119));
    }

    @Test
    void rejectVerdictIsAnswered550WithReasonAndIdAndNothingIsKept() throws Exception {
        start();
        IntakeResult r = send("SCORE 20");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.REJECTED);
        assertThat(r.reply().line()).isEqualTo("550 5.7.1 message refused: spam/subject-score (subject asked for it) [" + r.id() + "]")
                .doesNotContain("reject.score").doesNotContain("20.0");
        assertThat(spool.entries()).isEmpty();
        assertThat(log.statuses(r.id())).containsExactly(DeliveryStatus.REJECTED);
        assertThat(store.holdCalls.get()).isZero();
        Thread.sleep(200);
        assertThat(eml(r.id())).doesNotExist();
    }

    @Test
    void quarantineVerdictGets250AndIsHeldThenLeavesTheSpool() throws Exception {
        start();
        IntakeResult r = send("SCORE 9");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        Wait.until("held", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.QUARANTINED));
        assertThat(store.get(r.id()).orElseThrow().status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(store.raw(r.id()).orElseThrow()).isEqualTo(Mail.message("SCORE 9"));
        assertThat(spool.entries()).isEmpty();
        assertThat(eml(r.id())).doesNotExist();
    }

    @Test
    void malformedMessageIsAcceptedAndQuarantinedAsMalformed() throws Exception {
        start();
        IntakeResult r = intake.receive(Mail.envelope(),
                new ByteArrayInputStream(" \r\n \r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        Wait.until("held", Duration.ofSeconds(5), () -> store.get(r.id()).isPresent());
        assertThat(store.get(r.id()).orElseThrow().verdict().categories()).containsExactly(Category.MALFORMED);
    }

    @Test
    void scanOverTheBudgetIsAcceptedWithoutVerdictAndFinishedAfterTheReply() throws Exception {
        start("", Duration.ofMillis(100), null, true);
        IntakeResult r = send("SLEEP 400");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        assertThat(r.verdict()).isNull();
        Wait.until("delivered", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.DELIVERED));
    }

    @Test
    void lateRejectVerdictEndsInQuarantineNotInTheVoid() throws Exception {
        start("", Duration.ofMillis(100), null, true);
        IntakeResult r = send("SLOWSCORE 400 30");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        Wait.until("held", Duration.ofSeconds(5), () -> store.get(r.id()).isPresent());
        assertThat(store.get(r.id()).orElseThrow().verdict().action()).isEqualTo(Action.QUARANTINE);
        assertThat(store.get(r.id()).orElseThrow().verdict().reason()).startsWith("held instead of rejected");
    }

    @Test
    void missingMandatoryDetectorAnswers451AndKeepsNothing() throws Exception {
        start("content", Duration.ofSeconds(5), null, true);
        assertThat(intake.unavailableReason()).contains("mandatory detector 'content' is not available");
        IntakeResult r = send("hello");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.TEMPORARY_FAILURE);
        assertThat(r.reply().line()).startsWith("451 4.7.0 mandatory detector 'content' is not available");
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void spoolFailureAnswers451NotOk() throws Exception {
        start("", Duration.ofSeconds(5), ch -> {
            throw new IOException("no space left on device");
        }, true);
        IntakeResult r = send("hello");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.TEMPORARY_FAILURE);
        assertThat(r.reply().code()).isEqualTo(451);
        assertThat(r.reply().enhanced()).isEqualTo("4.3.0");
        assertThat(log.receivedCalls).isEmpty();
    }

    @Test
    void oversizedMessageIsRefusedWithoutSpooling() throws Exception {
        start();
        IntakeResult r = intake.receive(Mail.envelope(), new ByteArrayInputStream(new byte[20_000]));
        assertThat(r.reply().line()).startsWith("552 5.3.4");
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void storeOutageDuringQuarantineIsRetriedAndNothingIsLost() throws Exception {
        start();
        store.failNextHolds.set(1);
        IntakeResult r = send("SCORE 9");
        Wait.until("held after retry", Duration.ofSeconds(8), () -> store.get(r.id()).isPresent());
        assertThat(store.holdCalls.get()).isEqualTo(2);
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void aMessageWaitingForTheStoreIsNotKeptInMemory() throws Exception {
        // The store is down: each quarantined message waits for a retry. The waiting retry used to hold the message
        // and its parsed view (bodies, attachments), so an hour's outage filled the heap; it reads the spool again.
        java.util.List<java.lang.ref.WeakReference<org.streamail.api.model.ParsedMessage>> seen =
                new java.util.concurrent.CopyOnWriteArrayList<>();
        start();
        pipeline.setDetectors(List.of(new TestDetector("spam"), new org.streamail.api.detect.Detector() {
            @Override
            public String name() {
                return "watch";
            }

            @Override
            public List<org.streamail.api.model.Finding> inspect(org.streamail.api.detect.Inspection in) {
                seen.add(new java.lang.ref.WeakReference<>(in.message()));
                return List.of();
            }
        }));
        store.failNextHolds.set(1_000);
        IntakeResult r = send("SCORE 9");
        Wait.until("first hold failed", Duration.ofSeconds(5), () -> store.holdCalls.get() >= 1);
        Wait.until("the parsed message collected while the retry waits", Duration.ofSeconds(10), () -> {
            System.gc();
            return seen.get(0).get() == null;
        });
        store.failNextHolds.set(0);
        Wait.until("held after retry", Duration.ofSeconds(20), () -> store.get(r.id()).isPresent());
        assertThat(store.get(r.id()).orElseThrow().subject()).isEqualTo("SCORE 9");
        assertThat(store.get(r.id()).orElseThrow().messageId()).isEqualTo(Math.abs("SCORE 9".hashCode()) + "@example.com");
        assertThat(store.raw(r.id()).orElseThrow()).isEqualTo(Mail.message("SCORE 9"));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void restartReprocessesEveryLeftoverEntryExactlyOnce() throws Exception {
        // A previous run spooled three messages and answered 250, then died: two undecided, one deferred.
        Spool before = new Spool(dir.resolve("spool"));
        Envelope env = Mail.envelope();
        before.write("20260101T000000000-00001-aaaa", "20260101T000000000-00001-aaaa", env, null, Mail.message("hello"));
        before.write("20260101T000000000-00002-aaaa", "20260101T000000000-00002-aaaa", env, null, Mail.message("SCORE 9"));
        before.write("20260101T000000000-00003-aaaa", "20260101T000000000-00003-aaaa", env, null, Mail.message("later"));
        before.writeState("20260101T000000000-00003-aaaa", Map.of("action", "DELIVER", "score", "0", "categories", "",
                "attempts", "1", "since", "2026-01-01T00:00:00Z", "next-attempt", "2026-01-01T00:00:00Z",
                "last-error", "421", "pending", "user@example.org"));

        start();
        Wait.until("all finished", Duration.ofSeconds(8), () -> spool.entries().isEmpty());
        assertThat(eml("20260101T000000000-00001-aaaa")).exists();
        assertThat(eml("20260101T000000000-00003-aaaa")).exists();
        assertThat(store.get("20260101T000000000-00002-aaaa")).isPresent();
        assertThat(log.receivedCalls).containsExactlyInAnyOrder("20260101T000000000-00001-aaaa",
                "20260101T000000000-00002-aaaa");
        // recovering again finds nothing to do
        intake.recover();
        delivery.start();
        Thread.sleep(200);
        assertThat(log.receivedCalls).hasSize(2);
        assertThat(store.holdCalls.get()).isEqualTo(1);
    }

    @Test
    void aDetectorReportingItsOwnBackendUnavailableIsJudgedNotRefusedForever() throws Exception {
        // A detector whose backend (clamd, say) is down may well call its ERROR finding "unavailable". That is the
        // rule the pipeline gives a mandatory detector that is not bound, and the intake took it for one: 451 for
        // every message (with nothing in mandatory.detectors), or, after the 250, a rescan every few minutes forever.
        start();
        pipeline.setDetectors(List.of(new TestDetector("spam"), new org.streamail.api.detect.Detector() {
            @Override
            public String name() {
                return "av";
            }

            @Override
            public List<org.streamail.api.model.Finding> inspect(org.streamail.api.detect.Inspection in) {
                return List.of(new org.streamail.api.model.Finding("av", "unavailable", 0.0, Category.ERROR,
                        "clamd not reachable"));
            }
        }));
        IntakeResult r = send("hello");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        assertThat(r.reply().code()).isEqualTo(250);
        Wait.until("delivered", Duration.ofSeconds(10), () -> Files.exists(eml(r.id())));
    }

    @Test
    void recoveryWaitsForAMandatoryDetectorInsteadOfJudgingWithoutIt() throws Exception {
        Spool before = new Spool(dir.resolve("spool"));
        before.write("20260101T000000000-00009-aaaa", "20260101T000000000-00009-aaaa", Mail.envelope(), null,
                Mail.message("hello"));
        start("content", Duration.ofSeconds(5), null, true);
        Thread.sleep(300);
        assertThat(spool.entries()).hasSize(1);
        pipeline.setDetectors(List.of(new TestDetector("spam"), new TestDetector("content")));
        Wait.until("delivered once the detector is back", Duration.ofSeconds(10),
                () -> Files.exists(eml("20260101T000000000-00009-aaaa")));
    }

    @Test
    void aMandatoryDetectorLeavingBeforeTheReplyGets451AndKeepsNothing() throws Exception {
        // The detector goes away while the message is being spooled: after the availability check, before the scan.
        start("content", Duration.ofSeconds(5), ch -> {
            ch.force(true);
            pipeline.setDetectors(List.of(new TestDetector("spam")));
        }, true);
        pipeline.setDetectors(List.of(new TestDetector("spam"), new TestDetector("content")));
        IntakeResult r = send("hello");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.TEMPORARY_FAILURE);
        assertThat(r.reply().line()).startsWith("451 4.7.0 mandatory detector 'content' is not available");
        assertThat(spool.entries()).isEmpty();
        assertThat(store.holdCalls.get()).isZero();
    }

    @Test
    void aMandatoryDetectorLeavingAfterThe250IsWaitedForNotJudgedWithout() throws Exception {
        start("content", Duration.ofMillis(100), ch -> {
            ch.force(true);
            pipeline.setDetectors(List.of(new TestDetector("spam")));
        }, true);
        pipeline.setDetectors(List.of(new TestDetector("spam"), new TestDetector("content")));
        IntakeResult r = send("SLEEP 400");
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        Thread.sleep(800);
        assertThat(store.holdCalls.get()).as("never held for want of the detector").isZero();
        assertThat(eml(r.id())).doesNotExist();
        pipeline.setDetectors(List.of(new TestDetector("spam"), new TestDetector("content")));
        Wait.until("delivered once the detector is back", Duration.ofSeconds(10), () -> Files.exists(eml(r.id())));
        assertThat(store.holdCalls.get()).isZero();
    }
}
