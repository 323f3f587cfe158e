package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.delivery.DeliverySettings.Hop;
import org.streamail.core.internal.delivery.DeliverySettings.Tls;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.MemoryMessageLog.StatusChange;
import org.streamail.core.internal.support.SelfSignedKeys;
import org.streamail.core.internal.support.Wait;
import org.subethamail.smtp.MessageContext;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;
import org.subethamail.smtp.server.Session;

/**
 * The four encryption levels against a real STARTTLS-capable next hop: SubEthaSMTP in this JVM, with a
 * self-signed certificate made for this test run ({@code SelfSignedKeys}). The server records, per message,
 * whether the session was encrypted and with which protocol, so "delivered" always comes with "how".
 */
class StartTlsDeliveryTest {

    @TempDir
    static Path keys;

    /** Server key pair for {@code localhost} / {@code 127.0.0.1}, self-signed. */
    private static KeyStore localhostKeys;
    /** Server key pair for a name that is neither, self-signed. */
    private static KeyStore otherNameKeys;
    private static char[] password;

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private Delivery delivery;
    private SMTPServer server;

    /** One message as the server saw it. */
    record Received(String from, List<String> recipients, String data, boolean tls, String protocol) {
    }

    @BeforeAll
    static void makeKeys() throws Exception {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        password = HexFormat.of().formatHex(random).toCharArray();
        localhostKeys = keyPair("localhost.p12", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1");
        otherNameKeys = keyPair("other.p12", "CN=mx.other.test", "SAN=dns:mx.other.test");
    }

    private static KeyStore keyPair(String file, String dname, String san) throws Exception {
        return SelfSignedKeys.make(keys, file, dname, san, password);
    }

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    /**
     * Starts SubEthaSMTP on a free loopback port with STARTTLS from {@code keys}.
     *
     * @param required   whether MAIL needs STARTTLS first ({@code 530 Must issue a STARTTLS command first})
     * @param protocols  the TLS versions the server accepts
     */
    private int startServer(KeyStore keyStore, boolean required, String... protocols) throws Exception {
        SSLContext ctx = SelfSignedKeys.serverContext(keyStore, password);
        server = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress()).hostName("hop.test")
                .enableTLS(true).requireTLS(required)
                .startTlsSocketFactory(plain -> SelfSignedKeys.startTls(ctx, plain, protocols))
                .messageHandlerFactory(Recorder::new).build();
        server.start();
        return server.getPortAllocated();
    }

    /** Records each message with the session's encryption, read from the session's socket at DATA time. */
    private final class Recorder implements MessageHandler {
        private final MessageContext context;
        private String from;
        private final List<String> recipients = new ArrayList<>();

        Recorder(MessageContext context) {
            this.context = context;
        }

        @Override
        public void from(String from) {
            this.from = from;
        }

        @Override
        public void recipient(String recipient) {
            recipients.add(recipient);
        }

        @Override
        public String data(InputStream data) throws IOException {
            String text = new String(data.readAllBytes(), StandardCharsets.ISO_8859_1);
            Session session = (Session) context;
            Socket socket = session.getSocket();
            String protocol = socket instanceof SSLSocket ssl ? ssl.getSession().getProtocol() : "";
            received.add(new Received(from, List.copyOf(recipients), text, session.isTLSStarted(), protocol));
            return null;
        }

        @Override
        public void done() {
            // nothing held
        }
    }

