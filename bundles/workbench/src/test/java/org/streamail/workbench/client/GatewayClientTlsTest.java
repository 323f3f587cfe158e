package org.streamail.workbench.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.workbench.client.GatewayException.Kind;
import org.streamail.workbench.testing.FakeGateway;
import org.streamail.workbench.testing.TestCertificate;

/**
 * The client's transport rules: plain HTTP only to loopback unless allowed, HTTPS with a pinned certificate or the
 * usual PKIX and host name checks, and a refused certificate described so the administrator can pin it. Every
 * server here is an in-JVM {@link FakeGateway} on this host; no test leaves the machine.
 */
class GatewayClientTlsTest {

    private static final Duration CONNECT = Duration.ofSeconds(2);
    private static final Duration REQUEST = Duration.ofSeconds(5);
    private static final String PASSWORD = FakeGateway.ADMIN_PASSWORD;

    @TempDir
    static Path keys;
    /** Issued for the name gateway.test only: never matches the 127.0.0.1 the tests connect to. */
    static TestCertificate gatewayTest;
    /** Issued for 127.0.0.1 and localhost. */
    static TestCertificate forLoopback;
    /** Valid for 2 days, ending 8 days ago. */
    static TestCertificate expired;

    private FakeGateway gateway;

    @BeforeAll
    static void keys() throws Exception {
        gatewayTest = TestCertificate.generate(keys, "CN=gateway.test, O=Streamail test", "dns:gateway.test", null, 2);
        forLoopback = TestCertificate.generate(keys, "CN=127.0.0.1", "ip:127.0.0.1,dns:localhost", null, 2);
        expired = TestCertificate.generate(keys, "CN=old.gateway.test", "dns:old.gateway.test", "-10d", 2);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private FakeGateway https(TestCertificate cert) throws Exception {
        gateway = new FakeGateway(InetAddress.getByName("127.0.0.1"), cert.server());
        return gateway;
    }

    private static GatewayClient client(ConnectionSecurity security) {
        return new GatewayClient(CONNECT, REQUEST, null, security);
    }

    private static GatewayException connectFails(GatewayClient c, String url) {
        GatewayException[] caught = new GatewayException[1];
        assertThatThrownBy(() -> c.connect(url, FakeGateway.ADMIN, PASSWORD.toCharArray()))
                .isInstanceOfSatisfying(GatewayException.class, e -> caught[0] = e);
        assertThat(c.isConnected()).isFalse();
        assertThat(caught[0].getMessage()).doesNotContain(PASSWORD);
        return caught[0];
    }

    private static GatewayException connectFails(GatewayClient c, String url, ConnectionSecurity policy) {
        GatewayException[] caught = new GatewayException[1];
        assertThatThrownBy(() -> c.connect(url, FakeGateway.ADMIN, PASSWORD.toCharArray(), policy))
                .isInstanceOfSatisfying(GatewayException.class, e -> caught[0] = e);
        assertThat(c.isConnected()).isFalse();
        assertThat(caught[0].getMessage()).doesNotContain(PASSWORD);
        return caught[0];
    }

    // ------------------------------------------------------------------ HTTPS and pinning

    @Test
    void aPinnedCertificateConnectsAndReadsHealthEvenThoughItNamesAnotherHost() throws Exception {
        https(gatewayTest);
        assertThat(gateway.url()).startsWith("https://127.0.0.1:");
        try (GatewayClient c = client(new ConnectionSecurity(gatewayTest.fingerprint(), false))) {
            Health h = c.connect(gateway.url(), FakeGateway.ADMIN, PASSWORD.toCharArray());
            assertThat(h.ready()).isTrue();
            assertThat(c.apiBase()).isEqualTo(gateway.url() + "/streamail/api/v1");
        }
        // the other spellings keytool and people use: lower case, no colons, a SHA256: prefix
        String bare = gatewayTest.fingerprint().replace(":", "").toLowerCase(Locale.ROOT);
        try (GatewayClient c = client(new ConnectionSecurity("SHA256: " + bare, false))) {
            assertThat(c.connect(gateway.url(), FakeGateway.ADMIN, PASSWORD.toCharArray()).ready()).isTrue();
            assertThat(c.messages(new MessageFilter(10, null, null, null))).isNotEmpty();
        }
        assertThat(gateway.requests()).containsExactly("GET /streamail/api/v1/health",
                "GET /streamail/api/v1/health", "GET /streamail/api/v1/messages?limit=10");
    }

    @Test
    void withoutAPinASelfSignedCertificateIsRefusedAndDescribedForPinning() throws Exception {
        https(gatewayTest);
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            GatewayException e = connectFails(c, gateway.url());
            assertThat(e.kind()).isEqualTo(Kind.UNTRUSTED);
            assertThat(e.getMessage())
                    .contains("The gateway at " + gateway.url() + " presented a certificate that is not trusted")
                    .contains("not signed by an authority in this JVM's trust store")
                    .contains("SHA-256 fingerprint: " + gatewayTest.fingerprint())
                    .contains("Subject: CN=gateway.test,O=Streamail test")
                    .contains("(self-signed)")
                    .contains("Valid from " + gatewayTest.certificate().getNotBefore().toInstant()
                            + " until " + gatewayTest.certificate().getNotAfter().toInstant())
                    .contains("keytool -list -v")
                    .contains("gateway.certificate.sha256 = " + gatewayTest.fingerprint());
        }
        assertThat(gateway.requests()).as("nothing reached the server: the handshake failed first").isEmpty();
    }

