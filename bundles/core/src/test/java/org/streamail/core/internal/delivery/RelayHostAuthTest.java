package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.MemoryMessageLog.StatusChange;
import org.streamail.core.internal.support.Wait;

/**
 * SMTP AUTH towards the inbound next hop ({@code relay.user}, {@code relay.password.file}) and password files that
 * change while the component stays configured (no configuration update), against a STARTTLS + AUTH server
 * (SubEthaSMTP in this JVM) whose accounts the test changes, through the component's real configuration path.
 */
class RelayHostAuthTest {

    @TempDir
    static Path keys;
    private static SSLContext serverTls;

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    /** The organisation's mail server; the test changes its accounts as an administrator would. */
    private AuthSmtpServer hop;

    @BeforeAll
    static void makeKeys() throws Exception {
        serverTls = AuthSmtpServer.localhostTls(keys);
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

    /** The organisation's mail server: STARTTLS required, AUTH required, no accounts yet. */
    private int startHop() {
        hop = new AuthSmtpServer(serverTls, "mailstore.test", Auth.PLAIN_AND_LOGIN);
        return hop.port();
    }

    /** Every accepted login as "user/password" (one per connection), and every refused one. */
    private List<String> logins() {
        return hop.logins.stream().map(l -> l.user() + "/" + l.password()).toList();
    }

    private List<String> refusedLogins() {
        return hop.refusedLogins.stream().map(l -> l.user() + "/" + l.password()).toList();
    }

    /** "user subject-line" of every message the hop took. */
    private List<String> received() {
        return hop.received.stream().map(r -> r.user() + " " + r.subject()).toList();
    }

    private Path passwordFile(String name, String password, String mode) throws IOException {
        return DeliveryConfigs.passwordFile(dir, name, password, mode);
    }

    private DeliveryConfig config(Map<String, Object> values) {
        Map<String, Object> all = new HashMap<>(values);
        all.putIfAbsent("local_folder", dir.resolve("delivered").toString());
        // the hop's certificate is self-signed: encrypt with the opt-out (AUTH needs verify otherwise)
        all.putIfAbsent("relay_auth_allow_unverified", true);
        all.putIfAbsent("outbound_local_folder", dir.resolve("outbound").toString());
        all.putIfAbsent("outbound_id_secret_file", dir.resolve("message-id.key").toString());
        all.putIfAbsent("relay_host", "127.0.0.1");
        all.putIfAbsent("relay_reuse_seconds", 30L);
        return DeliveryConfigs.of(all);
    }

    private DeliveryConfig relay(int port, String tls, String user, Path passwordFile) {
        return config(Map.of("relay_port", port, "relay_tls", tls, "relay_user", user, "relay_password_file",
                passwordFile.toString()));
    }

    private Spool start(DeliveryConfig c) throws IOException {
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, c);
        delivery.holdRecheck = Duration.ofMillis(100);
        return spool;
    }

    /** An inbound message from the Internet for the organisation. */
    private void send(Spool spool, String id) throws Exception {
        Envelope env = new Envelope("sender@far.example", List.of("bob@example.org"), "203.0.113.7",
                "mx.far.example", true, Instant.now(), Direction.INBOUND, null);
        delivery.enqueue(spool.write(id, id, env, null, ("From: sender@far.example\r\nTo: bob@example.org\r\n"
                + "Subject: in " + id + "\r\nMessage-ID: <" + id + "@far.example>\r\n\r\nHello.\r\n")
                .getBytes(StandardCharsets.US_ASCII)), Verdict.clean());
    }

    private StatusChange awaitStatus(String id) {
        Wait.until("a delivery status for " + id, Duration.ofSeconds(20), () -> !log.statuses(id).isEmpty());
        return log.changes.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow();
    }

    private void awaitDelivered(String id) {
        Wait.until(id + " delivered", Duration.ofSeconds(20), () -> log.statuses(id).contains(DeliveryStatus.DELIVERED));
    }

    @Test
    void theInboundRelayAuthenticatesWithTheRightPassword() throws Exception {
        int port = startHop();
        hop.accounts.put("gateway", "inbound pass");
        Spool spool = start(relay(port, "encrypt", "gateway", passwordFile("relay.pw", "inbound pass", "rw-------")));
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings().inbound().auth().user()).isEqualTo("gateway");
        assertThat(delivery.settings().outbound().auth()).isNull();
        send(spool, "i1");
        StatusChange s = awaitStatus("i1");
        assertThat(s.status()).as(s.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(received()).containsExactly("gateway in i1");
        assertThat(logins()).containsExactly("gateway/inbound pass");
        assertThat(delivery.settings().toString()).doesNotContain("inbound pass");
    }

