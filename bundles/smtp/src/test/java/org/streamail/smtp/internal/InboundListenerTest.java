package org.streamail.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.store.Directory;
import org.streamail.smtp.internal.server.ListenerSettings;
import org.streamail.testsupport.InMemoryDirectory;
import org.streamail.testsupport.InMemorySharedState;

/** The DS component as DS would drive it: constructor, guard binds, start, stop. */
class InboundListenerTest {

    @TempDir
    Path tempDir;

    final List<Envelope> received = new CopyOnWriteArrayList<>();

    final MessageIntake intake = new MessageIntake() {
        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
            data.readAllBytes();
            received.add(envelope);
            return new IntakeResult("X1", IntakeResult.Outcome.ACCEPTED, SmtpReply.of(250, "2.0.0", "queued as X1"),
                    null);
        }
    };

    final Directory directory = new InMemoryDirectory(Set.of("example.org"), Set.of("alice@example.org"));

    /** The configuration as DS would build it from defaults plus a few overrides. */
    static ListenerConfig config(int port, int maxRecipients, String keystore, String password) {
        return config(port, maxRecipients, keystore, password, 600);
    }

    static ListenerConfig config(int port, int maxRecipients, String keystore, String password,
            int dataTimeoutSeconds) {
        return config(port, maxRecipients, keystore, password, dataTimeoutSeconds, new String[0], false);
    }

    static ListenerConfig config(int port, int maxRecipients, String keystore, String password,
            int dataTimeoutSeconds, String[] cipherSuites, boolean tlsRequired) {
        return config(port, maxRecipients, keystore, password, dataTimeoutSeconds, cipherSuites, tlsRequired,
                "refuse");
    }

    static ListenerConfig config(int port, int maxRecipients, String keystore, String password,
            int dataTimeoutSeconds, String[] cipherSuites, boolean tlsRequired, String harvestAction) {
        return new ListenerConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ListenerConfig.class;
            }

            @Override
            public String bind_address() {
                return "127.0.0.1";
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String hostname() {
                return "";
            }

            @Override
            public long max_message_size() {
                return 26214400L;
            }

            @Override
            public int max_recipients() {
                return maxRecipients;
            }

            @Override
            public int max_connections() {
                return 200;
            }

            @Override
            public int max_connections_per_ip() {
                return 50;
            }

            @Override
            public int connection_timeout_ms() {
                return 60000;
            }

            @Override
            public int data_timeout_seconds() {
                return dataTimeoutSeconds;
            }

            @Override
            public int max_errors() {
                return 10;
            }

            @Override
            public String tls_keystore() {
                return keystore;
            }

            @Override
            public String tls_keystore_password() {
                return password;
            }

            @Override
            public long intrusion_alert_interval_seconds() {
                return 300;
            }

            @Override
            public int intrusion_alert_max_per_interval() {
                return 10;
            }

            @Override
            public int max_session_seconds() {
                return 1800;
            }

            @Override
            public String[] tls_cipher_suites() {
                return cipherSuites;
            }

            @Override
            public boolean tls_required() {
                return tlsRequired;
            }

            @Override
            public int harvest_max_unknown_recipients() {
                return 20;
            }

            @Override
            public int harvest_window_seconds() {
                return 600;
            }

            @Override
            public String harvest_action() {
                return harvestAction;
            }

            @Override
            public int harvest_delay_max_ms() {
                return 5000;
            }

            @Override
            public String[] harvest_exempt_networks() {
                return new String[] {"127.0.0.0/8", "::1/128"};
            }
        };
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void recipientsBelowOneHundredAreRaisedToOneHundredAndTheHostNameDefaultsToTheLocalOne() throws IOException {
        var settings = InboundListener.settings(config(2525, 5, "", ""));
        assertThat(settings.maxRecipients()).isEqualTo(100);
        assertThat(settings.hostname()).isNotBlank();
        assertThat(settings.tls()).isNull();
    }

    @Test
    void harvestingIsRefusedByDefaultWithAFiveSecondTarpitAndAnUnknownActionIsAConfigurationError()
            throws Exception {
        assertThat(ListenerConfig.class.getMethod("harvest_action").getDefaultValue()).isEqualTo("refuse");
        assertThat(ListenerConfig.class.getMethod("harvest_delay_max_ms").getDefaultValue()).isEqualTo(5000);
        var settings = InboundListener.settings(config(2525, 100, "", ""));
        assertThat(settings.harvestAction()).isEqualTo(ListenerSettings.HarvestAction.REFUSE);
        assertThat(settings.harvestDelayMaxMs()).isEqualTo(5000);
        assertThat((String[]) ListenerConfig.class.getMethod("harvest_exempt_networks").getDefaultValue())
                .as("a relay on this host is never refused").containsExactly("127.0.0.0/8", "::1/128");
        assertThat(settings.harvestExempt().contains(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertThat(settings.harvestExempt().contains(InetAddress.getByName("192.0.2.1"))).isFalse();
        assertThat(InboundListener.settings(config(2525, 100, "", "", 600, new String[0], false, "alert"))
                .harvestAction()).isEqualTo(ListenerSettings.HarvestAction.ALERT);
        assertThatThrownBy(() -> InboundListener.settings(config(2525, 100, "", "", 600, new String[0], false,
                "block"))).isInstanceOf(IOException.class).hasMessageContaining("org.streamail.smtp")
                .hasMessageContaining("harvest.action").hasMessageContaining("block");
    }

    @Test
    void tlsRequiredWithoutAKeyStoreIsAConfigurationErrorNamingBothProperties() {
        assertThatThrownBy(() -> InboundListener.settings(config(2525, 100, "", "", 600, new String[0], true)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("org.streamail.smtp")
                .hasMessageContaining("tls.required").hasMessageContaining("tls.keystore");
    }

    @Test
    void anUnknownCipherSuiteIsAConfigurationErrorNamingTheProperty() throws Exception {
        Path ks = keyStore();
        assertThatThrownBy(() -> InboundListener.settings(config(2525, 100, ks.toString(), "changeit", 600,
                new String[] {"TLS_AES_128_GCM_SHA256", "TLS_FANCY_WITH_ROT13"}, false)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tls.cipher.suites").hasMessageContaining("TLS_FANCY_WITH_ROT13");
        assertThat(InboundListener.settings(config(2525, 100, ks.toString(), "changeit", 600,
                new String[] {"TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"}, true))
                .tlsCipherSuites()).containsExactly("TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        assertThat(InboundListener.settings(config(2525, 100, ks.toString(), "changeit", 600)).tlsCipherSuites())
                .isNotEmpty().noneMatch(s -> s.startsWith("TLS_RSA_") || s.contains("_CBC_"));
    }

    private Path keyStore() throws Exception {
        Path ks = tempDir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-dname", "CN=mx.example.org", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        return ks;
    }

    @Test
    void dataTimeoutDefaultsToTenMinutesAndZeroTurnsItOff() throws IOException {
        assertThat(InboundListener.settings(config(2525, 100, "", "")).dataTimeoutSeconds()).isEqualTo(600);
        assertThat(InboundListener.settings(config(2525, 100, "", "", 0)).dataTimeoutSeconds()).isZero();
    }

    @Test
    void aNegativeDataTimeoutIsAClearErrorNamingTheProperty() {
        assertThatThrownBy(() -> InboundListener.settings(config(2525, 100, "", "", -1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("data.timeout.seconds")
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void intrusionAlertsDefaultToOnePerFiveMinutes() throws NoSuchMethodException {
        assertThat(ListenerConfig.class.getMethod("intrusion_alert_interval_seconds").getDefaultValue())
                .isEqualTo(300L);
        assertThat(InboundListener.options(config(2525, 100, "", "")).intrusionAlertIntervalSeconds()).isEqualTo(300);
    }

    @Test
    void intrusionAlertsOfOneKindAreCappedAtTenPerIntervalOverAllAddressesByDefault() throws NoSuchMethodException {
        assertThat(ListenerConfig.class.getMethod("intrusion_alert_max_per_interval").getDefaultValue())
                .isEqualTo(10);
        assertThat(InboundListener.options(config(2525, 100, "", "")).intrusionAlertMaxPerInterval()).isEqualTo(10);
    }

    @Test
    void anUnreadableKeyStoreIsAClearErrorThatDoesNotShowThePassword() {
        assertThatThrownBy(() -> InboundListener.settings(config(2525, 100, "/nonexistent/ks.p12", "s3cret")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tls.keystore")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void componentListensUntilDeactivatedAndConsultsGuardsBoundBeforeStart() throws IOException {
        int port = freePort();
        InboundListener listener = new InboundListener(intake, directory, config(port, 100, "", ""), Map.of());
        listener.addGuard(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onHelo(SmtpSession session) {
                return session.helo().equals("bad.test") ? Optional.of(SmtpReply.of(550, "5.7.1", "bad helo"))
                        : Optional.empty();
            }
        });
        listener.start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream o = s.getOutputStream();
            assertThat(r.readLine()).startsWith("220 ");
            o.write("HELO bad.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).isEqualTo("550 5.7.1 bad helo");
        } finally {
            listener.stop();
        }
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void anUnchangedConfigurationKeepsOpenSessionsAndAChangedOneMovesTheListener() throws IOException {
        int first = freePort();
        InboundListener listener = new InboundListener(intake, directory, config(first, 100, "", ""), Map.of());
        listener.start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), first)) {
            s.setSoTimeout(5000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(r.readLine()).startsWith("220 ");
            listener.modified(config(first, 100, "", ""), Map.of());
            s.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).startsWith("250");

            int second = freePort();
            listener.modified(config(second, 100, "", ""), Map.of());
            assertThat(listener.port()).isEqualTo(second);
            assertThat(r.readLine()).as("the old session is closed").isNull();
            try (ServerSocket again = new ServerSocket(first, 1, InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).isEqualTo(first);
            }
            try (Socket s2 = new Socket(InetAddress.getLoopbackAddress(), second)) {
                s2.setSoTimeout(5000);
                assertThat(new BufferedReader(new InputStreamReader(s2.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine()).startsWith("220 ");
            }
        } finally {
            listener.stop();
        }
    }

    /**
     * A configuration change to a port something else holds leaves the component active (DS keeps a component
     * whose modified method threw) with no port open: its {@link org.streamail.api.smtp.ListenerState} says so,
     * naming the port and the cause, until a change opens a port again.
     */
    @Test
    void aPortThatCannotBeBoundAfterAChangeIsReportedUntilAChangeOpensOne() throws IOException {
        int first = freePort();
        InboundListener listener = new InboundListener(intake, directory, config(first, 100, "", ""), Map.of());
        listener.start();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(listener.direction()).isEqualTo(Direction.INBOUND);
            assertThat(listener.unavailableReason()).isEmpty();
            int busy = taken.getLocalPort();
            assertThatThrownBy(() -> listener.modified(config(busy, 100, "", ""), Map.of()))
                    .isInstanceOf(IOException.class);
            assertThat(listener.unavailableReason()).get().asString()
                    .contains("could not be opened", "127.0.0.1:" + busy, "org.streamail.smtp");

            int second = freePort();
            listener.modified(config(second, 100, "", ""), Map.of());
            assertThat(listener.unavailableReason()).isEmpty();
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), second)) {
                s.setSoTimeout(5000);
                assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine()).startsWith("220 ");
            }
        } finally {
            listener.stop();
        }
    }

    @Test
    void starttlsEncryptsTheSessionForgetsThePlaintextStateAndMarksTheEnvelope() throws Exception {
        Path ks = tempDir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-dname", "CN=mx.example.org", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();

        int port = freePort();
        InboundListener listener = new InboundListener(intake, directory,
                config(port, 100, ks.toString(), "changeit"), Map.of());
        listener.start();
        try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), port)) {
            plain.setSoTimeout(5000);
            BufferedReader r = new BufferedReader(new InputStreamReader(plain.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream o = plain.getOutputStream();
            r.readLine();
            o.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            String line;
            boolean offered = false;
            while ((line = r.readLine()).startsWith("250-")) {
                offered |= line.equals("250-STARTTLS");
            }
            offered |= line.equals("250 STARTTLS");
            assertThat(offered).isTrue();
            // CVE-2011-0411: a command pipelined in plaintext behind STARTTLS must never run.
            o.write("MAIL FROM:<a@sender.test>\r\nSTARTTLS\r\nRSET\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).startsWith("250");
            assertThat(r.readLine()).startsWith("220");

            SSLContext trustAll = SSLContext.getInstance("TLS");
            trustAll.init(null, new TrustManager[] {new X509TrustManager() {
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
            try (SSLSocket tls = (SSLSocket) trustAll.getSocketFactory().createSocket(plain, "mx.example.org", port, true)) {
                tls.startHandshake();
                BufferedReader tr = new BufferedReader(new InputStreamReader(tls.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream to = tls.getOutputStream();
                // The transaction opened before STARTTLS is gone: RCPT needs a new MAIL, and the first reply
                // we read answers our own first command, not the injected RSET.
                to.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
                List<String> ehlo = new java.util.ArrayList<>();
                while ((line = tr.readLine()).startsWith("250-")) {
                    ehlo.add(line);
                }
                assertThat(ehlo).first().isEqualTo("250-" + InboundListener.settings(config(port, 100, "", "")).hostname());
                assertThat(ehlo).doesNotContain("250-STARTTLS");
                to.write("RCPT TO:<alice@example.org>\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(tr.readLine()).startsWith("503");
                to.write(("MAIL FROM:<a@sender.test>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(tr.readLine()).startsWith("250");
                assertThat(tr.readLine()).startsWith("250");
                assertThat(tr.readLine()).startsWith("354");
                to.write("Subject: secret\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(tr.readLine()).isEqualTo("250 2.0.0 queued as X1");
            }
        } finally {
            listener.stop();
        }
        assertThat(received).hasSize(1);
        assertThat(received.get(0).tls()).isTrue();
    }
    /**
     * The component's optional {@code SharedState} reference: a block another node wrote (record
     * {@code streamail.smtp-harvest.<n>}, a {@code <client> <end in epoch seconds>} line) is read at start and refused,
     * and read again after a configuration change restarts the listener; without a store nothing is refused.
     */
    @Test
    void aHarvestBlockWrittenByAnotherNodeIsReadAtStartAndAfterARestart() throws IOException {
        InMemorySharedState shared = new InMemorySharedState();
        long end = java.time.Instant.now().plusSeconds(600).getEpochSecond();
        shared.put("streamail.smtp-harvest.0", "127.0.0.1 " + end + "\n");
        int port = freePort();
        ListenerConfig noExemption = withoutHarvestExemption(config(port, 100, "", ""));
        InboundListener alone = new InboundListener(intake, directory, noExemption, Map.of());
        alone.start();
        try {
            assertThat(rcptReply(port)).as("no store bound: nothing shared").isEqualTo("250 2.1.5 Ok");
        } finally {
            alone.stop();
        }

        InboundListener listener = new InboundListener(intake, directory, noExemption, Map.of());
        listener.setSharedState(shared);
        listener.start();
        try {
            assertThat(rcptReply(port)).startsWith("450 4.7.1 ");
            int second = freePort();
            listener.modified(withoutHarvestExemption(config(second, 100, "", "")), Map.of());
            assertThat(rcptReply(second)).as("after the restart").startsWith("450 4.7.1 ");
            listener.unsetSharedState(shared);
        } finally {
            listener.stop();
        }
    }

    /** The RCPT TO reply for alice@example.org in a new session from 127.0.0.1. */
    static String rcptReply(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream o = s.getOutputStream();
            assertThat(r.readLine()).startsWith("220 ");
            o.write("HELO client.test\r\nMAIL FROM:<x@sender.test>\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).startsWith("250");
            assertThat(r.readLine()).startsWith("250");
            o.write("RCPT TO:<alice@example.org>\r\n".getBytes(StandardCharsets.US_ASCII));
            return r.readLine();
        }
    }

    /** {@code c} with an empty {@code harvest.exempt.networks} (the default exempts loopback, the tests' client). */
    static ListenerConfig withoutHarvestExemption(ListenerConfig c) {
        return (ListenerConfig) java.lang.reflect.Proxy.newProxyInstance(ListenerConfig.class.getClassLoader(),
                new Class<?>[] {ListenerConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("harvest_exempt_networks")) {
                        return new String[0];
                    }
                    try {
                        return method.invoke(c, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
