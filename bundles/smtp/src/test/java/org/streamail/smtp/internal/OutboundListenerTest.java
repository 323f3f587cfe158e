package org.streamail.smtp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/** The outbound DS component as DS would drive it: constructor, guard binds, start, modified, stop. */
class OutboundListenerTest {

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
            return new IntakeResult("O1", IntakeResult.Outcome.ACCEPTED, SmtpReply.of(250, "2.0.0", "queued as O1"),
                    null);
        }
    };

    final Directory directory = new Directory() {
        @Override
        public RecipientCheck check(String address) {
            throw new AssertionError("the outbound listener never looks recipients up");
        }

        @Override
        public Set<String> protectedDomains() {
            return Set.of("example.org");
        }

        @Override
        public boolean isProtectedDomain(String domain) {
            return domain.equals("example.org");
        }

        @Override
        public List<DirectoryEntry> list() {
            return List.of();
        }

        @Override
        public Optional<DirectoryEntry> find(String address) {
            return Optional.empty();
        }

        @Override
        public DirectoryEntry add(String address, String displayName) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean remove(String address) {
            return false;
        }
    };

    /**
     * The configuration as DS would build it: the annotation's defaults, with the given overrides keyed by
     * method name (internal_networks, port, ...).
     */
    static OutboundListenerConfig config(Map<String, Object> overrides) {
        return (OutboundListenerConfig) Proxy.newProxyInstance(OutboundListenerConfig.class.getClassLoader(),
                new Class<?>[] {OutboundListenerConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "annotationType" -> OutboundListenerConfig.class;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "config" + overrides;
                    default -> overrides.containsKey(method.getName()) ? overrides.get(method.getName())
                            : method.getDefaultValue();
                });
    }

    static OutboundListenerConfig config(Object... keyValues) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config(m);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void theDefaultsAreLoopbackOnlyOnPort2587WithTheDocumentedLimits() throws IOException {
        var settings = OutboundListener.options(config()).settings();
        assertThat(settings.direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(settings.bindAddress().isLoopbackAddress()).isTrue();
        assertThat(settings.port()).isEqualTo(2587);
        assertThat(settings.internalNetworks().entries()).containsExactly("127.0.0.0/8", "::1/128");
        assertThat(settings.internalNetworks().contains(InetAddress.getByName("10.0.0.1"))).isFalse();
        assertThat(settings.maxMessageSize()).isEqualTo(26214400L);
        assertThat(settings.maxRecipients()).isEqualTo(100);
        assertThat(settings.maxConnections()).isEqualTo(100);
        assertThat(settings.maxConnectionsPerIp()).isEqualTo(50);
        assertThat(settings.connectionTimeoutMs()).isEqualTo(60000);
        assertThat(settings.dataTimeoutSeconds()).isEqualTo(600);
        assertThat(settings.maxErrors()).isEqualTo(10);
        assertThat(settings.tls()).isNull();
    }

    @Test
    void aCommaSeparatedCfgValueIsSplitIntoNetworks() throws IOException {
        var settings = OutboundListener.options(config("internal_networks", new String[] {"10.0.0.0/8, 192.168.0.0/16"}))
                .settings();
        assertThat(settings.internalNetworks().entries()).containsExactly("10.0.0.0/8", "192.168.0.0/16");
    }

    @Test
    void aBadInternalNetworkIsAClearErrorNamingThePidAndTheProperty() {
        assertThatThrownBy(() -> new OutboundListener(intake, directory,
                config("internal_networks", new String[] {"10.0.0.0/8, intranet"}), Map.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(OutboundListener.PID)
                .hasMessageContaining("internal.networks: bad entry 'intranet'")
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OutboundListener.options(config("internal_networks", new String[0])).settings())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("internal.networks names no network");
    }

    @Test
    void internalNetworksThatLetTheInternetInAreRefusedAndARunningListenerKeepsItsOldNetworks() throws IOException {
        assertThatThrownBy(() -> new OutboundListener(intake, directory,
                config("internal_networks", new String[] {"0.0.0.0/0, ::/0"}), Map.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(OutboundListener.PID)
                .hasMessageContaining("internal.networks: bad entry '0.0.0.0/0'")
                .hasMessageContaining("open relay")
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
        int port = freePort();
        OutboundListener listener = new OutboundListener(intake, directory, config("port", port), Map.of());
        listener.start();
        try {
            assertThatThrownBy(() -> listener.modified(config("port", port, "internal_networks",
                    new String[] {"127.0.0.0/8", "::/0"}), Map.of())).isInstanceOf(IOException.class)
                    .hasMessageContaining("internal.networks: bad entry '::/0'");
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                assertThat(reader(s).readLine()).as("still the old listener").startsWith("220 ");
            }
        } finally {
            listener.stop();
        }
    }

    @Test
    void tlsIsOptionalByDefaultAndTlsRequiredWithoutAKeyStoreIsAnErrorNamingBothProperties() throws IOException {
        var settings = OutboundListener.options(config()).settings();
        assertThat(settings.tlsRequired()).isFalse();
        assertThat(settings.harvestMaxUnknownRecipients()).as("no directory lookup outbound").isZero();
        assertThatThrownBy(() -> OutboundListener.options(config("tls_required", true)).settings())
                .isInstanceOf(IOException.class)
                .hasMessageContaining("org.streamail.smtp.outbound")
                .hasMessageContaining("tls.required").hasMessageContaining("tls.keystore");
    }

    @Test
    void theAlertCapOverAllAddressesDefaultsToTenAndANegativeValueIsAnErrorNamingTheProperty() {
        assertThat(OutboundListener.options(config()).intrusionAlertMaxPerInterval()).isEqualTo(10);
        assertThat(OutboundListener.options(config()))
                .isNotEqualTo(OutboundListener.options(config("intrusion_alert_max_per_interval", 0)));
        assertThatThrownBy(() -> new OutboundListener(intake, directory,
                config("intrusion_alert_max_per_interval", -1), Map.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(OutboundListener.PID)
                .hasMessageContaining("intrusion.alert.max.per.interval")
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anUnreadableKeyStoreIsAClearErrorThatDoesNotShowThePassword() {
        var options = OutboundListener.options(config("tls_keystore", "/nonexistent/ks.p12",
                "tls_keystore_password", "s3cret"));
        assertThatThrownBy(options::settings)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tls.keystore")
                .hasMessageNotContaining("s3cret");
        assertThat(options.toString()).doesNotContain("s3cret").contains("tls.keystore.password=(set)");
    }

    @Test
    void aDisabledListenerOpensNoPortUntilEnabled() throws IOException {
        int port = freePort();
        OutboundListener listener = new OutboundListener(intake, directory, config("enabled", false, "port", port),
                Map.of());
        listener.start();
        try {
            assertThat(listener.port()).isEqualTo(-1);
            try (ServerSocket free = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(free.getLocalPort()).as("nobody listens on the port").isEqualTo(port);
            }
            listener.modified(config("enabled", true, "port", port), Map.of());
            assertThat(listener.port()).isEqualTo(port);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                assertThat(reader(s).readLine()).startsWith("220 ");
            }
            listener.modified(config("enabled", false, "port", port), Map.of());
            assertThat(listener.port()).isEqualTo(-1);
        } finally {
            listener.stop();
        }
        try (ServerSocket again = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void componentRelaysOutboundMailFromInternalHostsAndConsultsGuardsBoundBeforeStart() throws IOException {
        int port = freePort();
        OutboundListener listener = new OutboundListener(intake, directory, config("port", port), Map.of());
        List<String> seen = new CopyOnWriteArrayList<>();
        listener.addGuard(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onMailFrom(SmtpSession session) {
                seen.add(session.sender());
                return Optional.empty();
            }
        });
        listener.start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            BufferedReader r = reader(s);
            OutputStream o = s.getOutputStream();
            assertThat(r.readLine()).startsWith("220 ");
            o.write(("HELO mail.example.org\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<friend@partner.test>\r\n"
                    + "DATA\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).startsWith("250");
            assertThat(r.readLine()).startsWith("250");
            assertThat(r.readLine()).startsWith("250");
            assertThat(r.readLine()).startsWith("354");
            o.write("Subject: out\r\n\r\nhi\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).isEqualTo("250 2.0.0 queued as O1");
        } finally {
            listener.stop();
        }
        assertThat(seen).containsExactly("alice@example.org");
        assertThat(received).hasSize(1);
        assertThat(received.get(0).direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(received.get(0).recipients()).containsExactly("friend@partner.test");
    }

    @Test
    void anUnchangedConfigurationKeepsOpenSessionsAndNarrowedNetworksShutLoopbackOut() throws IOException {
        int port = freePort();
        OutboundListener listener = new OutboundListener(intake, directory, config("port", port), Map.of());
        listener.start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            BufferedReader r = reader(s);
            assertThat(r.readLine()).startsWith("220 ");
            listener.modified(config("port", port, "internal_networks", new String[] {"127.0.0.0/8", "::1/128"}),
                    Map.of());
            s.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(r.readLine()).as("same networks, same listener").startsWith("250");

            listener.modified(config("port", port, "internal_networks", new String[] {"10.0.0.0/8"}), Map.of());
            assertThat(r.readLine()).as("the old session is closed").isNull();
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            assertThat(reader(s).readLine()).endsWith("> is not an internal host").startsWith("554 5.7.1 <");
        } finally {
            listener.stop();
        }
    }

    @Test
    void anInvalidChangeKeepsTheRunningListener() throws IOException {
        int port = freePort();
        OutboundListener listener = new OutboundListener(intake, directory, config("port", port), Map.of());
        listener.start();
        try {
            assertThatThrownBy(() -> listener.modified(config("port", port, "internal_networks",
                    new String[] {"10.0.0.0/33"}), Map.of())).isInstanceOf(IOException.class)
                    .hasMessageContaining("internal.networks");
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                assertThat(reader(s).readLine()).startsWith("220 ");
            }
        } finally {
            listener.stop();
        }
    }

    @Test
    void intrusionAlertsDefaultToOnePerFiveMinutesAndANegativeIntervalIsAnErrorNamingTheProperty() {
        assertThat(OutboundListener.options(config()).intrusionAlertIntervalSeconds()).isEqualTo(300);
        assertThatThrownBy(() -> new OutboundListener(intake, directory,
                config("intrusion_alert_interval_seconds", -5L), Map.of()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(OutboundListener.PID)
                .hasMessageContaining("intrusion.alert.interval.seconds")
                .hasRootCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusedClientsAreAlertedThroughTheAlertServiceBoundNowAndNotAfterItIsUnbound() throws IOException {
        int port = freePort();
        List<AlertRequest> first = new CopyOnWriteArrayList<>();
        List<AlertRequest> second = new CopyOnWriteArrayList<>();
        AlertService a = recordingInto(first);
        AlertService b = recordingInto(second);
        String[] external = {"10.0.0.0/8"};
        OutboundListener listener = new OutboundListener(intake, directory,
                config("port", port, "internal_networks", external), Map.of());
        listener.setAlertService(a);
        listener.start();
        try {
            assertRefused(port);
            // A greedy rebind: the better service is bound before the old one is unbound.
            listener.setAlertService(b);
            listener.unsetAlertService(a);
            // A changed configuration restarts the listener, which delivers its queued alerts first.
            listener.modified(config("port", port, "internal_networks", external,
                    "intrusion_alert_interval_seconds", 60L), Map.of());
            assertRefused(port);
            listener.unsetAlertService(b);
            listener.modified(config("port", port, "internal_networks", external,
                    "intrusion_alert_interval_seconds", 120L), Map.of());
            assertRefused(port);
        } finally {
            listener.stop();
        }
        assertThat(first).extracting(AlertRequest::kind).containsExactly("smtp-not-internal");
        assertThat(second).extracting(AlertRequest::kind).containsExactly("smtp-not-internal");
        assertThat(second.get(0).title()).contains("outbound listener (port " + port + ")");
    }

    /** An alert service that records what is raised (the listener raises nothing once by key). */
    private static AlertService recordingInto(List<AlertRequest> into) {
        return new AlertService() {
            @Override
            public org.streamail.api.alert.Alert raise(AlertRequest request) {
                into.add(request);
                return null;
            }

            @Override
            public java.util.Optional<org.streamail.api.alert.Alert> raiseOnce(AlertRequest request, String key) {
                throw new UnsupportedOperationException("the SMTP listener never raises an alert once by key");
            }
        };
    }

    @Test
    void enabledWrittenAsOnFailsActivationNamingThePropertyInsteadOfClosingThePort() {
        assertThatThrownBy(() -> new OutboundListener(intake, directory, config(), Map.of("enabled", "on")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.smtp.outbound: enabled must be true or false, got 'on'");
        assertThatThrownBy(() -> new OutboundListener(intake, directory, config(), Map.of("enabled", "yes")))
                .hasMessage("org.streamail.smtp.outbound: enabled must be true or false, got 'yes'");
    }

    @Test
    void aNumberWrittenAs30DaysFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new OutboundListener(intake, directory, config(),
                Map.of("data.timeout.seconds", "30days")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.smtp.outbound: data.timeout.seconds must be a whole number, got '30days'");
        assertThatThrownBy(() -> new InboundListener(intake, directory, InboundListenerTest.config(2525, 100, "", ""),
                Map.of("max.message.size", "25MB")))
                .hasMessage("org.streamail.smtp: max.message.size must be a whole number, got '25MB'");
    }

    @Test
    void aBadValueInAChangeKeepsTheRunningListener() throws IOException {
        int port = freePort();
        OutboundListener listener = new OutboundListener(intake, directory, config("port", port),
                Map.of("port", String.valueOf(port), "enabled", "true"));
        listener.start();
        try {
            assertThatThrownBy(() -> listener.modified(config("port", port), Map.of("enabled", "on")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("enabled");
            assertThat(listener.port()).isEqualTo(port);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(5000);
                assertThat(reader(s).readLine()).startsWith("220 ");
            }
        } finally {
            listener.stop();
        }
    }

    private static void assertRefused(int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            assertThat(reader(s).readLine()).endsWith("> is not an internal host");
        }
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }
}