    @Test
    void aWrongPinIsRefusedAndTheMessageShowsWhatWasPresented() throws Exception {
        https(gatewayTest);
        try (GatewayClient c = client(new ConnectionSecurity(forLoopback.fingerprint(), false))) {
            GatewayException e = connectFails(c, gateway.url());
            assertThat(e.kind()).isEqualTo(Kind.UNTRUSTED);
            assertThat(e.getMessage())
                    .contains("it is not the pinned certificate (gateway.certificate.sha256 = "
                            + forLoopback.fingerprint() + ")")
                    .contains("SHA-256 fingerprint: " + gatewayTest.fingerprint());
        }
        assertThat(gateway.requests()).isEmpty();
    }

    @Test
    void aPinnedCertificateOutsideItsValidityIsRefused() throws Exception {
        https(expired);
        try (GatewayClient c = client(new ConnectionSecurity(expired.fingerprint(), false))) {
            GatewayException e = connectFails(c, gateway.url());
            assertThat(e.kind()).isEqualTo(Kind.UNTRUSTED);
            assertThat(e.getMessage()).contains("outside its validity dates").contains("(EXPIRED)");
        }
        assertThat(gateway.requests()).isEmpty();
    }

    @Test
    void withoutAPinTheTrustStoreAndTheHostNameAreBothChecked() throws Exception {
        https(forLoopback);
        try (GatewayClient c = new GatewayClient(CONNECT, REQUEST, null, ConnectionSecurity.DEFAULT,
                forLoopback.trustedAsAuthority())) {
            assertThat(c.connect(gateway.url(), FakeGateway.ADMIN, PASSWORD.toCharArray()).ready()).isTrue();
        }
        gateway.close();
        // trusted by the store, but issued for gateway.test while the URL says 127.0.0.1
        https(gatewayTest);
        try (GatewayClient c = new GatewayClient(CONNECT, REQUEST, null, ConnectionSecurity.DEFAULT,
                gatewayTest.trustedAsAuthority())) {
            GatewayException e = connectFails(c, gateway.url());
            assertThat(e.kind()).isEqualTo(Kind.UNTRUSTED);
            assertThat(e.getMessage()).contains("not issued for this host name")
                    .contains("SHA-256 fingerprint: " + gatewayTest.fingerprint());
        }
        assertThat(gateway.requests()).isEmpty();
    }