    @Test
    void aWrongPasswordForTheInboundRelayDefersTheMessageNeverBouncesIt() throws Exception {
        int port = startHop();
        hop.accounts.put("gateway", "right");
        Spool spool = start(relay(port, "encrypt", "gateway",
                passwordFile("relay.pw", "wrong-one", "r--------")));
        send(spool, "i2");
        StatusChange s = awaitStatus("i2");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).contains("127.0.0.1:" + port, "SMTP AUTH as gateway failed", "535")
                .doesNotContain("wrong-one");
        Thread.sleep(300);
        assertThat(refusedLogins()).containsExactly("gateway/wrong-one");
        assertThat(received()).isEmpty();
        assertThat(log.statuses("i2")).doesNotContain(DeliveryStatus.FAILED);
        assertThat(spool.entries()).hasSize(1); // still queued, no non-delivery report
        assertThat(delivery.deferredCount()).isEqualTo(1);
    }

    @Test
    void aRewrittenOrReplacedPasswordFileIsUsedForTheNextMessageWithoutAConfigurationUpdate() throws Exception {
        int port = startHop();
        hop.accounts.put("gateway", "first-pw");
        Path pw = passwordFile("relay.pw", "first-pw", "rw-------");
        Spool spool = start(relay(port, "encrypt", "gateway", pw));
        send(spool, "k1");
        awaitDelivered("k1");
        send(spool, "k2");
        awaitDelivered("k2");
        assertThat(logins()).as("one kept connection").containsExactly("gateway/first-pw");
        DeliverySettings before = delivery.settings();

        // rotated on the hop: only the new password works there now; the file rewritten in place
        hop.accounts.put("gateway", "second-password");
        Files.writeString(pw, "second-password\n", StandardCharsets.UTF_8);
        send(spool, "k3");
        StatusChange k3 = awaitStatus("k3");
        assertThat(k3.status()).as(k3.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        // a new connection with the new password, not the kept one authenticated with the old
        assertThat(logins()).containsExactly("gateway/first-pw", "gateway/second-password");

        // rotated again, the way tools do it atomically: a new file renamed over the old one
        hop.accounts.put("gateway", "third");
        Path next = passwordFile("relay.pw.new", "third", "rw-------");
        Files.move(next, pw, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        send(spool, "k4");
        StatusChange k4 = awaitStatus("k4");
        assertThat(k4.status()).as(k4.detail()).isEqualTo(DeliveryStatus.DELIVERED);
        assertThat(logins()).containsExactly("gateway/first-pw", "gateway/second-password", "gateway/third");
        assertThat(refusedLogins()).isEmpty();
        assertThat(received()).containsExactly("gateway in k1", "gateway in k2", "gateway in k3", "gateway in k4");
        assertThat(delivery.settings()).as("no configuration update").isSameAs(before);
    }

    @Test
    void aPasswordFileMadeGroupReadableTooLongOrDeletedDefersNamingThePropertyAndIsLoggedOncePerChange()
            throws Exception {
        int port = startHop();
        hop.accounts.put("gateway", "pw-ok");
        Path pw = passwordFile("relay.pw", "pw-ok", "rw-------");
        Spool spool = start(config(Map.of("relay_port", port, "relay_tls", "encrypt", "relay_user", "gateway",
                "relay_password_file", pw.toString(), "retry_initial", 1L, "retry_max_interval", 2L)));
        send(spool, "g1");
        awaitDelivered("g1"); // its connection is kept

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new Tee(err, captured), true));
        try {
            Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r-----"));
            send(spool, "g2");
            send(spool, "g3");
            for (String id : List.of("g2", "g3")) {
                StatusChange s = awaitStatus(id);
                assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
                assertThat(s.detail()).contains("127.0.0.1:" + port, "SMTP AUTH as gateway not attempted",
                        "relay.password.file 'relay.pw' is open to group or others (mode rw-r-----)")
                        .doesNotContain("pw-ok").doesNotContain(dir.toString());
            }
            Thread.sleep(1500); // g2 and g3 are retried meanwhile: still deferred, and not logged again

            Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(pw, "x".repeat(2000) + "\n", StandardCharsets.UTF_8);
            send(spool, "g4");
            StatusChange g4 = awaitStatus("g4");
            assertThat(g4.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(g4.detail()).contains("relay.password.file 'relay.pw' is longer than 1024 bytes");

            Files.delete(pw);
            send(spool, "g5");
            StatusChange g5 = awaitStatus("g5");
            assertThat(g5.status()).isEqualTo(DeliveryStatus.DEFERRED);
            assertThat(g5.detail()).contains("relay.password.file 'relay.pw' does not exist");
            Thread.sleep(1500);
        } finally {
            System.setErr(err);
        }
        // the previous password was used for nothing: no login, and the kept connection carried no mail
        assertThat(logins()).containsExactly("gateway/pw-ok");
        assertThat(refusedLogins()).isEmpty();
        assertThat(received()).containsExactly("gateway in g1");
        assertThat(log.statuses("g2")).doesNotContain(DeliveryStatus.FAILED);
        String out = captured.toString(StandardCharsets.UTF_8);
        assertThat(count(out, "cannot be used now: relay.password.file 'relay.pw' is open to group")).as(out).isEqualTo(1);
        assertThat(count(out, "cannot be used now: relay.password.file 'relay.pw' is longer")).as(out).isEqualTo(1);
        assertThat(count(out, "cannot be used now: relay.password.file 'relay.pw' does not exist")).as(out)
                .isEqualTo(1);
        assertThat(out).doesNotContain("pw-ok");

        // fixed (no configuration update): the waiting mail goes out at its next retry
        passwordFile("relay.pw", "pw-ok", "r--------");
        for (String id : List.of("g2", "g3", "g4", "g5")) {
            awaitDelivered(id);
        }
        assertThat(received()).hasSize(5);
    }

    @Test
    void incompleteOrUnencryptedInboundAuthSettingsAreInvalidNameThePropertyAndHoldTheMail() throws Exception {
        Path pw = passwordFile("relay.pw", "pw", "rw-------");
        Spool spool = start(config(Map.of("relay_tls", "encrypt", "relay_user", "gateway")));
        assertThat(delivery.configurationError()).hasValue("relay.user is set but relay.password.file is empty (the "
                + "password is read from that file, never from the configuration)");
        send(spool, "h1");
        StatusChange s = awaitStatus("h1");
        assertThat(s.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(s.detail()).startsWith("held: the delivery configuration is invalid: relay.user is set but "
                + "relay.password.file is empty");
        assertThat(log.statuses("h1")).containsOnly(DeliveryStatus.DEFERRED);

        delivery.reconfigure(relay(2525, "may", "gateway", pw));
        assertThat(delivery.configurationError()).hasValue("relay.user is set but relay.tls is may: SMTP AUTH needs "
                + "verify (STARTTLS required and the next hop's certificate checked), so the password never travels in "
                + "clear nor to a man in the middle (encrypt only with relay.auth.allow.unverified = true)");
        delivery.reconfigure(relay(2525, "none", "gateway", pw));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.user is set but relay.tls is none"));
        delivery.reconfigure(config(Map.of("relay_tls", "encrypt", "relay_password_file", pw.toString())));
        assertThat(delivery.configurationError()).hasValue("relay.password.file is set but relay.user is empty; set "
                + "both for SMTP AUTH, or neither");
        delivery.reconfigure(config(Map.of("relay_host", "", "relay_tls", "encrypt", "relay_user", "gateway",
                "relay_password_file", pw.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.user is set but relay.host is empty"));
        delivery.reconfigure(relay(2525, "verify", "gateway", passwordFile("open.pw", "pw", "rw-r--r--")));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.password.file 'open.pw' is open to group or others (mode rw-r--r--)")
                .doesNotContain(dir.toString()));
        delivery.reconfigure(config(Map.of("relay_tls", "encrypt", "relay_user", "bad user", "relay_password_file",
                pw.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("relay.user must be 1..255 characters"));

        delivery.reconfigure(relay(2525, "verify", "gateway", pw));
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings().inbound().auth().user()).isEqualTo("gateway");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** Writes to two streams (the test's output stays visible while it is captured). */
    static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws IOException {
            a.flush();
            b.flush();
        }
    }
}
