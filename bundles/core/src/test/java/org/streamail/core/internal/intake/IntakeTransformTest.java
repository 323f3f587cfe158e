package org.streamail.core.internal.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Action;
import org.streamail.api.model.Content;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.store.DeliveryStatus;
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
import org.streamail.core.internal.transform.Transformers;

class IntakeTransformTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final InMemoryQuarantineStore store = new InMemoryQuarantineStore();
    private final Transformers transformers = new TestableTransformers();
    private Pipeline pipeline;
    private Spool spool;
    private Delivery delivery;
    private Intake intake;

    static final class TestableTransformers extends Transformers {
        void bind(MessageTransformer t, int ranking) {
            addTransformer(t, Map.of(Constants.SERVICE_RANKING, ranking, Constants.SERVICE_ID, (long) ranking));
        }
    }

    @BeforeEach
    void start() throws Exception {
        Policy policy = Policy.fixed(PolicyRules.parse(5, 8, 15, "", "MALFORMED=QUARANTINE", "", "QUARANTINE"));
        pipeline = new Pipeline(policy, new PipelineSettings(2, Duration.ofSeconds(5), Duration.ofSeconds(5), 10_000),
                List.of(new TestDetector("spam")));
        spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        delivery.start();
        intake = new Intake(pipeline, spool, delivery, store, log, transformers, true);
    }

    @AfterEach
    void stop() {
        intake.close();
        delivery.close();
        pipeline.close();
    }

    private static MessageTransformer header(String name, String value, AtomicInteger calls) {
        return new MessageTransformer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Content transform(Transformation t) {
                calls.incrementAndGet();
                String raw = new String(t.raw().toByteArray(), StandardCharsets.ISO_8859_1);
                return Content.of((name + ": " + value + "\r\n" + raw).getBytes(StandardCharsets.ISO_8859_1));
            }
        };
    }

    private IntakeResult send(String subject) throws Exception {
        return intake.receive(Mail.envelope(), new ByteArrayInputStream(Mail.message(subject)));
    }

    private String delivered(IntakeResult r) throws Exception {
        Wait.until("delivered", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.DELIVERED));
        return Files.readString(dir.resolve("delivered").resolve(r.id() + ".eml"), StandardCharsets.ISO_8859_1);
    }

    @Test
    void deliveredMailPassesThroughEveryTransformerInRankingOrder() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ((TestableTransformers) transformers).bind(header("X-Low", "1", calls), 1);
        ((TestableTransformers) transformers).bind(header("X-High", "2", calls), 10);
        assertThat(transformers.names()).containsExactly("X-High", "X-Low");

        IntakeResult r = send("hello");
        String out = delivered(r);
        // X-High ran first, so X-Low was prepended last and stands above it.
        assertThat(out).contains("X-Low: 1\r\nX-High: 2\r\n");
        assertThat(out).endsWith(new String(Mail.message("hello"), StandardCharsets.ISO_8859_1));
        assertThat(calls.get()).isEqualTo(2);
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void theGatewaysOwnFieldsArrivingFromOutsideAreRenamedBeforeAnyTransformerAndDeliveredAsUntrusted()
            throws Exception {
        // audit, "fail-open signature": with the retention stamper down (or failing on this message), a retention
        // signature copied from the organisation's own stamped mail reached the mailbox, and the sweeper honoured it
        AtomicInteger calls = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
        ((TestableTransformers) transformers).bind(new MessageTransformer() {
            @Override
            public String name() {
                return "observer";
            }

            @Override
            public Content transform(Transformation t) {
                calls.incrementAndGet();
                seen.set(new String(t.raw().toByteArray(), StandardCharsets.ISO_8859_1));
                return t.raw();
            }
        }, 1);
        String forged = "X-Streamail-Retention-Sig: v=1; t=PT1H; m=no; mid=<1@example.com>; s=copied\r\n";
        byte[] message = (forged + new String(Mail.message("self-destructing"), StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1);
        IntakeResult r = intake.receive(Mail.envelope(), new ByteArrayInputStream(message));
        String out = delivered(r);
        assertThat(seen.get()).startsWith("X-Untrusted-Retention-Sig: v=1;").doesNotContain("X-Streamail-");
        assertThat(out).contains("X-Untrusted-Retention-Sig: v=1; t=PT1H;").doesNotContain("X-Streamail-Retention-Sig");

        // the gateway's own services submit authenticated and keep theirs (the alert mail's X-Streamail-Alert)
        byte[] alert = ("X-Streamail-Alert: A1\r\n" + new String(Mail.message("alert"), StandardCharsets.ISO_8859_1))
                .getBytes(StandardCharsets.ISO_8859_1);
        org.streamail.api.model.Envelope submitted = new org.streamail.api.model.Envelope("streamail@example.org",
                List.of("admin@example.org"), "127.0.0.1", "localhost", false, java.time.Instant.now(),
                org.streamail.api.model.Direction.INBOUND, "streamail-alerts");
        assertThat(delivered(intake.receive(submitted, new ByteArrayInputStream(alert)))).contains("X-Streamail-Alert: A1");
    }

    /** A transformer that throws {@code failure} on every message. */
    private static MessageTransformer throwing(String name, java.util.function.Supplier<Throwable> failure) {
        return new MessageTransformer() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Content transform(Transformation t) {
                Throwable f = failure.get();
                if (f instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) f;
            }
        };
    }

    @Test
    void failingTransformerIsSkippedAndTheMessageIsStillDelivered() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ((TestableTransformers) transformers).bind(throwing("broken", () -> new IllegalStateException("boom")), 5);
        ((TestableTransformers) transformers).bind(header("X-After", "ok", calls), 1);

        IntakeResult r = send("hello");
        String out = delivered(r);
        assertThat(out).startsWith("Return-Path: <sender@example.com>\r\nDelivered-To: user@example.org\r\nReceived:").contains("X-After: ok\r\n");
        assertThat(out).endsWith(new String(Mail.message("hello"), StandardCharsets.ISO_8859_1));
    }

    @Test
    void aTransformerThatOverflowsItsStackIsSkippedAndTheMessageIsStillDelivered() throws Exception {
        // an Error (a StackOverflowError on deeply nested input) passed the catch of Exception and LinkageError: the
        // message was neither delivered nor retried, stranded in the spool until the next restart
        AtomicInteger calls = new AtomicInteger();
        ((TestableTransformers) transformers).bind(throwing("deep", StackOverflowError::new), 5);
        ((TestableTransformers) transformers).bind(header("X-After", "ok", calls), 1);

        IntakeResult r = send("nested");
        String out = delivered(r);
        assertThat(out).contains("X-After: ok\r\n").endsWith(new String(Mail.message("nested"),
                StandardCharsets.ISO_8859_1));
    }

    @Test
    void quarantinedMailIsNeverTransformed() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ((TestableTransformers) transformers).bind(header("X-Stamp", "1", calls), 0);

        IntakeResult r = send("SCORE 9");
        assertThat(r.verdict().action()).isEqualTo(Action.QUARANTINE);
        Wait.until("held", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.QUARANTINED));
        assertThat(store.raw(r.id()).orElseThrow()).isEqualTo(Mail.message("SCORE 9"));
        assertThat(calls.get()).isZero();
    }

    @Test
    void aMessageATransformerCannotProtectWithinTheSizeLimitIsHeldNotDeliveredWithout() throws Exception {
        ((TestableTransformers) transformers).bind(new MessageTransformer() {
            @Override
            public String name() {
                return "bloater";
            }

            @Override
            public Content transform(Transformation t) {
                return Content.of(new byte[20_000]); // over the pipeline's 10,000-byte cap in this test
            }
        }, 0);
        IntakeResult r = send("hello");
        // fail closed: without the link guard's rewriting, a lure padded to just under the limit went out live
        Wait.until("held", Duration.ofSeconds(5), () -> log.statuses(r.id()).contains(DeliveryStatus.QUARANTINED));
        assertThat(log.statuses(r.id())).doesNotContain(DeliveryStatus.DELIVERED);
        assertThat(store.raw(r.id()).orElseThrow()).as("the original, untouched").isEqualTo(Mail.message("hello"));
        assertThat(store.get(r.id()).orElseThrow().verdict().reason()).contains("bloater", "max.message.bytes");
        assertThat(dir.resolve("delivered").resolve(r.id() + ".eml")).doesNotExist();
    }
}
