package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
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
import org.streamail.core.internal.support.AuthSmtpServer.Login;
import org.streamail.core.internal.support.AuthSmtpServer.Received;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.MemoryMessageLog.StatusChange;
import org.streamail.core.internal.support.Wait;

/**
 * SMTP AUTH towards the outbound smarthost against a real STARTTLS + AUTH server (SubEthaSMTP in this JVM, with a
 * self-signed certificate made by {@code SelfSignedKeys} for the run), configured through the component's real
 * configuration path ({@link DeliveryConfig} values, password files with real POSIX modes).
 */
class SmarthostAuthTest {

    @TempDir
    static Path keys;
    private static SSLContext serverTls;

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private AuthSmtpServer smarthost;

    @BeforeAll
    static void makeKeys() throws Exception {
        serverTls = AuthSmtpServer.localhostTls(keys);
    }

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        if (smarthost != null) {
            smarthost.close();
        }
    }

    /** A STARTTLS smarthost; with {@code accounts} it offers AUTH and requires it for mail. */
    private int startSmarthost(Map<String, String> accounts) throws Exception {
        return startSmarthost(accounts, false);
    }

    /** {@code loginOnly}: the smarthost offers AUTH LOGIN alone (else PLAIN and LOGIN). */
    private int startSmarthost(Map<String, String> accounts, boolean loginOnly) throws Exception {
        smarthost = new AuthSmtpServer(serverTls, "smarthost.test",
                accounts == null ? Auth.NONE : loginOnly ? Auth.LOGIN_ONLY : Auth.PLAIN_AND_LOGIN);
        if (accounts != null) {
            smarthost.accounts.putAll(accounts);
        }
        return smarthost.port();
    }

    /** The users of every successful login (one per connection), and of every refused one. */
    private List<String> logins() {
        return smarthost.logins.stream().map(Login::user).toList();
    }

    private List<String> refusedLogins() {
        return smarthost.refusedLogins.stream().map(Login::user).toList();
    }

    private List<Received> received() {
        return smarthost.received;
    }

    private Path passwordFile(String name, String password, String mode) throws IOException {
        return DeliveryConfigs.passwordFile(dir, name, password, mode);
    }

    private DeliveryConfig config(Map<String, Object> values) {
        Map<String, Object> all = new java.util.HashMap<>(values);
        all.putIfAbsent("local_folder", dir.resolve("delivered").toString());
        // the hop's certificate is self-signed: encrypt with the opt-out (AUTH needs verify otherwise)
        all.putIfAbsent("outbound_relay_auth_allow_unverified", true);
        all.putIfAbsent("outbound_id_secret_file", dir.resolve("message-id.key").toString());
        all.putIfAbsent("outbound_relay_host", "127.0.0.1");
        return DeliveryConfigs.of(all);
    }

    private Map<String, Object> smarthost(int port, String tls, String user, Path passwordFile) {
        return Map.of("outbound_relay_port", port, "outbound_relay_tls", tls, "outbound_relay_user", user,
                "outbound_relay_password_file", passwordFile.toString(), "relay_reuse_seconds", 30L);
    }

    private Spool start(DeliveryConfig c) throws IOException {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, c);
        delivery.holdRecheck = Duration.ofMillis(100);
        return spool;
    }

    private void send(Spool spool, String id) throws Exception {
        Envelope env = new Envelope("alice@example.org", List.of("partner@far.example"), "10.1.2.3", "exch01", false,
                Instant.now(), Direction.OUTBOUND, null);
        delivery.enqueue(spool.write(id, id, env, null, ("From: alice@example.org\r\nTo: partner@far.example\r\n"
                + "Subject: auth " + id + "\r\nMessage-ID: <" + id + "@exch01.corp.internal>\r\n\r\nHello.\r\n")
                .getBytes(StandardCharsets.US_ASCII)), Verdict.clean());
    }

    private StatusChange awaitStatus(String id) {
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void authenticatesAfterStarttlsAndTheMessageIsDelivered() throws Exception {
        int port = startSmarthost(Map.of("gateway", "s3cret pass"));
        Spool spool = start(config(smarthost(port, "encrypt", "gateway", passwordFile("pw", "s3cret pass", "rw-------"))));
        assertThat(delivery.configurationError()).isEmpty();
        send(spool, "a1");
        StatusChange s = awaitStatus("a1");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(received()).singleElement().satisfies(r -> {
            assertThat(r.user()).isEqualTo("gateway");
            assertThat(r.tls()).isTrue();
            assertThat(r.data()).contains("Subject: auth a1").containsPattern("\r\nMessage-ID: <sm1\\.[A-Za-z0-9_-]+"
                    + "@example\\.org>\r\n").doesNotContain("corp.internal");
        });
        assertThat(logins()).containsExactly("gateway");
        assertThat(delivery.settings().toString()).doesNotContain("s3cret");
    }

    @Test
    void aSmarthostThatOffersOnlyLoginGetsLogin() throws Exception {
        int port = startSmarthost(Map.of("gateway", "pw-l"), true);
        Spool spool = start(config(smarthost(port, "encrypt", "gateway", passwordFile("pw", "pw-l", "rw-------"))));
        send(spool, "l1");
        StatusChange s = awaitStatus("l1");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(received()).extracting(Received::user).containsExactly("gateway");
    }

    @Test
    void aWrongPasswordDefersTheMessageNeverBouncesItAndNamesTheSmarthostNotThePassword() throws Exception {
        int port = startSmarthost(Map.of("gateway", "right"));
        Spool spool = start(config(smarthost(port, "encrypt", "gateway", passwordFile("pw", "wrong-one", "r--------"))));
        send(spool, "a2");
        StatusChange s = awaitStatus("a2");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).contains("127.0.0.1:" + port, "SMTP AUTH as gateway failed", "535")
                .doesNotContain("wrong-one");
        Thread.sleep(300);
        assertThat(refusedLogins()).containsExactly("gateway");
        assertThat(received()).isEmpty();
        assertThat(log.statuses("a2")).doesNotContain(DeliveryStatus.FAILED);
        assertThat(spool.find("a2")).isPresent();
        assertThat(spool.entries()).hasSize(1); // no non-delivery report queued
        assertThat(delivery.deferredCount()).isEqualTo(1);
    }

    @Test
    void aSmarthostThatOffersNoAuthDefersTheMessageAndGetsNothing() throws Exception {
        int port = startSmarthost(null);
        Spool spool = start(config(smarthost(port, "encrypt", "gateway", passwordFile("pw", "pw", "rw-------"))));
        send(spool, "a3");
        StatusChange s = awaitStatus("a3");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).contains("127.0.0.1:" + port, "offers no SMTP AUTH");
        Thread.sleep(300);
        assertThat(received()).isEmpty();
    }

    @Test
    void aUserWithTlsMayIsAnInvalidConfigurationAndMailIsHeld() throws Exception {
        Path pw = passwordFile("pw", "pw", "rw-------");
        Spool spool = start(config(smarthost(2525, "may", "gateway", pw)));
        assertThat(delivery.configurationError()).hasValue("outbound.relay.user is set but outbound.relay.tls is may: "
                + "SMTP AUTH needs verify (STARTTLS required and the smarthost's certificate checked), so the password "
                + "never travels in clear nor to a man in the middle (encrypt only with "
                + "outbound.relay.auth.allow.unverified = true)");
        send(spool, "h1");
        StatusChange s = awaitStatus("h1");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).startsWith("held: the delivery configuration is invalid: outbound.relay.user");
        delivery.reconfigure(config(smarthost(2525, "none", "gateway", pw)));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m).contains("tls is none"));
        // the password file without a user is half a configuration too
        delivery.reconfigure(config(Map.of("outbound_relay_password_file", pw.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("outbound.relay.password.file is set but outbound.relay.user is empty"));
    }

    @Test
    void aPasswordFileReadableByOthersOrMissingIsAnInvalidConfiguration() throws Exception {
        Path open = passwordFile("open.pw", "pw", "rw-r--r--");
        start(config(smarthost(2525, "encrypt", "gateway", open)));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("outbound.relay.password.file 'open.pw' is open to group or others (mode rw-r--r--)")
                .contains("600 or 400").doesNotContain(dir.toString()));
        delivery.reconfigure(config(smarthost(2525, "verify", "gateway", dir.resolve("missing.pw"))));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .contains("outbound.relay.password.file 'missing.pw' does not exist"));
        delivery.reconfigure(config(smarthost(2525, "verify", "gateway", passwordFile("group.pw", "pw", "rw-r-----"))));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m).contains("group.pw", "open"));
        // fixed by chmod 600 and a configuration change: valid, and the password is read again
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-------"));
        delivery.reconfigure(config(smarthost(2525, "encrypt", "gateway", open)));
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings().outbound().auth().user()).isEqualTo("gateway");
    }

    @Test
    void aKeptConnectionIsReusedForTheSameCredentialsButNeverForOthers() throws Exception {
        int port = startSmarthost(Map.of("alice", "pw-a", "bob", "pw-b"));
        Path a = passwordFile("a.pw", "pw-a", "rw-------");
        Spool spool = start(config(smarthost(port, "encrypt", "alice", a)));
        send(spool, "r1");
        Wait.until("r1 delivered", Duration.ofSeconds(20), () -> log.statuses("r1").contains(DeliveryStatus.DELIVERED));
        send(spool, "r2");
        Wait.until("r2 delivered", Duration.ofSeconds(20), () -> log.statuses("r2").contains(DeliveryStatus.DELIVERED));
        assertThat(logins()).as("the same credentials share the kept connection").containsExactly("alice");

        // the same user with another password (the file rewritten, the configuration updated): the kept connection,
        // authenticated with the old password, is not used; the new login is refused by this smarthost
        Files.writeString(a, "pw-a2\n");
        delivery.reconfigure(config(smarthost(port, "encrypt", "alice", a)));
        send(spool, "r3");
        StatusChange r3 = awaitStatus("r3");
        assertThat(r3.status()).as(r3.detail()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(r3.detail()).contains("SMTP AUTH as alice failed");
        // another user: a new connection and login
        delivery.reconfigure(config(smarthost(port, "encrypt", "bob", passwordFile("b.pw", "pw-b", "rw-------"))));
        send(spool, "r4");
        Wait.until("r4 delivered", Duration.ofSeconds(20), () -> log.statuses("r4").contains(DeliveryStatus.DELIVERED));
        assertThat(logins()).containsExactly("alice", "bob");
        assertThat(refusedLogins()).containsExactly("alice");
        assertThat(received()).extracting(Received::user).containsExactly("alice", "alice", "bob");
    }
}
