package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.model.Direction;
import org.streamail.smtp.internal.server.ListenerSettings.HarvestAction;

/**
 * {@code harvest.action}: a client over the harvest limit is slowed down (the tarpit) and then refused with
 * 450 4.7.1 (refuse), or only reported (alert); and the "listener full" WARN rate. Real listeners on loopback.
 */
class HarvestRefusalTest {

    static final String REFUSED = "450 4.7.1 too many unknown recipients from your address, try again later";

    @TempDir
    Path tempDir;

    final RecordingIntake intake = new RecordingIntake();
    final TestDirectory directory = new TestDirectory("alice@example.org");
    final RecordingAlerts alerts = RecordingAlerts.recording();
    SmtpEngine engine;
    int port;

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop();
        }
    }

    /** An inbound engine with 10 errors per session and the given harvest settings. */
    void start(int harvestMax, int windowSeconds, HarvestAction action, int delayMaxMs) throws IOException {
        start(harvestMax, windowSeconds, action, delayMaxMs, 20, System::nanoTime);
    }

    void start(int harvestMax, int windowSeconds, HarvestAction action, int delayMaxMs, int maxConnections,
            java.util.function.LongSupplier clock) throws IOException {
        start(harvestMax, windowSeconds, action, delayMaxMs, maxConnections, clock, null);
    }

    void start(int harvestMax, int windowSeconds, HarvestAction action, int delayMaxMs, int maxConnections,
            java.util.function.LongSupplier clock, CidrMatcher exempt) throws IOException {
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                1024 * 1024, 100, maxConnections, 10, 5000, 600, 10, null, tempDir, Direction.INBOUND, null, 1800,
                List.of(), false, harvestMax, windowSeconds, action, delayMaxMs, exempt);
        engine = new SmtpEngine(settings, intake, directory, List::of, new IntrusionAlarm(() -> alerts, 300),
                clock);
        engine.start();
        port = engine.port();
    }

    /** A greeted session inside a transaction. */
    RawClient session() throws IOException {
        RawClient c = RawClient.greeted(port);
        assertThat(c.command("MAIL FROM:<x@sender.test>")).isEqualTo("250 2.1.0 Ok");
        return c;
    }

    /** One session: RCPT TO the known address, then QUIT; returns the RCPT reply. */
    String knownRecipientInANewSession() throws IOException {
        try (RawClient c = session()) {
            String reply = c.command("RCPT TO:<alice@example.org>");
            c.command("QUIT");
            return reply;
        }
    }

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    // ------------------------------------------------------------------------------------------ refuse

    @Test
    void aClientOverTheLimitGets450OnAKnownRecipientInANewSessionAndIsClosedAtItsNextCommand() throws IOException {
        start(4, 600, HarvestAction.REFUSE, 0);
        try (RawClient c = session()) {
            for (int i = 0; i < 4; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
            }
            assertThat(c.command("RCPT TO:<alice@example.org>")).as("listed from the 4th unknown recipient on")
                    .isEqualTo(REFUSED);
            assertThat(c.command("RCPT TO:<guess9@example.org>")).as("the next command ends the session")
                    .isEqualTo("421 4.7.0 mx.example.org too many unknown recipients from your address, closing"
                            + " connection");
            assertThat(c.closedByServer()).isTrue();
        }
        try (RawClient c = session()) {
            assertThat(c.command("RCPT TO:<alice@example.org>")).as("a known address, in a new session")
                    .isEqualTo(REFUSED);
            assertThat(c.command("QUIT")).as("QUIT is still answered").startsWith("221 ");
        }
        assertThat(directory.checked).as("the directory is not asked for a listed client")
                .doesNotContain("alice@example.org").doesNotContain("guess9@example.org");
        assertThat(intake.received).isEmpty();

        List<AlertRequest> raised = alertsAfterStop();
        assertThat(raised).extracting(AlertRequest::kind).containsExactly("smtp-harvest");
        assertThat(raised.get(0).detail()).contains("450 4.7.1").doesNotContain("guess");
    }

    @Test
    void anExemptRelayIsCountedAndReportedButNeitherDelayedNorRefused() throws IOException {
        // 127.0.0.1 stands for a relay in front of the gateway: every sender arrives from its address
        start(3, 600, HarvestAction.REFUSE, 5000, 20, System::nanoTime,
                CidrMatcher.parse("harvest.exempt.networks", "127.0.0.1/32"));
        long begin = System.nanoTime();
        try (RawClient c = session()) {
            for (int i = 0; i < 5; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
            }
            assertThat(c.command("RCPT TO:<alice@example.org>")).isEqualTo("250 2.1.5 Ok");
        }
        assertThat(millisSince(begin)).as("no tarpit delay (5 s at the limit otherwise)").isLessThan(2500);
        assertThat(knownRecipientInANewSession()).isEqualTo("250 2.1.5 Ok");
        // a client outside the exempt list is refused as usual
        try (RawClient other = new RawClient(port, InetAddress.getByName("127.0.0.2"))) {
            other.reply();
            other.command("EHLO other.test");
            other.command("MAIL FROM:<y@sender.test>");
            for (int i = 0; i < 3; i++) {
                other.command("RCPT TO:<other" + i + "@example.org>");
            }
            assertThat(other.command("RCPT TO:<alice@example.org>")).isEqualTo(REFUSED);
        }
        List<AlertRequest> raised = alertsAfterStop();
        assertThat(raised).extracting(AlertRequest::kind).containsExactly("smtp-harvest", "smtp-harvest");
        assertThat(raised.get(0).detail()).contains("harvest.exempt.networks").doesNotContain("450 4.7.1");
    }

    @Test
    void anotherClientIsNotRefused() throws IOException {
        start(2, 600, HarvestAction.REFUSE, 0);
        try (RawClient c = session()) {
            c.command("RCPT TO:<guess1@example.org>");
            c.command("RCPT TO:<guess2@example.org>");
        }
        assertThat(knownRecipientInANewSession()).isEqualTo(REFUSED);
        try (RawClient other = new RawClient(port, InetAddress.getByName("127.0.0.2"))) {
            other.reply();
            other.command("EHLO other.test");
            other.command("MAIL FROM:<y@sender.test>");
            assertThat(other.command("RCPT TO:<alice@example.org>")).isEqualTo("250 2.1.5 Ok");
        }
    }

    @Test
    void theRefusalsAreNotCountedSoTheClientIsAcceptedAgainOnceItsUnknownRecipientsLeaveTheWindow()
            throws Exception {
        start(3, 4, HarvestAction.REFUSE, 0);
        long begin = System.nanoTime();
        try (RawClient c = session()) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
            }
        }
        long listed = System.nanoTime();
        // Refused attempts all through the first 2.5 s of the 4 s window: counted as unknown recipients, they
        // would keep the client listed well past the window of its three real ones.
        int refusals = 0;
        while (millisSince(begin) < 2500) {
            assertThat(knownRecipientInANewSession()).as("inside the window").isEqualTo(REFUSED);
            refusals++;
            Thread.sleep(150);
        }
        assertThat(refusals).isGreaterThanOrEqualTo(3);
        long sinceListed = millisSince(listed);
        Thread.sleep(Math.max(0, 4300 - sinceListed));
        assertThat(knownRecipientInANewSession()).as("the window is over").isEqualTo("250 2.1.5 Ok");
        try (RawClient c = session()) {
            assertThat(c.command("RCPT TO:<guess9@example.org>")).as("counting starts afresh")
                    .startsWith("550 5.1.1 ");
            assertThat(c.command("RCPT TO:<alice@example.org>")).isEqualTo("250 2.1.5 Ok");
        }
    }

    // ------------------------------------------------------------------------------------------ tarpit

    @Test
    void theTarpitDelayGrowsWithTheCountIsCappedAndDoesNotHoldOtherSessions() throws Exception {
        // limit 6, longest delay 3000 ms: unknown recipients 1-3 at once, then 1000, 2000 and 3000 ms (delays long
        // enough to be told from a slow reply on a loaded build machine)
        start(6, 600, HarvestAction.REFUSE, 3000);
        List<Long> millis = new ArrayList<>();
        try (RawClient c = session()) {
            for (int i = 1; i <= 6; i++) {
                long t = System.nanoTime();
                if (i == 6) {
                    // while this session waits, another client is served at once
                    CompletableFuture<String> reply = CompletableFuture.supplyAsync(() -> {
                        try {
                            return c.command("RCPT TO:<guess6@example.org>");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    Thread.sleep(100);
                    long other = System.nanoTime();
                    try (RawClient b = new RawClient(port, InetAddress.getByName("127.0.0.2"))) {
                        assertThat(b.reply()).startsWith("220 ");
                        assertThat(b.command("NOOP")).isEqualTo("250 2.0.0 Ok");
                    }
                    assertThat(millisSince(other)).as("another session is not held by the tarpit").isLessThan(1500);
                    assertThat(reply.get(10, TimeUnit.SECONDS)).startsWith("550 5.1.1 ");
                } else {
                    assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
                }
                millis.add(millisSince(t));
            }
        }
        assertThat(millis.subList(0, 3)).as("the first three at once: %s", millis).allMatch(m -> m < 900);
        assertThat(millis.get(3)).as("4th: 1000 ms expected, %s", millis).isGreaterThanOrEqualTo(950);
        assertThat(millis.get(4)).as("5th: 2000 ms expected, %s", millis).isGreaterThanOrEqualTo(1950);
        assertThat(millis.get(5)).as("6th: 3000 ms expected, %s", millis).isGreaterThanOrEqualTo(2950)
                .isLessThan(9000);
    }

    @Test
    void theTarpitIsZeroForTheFirstThreeThenGrowsInEqualStepsToTheCapAndNeverBeyond() {
        assertThat(SmtpEngine.tarpitMillis(3, 20, 5000)).isZero();
        assertThat(SmtpEngine.tarpitMillis(4, 20, 5000)).isEqualTo(294);
        assertThat(SmtpEngine.tarpitMillis(12, 20, 5000)).isEqualTo(2647);
        assertThat(SmtpEngine.tarpitMillis(20, 20, 5000)).isEqualTo(5000);
        assertThat(SmtpEngine.tarpitMillis(Integer.MAX_VALUE, 20, 5000)).as("capped").isEqualTo(5000);
        assertThat(SmtpEngine.tarpitMillis(2, 2, 5000)).as("a limit within the free ones").isZero();
        assertThat(SmtpEngine.tarpitMillis(20, 20, 0)).as("0 = no delay").isZero();
        assertThat(SmtpEngine.tarpitMillis(20, 0, 5000)).as("harvest detection off").isZero();
    }

    @Test
    void stoppingTheListenerEndsATarpitDelayAtOnce() throws Exception {
        // limit 4, longest delay 20 s: the 4th unknown recipient waits 20 s
        start(4, 600, HarvestAction.REFUSE, 20_000);
        try (RawClient c = session()) {
            for (int i = 1; i <= 3; i++) {
                c.command("RCPT TO:<guess" + i + "@example.org>");
            }
            c.write("RCPT TO:<guess4@example.org>\r\n");
            Thread.sleep(300);
            long t = System.nanoTime();
            engine.stop();
            engine = null;
            assertThat(millisSince(t)).as("stop() does not wait for the tarpit").isLessThan(5000);
        }
    }

    @Test
    void theDelayIsLimitedAndTheActionParsedStrictly() {
        assertThatThrownBy(() -> settingsWithDelay(60_001)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("harvest.delay.max.ms");
        assertThatThrownBy(() -> settingsWithDelay(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("harvest.delay.max.ms");
        assertThat(settingsWithDelay(60_000).harvestDelayMaxMs()).isEqualTo(60_000);
        assertThat(HarvestAction.parse(" Refuse ")).isEqualTo(HarvestAction.REFUSE);
        assertThat(HarvestAction.parse("alert")).isEqualTo(HarvestAction.ALERT);
        assertThatThrownBy(() -> HarvestAction.parse("block")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("harvest.action").hasMessageContaining("block");
    }

    ListenerSettings settingsWithDelay(int delayMaxMs) {
        return new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org", 1024, 100, 20, 10, 5000,
                600, 10, null, tempDir, Direction.INBOUND, null, 1800, List.of(), false, 20, 600,
                HarvestAction.REFUSE, delayMaxMs, null);
    }

    // ------------------------------------------------------------------------------------------ alert

    @Test
    void withTheActionAlertTheRepliesDoNotChangeNothingIsDelayedAndTheAlertIsRaised() throws IOException {
        start(3, 600, HarvestAction.ALERT, 2000);
        long t = System.nanoTime();
        try (RawClient c = session()) {
            for (int i = 0; i < 6; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
            }
        }
        assertThat(millisSince(t)).as("no tarpit (6 s otherwise)").isLessThan(3000);
        assertThat(knownRecipientInANewSession()).isEqualTo("250 2.1.5 Ok");
        List<AlertRequest> raised = alertsAfterStop();
        assertThat(raised).extracting(AlertRequest::kind).containsExactly("smtp-harvest");
        assertThat(raised.get(0).detail()).contains("answered as usual").doesNotContain("450");
    }

    List<AlertRequest> alertsAfterStop() {
        engine.stop();
        engine = null;
        return alerts.raised;
    }

    // ------------------------------------------------------------------------------------------ full WARN

    @Test
    void theListenerFullWarningIsLoggedAtMostOncePerMinuteWithTheRefusalsInBetween() throws IOException {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        start(0, 0, HarvestAction.REFUSE, 0, 1, now::get);
        PrintStream stderr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        // slf4j-simple (the test binding) writes to whatever System.err is at the time of the call
        System.setErr(new PrintStream(new Tee(stderr, captured), true, StandardCharsets.UTF_8));
        try (RawClient held = RawClient.greeted(port)) {
            refusedThreeTimes();
            now.addAndGet(TimeUnit.SECONDS.toNanos(59));
            refusedThreeTimes();
            assertThat(fullWarnings(captured)).as("within the minute").hasSize(1);
            now.addAndGet(TimeUnit.SECONDS.toNanos(2));
            refusedThreeTimes();
            assertThat(held.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        } finally {
            System.setErr(stderr);
        }
        List<String> warnings = fullWarnings(captured);
        assertThat(warnings).as("one a minute at most").hasSize(2);
        assertThat(warnings.get(0)).contains(" WARN ").contains("1 connection(s) refused with 421 4.3.2");
        assertThat(warnings.get(1)).as("the refusals since the first one")
                .contains("6 connection(s) refused with 421 4.3.2");
    }

    void refusedThreeTimes() throws IOException {
        for (int i = 0; i < 3; i++) {
            try (RawClient refused = new RawClient(port)) {
                // the WARN is written before the 421
                assertThat(refused.reply()).startsWith("421 4.3.2 ");
            }
        }
    }

    List<String> fullWarnings(ByteArrayOutputStream captured) {
        String prefix = "SMTP " + engine.listenerName() + " full:";
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains(prefix)).toList();
        }
    }

    /** Copies what is written to two streams. */
    static final class Tee extends OutputStream {
        private final OutputStream first;
        private final ByteArrayOutputStream second;

        Tee(OutputStream first, ByteArrayOutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            synchronized (second) {
                second.write(b, off, len);
            }
        }

        @Override
        public void flush() throws IOException {
            first.flush();
        }
    }
}
