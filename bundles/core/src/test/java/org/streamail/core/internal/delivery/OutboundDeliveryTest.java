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
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.core.internal.delivery.DeliverySettings.Hop;
import org.streamail.core.internal.delivery.DeliverySettings.Tls;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.support.Mail;
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/** Mail from the organisation to the Internet: its own next hop, internal hops hidden, encryption levels. */
class OutboundDeliveryTest {

    /** What an internal mail server hands over: its hops and a webmail client-address header. */
    static final String INTERNAL = "Received: from ws12.corp.internal ([10.1.2.3])\r\n"
            + "\tby exch01.corp.internal with ESMTP id 77; Thu, 3 Dec 2026 10:00:00 +0000\r\n"
            + "X-Originating-IP: [10.1.2.3]\r\n"
            + "Received-SPF: none\r\n"
            + "From: alice@example.org\r\nTo: partner@far.example\r\nSubject: quarterly figures\r\n"
            + "Message-ID: <q1@example.org>\r\n\r\n"
            + "Hello partner.\r\nReceived: this line is body text and stays.\r\n";

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private GreenMail smarthost;
    private GreenMail internal;

    @AfterEach
    void stop() {
        if (delivery != null) {
            delivery.close();
        }
        for (GreenMail g : new GreenMail[] {smarthost, internal}) {
            if (g != null) {
                g.stop();
            }
        }
    }

