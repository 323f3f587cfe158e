package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Direction;

/**
 * Intrusion attempts seen by real listeners on loopback sockets become alerts of a recording
 * {@link AlertService}. {@link SmtpEngine#stop()} closes the alarm after its queued alerts are raised, so the
 * alerts are counted after it.
 */
class IntrusionAlertsEngineTest {

    @TempDir
    Path tempDir;

    static final String IP = InetAddress.getLoopbackAddress().getHostAddress();

    final RecordingIntake intake = new RecordingIntake();
    final TestDirectory directory = new TestDirectory("alice@example.org");
    final RecordingAlerts alerts = RecordingAlerts.recording();
    SmtpEngine engine;
    int port;

    /** An engine on a free loopback port: 3 sessions per address, 3 errors per session. */
    void start(Direction direction, long intervalSeconds, AlertService service, String... internalNetworks)
            throws IOException {
        start(direction, intervalSeconds, IntrusionAlarm.DEFAULT_MAX_PER_INTERVAL, service, internalNetworks);
    }

    void start(Direction direction, long intervalSeconds, int maxPerInterval, AlertService service,
            String... internalNetworks) throws IOException {
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0,
                direction == Direction.OUTBOUND ? "gw.example.org" : "mx.example.org", 1024 * 1024, 100, 20, 3,
                5000, 600, 3, null, tempDir, direction,
                direction == Direction.OUTBOUND ? CidrMatcher.parse("internal.networks", internalNetworks) : null);
        engine = new SmtpEngine(settings, intake, directory, List::of, new IntrusionAlarm(() -> service,
                intervalSeconds, maxPerInterval));
        engine.start();
        port = engine.port();
    }

    void startOutboundExcludingLoopback(long intervalSeconds, AlertService service) throws IOException {
        start(Direction.OUTBOUND, intervalSeconds, service, "10.0.0.0/8", "fd00::/8");
    }

    /** Stops the engine, which delivers the alerts still queued. */
    void stopEngine() {
        engine.stop();
        engine = null;
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop();
        }
    }

    String refusedGreeting() throws IOException {
        try (RawClient c = new RawClient(port)) {
            String greeting = c.reply();
            assertThat(c.closedByServer()).isTrue();
            return greeting;
        }
    }

    /** Guesses addresses until the inbound listener (max.errors 3) closes the session; returns the replies. */
    List<String> harvest() throws IOException {
        return harvest(null);
    }

    /** As {@link #harvest()}, from the given loopback address. */
    List<String> harvest(InetAddress from) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RawClient c = new RawClient(port, from)) {
            c.reply();
            c.command("EHLO client.test");
            replies.add(c.command("MAIL FROM:<x@sender.test>"));
            for (String guess : List.of("admin", "info", "sales")) {
                replies.add(c.command("RCPT TO:<" + guess + "@example.org>"));
            }
            replies.add(c.reply());
            assertThat(c.closedByServer()).isTrue();
        }
        return replies;
    }

    @Test
    void aLoopbackClientRefusedByTheOutboundListenerRaisesOneNotInternalAlertPerInterval() throws IOException {
        startOutboundExcludingLoopback(300, alerts);
        int listening = port;
        for (int i = 0; i < 3; i++) {
            assertThat(refusedGreeting()).isEqualTo("554 5.7.1 <" + IP + "> is not an internal host");
        }
        stopEngine();

        assertThat(alerts.raised).hasSize(1);
        AlertRequest a = alerts.raised.get(0);
        assertThat(a.kind()).isEqualTo("smtp-not-internal");
        assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(a.subject()).isEqualTo(IP);
        assertThat(a.title()).isEqualTo("SMTP outbound listener (port " + listening
                + "): connection from non-internal host " + IP + " refused");
        assertThat(a.detail()).contains("554 5.7.1").contains("10.0.0.0/8, fd00::/8")
                .contains("closed the connection");
    }

    @Test
    void aSessionThatReachesMaxErrorsRaisesTooManyErrorsWithoutTheGuessedAddresses() throws IOException {
        start(Direction.INBOUND, 300, alerts);
        assertThat(harvest()).containsExactly("250 2.1.0 Ok",
                "550 5.1.1 <admin@example.org>: recipient unknown",
                "550 5.1.1 <info@example.org>: recipient unknown",
                "550 5.1.1 <sales@example.org>: recipient unknown",
                "421 4.7.0 mx.example.org too many errors, closing connection");
        stopEngine();

        assertThat(alerts.raised).hasSize(1);
        AlertRequest a = alerts.raised.get(0);
        assertThat(a.kind()).isEqualTo("smtp-too-many-errors");
        assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(a.subject()).isEqualTo(IP);
        assertThat(a.title()).startsWith("SMTP inbound listener (port ").contains(IP);
        assertThat(a.detail()).contains("max.errors (3 ").contains("421 4.7.0")
                .doesNotContain("admin@").doesNotContain("sales@").doesNotContain("x@sender.test");
    }

    @Test
    void aClientOverThePerAddressLimitRaisesConnectionFlood() throws IOException {
        start(Direction.INBOUND, 300, alerts);
        try (RawClient a = RawClient.greeted(port); RawClient b = RawClient.greeted(port);
                RawClient c = RawClient.greeted(port); RawClient fourth = new RawClient(port)) {
            assertThat(fourth.reply()).startsWith("421 4.7.0 too many connections from your address");
        }
        stopEngine();

        assertThat(alerts.raised).hasSize(1);
        AlertRequest a = alerts.raised.get(0);
        assertThat(a.kind()).isEqualTo("smtp-connection-flood");
        assertThat(a.severity()).isEqualTo(Severity.LOW);
        assertThat(a.subject()).isEqualTo(IP);
        assertThat(a.detail()).contains("3 SMTP sessions");
    }

    @Test
    void aThrowingAlertServiceChangesNoSmtpReply() throws IOException {
        start(Direction.INBOUND, 300, null);
        List<String> withoutAlerts = harvest();
        stopEngine();

        RecordingAlerts failing = RecordingAlerts.failing();
        start(Direction.INBOUND, 300, failing);
        assertThat(harvest()).isEqualTo(withoutAlerts);
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("NOOP")).as("the listener goes on serving").isEqualTo("250 2.0.0 Ok");
        }
        stopEngine();

        startOutboundExcludingLoopback(300, failing);
        assertThat(refusedGreeting()).isEqualTo("554 5.7.1 <" + IP + "> is not an internal host");
        stopEngine();
        assertThat(failing.calls).as("the service was asked, and failed, twice").hasValue(2);
    }

    @Test
    void harvestingFromManyAddressesRaisesAlertsUpToTheCapAndThenOneSummary() throws IOException {
        start(Direction.INBOUND, 300, 2, alerts);
        int listening = port;
        for (int i = 2; i <= 6; i++) {
            assertThat(harvest(InetAddress.getByName("127.0.0." + i))).as("the replies do not change")
                    .endsWith("421 4.7.0 mx.example.org too many errors, closing connection");
        }
        assertThat(harvest(InetAddress.getByName("127.0.0.6"))).hasSize(5);
        stopEngine(); // the interval's summary is raised when the listener stops, at the latest

        assertThat(alerts.raised).extracting(AlertRequest::subject)
                .containsExactly("127.0.0.2", "127.0.0.3", "many-addresses");
        AlertRequest summary = alerts.raised.get(2);
        assertThat(summary.kind()).isEqualTo("smtp-too-many-errors");
        assertThat(summary.title()).isEqualTo("SMTP inbound listener (port " + listening
                + "): 4 more smtp-too-many-errors event(s) from 3 address(es) not alerted one by one");
        assertThat(summary.detail()).doesNotContain("127.0.0.").doesNotContain("@example.org");
    }

    @Test
    void intervalZeroRaisesNothing() throws IOException {
        startOutboundExcludingLoopback(0, alerts);
        assertThat(refusedGreeting()).isEqualTo("554 5.7.1 <" + IP + "> is not an internal host");
        stopEngine();
        start(Direction.INBOUND, 0, alerts);
        harvest();
        stopEngine();
        assertThat(alerts.calls).hasValue(0);
    }
}
