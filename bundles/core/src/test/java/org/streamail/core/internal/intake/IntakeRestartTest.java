package org.streamail.core.internal.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Constants;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
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

/**
 * The intake restarts (DS deactivates and activates it: a transformer or pipeline bundle refreshed) while one of
 * its workers is still routing a message. The claims go back at close, so the next intake scans the message
 * again; the old worker must then not hand it on as well (it used to: two deliveries).
 */
class IntakeRestartTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final InMemoryQuarantineStore store = new InMemoryQuarantineStore();
    private Pipeline pipeline;
    private Spool spool;
    private Delivery delivery;

    @BeforeEach
    void start() throws Exception {
        Policy policy = Policy.fixed(PolicyRules.parse(5, 8, 15, "", "MALFORMED=QUARANTINE", "", "QUARANTINE"));
        pipeline = new Pipeline(policy, new PipelineSettings(2, Duration.ofSeconds(5), Duration.ofSeconds(5), 10_000),
                List.of(new TestDetector("spam")));
        spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered")), Clock.systemUTC());
        delivery.start();
    }

    @AfterEach
    void stop() {
        delivery.close();
        pipeline.close();
    }

    /** Adds a header; its first call waits for {@code release} (ignoring interrupts, as blocking I/O does). */
    private static final class SlowFirstTransformer implements MessageTransformer {
        final AtomicInteger calls = new AtomicInteger();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public Content transform(Transformation t) {
            if (calls.incrementAndGet() == 1) {
                entered.countDown();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (release.getCount() > 0 && System.nanoTime() < end) {
                    try {
                        release.await(50, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        // not stopped by an interrupt, like a transformer blocked in I/O
                    }
                }
            }
            String raw = new String(t.raw().toByteArray(), StandardCharsets.ISO_8859_1);
            return Content.of(("X-Slow: 1\r\n" + raw).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    private long deliveredCount(String id) {
        return log.changes.stream().filter(c -> c.id().equals(id) && c.status() == DeliveryStatus.DELIVERED).count();
    }

    @Test
    void aRestartWhileAMessageIsRoutedDeliversItOnce() throws Exception {
        SlowFirstTransformer slow = new SlowFirstTransformer();
        Transformers transformers = new Transformers();
        transformers.addTransformer(slow, Map.of(Constants.SERVICE_RANKING, 1, Constants.SERVICE_ID, 1L));
        Intake first = new Intake(pipeline, spool, delivery, store, log, transformers, true);
        first.closeWait = Duration.ofMillis(200);
        IntakeResult r = first.receive(Mail.envelope(), new ByteArrayInputStream(Mail.message("hello")));
        assertThat(r.outcome()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
        assertThat(slow.entered.await(5, TimeUnit.SECONDS)).isTrue();

        first.close(); // the restart: the first worker is still in the transformer
        Intake second = new Intake(pipeline, spool, delivery, store, log, transformers, true);
        try {
            Wait.until("delivered by the second intake", Duration.ofSeconds(10), () -> deliveredCount(r.id()) == 1);
            slow.release.countDown(); // the first worker goes on now
            Wait.until("the first worker done", Duration.ofSeconds(5), () -> slow.calls.get() == 2);
            Thread.sleep(1000); // what it would deliver takes a few milliseconds
            assertThat(deliveredCount(r.id())).isEqualTo(1);
            assertThat(spool.entries()).isEmpty();
        } finally {
            slow.release.countDown();
            second.close();
        }
    }

    @Test
    void aRefusalDecidedAsTheIntakeClosesIsNotAnsweredWhenTheNextIntakeHasTheMessage() throws Exception {
        Intake first = Intake.withoutTransformers(pipeline, spool, delivery, store, log, true);
        first.closeWait = Duration.ofMillis(200);
        Intake[] second = new Intake[1];
        // the restart falls between the verdict (REJECT) and the refusal: the next intake recovers the entry,
        // scans it, and, having answered nothing, holds it (a verdict after the reply never bounces)
        first.beforeRefusal = () -> {
            first.close();
            second[0] = Intake.withoutTransformers(pipeline, spool, delivery, store, log, true);
            Wait.until("held by the second intake", Duration.ofSeconds(10), () -> store.holdCalls.get() == 1);
        };
        try {
            IntakeResult r = first.receive(Mail.envelope(), new ByteArrayInputStream(Mail.message("SCORE 20")));
            // a 550 would tell the sender the message was refused while the administrator can release it
            assertThat(r.outcome()).as(r.reply().line()).isEqualTo(IntakeResult.Outcome.ACCEPTED);
            // the second intake's worker logs QUARANTINED just after the hold the wait above saw
            Wait.until("the quarantine logged", Duration.ofSeconds(10),
                    () -> log.statuses(r.id()).contains(DeliveryStatus.QUARANTINED));
            assertThat(log.statuses(r.id())).doesNotContain(DeliveryStatus.REJECTED);
            assertThat(store.holdCalls.get()).isEqualTo(1);
            assertThat(spool.entries()).isEmpty();
        } finally {
            if (second[0] != null) {
                second[0].close();
            }
        }
    }
}
