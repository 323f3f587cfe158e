package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Direction;
import org.streamail.api.store.StoreException;
import org.streamail.smtp.internal.server.ListenerSettings.HarvestAction;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.MutableClock;

/**
 * Harvest blocks shared by gateway nodes: two (or three) real inbound engines on loopback, each with its own harvest
 * count, share one {@link InMemorySharedState} as nodes share one database. The refresh is called by hand (each call
 * is one tick of the 2-second interval) except in the one test that checks the interval itself.
 */
class HarvestSharingTest {

    static final String REFUSED = HarvestRefusalTest.REFUSED;
    static final String CLOSING = "421 4.7.0 mx.example.org too many unknown recipients from your address, closing"
            + " connection";

    @TempDir
    Path tempDir;

    final InMemorySharedState shared = new InMemorySharedState();
    final RecordingIntake intake = new RecordingIntake();
    final TestDirectory directory = new TestDirectory("alice@example.org");
    final List<SmtpEngine> engines = new ArrayList<>();

    @AfterEach
    void stop() {
        engines.forEach(SmtpEngine::stop);
    }

    /** A node: an inbound engine, harvest limit 3 in 600 s, no tarpit, refreshed by hand. */
    SmtpEngine node(RecordingAlerts alerts, CidrMatcher exempt, HarvestAction action, Clock clock) throws IOException {
        SmtpEngine e = new SmtpEngine(settings(exempt, action), intake, directory, List::of,
                new IntrusionAlarm(() -> alerts, 300), System::nanoTime, new SharedHarvestBlocks(() -> shared, clock, 0));
        e.start();
        engines.add(e);
        return e;
    }

    SmtpEngine node(RecordingAlerts alerts) throws IOException {
        return node(alerts, null, HarvestAction.REFUSE, Clock.systemUTC());
    }