    private Spool deliverTo(String host, int port, Tls tls) throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay(host, port, Duration.ofSeconds(30))
                .withInbound(new Hop(host, port, dir.resolve("unused"), tls)), Clock.systemUTC());
        return spool;
    }

    private void send(Spool spool, String id) throws Exception {
        delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message("tls " + id)), Verdict.clean());
    }

    private StatusChange awaitStatus(String id) {
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private void assertEncryptedDelivery(String id) {
        StatusChange s = awaitStatus(id);
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(received).hasSize(1);
        Received r = received.get(0);
        assertThat(r.tls()).as("session encrypted").isTrue();
        assertThat(r.protocol()).isIn("TLSv1.3", "TLSv1.2");
        assertThat(r.from()).isEqualTo("sender@example.com");
        assertThat(r.recipients()).containsExactly("user@example.org");
        assertThat(r.data()).contains("Received: from mx.example.com", "Subject: tls " + id, "\r\n\r\nHello.\r\n");
    }

    private void assertNothingReceived() throws InterruptedException {
        Thread.sleep(300);
        assertThat(received).isEmpty();
    }

    @Test
    void mayUsesStarttlsWhenTheHopOffersItAndAcceptsASelfSignedCertificate() throws Exception {
        int port = startServer(localhostKeys, false, "TLSv1.3", "TLSv1.2");
        Spool spool = deliverTo("127.0.0.1", port, Tls.MAY);
        send(spool, "may1");
        assertEncryptedDelivery("may1");
        assertThat(received.get(0).protocol()).isEqualTo("TLSv1.3");
    }

    @Test
    void mayAcceptsAnUntrustedCertificateForAnotherNameAndStillEncrypts() throws Exception {
        // may (like encrypt) checks nothing: a bad certificate is better than plain text (RFC 7435); verify checks
        int port = startServer(otherNameKeys, false, "TLSv1.3", "TLSv1.2");
        Spool spool = deliverTo("localhost", port, Tls.MAY);
        send(spool, "may2");
        assertEncryptedDelivery("may2");
        assertThat(awaitStatus("may2").detail()).doesNotContain("sent without TLS");
    }

    @Test
    void encryptDeliversToAHopThatRequiresTlsWithASelfSignedCertificate() throws Exception {
        int port = startServer(localhostKeys, true, "TLSv1.3", "TLSv1.2");
        Spool spool = deliverTo("127.0.0.1", port, Tls.ENCRYPT);
        send(spool, "enc1");
        assertEncryptedDelivery("enc1");
    }

    @Test
    void encryptFallsBackToTls12WhenTheHopOffersNothingNewer() throws Exception {
        int port = startServer(localhostKeys, true, "TLSv1.2");
        Spool spool = deliverTo("127.0.0.1", port, Tls.ENCRYPT);
        send(spool, "enc12");
        assertEncryptedDelivery("enc12");
        assertThat(received.get(0).protocol()).isEqualTo("TLSv1.2");
    }

    @Test
    void noneSendsInClearEvenWhenTheHopOffersStarttls() throws Exception {
        int port = startServer(localhostKeys, false, "TLSv1.3", "TLSv1.2");
        Spool spool = deliverTo("127.0.0.1", port, Tls.NONE);
        send(spool, "none0");
        StatusChange s = awaitStatus("none0");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(received).singleElement().satisfies(r -> {
            assertThat(r.tls()).isFalse();
            assertThat(r.protocol()).isEmpty();
            assertThat(r.data()).contains("Subject: tls none0");
        });
    }

    @Test
    void noneNeverStartsTlsSoAHopThatRequiresItRefusesTheMessage() throws Exception {
        int port = startServer(localhostKeys, true, "TLSv1.3", "TLSv1.2");
        Spool spool = deliverTo("127.0.0.1", port, Tls.NONE);
        send(spool, "none1");
        StatusChange s = awaitStatus("none1");
        // 530 says our relay.tls is wrong for this hop: the message waits for the fix, it is not dropped.
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).contains("530").containsIgnoringCase("STARTTLS");
        assertNothingReceived();
        assertThat(spool.find("none1")).isPresent();
    }

    @Test
    void verifyRefusesASelfSignedCertificateAndDefersWithoutSendingAnything() throws Exception {
        int port = startServer(localhostKeys, false, "TLSv1.3", "TLSv1.2");
        Spool spool = deliverTo("localhost", port, Tls.VERIFY);
        send(spool, "ver1");
        StatusChange s = awaitStatus("ver1");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).contains("unavailable").containsIgnoringCase("TLS")
                .containsAnyOf("certification path", "PKIX");
        assertNothingReceived();
        assertThat(spool.find("ver1")).isPresent();
        assertThat(delivery.deferredCount()).isEqualTo(1);
    }

    @Test
    void verifyDeliversWhenTheJvmTrustsTheCertificateAndItNamesTheHost() throws Exception {
        int port = startServer(localhostKeys, true, "TLSv1.3", "TLSv1.2");
        withJvmTrusting(localhostKeys, () -> {
            Spool spool = deliverTo("localhost", port, Tls.VERIFY);
            send(spool, "ver2");
            assertEncryptedDelivery("ver2");
        });
    }

    @Test
    void verifyRefusesATrustedCertificateForAnotherName() throws Exception {
        int port = startServer(otherNameKeys, true, "TLSv1.3", "TLSv1.2");
        withJvmTrusting(otherNameKeys, () -> {
            Spool spool = deliverTo("localhost", port, Tls.VERIFY);
            send(spool, "ver3");
            StatusChange s = awaitStatus("ver3");
            assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(s.detail()).contains("unavailable", "No subject alternative DNS name matching localhost");
            assertNothingReceived();
        });
    }

    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} with the JVM's default SSL context trusting only the certificate in {@code keyStore}:
     * {@code verify} checks against the JVM trust store, which a test cannot otherwise point elsewhere. Test
     * classes run one after another in one JVM, and the previous default is put back.
     */
    private void withJvmTrusting(KeyStore keyStore, Body body) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("hop", keyStore.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
        SSLContext previous = SSLContext.getDefault();
        SSLContext.setDefault(trusting);
        try {
            body.run();
        } finally {
            // Close the delivery first: no attempt may still use the test's context afterwards.
            if (delivery != null) {
                delivery.close();
                delivery = null;
            }
            SSLContext.setDefault(previous);
        }
    }
}