    private static GreenMail start() {
        ServerSetup setup = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP);
        setup.setServerStartupTimeout(30_000);
        GreenMail g = new GreenMail(setup);
        g.start();
        return g;
    }

    private static Envelope outbound(String clientIp, String helo) {
        return new Envelope("alice@example.org", List.of("partner@far.example"), clientIp, helo, false, Instant.now(),
                Direction.OUTBOUND, null);
    }

    private static String text(MimeMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void outboundMailGoesToTheSmarthostWithoutAnyTraceOfTheInside() throws Exception {
        smarthost = start();
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered"))
                .withOutbound(new Hop("127.0.0.1", smarthost.getSmtp().getPort(), dir.resolve("unused"), Tls.MAY), true),
                Clock.systemUTC());
        delivery.enqueue(spool.write("o1", "o1", outbound("10.1.2.3", "exch01.corp.internal"), null,
                INTERNAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());

        DeliveryTest.awaitMessages(smarthost, 1, 20_000);
        String sent = text(smarthost.getReceivedMessages()[0]);
        String ours = sent.substring(sent.indexOf("Received: by gateway.test"));
        assertThat(ours).startsWith("Received: by gateway.test (Streamail) with ESMTP id o1\r\n\tfor <partner@far.example>; ");
        assertThat(ours).doesNotContain("10.1.2.3", "corp.internal", "X-Originating-IP")
                .contains("Received-SPF: none\r\n", "Subject: quarterly figures\r\n", "Message-ID: <q1@example.org>\r\n")
                .contains("\r\n\r\nHello partner.\r\nReceived: this line is body text and stays.");
        Wait.until("DELIVERED logged", Duration.ofSeconds(20), () -> log.statuses("o1").contains(DeliveryStatus.DELIVERED));
        // inbound mail is untouched by any of this: nothing went to its folder
        assertThat(dir.resolve("delivered")).doesNotExist();
    }

    @Test
    void withHidingOffOutboundMailKeepsItsHeadersAndOurTraceNamesTheClient() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        Path folder = dir.resolve("out");
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered"))
                .withOutbound(new Hop("", 25, folder, Tls.NONE), false), Clock.systemUTC());
        delivery.enqueue(spool.write("o2", "o2", outbound("10.1.2.3", "exch01.corp.internal"), null,
                INTERNAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());
        Wait.until("written", Duration.ofSeconds(20), () -> log.statuses("o2").contains(DeliveryStatus.DELIVERED));
        String written = Files.readString(folder.resolve("o2.eml"), StandardCharsets.ISO_8859_1);
        assertThat(written).startsWith("Return-Path: <alice@example.org>\r\nDelivered-To: partner@far.example\r\n"
                + "Received: from exch01.corp.internal (exch01.corp.internal [10.1.2.3])")
                .endsWith(INTERNAL);
        assertThat(log.changes.get(log.changes.size() - 1).detail()).isEqualTo("written to the outbound folder as o2.eml");
    }

    @Test
    void taggedOutboundMailDoesNotTellTheOutsideWorldOurVerdict() throws Exception {
        Spool spool = new Spool(dir.resolve("spool"));
        Path folder = dir.resolve("out");
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered"))
                .withOutbound(new Hop("", 25, folder, Tls.NONE), true), Clock.systemUTC());
        delivery.enqueue(spool.write("o5", "o5", outbound("10.1.2.3", "exch01"), null,
                ("X-Streamail-Verdict: TAG SPAM\r\n" + INTERNAL).getBytes(StandardCharsets.US_ASCII)),
                new Verdict(org.streamail.api.model.Action.TAG, 6.0, List.of(org.streamail.api.model.Category.PHISHING),
                        List.of(), "score 6.0 >= tag.score 5.0"));
        Wait.until("written", Duration.ofSeconds(20), () -> log.statuses("o5").contains(DeliveryStatus.DELIVERED));
        String written = Files.readString(folder.resolve("o5.eml"), StandardCharsets.ISO_8859_1);
        assertThat(written.substring(written.indexOf("Received: "))).startsWith("Received: by gateway.test").doesNotContain("X-Streamail", "10.1.2.3")
                .contains("Subject: quarterly figures");
    }

    @Test
    void eachDirectionGoesToItsOwnHopEvenWithConnectionsKept() throws Exception {
        smarthost = start();
        internal = start();
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", internal.getSmtp().getPort(),
                Duration.ofSeconds(1)).withRelayReuse(Duration.ofSeconds(30))
                .withOutbound(new Hop("127.0.0.1", smarthost.getSmtp().getPort(), dir.resolve("unused"), Tls.NONE), true),
                Clock.systemUTC());
        delivery.enqueue(spool.write("i1", "i1", Mail.envelope(), null, Mail.message("in one")), Verdict.clean());
        DeliveryTest.awaitMessages(internal, 1, 20_000);
        delivery.enqueue(spool.write("o3", "o3", outbound("10.1.2.3", "exch01"), null,
                INTERNAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());
        DeliveryTest.awaitMessages(smarthost, 1, 20_000);
        delivery.enqueue(spool.write("i2", "i2", Mail.envelope(), null, Mail.message("in two")), Verdict.clean());
        DeliveryTest.awaitMessages(internal, 2, 20_000);
        Thread.sleep(300);
        assertThat(internal.getReceivedMessages()).extracting(MimeMessage::getSubject)
                .containsExactly("in one", "in two");
        assertThat(smarthost.getReceivedMessages()).extracting(MimeMessage::getSubject)
                .containsExactly("quarterly figures");
    }

    @Test
    void requiredEncryptionToAHopWithoutStarttlsDefersRatherThanSendingInClear() throws Exception {
        smarthost = start(); // GreenMail offers no STARTTLS
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.local(dir.resolve("delivered"))
                .withOutbound(new Hop("127.0.0.1", smarthost.getSmtp().getPort(), dir.resolve("unused"), Tls.ENCRYPT),
                        true), Clock.systemUTC());
        delivery.enqueue(spool.write("o4", "o4", outbound("10.1.2.3", "exch01"), null,
                INTERNAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());
        Wait.until("DEFERRED logged", Duration.ofSeconds(20), () -> log.statuses("o4").contains(DeliveryStatus.DEFERRED));
        assertThat(log.changes.get(log.changes.size() - 1).detail()).containsIgnoringCase("STARTTLS");
        Thread.sleep(300);
        assertThat(smarthost.getReceivedMessages()).isEmpty();
    }

    @Test
    void opportunisticEncryptionToAHopWithoutStarttlsSendsInClear() throws Exception {
        internal = start();
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", internal.getSmtp().getPort(),
                Duration.ofSeconds(1)).withInbound(new Hop("127.0.0.1", internal.getSmtp().getPort(),
                        dir.resolve("unused"), Tls.MAY)), Clock.systemUTC());
        delivery.enqueue(spool.write("m1", "m1", Mail.envelope(), null, Mail.message("may")), Verdict.clean());
        DeliveryTest.awaitMessages(internal, 1, 20_000);
    }

    @Test
    void aTlsLevelOutsideTheFourIsRefusedNamingTheProperty() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Tls.of("outbound.relay.tls", "sometimes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("outbound.relay.tls must be one of none, may, encrypt, verify; got 'sometimes'");
        assertThat(Tls.of("relay.tls", " Verify ")).isEqualTo(Tls.VERIFY);
    }
}
