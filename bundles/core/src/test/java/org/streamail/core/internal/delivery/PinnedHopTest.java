package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
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
 * A next hop's own trust, as configured ({@code relay.tls.ca.file}, {@code relay.tls.fingerprints}), against a real
 * STARTTLS hop (SubEthaSMTP in this JVM) whose certificates {@code SelfSignedKeys} makes for the run: one signed by a test
 * CA that the JVM does not trust, one self-signed for a name that is not the hop's. The JVM's trust store is never
 * touched here: what delivers, delivers because of the setting.
 */
class PinnedHopTest {

    @TempDir
    static Path keys;
    private static char[] password;
    /** Signed by the test CA "a" (its certificate in {@code a-ca.pem}), for localhost / 127.0.0.1. */
    private static KeyStore caSigned;
    /** Self-signed, for a name that is not the hop's. */
    private static KeyStore selfSigned;
    private static Path caPem;
    private static Path otherCaPem;

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private final List<Boolean> received = new CopyOnWriteArrayList<>();
    private Delivery delivery;
    private SMTPServer server;

    @BeforeAll
    static void makeKeys() throws Exception {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        password = HexFormat.of().formatHex(random).toCharArray();
        caSigned = SelfSignedKeys.caSigned(keys, "a", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1", password);
        caPem = keys.resolve("a-ca.pem");
        SelfSignedKeys.caSigned(keys, "b", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1", password);
        otherCaPem = keys.resolve("b-ca.pem");
        selfSigned = SelfSignedKeys.make(keys, "self.p12", "CN=mx.other.test", "SAN=dns:mx.other.test", password);
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

    /** A hop on a free loopback port; with {@code keyStore}, STARTTLS offered (not required) with its key pair. */
    private int startServer(KeyStore keyStore) throws Exception {
        SMTPServer.Builder b = SMTPServer.port(0).bindAddress(InetAddress.getLoopbackAddress()).hostName("hop.test")
                .messageHandlerFactory(Recorder::new);
        if (keyStore != null) {
            SSLContext ctx = SelfSignedKeys.serverContext(keyStore, password);
            b.enableTLS(true).startTlsSocketFactory(plain -> SelfSignedKeys.startTls(ctx, plain));
        }
        server = b.build();
        server.start();
        return server.getPortAllocated();
    }

    /** Records whether each message came over TLS. */
    private final class Recorder implements MessageHandler {
        private final MessageContext context;

        Recorder(MessageContext context) {
            this.context = context;
        }

        @Override
        public void from(String from) {
            // not looked at
        }

        @Override
        public void recipient(String recipient) {
            // not looked at
        }

        @Override
        public String data(InputStream data) throws IOException {
            data.readAllBytes();
            received.add(((Session) context).isTLSStarted());
            return null;
        }

        @Override
        public void done() {
            // nothing held
        }
    }

    private Spool start(Map<String, Object> values) throws Exception {
        Map<String, Object> all = new HashMap<>(values);
        all.putIfAbsent("local_folder", dir.resolve("delivered").toString());
        all.putIfAbsent("outbound_local_folder", dir.resolve("outbound").toString());
        all.putIfAbsent("outbound_id_secret_file", dir.resolve("message-id.key").toString());
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliveryConfigs.of(all), Map.of());
        delivery.holdRecheck = Duration.ofMillis(100);
        return spool;
    }

    private StatusChange send(Spool spool, String id) throws Exception {
        delivery.enqueue(spool.write(id, id, Mail.envelope(), null, Mail.message("pin " + id)), Verdict.clean());
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private static String sha256(byte[] b, boolean colons) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(b);
        return colons ? HexFormat.ofDelimiter(":").withUpperCase().formatHex(d) : HexFormat.of().formatHex(d);
    }

    private static X509Certificate cert(KeyStore ks) throws Exception {
        return (X509Certificate) ks.getCertificate("server");
    }

    private void assertDeliveredOverTls(StatusChange s) {
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(received).containsExactly(true);
    }

    private void assertDeferredAndNothingSent(StatusChange s, Spool spool) throws Exception {
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DEFERRED);
        Thread.sleep(300);
        assertThat(received).as("nothing reached the hop, in plain text or otherwise").isEmpty();
        assertThat(spool.find(s.id())).isPresent();
    }

    @Test
    void verifyWithTheHopsCaFileDeliversAlthoughTheJvmDoesNotTrustThatCa() throws Exception {
        int port = startServer(caSigned);
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "verify",
                "relay_tls_ca_file", caPem.toString()));
        assertThat(delivery.configurationError()).isEmpty();
        assertDeliveredOverTls(send(spool, "ca1"));
    }

    @Test
    void verifyWithoutTheCaFileDefersOnTheSameHop() throws Exception {
        int port = startServer(caSigned);
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "verify"));
        StatusChange s = send(spool, "ca2");
        assertDeferredAndNothingSent(s, spool);
        assertThat(s.detail()).containsAnyOf("PKIX", "certification path");
    }

    @Test
    void aCaFileOfAnotherCaDefersNamingThePropertyTheFileAndTheDigestSeen() throws Exception {
        int port = startServer(caSigned);
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "verify",
                "relay_tls_ca_file", otherCaPem.toString()));
        StatusChange s = send(spool, "ca3");
        assertDeferredAndNothingSent(s, spool);
        assertThat(s.detail()).contains("localhost:" + port, "relay.tls.ca.file", otherCaPem.toString(),
                sha256(cert(caSigned).getEncoded(), true));
    }

    @Test
    void theCaFileStillChecksTheHostName() throws Exception {
        KeyStore wrongName = SelfSignedKeys.caSigned(keys, "c", "CN=mx.other.test", "SAN=dns:mx.other.test",
                password);
        int port = startServer(wrongName);
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "verify",
                "relay_tls_ca_file", keys.resolve("c-ca.pem").toString()));
        StatusChange s = send(spool, "ca4");
        assertDeferredAndNothingSent(s, spool);
        assertThat(s.detail()).contains("localhost:" + port, "relay.tls.ca.file");
    }

    @Test
    void theRightCertificateDigestDeliversToAnUntrustedSelfSignedCertificateForAnotherName() throws Exception {
        int port = startServer(selfSigned);
        // upper case with colons, as openssl x509 -fingerprint -sha256 prints it, next to another digest
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "verify",
                "relay_tls_fingerprints", "00".repeat(32) + ", " + sha256(cert(selfSigned).getEncoded(), true)));
        assertThat(delivery.configurationError()).isEmpty();
        assertDeliveredOverTls(send(spool, "pin1"));
    }

    @Test
    void thePublicKeyDigestDeliversToo() throws Exception {
        int port = startServer(selfSigned);
        Spool spool = start(Map.of("relay_host", "127.0.0.1", "relay_port", port, "relay_tls", "verify",
                "relay_tls_fingerprints", sha256(cert(selfSigned).getPublicKey().getEncoded(), false)));
        assertDeliveredOverTls(send(spool, "pin2"));
    }

    @Test
    void aWrongDigestDefersWithTheDigestSeenEvenForACertificateTheCaFileWouldTrust() throws Exception {
        int port = startServer(caSigned);
        String wrong = "ab".repeat(32);
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "encrypt",
                "relay_tls_fingerprints", wrong));
        StatusChange s = send(spool, "pin3");
        assertDeferredAndNothingSent(s, spool);
        assertThat(s.detail()).contains("localhost:" + port, "relay.tls.fingerprints",
                sha256(cert(caSigned).getEncoded(), true), sha256(cert(caSigned).getPublicKey().getEncoded(), true))
                .doesNotContain("without TLS");
    }

    @Test
    void aPinnedHopThatOffersNoStarttlsGetsNothingInPlainText() throws Exception {
        int port = startServer(null);
        Spool spool = start(Map.of("outbound_relay_host", "127.0.0.1", "outbound_relay_port", port,
                "outbound_relay_tls", "encrypt", "outbound_relay_tls_fingerprints", "ab".repeat(32)));
        delivery.enqueue(spool.write("pin4", "pin4", new org.streamail.api.model.Envelope("alice@example.org",
                List.of("bob@example.net"), "10.1.2.3", "client", false, java.time.Instant.now(),
                org.streamail.api.model.Direction.OUTBOUND, null), null, Mail.message("pin pin4")), Verdict.clean());
        Wait.until("a delivery status", Duration.ofSeconds(20), () -> !log.statuses("pin4").isEmpty());
        StatusChange s = log.changes.stream().filter(c -> c.id().equals("pin4")).findFirst().orElseThrow();
        assertDeferredAndNothingSent(s, spool);
        assertThat(s.detail()).containsIgnoringCase("STARTTLS");
    }

    @Test
    void aMalformedDigestIsAConfigurationErrorAndTheMailIsHeld() throws Exception {
        Spool spool = start(Map.of("relay_host", "mail.example.org", "relay_tls", "verify",
                "relay_tls_fingerprints", "sha256:12:34"));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.tls.fingerprints: 'sha256:12:34' is not a SHA-256 digest"));
        StatusChange s = send(spool, "bad1");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).startsWith("held: the delivery configuration is invalid: relay.tls.fingerprints");
        // 63 digits, and the outbound hop's own property
        delivery.reconfigure(DeliveryConfigs.of(Map.of("outbound_relay_host", "smarthost.example",
                "outbound_relay_tls", "verify", "outbound_relay_tls_fingerprints", "a".repeat(63))));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("outbound.relay.tls.fingerprints: '" + "a".repeat(63) + "' is not a SHA-256 digest"));
        // digests with a level that checks nothing, or none at all
        delivery.reconfigure(DeliveryConfigs.of(Map.of("relay_host", "mail.example.org", "relay_tls", "may",
                "relay_tls_fingerprints", "ab".repeat(32))));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.tls.fingerprints is set but relay.tls is may"));
    }

    @Test
    void smtpAuthOverEncryptNeedsNoOptOutWhenTheHopIsPinned() throws Exception {
        // the pinned certificate is checked, so the password cannot go to a man in the middle
        Path pw = DeliveryConfigs.passwordFile(dir, "pw", "secret", "rw-------");
        start(Map.of("relay_host", "mail.example.org", "relay_tls", "encrypt", "relay_user", "gateway",
                "relay_password_file", pw.toString(), "relay_tls_fingerprints", "ab".repeat(32)));
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings().inbound().auth().user()).isEqualTo("gateway");
    }

    @Test
    void aCaFileRenewedInPlaceOrByARenameIsUsedAtTheNextRetryAndABrokenOneDefersWithOneWarn() throws Exception {
        int port = startServer(caSigned); // signed by CA "a"
        Path ca = dir.resolve("internal-ca.pem");
        Files.copy(otherCaPem, ca); // CA "b" only: the hop's certificate is refused
        Spool spool = start(Map.of("relay_host", "localhost", "relay_port", port, "relay_tls", "verify",
                "relay_tls_ca_file", ca.toString(), "relay_reuse_seconds", 30L, "retry_initial", 1L,
                "retry_max_interval", 2L));
        assertThat(delivery.configurationError()).isEmpty();
        DeliverySettings before = delivery.settings();
        StatusChange s = send(spool, "renew1");
        assertDeferredAndNothingSent(s, spool);
        assertThat(s.detail()).contains("refused under relay.tls.ca.file '" + ca + "'");

        // renewed in place (same inode), no configuration update: the next retry delivers over TLS
        Files.write(ca, Files.readAllBytes(caPem));
        awaitDelivered("renew1");
        assertThat(received).containsExactly(true);

        // replaced by a rename with CA "b" again: the connection kept from renew1, opened under CA "a", is not used
        Path next = dir.resolve("internal-ca.pem.new");
        Files.copy(otherCaPem, next);
        Files.move(next, ca, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        StatusChange s2 = send(spool, "renew2");
        assertThat(s2.status()).as(s2.detail()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s2.detail()).contains("refused under relay.tls.ca.file '" + ca + "'");
        // and renewed by a rename with CA "a": its next retry delivers
        Files.copy(caPem, next);
        Files.move(next, ca, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        awaitDelivered("renew2");
        assertThat(received).containsExactly(true, true);

        // made non-PEM: deferred, never sent with a weaker check, one WARN however many messages and retries meet it
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new RelayHostAuthTest.Tee(err, captured), true));
        String broken = "relay.tls.ca.file '" + ca + "' is not a PEM file of certificates";
        try {
            Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
                    StandardCharsets.US_ASCII);
            send(spool, "renew3");
            send(spool, "renew4");
            for (String id : List.of("renew3", "renew4")) {
                StatusChange b = log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
                assertThat(b.status()).as(b.detail()).isEqualTo(DeliveryStatus.DEFERRED);
                assertThat(b.detail()).contains("localhost:" + port, broken);
            }
            Thread.sleep(2500); // retried meanwhile: still deferred, not logged again
        } finally {
            System.setErr(err);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(count(out, "cannot be used now: " + broken)).as(out).isEqualTo(1);
        assertThat(log.statuses("renew3")).doesNotContain(DeliveryStatus.DELIVERED, DeliveryStatus.FAILED);
        assertThat(received).hasSize(2);

        // fixed: both go out at their next retry
        Files.write(ca, Files.readAllBytes(caPem));
        awaitDelivered("renew3");
        awaitDelivered("renew4");
        assertThat(received).containsExactly(true, true, true, true);
        assertThat(delivery.settings()).as("no configuration update").isSameAs(before);
    }

    private void awaitDelivered(String id) {
        Wait.until(id + " delivered", Duration.ofSeconds(20),
                () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void aMissingOrInvalidCaFileIsAConfigurationErrorNamingThePropertyAndTheFile() throws Exception {
        Path missing = dir.resolve("no-such-ca.pem");
        Spool spool = start(Map.of("relay_host", "mail.example.org", "relay_tls", "verify", "relay_tls_ca_file",
                missing.toString()));
        assertThat(delivery.configurationError()).hasValue("relay.tls.ca.file '" + missing + "' does not exist");
        StatusChange s = send(spool, "bad2");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).startsWith("held: the delivery configuration is invalid: relay.tls.ca.file");

        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "-----BEGIN CERTIFICATE-----\nnot base64!\n"
                + "-----END CERTIFICATE-----\n", StandardCharsets.US_ASCII);
        delivery.reconfigure(DeliveryConfigs.of(Map.of("outbound_relay_host", "smarthost.example",
                "outbound_relay_tls", "verify", "outbound_relay_tls_ca_file", garbage.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("outbound.relay.tls.ca.file '" + garbage + "' is not a PEM file of certificates"));

        Path empty = Files.writeString(dir.resolve("empty.pem"), "# no certificate here\n");
        delivery.reconfigure(DeliveryConfigs.of(Map.of("relay_host", "mail.example.org", "relay_tls", "verify",
                "relay_tls_ca_file", empty.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.tls.ca.file '" + empty + "'"));

        // a CA file under a level that checks no certificate would be ignored: refused instead
        delivery.reconfigure(DeliveryConfigs.of(Map.of("relay_host", "mail.example.org", "relay_tls", "encrypt",
                "relay_tls_ca_file", caPem.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.tls.ca.file is set but relay.tls is encrypt"));

        // corrected: the held mail goes (to the local folder here)
        delivery.reconfigure(DeliveryConfigs.of(Map.of("local_folder", dir.resolve("delivered").toString(),
                "outbound_local_folder", dir.resolve("outbound").toString(), "outbound_id_secret_file",
                dir.resolve("message-id.key").toString())));
        assertThat(delivery.configurationError()).isEmpty();
        Wait.until("held mail delivered", Duration.ofSeconds(20),
                () -> log.statuses("bad2").contains(DeliveryStatus.DELIVERED));
    }
}