    ListenerSettings settings(CidrMatcher exempt, HarvestAction action) {
        return new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org", 1024 * 1024, 100, 20, 10,
                5000, 600, 10, null, tempDir, Direction.INBOUND, null, 1800, List.of(), false, 3, 600, action, 0,
                exempt);
    }

    /** Three unknown recipients from 127.0.0.1: the limit on that node. */
    static void harvest(SmtpEngine node) throws IOException {
        try (RawClient c = session(node.port())) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
            }
        }
    }

    static RawClient session(int port) throws IOException {
        RawClient c = RawClient.greeted(port);
        assertThat(c.command("MAIL FROM:<x@sender.test>")).isEqualTo("250 2.1.0 Ok");
        return c;
    }

    static String knownRecipient(SmtpEngine node) throws IOException {
        try (RawClient c = session(node.port())) {
            String reply = c.command("RCPT TO:<alice@example.org>");
            c.command("QUIT");
            return reply;
        }
    }

    @Test
    void aClientBlockedOnOneNodeIsRefusedOnAnotherAfterItsRefreshWithNoSecondAlert() throws IOException {
        RecordingAlerts alertsA = RecordingAlerts.recording();
        RecordingAlerts alertsB = RecordingAlerts.recording();
        SmtpEngine a = node(alertsA);
        SmtpEngine b = node(alertsB);
        assertThat(knownRecipient(b)).isEqualTo("250 2.1.5 Ok");
        harvest(a);
        assertThat(knownRecipient(a)).isEqualTo(REFUSED);
        assertThat(knownRecipient(b)).as("B has not read the shared blocks since").isEqualTo("250 2.1.5 Ok");

        a.sharedBlocks().refresh(); // A's thread writes the block (it may have done so already)
        b.sharedBlocks().refresh(); // B's next tick, at most 2 s later in service
        try (RawClient c = session(b.port())) {
            assertThat(c.command("RCPT TO:<alice@example.org>")).as("refused on B too").isEqualTo(REFUSED);
            assertThat(c.command("RCPT TO:<bob@example.org>")).isEqualTo(CLOSING);
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(directory.checked).as("B asks no directory for the blocked client")
                .doesNotContain("bob@example.org");
        try (RawClient other = new RawClient(b.port(), InetAddress.getByName("127.0.0.2"))) {
            other.reply();
            other.command("EHLO other.test");
            other.command("MAIL FROM:<y@sender.test>");
            assertThat(other.command("RCPT TO:<alice@example.org>")).as("another client").isEqualTo("250 2.1.5 Ok");
        }
        a.stop();
        b.stop();
        assertThat(alertsA.raised).extracting(r -> r.kind()).containsExactly("smtp-harvest");
        assertThat(alertsB.raised).as("the blocking node raised it").isEmpty();
    }

    @Test
    void theRefreshThreadBringsTheBlockWithinTheIntervalInRealTime() throws Exception {
        SmtpEngine a = node(RecordingAlerts.recording());
        SmtpEngine b = new SmtpEngine(settings(null, HarvestAction.REFUSE), intake, directory, List::of,
                new IntrusionAlarm(RecordingAlerts::recording, 300), () -> shared);
        b.start();
        engines.add(b);
        harvest(a); // A's thread writes the block at once, without a hand-made refresh
        long begin = System.nanoTime();
        while (!b.sharedBlocks().blocked("127.0.0.1") && System.nanoTime() - begin < 6_000_000_000L) {
            Thread.sleep(50);
        }
        long tookMillis = (System.nanoTime() - begin) / 1_000_000;
        assertThat(tookMillis).as("one refresh interval (2 s), with room for a loaded machine")
                .isLessThan(SharedHarvestBlocks.REFRESH_MILLIS + 2500);
        assertThat(knownRecipient(b)).isEqualTo(REFUSED);
    }

    @Test
    void aRestartedNodeRefusesTheBlockedClientFromItsFirstSession() throws IOException {
        SmtpEngine a = node(RecordingAlerts.recording());
        harvest(a);
        a.sharedBlocks().refresh();
        a.stop();
        engines.remove(a);
        // a configuration change or restart: a new engine, a fresh count, the same database
        SmtpEngine restarted = node(RecordingAlerts.recording());
        assertThat(knownRecipient(restarted)).isEqualTo(REFUSED);
    }

    @Test
    void theSharedBlockEndsWhenItsTimePasses() throws IOException {
        MutableClock clock = new MutableClock(Clock.systemUTC().instant());
        SmtpEngine a = node(RecordingAlerts.recording());
        harvest(a);
        a.sharedBlocks().refresh();
        SmtpEngine b = node(RecordingAlerts.recording(), null, HarvestAction.REFUSE, clock);
        assertThat(knownRecipient(b)).isEqualTo(REFUSED);
        clock.advance(Duration.ofSeconds(601)); // the window of A's three unknown recipients is over
        assertThat(knownRecipient(b)).isEqualTo("250 2.1.5 Ok");
    }

    @Test
    void anExemptClientIsNeverRefusedWhateverAnotherNodeWrote() throws IOException {
        SmtpEngine a = node(RecordingAlerts.recording());
        harvest(a);
        a.sharedBlocks().refresh();
        SmtpEngine relayFronted = node(RecordingAlerts.recording(),
                CidrMatcher.parse("harvest.exempt.networks", "127.0.0.1/32"), HarvestAction.REFUSE, Clock.systemUTC());
        relayFronted.sharedBlocks().refresh();
        assertThat(relayFronted.sharedBlocks().blocked("127.0.0.1")).as("read").isTrue();
        assertThat(knownRecipient(relayFronted)).isEqualTo("250 2.1.5 Ok");
    }

    @Test
    void withHarvestActionAlertNothingIsSharedNorRefused() throws IOException {
        SmtpEngine a = node(RecordingAlerts.recording());
        harvest(a);
        a.sharedBlocks().refresh();
        SmtpEngine alerting = node(RecordingAlerts.recording(), null, HarvestAction.ALERT, Clock.systemUTC());
        assertThat(alerting.sharedBlocks()).isNull();
        assertThat(knownRecipient(alerting)).isEqualTo("250 2.1.5 Ok");

        InMemorySharedState other = new InMemorySharedState();
        SmtpEngine alone = new SmtpEngine(settings(null, HarvestAction.ALERT), intake, directory, List::of,
                IntrusionAlarm.off(), () -> other);
        alone.start();
        engines.add(alone);
        try (RawClient c = session(alone.port())) {
            for (int i = 0; i < 5; i++) {
                assertThat(c.command("RCPT TO:<guess" + i + "@example.org>")).startsWith("550 5.1.1 ");
            }
        }
        for (int n = 0; n < SharedHarvestBlocks.SLOTS; n++) {
            assertThat(other.peek(SharedHarvestBlocks.recordName(n))).as("nothing written").isEmpty();
        }
    }

    @Test
    void aFailingStoreLeavesEachNodeCountingOnItsOwnAndMailIsAccepted() throws IOException {
        SmtpEngine a = node(RecordingAlerts.recording());
        SmtpEngine b = node(RecordingAlerts.recording());
        shared.failure = new StoreException("database unavailable");
        harvest(a);
        a.sharedBlocks().refresh();
        b.sharedBlocks().refresh();
        b.sharedBlocks().refresh();
        assertThat(knownRecipient(a)).as("A refuses on its own count").isEqualTo(REFUSED);
        try (RawClient c = session(b.port())) {
            assertThat(c.command("RCPT TO:<alice@example.org>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354 ");
            assertThat(c.command("Subject: hi\r\n\r\nhello\r\n.")).startsWith("250 ");
        }
        assertThat(intake.received).as("mail accepted on B").hasSize(1);
        assertThat(b.sharedBlocks().warnings()).as("one WARN for B's failures within the minute").isEqualTo(1);
        harvest(b);
        assertThat(knownRecipient(b)).as("B counts on its own").isEqualTo(REFUSED);
    }
}
