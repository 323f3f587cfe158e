package org.streamail.core.internal.quarantine;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.model.Content;
import org.streamail.core.internal.transform.Transformers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Verdict;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.delivery.DeliverySettings;
import org.streamail.core.internal.intake.Intake;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.pipeline.PipelineSettings;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.policy.PolicyRules;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.testsupport.InMemoryQuarantineStore;
import org.streamail.core.internal.support.Wait;

class QuarantineServiceImplTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final InMemoryQuarantineStore store = new InMemoryQuarantineStore();
    private Spool spool;
    private Delivery delivery;
    private QuarantineServiceImpl service;
    private final Transformers transformers = new Transformers();
    private final Verdict held = new Verdict(Action.QUARANTINE, 9, List.of(), List.of(), "score 9.0 >= quarantine.score 8.0");

    @BeforeEach
    void setUp() throws Exception {
        spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        service = new QuarantineServiceImpl(store, spool, delivery, log, transformers);
    }

    @AfterEach
    void tearDown() {
        delivery.close();
    }

    private Path eml(String id) {
        return dir.resolve("delivered").resolve(id + ".eml");
    }

    @Test
    void releaseMarksReleasedAndDeliversTheOriginalBytesToTheOriginalRecipients() throws Exception {
        byte[] raw = Mail.message("held one");
        store.hold("q1", "m", "held one", Mail.envelope("a@example.org", "b@example.org"), held, raw);
        QuarantineEntry e = service.release("q1", "admin");
        assertThat(e.status()).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(e.actedBy()).isEqualTo("admin");
        Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q1")));
        assertThat(Files.readAllBytes(eml("q1"))).endsWith(raw);
        assertThat(new String(Files.readAllBytes(eml("q1")))).doesNotContain("X-Streamail-Verdict");
        Wait.until("logged", Duration.ofSeconds(2), () -> log.statuses("q1").size() == 2);
        assertThat(log.statuses("q1")).containsExactly(DeliveryStatus.RELEASED, DeliveryStatus.RELEASED);
        assertThat(log.changes.get(1).detail()).startsWith("released by admin; written to");
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void aReleasedMessageGoesThroughTheDeliveryTransformersWithAVerdictThatHoldsNothing() throws Exception {
        // The link guard's rewriting, in miniature: the audit found released mail delivered with its links as sent.
        List<Verdict> seen = new java.util.ArrayList<>();
        transformers.addTransformer(new MessageTransformer() {
            @Override
            public String name() {
                return "test-rewriter";
            }

            @Override
            public Content transform(Transformation t) {
                seen.add(t.verdict());
                String text = new String(t.raw().toByteArray(), StandardCharsets.ISO_8859_1);
                return Content.of(text.replace("held one", "held one, links rewritten").getBytes(StandardCharsets.ISO_8859_1));
            }
        }, Map.of());
        store.hold("q9", "m", "held one", Mail.envelope("a@example.org"), held, Mail.message("held one"));

        service.release("q9", "admin");

        Wait.until("delivered", Duration.ofSeconds(20), () -> Files.exists(eml("q9")));
        assertThat(new String(Files.readAllBytes(eml("q9")), StandardCharsets.ISO_8859_1)).contains("links rewritten");
        assertThat(seen).singleElement().satisfies(v -> {
            assertThat(v.action()).isEqualTo(Action.DELIVER);
            assertThat(v.findings()).isEmpty();
            assertThat(v.reason()).isEqualTo("released by admin");
        });
    }

    @Test
    void secondReleaseFailsAndUnknownIdIsNoSuchElement() throws Exception {
        store.hold("q2", "m", "s", Mail.envelope(), held, Mail.message("x"));
        service.release("q2", "admin");
        assertThatThrownBy(() -> service.release("q2", "admin")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RELEASED");
        assertThatThrownBy(() -> service.release("nope", "admin")).isInstanceOf(NoSuchElementException.class);
        assertThatThrownBy(() -> service.delete("nope", "admin")).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void concurrentReleasesDeliverExactlyOnce() throws Exception {
        store.hold("q3", "m", "s", Mail.envelope(), held, Mail.message("race"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Callable<Boolean> release = () -> {
            try {
                service.release("q3", "admin");
                return true;
            } catch (IllegalStateException e) {
                return false;
            }
        };
        List<Future<Boolean>> results = pool.invokeAll(List.of(release, release, release, release));
        pool.shutdown();
        long ok = 0;
        for (Future<Boolean> f : results) {
            ok += f.get() ? 1 : 0;
        }
        assertThat(ok).isEqualTo(1);
        Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q3")));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void deleteMarksDeletedDropsBytesAndForbidsRelease() throws Exception {
        store.hold("q4", "m", "s", Mail.envelope(), held, Mail.message("bye"));
        assertThat(service.delete("q4", "admin").status()).isEqualTo(QuarantineEntry.Status.DELETED);
        assertThat(service.raw("q4")).isEmpty();
        assertThat(log.statuses("q4")).containsExactly(DeliveryStatus.DELETED);
        assertThatThrownBy(() -> service.release("q4", "admin")).isInstanceOf(IllegalStateException.class);
    }

    /** Records reports; fails when told to. */
    static final class RecordingReports implements ReportService {
        final List<String> reports = new java.util.ArrayList<>();
        boolean fail;

        @Override
        public ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin) {
            if (fail) {
                throw new IllegalStateException("spam store down");
            }
            reports.add(kind + " " + reporter + " " + admin + " " + new String(raw, java.nio.charset.StandardCharsets.UTF_8).length());
            return new ReportResult("0123456789abcdef", kind, true, 1, 0, admin);
        }

        @Override
        public ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin) {
            throw new AssertionError("the quarantine hands over the bytes, never an id");
        }
    }

    @Test
    void deletingAMessageHeldForSpamIsTheAdministratorsSpamReportButOtherDeletionsAreNot() throws Exception {
        RecordingReports reports = new RecordingReports();
        service.reports = reports;
        Verdict spam = new Verdict(Action.QUARANTINE, 9, List.of(Category.SPAM), List.of(), "score 9.0");
        Verdict malware = new Verdict(Action.QUARANTINE, 9, List.of(Category.MALWARE), List.of(), "score 9.0");
        byte[] raw = Mail.message("cheap watches");
        store.hold("q6", "m", "s", Mail.envelope(), spam, raw);
        store.hold("q7", "m", "s", Mail.envelope(), malware, Mail.message("invoice.exe"));
        store.hold("q8", "m", "s", Mail.envelope(), spam, Mail.message("released"));
        service.delete("q6", "alice-admin");
        service.delete("q7", "alice-admin");
        service.release("q8", "alice-admin");
        assertThat(reports.reports).containsExactly("SPAM alice-admin true " + raw.length);
        assertThat(service.raw("q6")).as("the bytes are still dropped").isEmpty();
        // a failing report never fails the deletion
        reports.fail = true;
        store.hold("q9", "m", "s", Mail.envelope(), spam, Mail.message("more watches"));
        assertThat(service.delete("q9", "alice-admin").status()).isEqualTo(QuarantineEntry.Status.DELETED);
        // without the spam bundle a deletion is only a deletion
        service.reports = null;
        store.hold("q10", "m", "s", Mail.envelope(), spam, Mail.message("and more"));
        assertThat(service.delete("q10", "alice-admin").status()).isEqualTo(QuarantineEntry.Status.DELETED);
        Wait.until("q8 delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q8")));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void anAdministratorsReleaseToOneRecipientIsThatRecipientsHamReportButADigestUsersIsNotReportedTwice()
            throws Exception {
        RecordingReports reports = new RecordingReports();
        service.reports = reports;
        Verdict spam = new Verdict(Action.QUARANTINE, 9, List.of(Category.SPAM), List.of(), "score 9.0");
        byte[] raw = Mail.message("the newsletter bob asked for");
        store.hold("q30", "m", "s", Mail.envelope("bob@corp.example", "carol@corp.example", "dave@corp.example"),
                spam, raw);
        service.releaseTo("q30", "Bob@Corp.Example", "alice-admin");
        // a user's weight, in the recipient's name: never the administrator's, which would lift a block for everyone
        assertThat(reports.reports).containsExactly("HAM bob@corp.example false " + raw.length);
        // the digest reports its users' releases itself
        service.releaseTo("q30", "carol@corp.example", QuarantineDigest.RELEASE_ACTOR_PREFIX + "carol@corp.example");
        assertThat(reports.reports).hasSize(1);
        // a report that fails never fails the release
        reports.fail = true;
        assertThat(service.releaseTo("q30", "dave@corp.example", "alice-admin").status())
                .isEqualTo(QuarantineEntry.Status.RELEASED);
        Wait.until("the three copies delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q30-released-0"))
                && Files.exists(eml("q30-released-1")) && Files.exists(eml("q30-released-2")));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void releaseInterruptedBeforeTheStoreWasUpdatedIsFinishedByRecovery() throws Exception {
        byte[] raw = Mail.message("crash");
        store.hold("q5", "m", "s", Mail.envelope(), held, raw);
        // The crash window: the released entry is spooled, the store still says HELD.
        spool.write("q5-released", "q5", Mail.envelope(), "admin", raw);
        delivery.close();
        Spool reopened = new Spool(dir.resolve("spool"));
        delivery = new Delivery(reopened, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        Pipeline pipeline = new Pipeline(Policy.fixed(PolicyRules.defaults()), PipelineSettings.defaults(), List.of());
        Intake intake = Intake.withoutTransformers(pipeline, reopened, delivery, store, log, true);
        try {
            Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q5")));
            assertThat(store.get("q5").orElseThrow().status()).isEqualTo(QuarantineEntry.Status.RELEASED);
            assertThat(log.receivedCalls).isEmpty(); // not scanned again
        } finally {
            intake.close();
            pipeline.close();
        }
    }

    @Test
    void releaseInterruptedBeforeTheStoreWasUpdatedIsNotDeliveredWhenTheMessageWasDeletedMeanwhile() throws Exception {
        byte[] raw = Mail.message("crash, then deleted");
        store.hold("q6", "m", "s", Mail.envelope(), held, raw);
        // The crash window as above; while this node is down, an administrator on another node (same store)
        // deletes the message.
        spool.write("q6-released", "q6", Mail.envelope(), "admin", raw);
        delivery.close();
        assertThat(store.transition("q6", QuarantineEntry.Status.DELETED, "bob-admin")).isTrue();
        Spool reopened = new Spool(dir.resolve("spool"));
        delivery = new Delivery(reopened, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        Pipeline pipeline = new Pipeline(Policy.fixed(PolicyRules.defaults()), PipelineSettings.defaults(), List.of());
        Intake intake = Intake.withoutTransformers(pipeline, reopened, delivery, store, log, true);
        try {
            Wait.until("spool empty", Duration.ofSeconds(5), () -> reopened.entries().isEmpty());
            Thread.sleep(300);
            assertThat(eml("q6")).doesNotExist();
            assertThat(store.get("q6").orElseThrow().status()).isEqualTo(QuarantineEntry.Status.DELETED);
        } finally {
            intake.close();
            pipeline.close();
        }
    }

    // ---- release to one recipient

    private List<String> delivered() throws Exception {
        Path folder = dir.resolve("delivered");
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var files = Files.list(folder)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".eml")).sorted().toList();
        }
    }

    /** The Delivered-To lines local delivery writes at the top of the file: the recipients of that copy. */
    private List<String> deliveredTo(String name) throws Exception {
        return Files.readAllLines(eml(name), StandardCharsets.ISO_8859_1).stream()
                .takeWhile(l -> !l.isEmpty()).filter(l -> l.startsWith("Delivered-To: "))
                .map(l -> l.substring("Delivered-To: ".length())).toList();
    }

    @Test
    void releaseToOneRecipientDeliversACopyToThemAloneAndKeepsTheMessageHeldForTheOthers() throws Exception {
        byte[] raw = Mail.message("for bob and carol");
        store.hold("q20", "m", "s", Mail.envelope("bob@corp.example", "carol@corp.example"), held, raw);

        QuarantineEntry e = service.releaseTo("q20", "Bob@Corp.Example", "admin");

        assertThat(e.status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(e.releasedTo()).containsExactly("bob@corp.example");
        assertThat(e.actedBy()).isEmpty();
        Wait.until("bob's copy delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q20-released-0")));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
        assertThat(delivered()).containsExactly("q20-released-0.eml");
        assertThat(deliveredTo("q20-released-0")).containsExactly("bob@corp.example");
        assertThat(Files.readAllBytes(eml("q20-released-0"))).endsWith(raw);
        assertThat(log.changes.get(0).detail()).isEqualTo("released to bob@corp.example by admin, queued for delivery");
        Wait.until("the delivery logged", Duration.ofSeconds(5), () -> log.changes.size() > 1);
        assertThat(log.changes.get(1).detail()).as("the delivery says whose copy it was")
                .startsWith("released to bob@corp.example by admin; written to");

        // bob again (any case): nothing more is delivered
        assertThatThrownBy(() -> service.releaseTo("q20", "bob@corp.example", "admin"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("released to bob@corp.example already");
        // not a recipient
        assertThatThrownBy(() -> service.releaseTo("q20", "mallory@evil.example", "admin"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mallory@evil.example");
        assertThatThrownBy(() -> service.releaseTo("nope", "bob@corp.example", "admin"))
                .isInstanceOf(NoSuchElementException.class);
        Thread.sleep(300);
        assertThat(delivered()).containsExactly("q20-released-0.eml");
        assertThat(spool.entries()).isEmpty();
        assertThat(store.get("q20").orElseThrow().status()).isEqualTo(QuarantineEntry.Status.HELD);

        // carol, the last one: the message is RELEASED, by whoever released the last copy
        QuarantineEntry last = service.releaseTo("q20", "carol@corp.example", "alice-admin");
        assertThat(last.status()).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(last.actedBy()).isEqualTo("alice-admin");
        assertThat(last.releasedTo()).containsExactlyInAnyOrder("bob@corp.example", "carol@corp.example");
        Wait.until("carol's copy delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q20-released-1")));
        assertThat(deliveredTo("q20-released-1")).containsExactly("carol@corp.example");
        assertThat(delivered()).containsExactly("q20-released-0.eml", "q20-released-1.eml");
        assertThatThrownBy(() -> service.releaseTo("q20", "carol@corp.example", "admin"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("RELEASED");
        assertThatThrownBy(() -> service.release("q20", "admin"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("RELEASED");
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void aReleaseToEveryoneAfterOneByOneGoesToTheRecipientsNotReleasedToBefore() throws Exception {
        store.hold("q21", "m", "s", Mail.envelope("bob@corp.example", "carol@corp.example", "dave@corp.example"),
                held, Mail.message("three"));
        service.releaseTo("q21", "carol@corp.example", "admin");
        Wait.until("carol's copy delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q21-released-1")));

        QuarantineEntry e = service.release("q21", "admin");

        assertThat(e.status()).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(e.releasedTo()).containsExactly("carol@corp.example");
        Wait.until("the rest delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q21")));
        assertThat(deliveredTo("q21")).containsExactly("bob@corp.example", "dave@corp.example");
        assertThat(deliveredTo("q21-released-1")).containsExactly("carol@corp.example");
        assertThat(delivered()).containsExactly("q21-released-1.eml", "q21.eml");
        assertThat(log.changes).anySatisfy(c -> assertThat(c.detail()).isEqualTo("released by admin to the"
                + " recipient(s) not released to before (bob@corp.example, dave@corp.example), queued for delivery"));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    @Test
    void concurrentReleasesToTheSameRecipientDeliverOneCopy() throws Exception {
        store.hold("q22", "m", "s", Mail.envelope("bob@corp.example", "carol@corp.example"), held,
                Mail.message("race for bob"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Callable<Boolean> release = () -> {
            try {
                service.releaseTo("q22", "bob@corp.example", "admin");
                return true;
            } catch (IllegalStateException e) {
                return false;
            }
        };
        List<Future<Boolean>> results = pool.invokeAll(List.of(release, release, release, release));
        pool.shutdown();
        long ok = 0;
        for (Future<Boolean> f : results) {
            ok += f.get() ? 1 : 0;
        }
        assertThat(ok).isEqualTo(1);
        Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q22-released-0")));
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
        assertThat(delivered()).containsExactly("q22-released-0.eml");
        assertThat(store.get("q22").orElseThrow().releasedTo()).containsExactly("bob@corp.example");
    }

    @Test
    void aReleaseToOneRecipientOfAMessageWithALongIdUsesAValidSpoolKey() throws Exception {
        // ids are spool keys of up to 64 characters; <id>-released-<n> would pass that limit
        String id = "x".repeat(30) + "-" + "y".repeat(33);
        assertThat(id).hasSize(64);
        store.hold(id, "m", "s", Mail.envelope("bob@corp.example", "carol@corp.example"), held, Mail.message("long"));

        assertThat(service.releaseTo(id, "carol@corp.example", "admin").releasedTo())
                .containsExactly("carol@corp.example");

        String key = org.streamail.core.internal.spool.ReleaseKeys.toRecipient(id, 1);
        assertThat(key).hasSizeLessThanOrEqualTo(64).matches("[A-Za-z0-9-]+").endsWith("-released-1")
                .startsWith(id.substring(0, 16))
                .isNotEqualTo(org.streamail.core.internal.spool.ReleaseKeys.toRecipient(id.substring(0, 63) + "z", 1));
        Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml(key)));
        assertThat(deliveredTo(key)).containsExactly("carol@corp.example");
        Wait.until("spool empty", Duration.ofSeconds(2), () -> spool.entries().isEmpty());
    }

    /** Restarts delivery and the intake (its recovery) on the spool as it is now, runs {@code then}, stops them. */
    private void afterRestart(ThrowingRunnable then) throws Exception {
        delivery.close();
        Spool reopened = new Spool(dir.resolve("spool"));
        spool = reopened;
        delivery = new Delivery(reopened, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        Pipeline pipeline = new Pipeline(Policy.fixed(PolicyRules.defaults()), PipelineSettings.defaults(), List.of());
        Intake intake = Intake.withoutTransformers(pipeline, reopened, delivery, store, log, true);
        try {
            then.run();
        } finally {
            intake.close();
            pipeline.close();
        }
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aReleaseToOneRecipientInterruptedBeforeTheStoreWasUpdatedIsRecordedAndDeliveredByRecovery() throws Exception {
        byte[] raw = Mail.message("crash, bob only");
        var envelope = Mail.envelope("bob@corp.example", "carol@corp.example");
        store.hold("q23", "m", "s", envelope, held, raw);
        // The crash window: bob's copy is spooled, the store has not recorded it.
        spool.write("q23-released-0", "q23", envelope.withRecipients(List.of("bob@corp.example")), "admin", raw);

        afterRestart(() -> {
            Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q23-released-0")));
            Wait.until("spool empty", Duration.ofSeconds(5), () -> spool.entries().isEmpty());
            QuarantineEntry e = store.get("q23").orElseThrow();
            assertThat(e.status()).isEqualTo(QuarantineEntry.Status.HELD);
            assertThat(e.releasedTo()).containsExactly("bob@corp.example");
            assertThat(deliveredTo("q23-released-0")).containsExactly("bob@corp.example");
            assertThat(delivered()).containsExactly("q23-released-0.eml");
            assertThat(log.receivedCalls).isEmpty(); // not scanned again
        });
    }

    @Test
    void recoveryOfAReleaseToOneRecipientDeliversWhatWasRecordedAndDropsWhatNeverHappened() throws Exception {
        var envelope = Mail.envelope("bob@corp.example", "carol@corp.example");
        var bobOnly = envelope.withRecipients(List.of("bob@corp.example"));
        // recorded before the crash, not yet queued: delivered
        store.hold("q24", "m", "s", envelope, held, Mail.message("recorded"));
        spool.write("q24-released-0", "q24", bobOnly, "admin", Mail.message("recorded"));
        assertThat(store.releaseRecipient("q24", "bob@corp.example", "admin")).isTrue();
        // deleted (on another node) before it was recorded: never released, not delivered
        store.hold("q25", "m", "s", envelope, held, Mail.message("deleted"));
        spool.write("q25-released-0", "q25", bobOnly, "admin", Mail.message("deleted"));
        assertThat(store.transition("q25", QuarantineEntry.Status.DELETED, "bob-admin")).isTrue();
        // released to everyone (on another node) before it was recorded: bob had that copy, not delivered again
        store.hold("q26", "m", "s", envelope, held, Mail.message("released to all"));
        spool.write("q26-released-0", "q26", bobOnly, "admin", Mail.message("released to all"));
        assertThat(store.transition("q26", QuarantineEntry.Status.RELEASED, "bob-admin")).isTrue();

        afterRestart(() -> {
            Wait.until("spool empty", Duration.ofSeconds(5), () -> spool.entries().isEmpty());
            Wait.until("delivered", Duration.ofSeconds(5), () -> Files.exists(eml("q24-released-0")));
            Thread.sleep(300);
            assertThat(delivered()).containsExactly("q24-released-0.eml");
            assertThat(store.get("q24").orElseThrow().status()).isEqualTo(QuarantineEntry.Status.HELD);
            assertThat(store.get("q25").orElseThrow().status()).isEqualTo(QuarantineEntry.Status.DELETED);
            assertThat(store.get("q26").orElseThrow().releasedTo()).isEmpty();
        });
    }
}
