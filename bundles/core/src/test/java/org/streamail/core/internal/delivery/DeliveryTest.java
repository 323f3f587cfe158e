package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

class DeliveryTest {

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private GreenMail hop;

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        if (hop != null) {
            hop.stop();
        }
    }

    /**
     * What the hop received from us: GreenMail prepends its own Return-Path and Received lines (dropped here,
     * up to our Received header) and keeps the final CRLF before the DATA terminator out of the message
     * (added back), so this is byte for byte what we sent.
     */
    private static byte[] raw(MimeMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        String s = new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
        int ours = s.indexOf("Received: from mx.example.com");
        return (s.substring(ours) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static boolean endsWith(byte[] all, byte[] suffix) {
        if (suffix.length > all.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (all[all.length - suffix.length + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    /** GreenMail's own waitForIncomingEmail did not see relayed messages here; poll what it stored. */
    static void awaitMessages(GreenMail g, int n, long millis) {
        Wait.until(n + " message(s) at the next hop", Duration.ofMillis(millis), () -> g.getReceivedMessages().length >= n);
    }

    private GreenMail startHop(int port) {
        ServerSetup setup = new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(30_000); // the 2 s default is short on a busy two-core machine
        GreenMail g = new GreenMail(setup);
        g.start();
        return g;
    }

    @Test
    void relayedMessageCarriesATraceHeaderAndTheOriginalBytesIntact() throws Exception {
        int port = Wait.freePort();
        hop = startHop(port);
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)),
                Clock.systemUTC());
        byte[] original = Mail.message("clean");
        SpoolEntry e = spool.write("d1", "d1", Mail.envelope("user@example.org", "other@example.org"), null, original);
        delivery.enqueue(e, Verdict.clean());

        awaitMessages(hop, 2, 20_000);
        MimeMessage[] got = hop.getReceivedMessages();
        assertThat(got).hasSize(2);
        byte[] delivered = raw(got[0]);
        String text = new String(delivered, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("Received: from mx.example.com (mx.example.com [192.0.2.7])\r\n\tby gateway.test"
                + " (Streamail) with ESMTP id d1; ");
        assertThat(text).doesNotContain("X-Streamail");
        assertThat(endsWith(delivered, original)).as("original bytes are a suffix").isTrue();
        Wait.until("DELIVERED logged", Duration.ofSeconds(20), () -> log.statuses("d1").contains(DeliveryStatus.DELIVERED));
        assertThat(spool.entries()).isEmpty();
        assertThat(log.changes.get(0).detail()).startsWith("250");
    }

    private DeliveryConfig config(java.util.Map<String, Object> values) {
        return DeliveryConfigs.of(values);
    }

    @Test
    void anInvalidConfigurationHoldsMailInsteadOfFailingAndAValidOneReleasesIt() throws Exception {
        Path folder = dir.resolve("delivered");
        Spool spool = new Spool(dir.resolve("spool"));
        // a typo in a TLS level: the component still activates (the fourth audit found it failed and stayed down)
        delivery = new Delivery(spool, log, config(java.util.Map.of("relay_tls", "bogus", "local_folder",
                folder.toString())));
        delivery.holdRecheck = Duration.ofMillis(100);
        assertThat(delivery.configurationError()).hasValueSatisfying(e -> assertThat(e).contains("relay.tls", "bogus"));
        SpoolEntry e = spool.write("h1", "h1", Mail.envelope(), null, Mail.message("held"));
        delivery.enqueue(e, Verdict.clean());
        Wait.until("held logged", Duration.ofSeconds(10), () -> log.statuses("h1").contains(DeliveryStatus.DEFERRED));
        assertThat(log.changes).filteredOn(c -> c.id().equals("h1")).singleElement()
                .satisfies(c -> assertThat(c.detail()).startsWith("held: the delivery configuration is invalid: "));
        Thread.sleep(500); // several re-checks: still held, logged once, no retry used up
        assertThat(log.changes).filteredOn(c -> c.id().equals("h1")).hasSize(1);
        assertThat(spool.readState("h1").orElseThrow()).containsEntry("attempts", "0");
        assertThat(folder.resolve("h1.eml")).doesNotExist();

        // still invalid: still held; then corrected, without a restart: delivered
        delivery.reconfigure(config(java.util.Map.of("relay_tls", "strict", "local_folder", folder.toString())));
        assertThat(delivery.configurationError()).hasValueSatisfying(m -> assertThat(m).contains("strict"));
        delivery.reconfigure(config(java.util.Map.of("local_folder", folder.toString())));
        assertThat(delivery.configurationError()).isEmpty();
        Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("h1").contains(DeliveryStatus.DELIVERED));
        assertThat(folder.resolve("h1.eml")).exists();
    }

    @Test
    void aYesNoPropertyThatIsNeitherTrueNorFalseHoldsMailInsteadOfTurningScrubbingOff() throws Exception {
        Path folder = dir.resolve("delivered");
        Spool spool = new Spool(dir.resolve("spool"));
        // DS would read "yes" as false: outbound mail would leave with its internal hops (fourth audit)
        delivery = new Delivery(spool, log, config(java.util.Map.of("local_folder", folder.toString())),
                java.util.Map.of("outbound.hide.internal", "yes"));
        assertThat(delivery.configurationError()).hasValue("outbound.hide.internal must be true or false, got 'yes'");
        delivery.modified(config(java.util.Map.of("local_folder", folder.toString())),
                java.util.Map.of("outbound.hide.internal", " TRUE ", "bounce.enabled", "false"));
        assertThat(delivery.configurationError()).isEmpty();
    }

    @Test
    void anInvalidChangeWhileRunningKeepsThePreviousConfiguration() throws Exception {
        Path folder = dir.resolve("delivered");
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, config(java.util.Map.of("local_folder", folder.toString())));
        DeliverySettings before = delivery.settings();
        delivery.reconfigure(config(java.util.Map.of("local_folder", folder.toString(), "outbound_relay_tls", "Encrypted",
                "outbound_relay_host", "127.0.0.1")));
        assertThat(delivery.configurationError()).isEmpty();
        assertThat(delivery.settings()).isSameAs(before);
        SpoolEntry e = spool.write("k9", "k9", Mail.envelope(), null, Mail.message("kept"));
        delivery.enqueue(e, Verdict.clean());
        Wait.until("delivered", Duration.ofSeconds(10), () -> log.statuses("k9").contains(DeliveryStatus.DELIVERED));
    }

    @Test
    void tagAddsVerdictAndScoreHeadersOnTop() throws Exception {
        int port = Wait.freePort();
        hop = startHop(port);
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)),
                Clock.systemUTC());
        byte[] original = Mail.message("tagged");
        SpoolEntry e = spool.write("t1", "t1", Mail.envelope(), null, original);
        delivery.enqueue(e, new Verdict(Action.TAG, 7.5, List.of(Category.PHISHING, Category.SPAM), List.of(), "x"));
        awaitMessages(hop, 1, 20_000);
        byte[] delivered = raw(hop.getReceivedMessages()[0]);
        String text = new String(delivered, StandardCharsets.US_ASCII);
        assertThat(text).contains("\r\n\tfor <user@example.org>; ")
                .contains("\r\nX-Streamail-Verdict: TAG PHISHING SPAM\r\nX-Streamail-Score: 7.5\r\nFrom: sender@example.com");
        assertThat(endsWith(delivered, original)).isTrue();
    }

    @Test
    void hopDownDefersThenDeliversOnceItComesBack() throws Exception {
        int port = Wait.freePort();
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)),
                Clock.systemUTC());
        SpoolEntry e = spool.write("k1", "k1", Mail.envelope(), null, Mail.message("later"));
        delivery.enqueue(e, Verdict.clean());
        Wait.until("DEFERRED logged", Duration.ofSeconds(20), () -> log.statuses("k1").contains(DeliveryStatus.DEFERRED));
        assertThat(spool.readState("k1").orElseThrow()).containsEntry("attempts", "1");
        assertThat(delivery.deferredCount()).isEqualTo(1);

        hop = startHop(port);
        awaitMessages(hop, 1, 20_000);
        Wait.until("DELIVERED logged", Duration.ofSeconds(20), () -> log.statuses("k1").contains(DeliveryStatus.DELIVERED));
        assertThat(spool.entries()).isEmpty();
        assertThat(delivery.deferredCount()).isZero();
        Thread.sleep(300);
        assertThat(hop.getReceivedMessages()).hasSize(1);
    }

    @Test
    void anErrorEscapingAnAttemptDoesNotEndTheMessagesRetries() throws Exception {
        // the message log threw a NoClassDefFoundError (its bundle refreshed) while recording the first DEFERRED: the
        // Error ended the attempt's task, nothing scheduled the next one, and the message waited in the spool for a
        // restart although the hop came back
        java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean(true);
        org.streamail.api.store.MessageLog failingOnce = (org.streamail.api.store.MessageLog)
                java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {org.streamail.api.store.MessageLog.class}, (p, m, args) -> {
                            if (m.getName().equals("status") && args[1] == DeliveryStatus.DEFERRED
                                    && armed.getAndSet(false)) {
                                throw new NoClassDefFoundError("org/streamail/store/internal/Jdbc");
                            }
                            try {
                                return m.invoke(log, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
        int port = Wait.freePort();
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, failingOnce, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)),
                Clock.systemUTC());
        SpoolEntry e = spool.write("k1", "k1", Mail.envelope(), null, Mail.message("after an error"));
        delivery.enqueue(e, Verdict.clean());
        Wait.until("the Error thrown", Duration.ofSeconds(20), () -> !armed.get());

        hop = startHop(port);
        awaitMessages(hop, 1, 20_000);
        Wait.until("DELIVERED logged", Duration.ofSeconds(20), () -> log.statuses("k1").contains(DeliveryStatus.DELIVERED));
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void deferredMessageIsDeliveredAfterARestartOfSpoolAndDelivery() throws Exception {
        int port = Wait.freePort();
        Path spoolDir = dir.resolve("spool");
        Spool spool = new Spool(spoolDir);
        Delivery first = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)),
                Clock.systemUTC());
        byte[] original = Mail.message("restart");
        first.enqueue(spool.write("r1", "r1", Mail.envelope(), null, original), Verdict.clean());
        Wait.until("DEFERRED logged", Duration.ofSeconds(20), () -> log.statuses("r1").contains(DeliveryStatus.DEFERRED));
        first.close(); // "crash": the retry is only in the state file now

        hop = startHop(port);
        Spool reopened = new Spool(spoolDir);
        delivery = new Delivery(reopened, log, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1)),
                Clock.systemUTC());
        delivery.start();
        awaitMessages(hop, 1, 20_000);
        assertThat(endsWith(raw(hop.getReceivedMessages()[0]), original)).isTrue();
        Wait.until("spool empty", Duration.ofSeconds(20), () -> reopened.entries().isEmpty());
        Thread.sleep(300);
        assertThat(hop.getReceivedMessages()).hasSize(1);
    }

    @Test
    void deferredPastTheGiveUpPeriodFails() throws Exception {
        int port = Wait.freePort();
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", port, Duration.ofSeconds(1))
                .withGiveUp(Duration.ofMillis(1)), Clock.systemUTC());
        delivery.enqueue(spool.write("g1", "g1", Mail.envelope(), null, Mail.message("x")), Verdict.clean());
        Wait.until("FAILED logged", Duration.ofSeconds(20), () -> log.statuses("g1").contains(DeliveryStatus.FAILED));
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void emptyRelayHostWritesAnEmlFileIntoTheLocalFolder() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        Path folder = dir.resolve("delivered");
        delivery = new Delivery(spool, log, DeliverySettings.local(folder), Clock.systemUTC());
        byte[] original = Mail.message("local");
        delivery.enqueue(spool.write("l1", "l1", Mail.envelope(), null, original), Verdict.clean());
        Path eml = folder.resolve("l1.eml");
        Wait.until("file written", Duration.ofSeconds(20), () -> log.statuses("l1").contains(DeliveryStatus.DELIVERED));
        byte[] written = Files.readAllBytes(eml);
        // the envelope first, as a local delivery agent writes it: a program picking the file up needs it
        assertThat(new String(written, StandardCharsets.US_ASCII)).startsWith(
                "Return-Path: <sender@example.com>\r\nDelivered-To: user@example.org\r\nReceived: ");
        assertThat(endsWith(written, original)).isTrue();
        try (var s = Files.list(folder)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("l1.eml");
        }
        // readable by the gateway's user and its group (a pickup process), never by every account on the host
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(eml)))
                .isEqualTo("rw-r-----");
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void aFolderCopyNamesEveryEnvelopeRecipientEvenThoseInNoHeader() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        Path folder = dir.resolve("delivered");
        delivery = new Delivery(spool, log, DeliverySettings.local(folder), Clock.systemUTC());
        // bcc@example.org is in no header of the message: only the envelope says it is for them
        Envelope env = new Envelope("", List.of("a@example.org", "bcc@example.org"), "192.0.2.7", "mx.example.com",
                false, java.time.Instant.now(), Direction.INBOUND, null);
        delivery.enqueue(spool.write("l2", "l2", env, null, Mail.message("two")), Verdict.clean());
        Wait.until("file written", Duration.ofSeconds(20), () -> log.statuses("l2").contains(DeliveryStatus.DELIVERED));
        String written = Files.readString(folder.resolve("l2.eml"), StandardCharsets.UTF_8);
        assertThat(written).startsWith("Return-Path: <>\r\nDelivered-To: a@example.org\r\n"
                + "Delivered-To: bcc@example.org\r\nReceived: from mx.example.com");
    }

    @Test
    void envelopeLinesCannotBreakTheHeader() {
        Envelope env = new Envelope("evil\r\nX-Injected: 1@example.com", List.of("b<o>b@example.org", "j\u00f6rg@b\u00fccher.example"),
                null, null, false, java.time.Instant.now(), Direction.INBOUND, null);
        String lines = new String(Delivery.envelopeLines(env, env.recipients()), StandardCharsets.UTF_8);
        assertThat(lines).isEqualTo("Return-Path: <evil__X-Injected: 1@example.com>\r\n"
                + "Delivered-To: b_o_b@example.org\r\nDelivered-To: j\u00f6rg@b\u00fccher.example\r\n");
        assertThat(lines.split("\r\n")).hasSize(3);
    }
}