    @Test
    void plainHttpToAnHttpsPortSaysTheHandshakeFailedOrTheAnswerIsNotHttp() throws Exception {
        https(forLoopback);
        String http = gateway.url().replace("https://", "http://");
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            GatewayException e = connectFails(c, http);
            assertThat(e.kind()).isIn(Kind.UNREACHABLE, Kind.MALFORMED);
        }
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            FakeGateway plain = new FakeGateway();
            try {
                GatewayException e = connectFails(c, plain.url().replace("http://", "https://"));
                // the JDK's plain server answers a ClientHello with silence (Jetty with a 400): a timeout or a
                // failed handshake, both naming the likely cause
                assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
                assertThat(e.getMessage()).containsAnyOf("TLS handshake", "timeout").contains("HTTPS port");
            } finally {
                plain.close();
            }
        }
    }

    @Test
    void aPinGivenForOneConnectionIsCheckedAsTheConfiguredOneAndOnlyForThatConnection() throws Exception {
        https(gatewayTest);
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            GatewayException refused = connectFails(c, gateway.url());
            PresentedCertificate presented = refused.untrustedCertificate().orElseThrow();
            assertThat(presented.sha256Fingerprint()).isEqualTo(gatewayTest.fingerprint());
            assertThat(presented.subject()).isEqualTo("CN=gateway.test,O=Streamail test");
            assertThat(presented.selfSigned()).isTrue();
            assertThat(presented.notAfter()).isEqualTo(gatewayTest.certificate().getNotAfter().toInstant());
            assertThat(presented.refusal()).contains("not signed by an authority");

            // the presented fingerprint, as it is, pins the next connection
            ConnectionSecurity pinned = c.security().withPin(presented.sha256Fingerprint());
            assertThat(c.connect(gateway.url(), FakeGateway.ADMIN, PASSWORD.toCharArray(), pinned).ready()).isTrue();
            assertThat(c.connectionSecurity()).isEqualTo(pinned);
            assertThat(c.security()).isEqualTo(ConnectionSecurity.DEFAULT);
            assertThat(c.messages(new MessageFilter(10, null, null, null))).isNotEmpty();

            // the next plain connect is the configured policy again: a fresh handshake refuses the certificate
            // (no pooled connection or resumed session of the pinned one is reused)
            assertThat(connectFails(c, gateway.url()).kind()).isEqualTo(Kind.UNTRUSTED);
            assertThat(c.connectionSecurity()).isEqualTo(ConnectionSecurity.DEFAULT);
            // a wrong pin for one connection is refused like a configured one
            GatewayException wrong = connectFails(c, gateway.url(), c.security().withPin(forLoopback.fingerprint()));
            assertThat(wrong.getMessage()).contains("it is not the pinned certificate");
            assertThat(wrong.untrustedCertificate().orElseThrow().sha256Fingerprint())
                    .isEqualTo(gatewayTest.fingerprint());
        }
        assertThat(gateway.requests()).containsExactly("GET /streamail/api/v1/health",
                "GET /streamail/api/v1/messages?limit=10");
    }

    @Test
    void aPinForOneConnectionKeepsTheConfiguredPlainHttpRuleAndIsParsedAsStrictly() throws Exception {
        ConnectionSecurity allowing = new ConnectionSecurity(null, true);
        String fp = gatewayTest.fingerprint();
        assertThat(allowing.withPin("SHA256:" + fp.toLowerCase(Locale.ROOT)))
                .isEqualTo(new ConnectionSecurity(fp, true));
        assertThat(new ConnectionSecurity(fp, false).withPin("  ")).isEqualTo(ConnectionSecurity.DEFAULT);
        for (String bad : List.of("abc", fp + ":00", "SHA1:" + fp)) {
            assertThatThrownBy(() -> allowing.withPin(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The certificate pin is not a SHA-256 fingerprint");
        }
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            GatewayException e = connectFails(c, "http://192.0.2.1:8181", c.security().withPin(fp));
            assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
            assertThat(e.untrustedCertificate()).isEmpty();
        }
    }

    @Test
    void pinsAreParsedStrictly() throws Exception {
        String fp = gatewayTest.fingerprint();
        assertThat(new ConnectionSecurity(fp, false).pinnedFingerprint()).isEqualTo(fp);
        assertThat(new ConnectionSecurity("  sha-256:" + fp.toLowerCase(Locale.ROOT) + " ", false).pinnedSha256())
                .isEqualTo(fp.replace(":", "").toLowerCase(Locale.ROOT));
        assertThat(new ConnectionSecurity("", true).pinnedSha256()).isNull();
        assertThat(new ConnectionSecurity(null, true).pinnedSha256()).isNull();
        for (String bad : List.of("abc", fp.substring(3), fp + ":00", fp.replace('A', 'G').replace('0', 'G'),
                "SHA1:" + fp)) {
            assertThatThrownBy(() -> new ConnectionSecurity(bad, false)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway.certificate.sha256");
        }
    }

    // ------------------------------------------------------------------ plain HTTP

    @Test
    void plainHttpToARemoteHostIsRefusedBeforeAnyConnectionAttempt() {
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            for (String host : List.of("192.0.2.1", "10.0.0.5", "gateway.invalid", "127.0.0.1.nip.io",
                    "localhost.example", "128.0.0.1", "[2001:db8::1]", "[::2]")) {
                long start = System.nanoTime();
                GatewayException e = connectFails(c, "http://" + host + ":8181");
                // an attempt would say "Cannot reach" (unknown host, timeout after 2 s, refused), not this
                assertThat(e.kind()).as(host).isEqualTo(Kind.BAD_REQUEST);
                assertThat(e.getMessage()).as(host)
                        .startsWith("Refusing http://" + host + ":8181: the password would cross the network "
                                + "unencrypted: use https://" + host + ":")
                        .contains("allow.plain.http = true");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as(host).isLessThan(CONNECT);
            }
        }
    }

    @Test
    void theLoopbackRuleLooksAtLiteralsOnlyAndResolvesNothing() {
        for (String host : List.of("localhost", "LocalHost", "127.0.0.1", "127.255.255.254", "127.1.2.3", "[::1]",
                "[0:0:0:0:0:0:0:1]")) {
            assertThat(GatewayCertificates.isLoopback(host)).as(host).isTrue();
        }
        for (String host : List.of("192.0.2.1", "128.0.0.1", "0.0.0.0", "999.0.0.1", "127.1", "0x7f000001",
                "127.0.0.1.nip.io", "localhost.localdomain", "[::2]", "[fe80::1%lo]", "[127.0.0.1]", "")) {
            assertThat(GatewayCertificates.isLoopback(host)).as(host).isFalse();
        }
    }

    @Test
    void plainHttpToLoopbackIsAllowed() throws Exception {
        gateway = new FakeGateway();
        try (GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            assertThat(c.connect(gateway.url(), FakeGateway.ADMIN, PASSWORD.toCharArray()).ready()).isTrue();
            // localhost may resolve to ::1 first, where this fake does not listen: allowed is what counts here
            try {
                c.connect("http://localhost:" + gateway.port(), FakeGateway.ADMIN, PASSWORD.toCharArray());
            } catch (GatewayException e) {
                assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
            }
        }
        FakeGateway v6;
        try {
            v6 = new FakeGateway(InetAddress.getByName("::1"), null);
        } catch (java.io.IOException e) {
            v6 = null;
        }
        assumeThat(v6).as("IPv6 loopback available").isNotNull();
        try (FakeGateway six = v6; GatewayClient c = client(ConnectionSecurity.DEFAULT)) {
            assertThat(six.url()).startsWith("http://[0:0:0:0:0:0:0:1]:");
            assertThat(c.connect("http://[::1]:" + six.port(), FakeGateway.ADMIN, PASSWORD.toCharArray()).ready())
                    .isTrue();
        }
    }

    @Test
    void allowPlainHttpLetsARemoteHttpUrlThroughAndHttpsIsNeverRefusedForTheHost() throws Exception {
        URI remote = GatewayClient.apiBase("http://192.0.2.1:8181");
        assertThatThrownBy(() -> GatewayClient.checkTransport(remote, ConnectionSecurity.DEFAULT))
                .isInstanceOf(GatewayException.class);
        assertThatCode(() -> GatewayClient.checkTransport(remote, new ConnectionSecurity(null, true)))
                .doesNotThrowAnyException();
        assertThatCode(() -> GatewayClient.checkTransport(GatewayClient.apiBase("https://192.0.2.1:8443"),
                ConnectionSecurity.DEFAULT)).doesNotThrowAnyException();

        // end to end without leaving the host: this machine's own non-loopback address stands for a remote one
        InetAddress own = ownNonLoopbackAddress();
        assumeThat(own).as("a non-loopback IPv4 address on this host").isNotNull();
        gateway = new FakeGateway(own, null);
        try (GatewayClient strict = client(ConnectionSecurity.DEFAULT)) {
            assertThat(connectFails(strict, gateway.url()).kind()).isEqualTo(Kind.BAD_REQUEST);
        }
        assertThat(gateway.requests()).isEmpty();
        try (GatewayClient allowing = client(new ConnectionSecurity(null, true))) {
            assertThat(allowing.connect(gateway.url(), FakeGateway.ADMIN, PASSWORD.toCharArray()).ready()).isTrue();
        }
        assertThat(gateway.requests()).containsExactly("GET /streamail/api/v1/health");
    }

    private static InetAddress ownNonLoopbackAddress() throws SocketException {
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) {
                continue;
            }
            for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        return null;
    }
    @Test
    void aSubjectCannotAddAForgedFingerprintLineOrReorderTheDescription() throws Exception {
        // whoever makes the certificate chooses its names: a line break and an RLO in the CN
        TestCertificate forged = TestCertificate.generate(keys, "CN=gw\n  SHA-256 fingerprint: "
                + gatewayTest.fingerprint() + " \u202Etset, O=x", "dns:gateway.test", null, 2);
        PresentedCertificate p = GatewayCertificates.presented(forged.certificate(), "self-signed");
        assertThat(p.describe().lines()).hasSize(4)
                .filteredOn(l -> l.startsWith("  SHA-256 fingerprint:")).containsExactly(
                        "  SHA-256 fingerprint: " + forged.fingerprint());
        assertThat(p.subject()).doesNotContain("\n").doesNotContain("\u202E").contains("[U+000A]")
                .contains("[U+202E]");
    }
}
