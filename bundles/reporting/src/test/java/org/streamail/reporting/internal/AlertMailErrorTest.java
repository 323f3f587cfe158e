package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.testsupport.MutableClock;
import org.streamail.testsupport.InMemoryDirectory;

/**
 * Audit: the notification workers caught only RuntimeException, so an Error thrown while sending (a
 * NoClassDefFoundError during a bundle refresh, Jakarta Mail's ServiceConfigurationError, a StackOverflowError, an
 * OutOfMemoryError) ended the task: the alert's mail, and the mails after it, were never sent nor tried again, and
 * on the digest thread the periodic tick stopped for good.
 */
class AlertMailErrorTest {

    static final String ADMIN = AlertMailFoldingTest.ADMIN;

    final MemoryAlertStore store = new MemoryAlertStore();
    final MutableClock clock = new MutableClock(Instant.parse("2025-03-10T09:00:00Z"));

    /** The gateway's intake, throwing what {@code error} gives (when not null) for the messages {@code when} picks. */
    static final class ThrowingIntake extends CapturingIntake {
        final AtomicInteger thrown = new AtomicInteger();
        final Predicate<Envelope> when;
        final Supplier<Error> error;
        final int times;

        ThrowingIntake(Predicate<Envelope> when, Supplier<Error> error, int times) {
            this.when = when;
            this.error = error;
            this.times = times;
        }

        @Override
        public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
            if (when.test(envelope) && thrown.get() < times) {
                thrown.incrementAndGet();
                throw error.get();
            }
            return super.receive(envelope, data);
        }
    }

    /** The real notification pool (two threads); {@code digestTick} null: no digest thread. */
    AlertServiceImpl service(Map<String, Object> props, Duration digestTick, CapturingIntake intake) {
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class, props), store, clock, null,
                digestTick, AlertServiceImpl.MAX_FOLD_KEYS);
        s.intake = intake;
        s.directory = new InMemoryDirectory("corp.example");
        return s;
    }

    static Map<String, Object> admin(Object... more) {
        return AlertMailFoldingTest.admin(more);
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    static List<String> recipients(CapturingIntake intake) {
        return intake.received.stream().map(r -> r.envelope().recipients().get(0)).toList();
    }

    static String subject(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)).getSubject();
    }

    @Test
    void aMailInterruptedByAnErrorIsSentOnTheNextAttemptAndTheWorkerGoesOn() throws Exception {
        ThrowingIntake intake = new ThrowingIntake(e -> true,
                () -> new ServiceConfigurationError("jakarta.mail.Provider: not a subtype (test)"), 1);
        AlertServiceImpl s = service(admin(), null, intake);
        try {
            s.raise(new AlertRequest("click-blocked", Severity.HIGH, "10.0.0.5", "", "bob@corp.example",
                    "Blocked click", "d"));
            await(() -> intake.received.size() >= 2);
            assertThat(intake.thrown).hasValue(1);
            assertThat(recipients(intake)).as("the admin's mail (interrupted) and the user's (after it)")
                    .containsExactlyInAnyOrder(ADMIN, "bob@corp.example");

            s.raise(new AlertRequest("virus-found", Severity.HIGH, "g2", "", "", "Virus", "d"));
            await(() -> intake.received.size() >= 3);
            assertThat(intake.received).hasSize(3);
            assertThat(subject(intake.received.get(2).raw())).isEqualTo("[Streamail HIGH] Virus");
        } finally {
            s.deactivate();
        }
    }

    @Test
    void aVirtualMachineErrorIsNotSwallowedButTheMailsItInterruptedAreStillSent() throws Exception {
        ThrowingIntake intake = new ThrowingIntake(e -> true, () -> new OutOfMemoryError("Java heap space (test)"), 1);
        AlertServiceImpl s = service(admin(), null, intake);
        try {
            s.raise(new AlertRequest("click-blocked", Severity.HIGH, "10.0.0.5", "", "bob@corp.example",
                    "Blocked click", "d"));
            await(() -> intake.received.size() >= 2);
            assertThat(recipients(intake)).containsExactlyInAnyOrder(ADMIN, "bob@corp.example");

            for (int i = 0; i < 3; i++) { // the pool replaced the worker the error ended
                s.raise(new AlertRequest("virus-found", Severity.HIGH, "g" + i, "", "", "Virus " + i, "d"));
            }
            await(() -> intake.received.size() >= 5);
            assertThat(intake.received).hasSize(5);
        } finally {
            s.deactivate();
        }
    }

    @Test
    void aMailThatKeepsFailingWithAnErrorIsTriedABoundedNumberOfTimesAndTheOthersAreSent() throws Exception {
        ThrowingIntake intake = new ThrowingIntake(e -> e.recipients().contains("bob@corp.example"),
                () -> new NoClassDefFoundError("org/streamail/reporting/internal/NotificationMail (test)"), 100);
        AlertServiceImpl s = service(admin(), null, intake);
        try {
            s.raise(new AlertRequest("click-blocked", Severity.HIGH, "10.0.0.5", "", "bob@corp.example",
                    "Blocked click", "d"));
            s.raise(new AlertRequest("virus-found", Severity.HIGH, "g2", "", "", "Virus", "d"));
            await(() -> intake.received.size() >= 2 && intake.thrown.get() >= AlertServiceImpl.MAX_MAIL_ATTEMPTS);
            Thread.sleep(200);
            assertThat(intake.thrown).hasValue(AlertServiceImpl.MAX_MAIL_ATTEMPTS);
            assertThat(recipients(intake)).containsExactly(ADMIN, ADMIN);
        } finally {
            s.deactivate();
        }
    }

    @Test
    void theDigestThreadSurvivesAnErrorAndTheDigestItInterruptedIsStillSent() throws Exception {
        ThrowingIntake intake = new ThrowingIntake(e -> true, () -> new StackOverflowError("(test)"), 0);
        AlertServiceImpl s = service(admin(), Duration.ofMillis(20), intake);
        try {
            for (int i = 0; i < 3; i++) { // CRITICAL: no escalation mailed at once
                s.raise(new AlertRequest("click-blocked", Severity.CRITICAL, "10.0.0.5", "", "", "Blocked click", "d"));
            }
            await(() -> intake.received.size() >= 1);
            assertThat(intake.received).as("the first mail; the others are folded").hasSize(1);

            ThrowingIntake failing = new ThrowingIntake(e -> true, () -> new StackOverflowError("(test)"), 1);
            s.intake = failing;
            clock.advance(Duration.ofMinutes(15));
            await(() -> failing.received.size() >= 1);
            assertThat(failing.thrown).hasValue(1);
            assertThat(failing.received).singleElement().satisfies(r -> assertThat(subject(r.raw()))
                    .isEqualTo("[Streamail CRITICAL] Blocked click (2 more since 09:00 UTC)"));

            // and the tick still runs: the next window's digest goes out too
            for (int i = 0; i < 2; i++) {
                s.raise(new AlertRequest("virus-found", Severity.CRITICAL, "g1", "", "", "Virus", "d"));
            }
            await(() -> failing.received.size() >= 2);
            clock.advance(Duration.ofMinutes(15));
            await(() -> failing.received.size() >= 3);
            assertThat(failing.received).hasSize(3);
            assertThat(subject(failing.received.get(2).raw())).isEqualTo("[Streamail CRITICAL] Virus (1 more since 09:15 UTC)");
        } finally {
            s.deactivate();
        }
    }
}
