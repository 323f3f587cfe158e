package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.AuthSmtpServer;
import org.streamail.core.internal.support.AuthSmtpServer.Auth;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.MemoryMessageLog.StatusChange;
import org.streamail.core.internal.support.SelfSignedKeys;
import org.streamail.core.internal.support.Wait;

/**
 * SMTP AUTH needs {@code verify}: with {@code encrypt} any certificate is accepted, so a man in the middle gets the
 * password. {@code encrypt} with a user is an invalid configuration (the mail is held) unless the administrator sets
 * {@code [outbound.]relay.auth.allow.unverified = true}; {@code verify} with a certificate the JVM trusts delivers.
 */
class AuthNeedsVerifyTest {

    @TempDir
    static Path keys;
    private static KeyStore localhostKeys;
    private static char[] password;

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private AuthSmtpServer hop;

    @BeforeAll
    static void makeKeys() throws Exception {
        byte[] random = new byte[18];
        new SecureRandom().nextBytes(random);
        password = HexFormat.of().formatHex(random).toCharArray();
        localhostKeys = SelfSignedKeys.make(keys, "verify.p12", "CN=localhost", "SAN=dns:localhost,ip:127.0.0.1",
                password);
    }

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        if (hop != null) {
            hop.close();
        }
    }

    private DeliveryConfig config(Map<String, Object> values) {
        Map<String, Object> all = new HashMap<>(values);
        all.putIfAbsent("local_folder", dir.resolve("delivered").toString());
        all.putIfAbsent("outbound_local_folder", dir.resolve("outbound").toString());
        all.putIfAbsent("outbound_id_secret_file", dir.resolve("message-id.key").toString());
        return DeliveryConfigs.of(all);
    }

    private Spool start(DeliveryConfig c, Map<String, Object> properties) throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, c, properties);
        delivery.holdRecheck = Duration.ofMillis(100);
        return spool;
    }

    private void send(Spool spool, String id, Direction direction) throws Exception {
        Envelope env = new Envelope("alice@example.org", List.of("bob@example.net"), "10.1.2.3", "client", false,
                Instant.now(), direction, null);
        delivery.enqueue(spool.write(id, id, env, null, ("Subject: " + id + "\r\n\r\nHello.\r\n").getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)), Verdict.clean());
    }

    private StatusChange awaitStatus(String id) {
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void encryptWithAUserIsInvalidNamingThePropertiesAndTheMailIsHeld() throws Exception {
        Path pw = DeliveryConfigs.passwordFile(dir, "pw", "secret", "rw-------");
        Spool spool = start(config(Map.of("outbound_relay_host", "smarthost.example", "outbound_relay_tls", "encrypt",
                "outbound_relay_user", "gateway", "outbound_relay_password_file", pw.toString())), Map.of());
        assertThat(delivery.configurationError()).hasValue("outbound.relay.user is set but outbound.relay.tls is "
                + "encrypt: the smarthost's certificate is not checked, so a man in the middle would get the password. "
                + "Set outbound.relay.tls = verify (the certificate must be trusted by the JVM or "
                + "outbound.relay.tls.ca.file and name outbound.relay.host), pin it in "
                + "outbound.relay.tls.fingerprints, or outbound.relay.auth.allow.unverified = true to accept that risk");
        send(spool, "held1", Direction.OUTBOUND);
        StatusChange s = awaitStatus("held1");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).startsWith("held: the delivery configuration is invalid: outbound.relay.user is set "
                + "but outbound.relay.tls is encrypt");

        // the inbound hop: the same rule with its own property names
        delivery.reconfigure(config(Map.of("relay_host", "mail.example.org", "relay_tls", "encrypt", "relay_user",
                "gateway", "relay_password_file", pw.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m).startsWith(
                "relay.user is set but relay.tls is encrypt: the next hop's certificate is not checked")
                .contains("relay.tls = verify", "relay.auth.allow.unverified = true")
                .doesNotContain("outbound."));
        // verify is valid; so is encrypt with the explicit opt-out, for this hop only
        delivery.reconfigure(config(Map.of("relay_host", "mail.example.org", "relay_tls", "verify", "relay_user",
                "gateway", "relay_password_file", pw.toString())));
        assertThat(delivery.configurationError()).isEmpty();
        delivery.reconfigure(config(Map.of("outbound_relay_host", "smarthost.example", "outbound_relay_tls",
                "encrypt", "outbound_relay_user", "gateway", "outbound_relay_password_file", pw.toString(),
                "relay_auth_allow_unverified", true)));
        // the inbound opt-out does not cover the smarthost: the change is refused, the previous settings stay
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings().outbound().auth()).isNull();
        assertThat(delivery.settings().inbound().tls()).isEqualTo(DeliverySettings.Tls.VERIFY);
        delivery.reconfigure(config(Map.of("outbound_relay_host", "smarthost.example", "outbound_relay_tls",
                "encrypt", "outbound_relay_user", "gateway", "outbound_relay_password_file", pw.toString(),
                "outbound_relay_auth_allow_unverified", true)));
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings().outbound().auth().user()).isEqualTo("gateway");
    }

    @Test
    void theOptOutMustBeTrueOrFalse() throws Exception {
        Path pw = DeliveryConfigs.passwordFile(dir, "pw", "secret", "rw-------");
        start(config(Map.of("relay_host", "mail.example.org", "relay_tls", "encrypt", "relay_user", "gateway",
                "relay_password_file", pw.toString())), Map.of("relay.auth.allow.unverified", "yes"));
        assertThat(delivery.configurationError()).hasValue("relay.auth.allow.unverified must be true or false, got "
                + "'yes'");
    }

    @Test
    void verifyAuthenticatesAndDeliversWhenTheJvmTrustsTheHop() throws Exception {
        hop = new AuthSmtpServer(SelfSignedKeys.serverContext(localhostKeys, password), "mailstore.test",
                Auth.PLAIN_AND_LOGIN);
        hop.accounts.put("gateway", "s3cret");
        Path pw = DeliveryConfigs.passwordFile(dir, "pw", "s3cret", "rw-------");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("hop", localhostKeys.getCertificate("server"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
        SSLContext previous = SSLContext.getDefault();
        SSLContext.setDefault(trusting);
        try {
            Spool spool = start(config(Map.of("relay_host", "localhost", "relay_port", hop.port(), "relay_tls",
                    "verify", "relay_user", "gateway", "relay_password_file", pw.toString())), Map.of());
            assertThat(delivery.configurationError()).isEmpty();
            send(spool, "v1", Direction.INBOUND);
            StatusChange s = awaitStatus("v1");
            assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
            assertThat(hop.received).singleElement().satisfies(r -> {
                assertThat(r.user()).isEqualTo("gateway");
                assertThat(r.tls()).isTrue();
            });
        } finally {
            delivery.close();
            delivery = null;
            SSLContext.setDefault(previous);
        }
    }
}
