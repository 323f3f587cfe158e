package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Direction;

/**
 * The 2026-12-06 edge hardening, against real listeners on loopback: STARTTLS cipher suites, {@code tls.required},
 * a full listener, directory harvesting over many sessions, and alerts for relay and smuggling attempts.
 */
class EdgeHardeningTest {

    @TempDir
    static Path keyDir;

    @TempDir
    Path tempDir;

    static SSLContext serverTls;

    static final String IP = InetAddress.getLoopbackAddress().getHostAddress();

    final RecordingIntake intake = new RecordingIntake();
    final TestDirectory directory = new TestDirectory("alice@example.org", "bob@example.com");
    final RecordingAlerts alerts = RecordingAlerts.recording();
    SmtpEngine engine;
    int port;

    /** An RSA server key, so that a static-RSA suite is one the key could do. */
    @BeforeAll
    static void rsaKeyStore() throws Exception {
        Path ks = keyDir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "smtp", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=mx.example.org",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit",
                "-keypass", "changeit").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(KeyStore.getInstance(ks.toFile(), "changeit".toCharArray()), "changeit".toCharArray());
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop();
        }
    }

    /** 2 sessions in all, 3 per address, 3 errors per session. */
    void start(Direction direction, SSLContext tls, List<String> suites, boolean tlsRequired, int harvestMax,
            int harvestWindow) throws IOException {
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                1024 * 1024, 100, 2, 3, 5000, 600, 3, tls, tempDir, direction,
                direction == Direction.OUTBOUND ? CidrMatcher.parse("internal.networks", "127.0.0.0/8") : null, 1800,
                suites, tlsRequired, harvestMax, harvestWindow);
        engine = new SmtpEngine(settings, intake, directory, List::of, new IntrusionAlarm(() -> alerts, 300));
        engine.start();
        port = engine.port();
    }

    void startInbound() throws IOException {
        start(Direction.INBOUND, null, List.of(), false, 0, 0);
    }

    /** Stops the engine, which delivers the alerts still queued. */
    List<AlertRequest> alertsAfterStop() {
        engine.stop();
        engine = null;
        return alerts.raised;
    }

    // ---------------------------------------------------------------------------------- 1. cipher suites

    /** A plaintext connection that has asked for STARTTLS and got 220. */
    static final class StartTlsClient implements AutoCloseable {
        final Socket plain;
        final BufferedReader in;
        final OutputStream out;

        StartTlsClient(int port) throws IOException {
            plain = new Socket(InetAddress.getLoopbackAddress(), port);
            plain.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            out = plain.getOutputStream();
            in.readLine();
            command("EHLO client.test");
        }

        String command(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return reply(in);
        }

        /** Does the TLS handshake offering only the given protocol and suites; returns the encrypted socket. */
        SSLSocket handshake(String protocol, String... suites) throws Exception {
            assertThat(command("STARTTLS")).startsWith("220");
            SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(plain, "mx.example.org",
                    plain.getPort(), true);
            tls.setEnabledProtocols(new String[] {protocol});
            tls.setEnabledCipherSuites(suites);
            tls.startHandshake();
            return tls;
        }

        @Override
        public void close() throws IOException {
            plain.close();
        }
    }

    static String reply(BufferedReader in) throws IOException {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return line;
    }

    static SSLContext trustAll() throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return c;
    }

    @Test
    void aStaticRsaClientFailsTheHandshakeAndAnEcdheGcmClientSucceeds() throws Exception {
        start(Direction.INBOUND, serverTls, List.of(), false, 0, 0);
        try (StartTlsClient c = new StartTlsClient(port)) {
            assertThatThrownBy(() -> c.handshake("TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256"))
                    .as("no forward secrecy: refused").isInstanceOf(SSLHandshakeException.class);
        }
        try (StartTlsClient c = new StartTlsClient(port)) {
            assertThatThrownBy(() -> c.handshake("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"))
                    .as("CBC: refused").isInstanceOf(SSLHandshakeException.class);
        }
        try (StartTlsClient c = new StartTlsClient(port);
                SSLSocket tls = c.handshake("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")) {
            assertThat(tls.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
            BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
            tls.getOutputStream().write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(reply(in)).startsWith("250 ");
        }
        try (StartTlsClient c = new StartTlsClient(port);
                SSLSocket tls = c.handshake("TLSv1.3", "TLS_AES_256_GCM_SHA384")) {
            assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.3");
        }
    }

    @Test
    void theDefaultSuitesAreForwardSecretAeadOnlyAndAnAdminListIsTakenExactly() throws Exception {
        start(Direction.INBOUND, serverTls, List.of(), false, 0, 0);
        assertThat(engine.settings().tlsCipherSuites()).isNotEmpty()
                .allMatch(TlsCiphers::forwardSecretAead)
                .noneMatch(s -> s.startsWith("TLS_RSA_") || s.contains("CBC"))
                .contains("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
        engine.stop();

        start(Direction.INBOUND, serverTls, List.of("TLS_RSA_WITH_AES_128_GCM_SHA256"), false, 0, 0);
        try (StartTlsClient c = new StartTlsClient(port);
                SSLSocket tls = c.handshake("TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256")) {
            assertThat(tls.getSession().getCipherSuite()).as("the admin's own choice")
                    .isEqualTo("TLS_RSA_WITH_AES_128_GCM_SHA256");
        }
    }

    @Test
    void anUnknownSuiteIsAConfigurationErrorNamingTheProperty() {
        assertThatThrownBy(() -> start(Direction.INBOUND, serverTls,
                List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_NO_SUCH_SUITE"), false, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls.cipher.suites").hasMessageContaining("TLS_NO_SUCH_SUITE");
    }

    // ---------------------------------------------------------------------------------- 2. tls.required

    @Test
    void withTlsRequiredPlaintextMailIsRefusedWith530AndCountedAndMailAfterStarttlsGoesOn() throws Exception {
        for (Direction direction : Direction.values()) {
            start(direction, serverTls, List.of(), true, 0, 0);
            try (RawClient c = RawClient.greeted(port)) {
                String from = direction == Direction.OUTBOUND ? "MAIL FROM:<alice@example.org>" : "MAIL FROM:<x@sender.test>";
                assertThat(c.command(from)).as(direction.name())
                        .isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
                assertThat(c.command(from)).startsWith("530 5.7.0");
                assertThat(c.command(from)).as("the third refusal reaches max.errors (3)")
                        .startsWith("530 5.7.0");
                assertThat(c.reply()).startsWith("421 4.7.0");
            }
            try (StartTlsClient c = new StartTlsClient(port);
                    SSLSocket tls = c.handshake("TLSv1.3", "TLS_AES_128_GCM_SHA256")) {
                BufferedReader in = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = tls.getOutputStream();
                String from = direction == Direction.OUTBOUND ? "alice@example.org" : "x@sender.test";
                out.write(("EHLO client.test\r\nMAIL FROM:<" + from + ">\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(reply(in)).startsWith("250 ");
                assertThat(reply(in)).as(direction.name()).isEqualTo("250 2.1.0 Ok");
            }
            engine.stop();
            engine = null;
        }
    }

    @Test
    void withoutTlsRequiredPlaintextMailIsAccepted() throws IOException {
        start(Direction.INBOUND, serverTls, List.of(), false, 0, 0);
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<x@sender.test>")).isEqualTo("250 2.1.0 Ok");
        }
    }

    @Test
    void tlsRequiredWithoutAKeyStoreIsAConfigurationErrorNamingBothProperties() {
        assertThatThrownBy(() -> start(Direction.INBOUND, null, List.of(), true, 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tls.required").hasMessageContaining("tls.keystore");
    }

    // ---------------------------------------------------------------------------------- 3. a full listener

    @Test
    void aFullListenerAnswers421Of432AndRaisesOneAlertPerListener() throws IOException {
        for (Direction direction : Direction.values()) {
            alerts.raised.clear();
            start(direction, null, List.of(), false, 0, 0);
            String name = engine.listenerName();
            // max.connections is 2: the third and fourth clients are refused
            try (RawClient a = RawClient.greeted(port); RawClient b = RawClient.greeted(port)) {
                for (int i = 0; i < 2; i++) {
                    try (RawClient refused = new RawClient(port)) {
                        assertThat(refused.reply()).as(direction.name())
                                .isEqualTo("421 4.3.2 mx.example.org too many connections, try again later");
                        assertThat(refused.closedByServer()).isTrue();
                    }
                }
                assertThat(a.command("NOOP")).as("the open sessions go on").isEqualTo("250 2.0.0 Ok");
            }
            List<AlertRequest> raised = alertsAfterStop();
            assertThat(raised).as(direction.name()).hasSize(1);
            AlertRequest alert = raised.get(0);
            assertThat(alert.kind()).isEqualTo("smtp-listener-full");
            assertThat(alert.severity()).isEqualTo(Severity.HIGH);
            assertThat(alert.subject()).as("per listener, not per client").isEqualTo(name);
            assertThat(alert.detail()).contains("max.connections (2)").contains("421 4.3.2");
        }
    }

    @Test
    void aFullOutboundListenerStillRefusesANonInternalHostWith554() throws IOException {
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "gw.example.org",
                1024 * 1024, 100, 1, 3, 5000, 600, 3, null, tempDir, Direction.OUTBOUND,
                CidrMatcher.parse("internal.networks", "127.0.0.1/32"), 1800);
        engine = new SmtpEngine(settings, intake, directory, List::of, IntrusionAlarm.off());
        engine.start();
        port = engine.port();
        try (RawClient inside = RawClient.greeted(engine.port());
                RawClient outside = new RawClient(engine.port(), InetAddress.getByName("127.0.0.2"))) {
            assertThat(outside.reply()).isEqualTo("554 5.7.1 <127.0.0.2> is not an internal host");
        }
    }

    // ---------------------------------------------------------------------------------- 4. harvesting

    /** One short session guessing two addresses, then QUIT. */
    List<String> guessTwo(int session) throws IOException {
        List<String> replies = new ArrayList<>();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<x@sender.test>");
            replies.add(c.command("RCPT TO:<guess" + session + "a@example.org>"));
            replies.add(c.command("RCPT TO:<guess" + session + "b@example.org>"));
            c.command("QUIT");
        }
        return replies;
    }

    @Test
    void unknownRecipientsOverManyShortSessionsRaiseOneHarvestAlert() throws IOException {
        start(Direction.INBOUND, null, List.of(), false, 5, 600);
        for (int i = 0; i < 5; i++) {
            assertThat(guessTwo(i)).as("each session stays under max.errors (3) and is answered as usual")
                    .allMatch(r -> r.startsWith("550 5.1.1 "));
        }
        List<AlertRequest> raised = alertsAfterStop();
        assertThat(raised).extracting(AlertRequest::kind).containsExactly("smtp-harvest");
        AlertRequest alert = raised.get(0);
        assertThat(alert.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(alert.subject()).isEqualTo(IP);
        assertThat(alert.detail()).contains("5 recipients").contains("600 s").doesNotContain("guess");
    }

    @Test
    void harvestDetectionOffRaisesNothing() throws IOException {
        start(Direction.INBOUND, null, List.of(), false, 0, 600);
        for (int i = 0; i < 5; i++) {
            guessTwo(i);
        }
        assertThat(alertsAfterStop()).isEmpty();
    }

    @Test
    void theHarvestCountSlidesCountsAnIpv6NetworkAsOneClientAndTracksABoundedNumberOfClients() {
        AtomicLong now = new AtomicLong();
        HarvestTracker t = new HarvestTracker(3, 10, 2, now::get);
        assertThat(t.unknownRecipient("2001:db8:1:2::1")).isEqualTo(1);
        assertThat(t.unknownRecipient("2001:db8:1:2::99")).isEqualTo(2);
        assertThat(t.listed("2001:db8:1:2::5")).isFalse();
        assertThat(t.unknownRecipient("2001:db8:1:2:ffff::7")).as("the same /64").isEqualTo(3);
        assertThat(t.listed("2001:db8:1:2::5")).as("the same /64, at the limit").isTrue();
        assertThat(t.listed("2001:db8:1:3::1")).as("another /64").isFalse();
        now.addAndGet(10_000_000_000L);
        assertThat(t.listed("2001:db8:1:2::5")).as("the old ones left the window").isFalse();
        assertThat(t.unknownRecipient("2001:db8:1:2::1")).as("the old ones left the window").isEqualTo(1);
        t.unknownRecipient("192.0.2.1");
        t.unknownRecipient("192.0.2.2");
        t.unknownRecipient("192.0.2.3");
        assertThat(t.tracked()).isEqualTo(2);
        assertThat(new HarvestTracker(3, 0, 2, now::get).unknownRecipient("192.0.2.1")).as("window 0: off").isZero();
    }

    // ---------------------------------------------------------------------------------- 5. relay, smuggling

    @Test
    void aRelayTrickRaisesARelayAttemptAlert() throws IOException {
        startInbound();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<x@sender.test>");
            assertThat(c.command("RCPT TO:<victim%elsewhere.test@example.org>"))
                    .isEqualTo("550 5.7.1 relaying denied");
        }
        List<AlertRequest> raised = alertsAfterStop();
        assertThat(raised).extracting(AlertRequest::kind).containsExactly("smtp-relay-attempt");
        assertThat(raised.get(0).subject()).isEqualTo(IP);
        assertThat(raised.get(0).detail()).contains("550 5.7.1").doesNotContain("victim");
    }

    @Test
    void aSmugglingAttemptRaisesASmugglingAlert() throws IOException {
        startInbound();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<x@sender.test>");
            c.command("RCPT TO:<alice@example.org>");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: a\r\n\r\nhi\n.\nMAIL FROM:<evil@x.test>\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.11");
        }
        List<AlertRequest> raised = alertsAfterStop();
        assertThat(raised).extracting(AlertRequest::kind).containsExactly("smtp-smuggling");
        assertThat(raised.get(0).subject()).isEqualTo(IP);
        assertThat(intake.received).isEmpty();
    }
}
