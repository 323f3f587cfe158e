package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.BodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
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
import org.streamail.core.internal.support.MemoryMessageLog;
import org.streamail.core.internal.support.Wait;

/**
 * Non-delivery reports end to end over SMTP: a scripted hop refuses, and the report arrives at the other
 * direction's hop, where it is read back with Jakarta Mail. Both hops are {@link ScriptedHop}s: GreenMail 2.1
 * can neither refuse a recipient nor take mail from the null sender {@code <>}, which every report uses.
 */
class BounceTest {

    /** A refusal that names the refusing host and its address, as many servers' replies do. */
    static final String REFUSAL = "550 5.1.1 <perm@example.org>: Recipient address rejected: no such user here"
            + " at localhost [127.0.0.1]";

    static final String ORIGINAL = "Received: from outside.example.com ([198.51.100.9]) by mx.example.com;"
            + " Thu, 3 Dec 2026 10:00:00 +0000\r\n"
            + "X-Streamail-Verdict: TAG SPAM\r\n\tcontinued forged line\r\n"
            + "From: sender@example.com\r\nTo: ok@example.org, perm@example.org\r\nSubject: budget 2027\r\n"
            + "Message-ID: <b1@example.com>\r\n\r\n"
            + "SECRET-BODY-LINE the body never goes back.\r\n";

    @TempDir
    Path dir;

    private final MemoryMessageLog log = new MemoryMessageLog();
    private Delivery delivery;
    private ScriptedHop scripted;
    private ScriptedHop second;
    /** Where the report goes: accepts everything. */
    private ScriptedHop receiver;

    @AfterEach
    void stop() throws Exception {
        if (delivery != null) {
            delivery.close();
        }
        for (ScriptedHop h : new ScriptedHop[] {scripted, second, receiver}) {
            if (h != null) {
                h.close();
            }
        }
    }

    private static ScriptedHop acceptingAll() throws java.io.IOException {
        return new ScriptedHop((rcpt, session) -> null);
    }

    private static Envelope envelope(String sender, Direction direction, String... rcpts) {
        return new Envelope(sender, List.of(rcpts), "192.0.2.7", "mx.example.com", false,
                Instant.parse("2026-12-03T10:00:05Z"), direction, null);
    }

    /** Inbound to the scripted hop on "localhost", outbound (where inbound mail's reports go) to the receiver. */
    private DeliverySettings inboundRefusedReportedOutbound(int scriptedPort) {
        return DeliverySettings.relay("localhost", scriptedPort, Duration.ofMillis(300))
                .withOutbound(new Hop("127.0.0.1", receiver.port(), dir.resolve("unused"), Tls.NONE), true)
                .withBounces(true, true);
    }

    /** The one report the receiver got, checked to come from the null sender to {@code to} alone. */
    private ScriptedHop.Received report(String to) {
        receiver.await(1, Duration.ofSeconds(20));
        ScriptedHop.Received r = receiver.messages.get(0);
        assertThat(r.mailFrom()).as("MAIL FROM").isEqualTo("<>");
        assertThat(r.recipients()).containsExactly(to);
        return r;
    }

    private static String decoded(BodyPart p) throws Exception {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void aRecipientRefusedPermanentlyIsReportedToTheSenderAloneWithItsStatusAndTheHeaderButNoBody()
            throws Exception {
        receiver = acceptingAll();
        scripted = new ScriptedHop((rcpt, session) -> rcpt.startsWith("perm@") ? REFUSAL : null);
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, inboundRefusedReportedOutbound(scripted.port()), Clock.systemUTC());
        delivery.enqueue(spool.write("b1", "b1", envelope("sender@example.com", Direction.INBOUND, "ok@example.org",
                "perm@example.org"), null, ORIGINAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());

        ScriptedHop.Received got = report("sender@example.com");
        MimeMessage dsn = got.parsed();
        assertThat(dsn.getAllRecipients()).extracting(Object::toString).containsExactly("sender@example.com");
        assertThat(dsn.getSubject()).isEqualTo("Undelivered Mail Returned to Sender");
        assertThat(dsn.getFrom()[0].toString()).isEqualTo("Mail Delivery System <MAILER-DAEMON@gateway.test>");
        assertThat(dsn.getHeader("Auto-Submitted")).containsExactly("auto-replied");
        assertThat(dsn.getMessageID()).matches("<[A-Za-z0-9-]+@gateway\\.test>");
        assertThat(dsn.getSentDate()).isNotNull();
        assertThat(dsn.getContentType()).startsWith("multipart/report").contains("report-type=delivery-status");

        MimeMultipart parts = (MimeMultipart) dsn.getContent();
        assertThat(parts.getCount()).isEqualTo(3);
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain");
        assertThat(parts.getBodyPart(1).getContentType()).isEqualTo("message/delivery-status");
        assertThat(parts.getBodyPart(2).getContentType()).isEqualTo("text/rfc822-headers");

        String text = decoded(parts.getBodyPart(0));
        assertThat(text).contains("<perm@example.org>: the next mail server refused it permanently:",
                "550 5.1.1 <perm@example.org>: Recipient address rejected: no such user here at the next mail server"
                        + " [the next mail server]", "reference for your message is b1")
                .doesNotContain("ok@example.org");
        String status = decoded(parts.getBodyPart(1));
        assertThat(status).startsWith("Reporting-MTA: dns; gateway.test\r\nArrival-Date: Thu, 3 Dec 2026 10:00:05 +0000\r\n")
                .contains("\r\n\r\nFinal-Recipient: rfc822; perm@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                        + "Diagnostic-Code: smtp; 550 5.1.1 <perm@example.org>: Recipient address rejected:")
                .doesNotContain("ok@example.org");
        String header = decoded(parts.getBodyPart(2));
        assertThat(header).contains("Subject: budget 2027\r\n", "Message-ID: <b1@example.com>\r\n",
                "Received: from outside.example.com").doesNotContain("X-Streamail", "forged", "SECRET-BODY-LINE");

        String sent = got.text();
        assertThat(sent).startsWith("Received: by gateway.test (Streamail) with ESMTP id ").doesNotContain("localhost", "127.0.0.1", "SECRET-BODY-LINE", "X-Streamail");
        // the recipient that got the message is not in the report; the hop saw the original from its sender
        assertThat(scripted.accepted).containsExactly("ok@example.org");
        assertThat(scripted.mailFrom).containsExactly("<sender@example.com>");
        // the original is DELIVERED (to ok@), the report has its own id in the message log, and is DELIVERED
        Wait.until("report delivered logged", Duration.ofSeconds(10), () -> log.changes.stream()
                .anyMatch(c -> !c.id().equals("b1") && c.status() == DeliveryStatus.DELIVERED));
        assertThat(log.statuses("b1")).containsExactly(DeliveryStatus.DELIVERED);
        assertThat(log.receivedCalls).hasSize(1);
        String reportId = log.receivedCalls.get(0);
        assertThat(log.get(reportId).orElseThrow().envelope().sender()).isEmpty();
        assertThat(log.get(reportId).orElseThrow().verdict().reason()).contains("non-delivery report for b1");
        assertThat(dsn.getMessageID()).isEqualTo("<" + reportId + "@gateway.test>");
        assertThat(log.changes).filteredOn(c -> c.id().equals("b1")).singleElement()
                .satisfies(c -> assertThat(c.detail()).endsWith("; bounce " + reportId + " queued"));
        Wait.until("spool empty", Duration.ofSeconds(10), () -> spool.entries().isEmpty());
    }

    @Test
    void aMessageFromTheNullSenderThatIsRefusedGetsNoReport() throws Exception {
        receiver = acceptingAll();
        scripted = new ScriptedHop((rcpt, session) -> REFUSAL);
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, inboundRefusedReportedOutbound(scripted.port()), Clock.systemUTC());
        delivery.enqueue(spool.write("n1", "n1", envelope("", Direction.INBOUND, "perm@example.org"), null,
                ORIGINAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());

        Wait.until("FAILED logged", Duration.ofSeconds(20), () -> log.statuses("n1").contains(DeliveryStatus.FAILED));
        Thread.sleep(500);
        assertThat(receiver.mailFrom).isEmpty();
        assertThat(log.receivedCalls).isEmpty();
        assertThat(spool.entries()).isEmpty();
    }

    @Test
    void aMessageGivenUpAfterRetriesIsReportedWithoutNamingTheUnreachableHop() throws Exception {
        receiver = acceptingAll();
        int closed = Wait.freePort(); // nothing listens: every attempt fails to connect
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("localhost", closed, Duration.ofMillis(300))
                .withOutbound(new Hop("127.0.0.1", receiver.port(), dir.resolve("unused"), Tls.NONE), true)
                .withBounces(true, true).withGiveUp(Duration.ofMillis(1)), Clock.systemUTC());
        delivery.enqueue(spool.write("g1", "g1", envelope("sender@example.com", Direction.INBOUND, "a@example.org",
                "b@example.org"), null, ORIGINAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());

        ScriptedHop.Received got = report("sender@example.com");
        // the report is queued before the original's FAILED is logged, and can arrive first
        Wait.until("g1 FAILED logged", Duration.ofSeconds(10), () -> !log.statuses("g1").isEmpty());
        assertThat(log.statuses("g1")).containsExactly(DeliveryStatus.FAILED);
        MimeMultipart parts = (MimeMultipart) got.parsed().getContent();
        String text = decoded(parts.getBodyPart(0));
        assertThat(text).contains("<a@example.org>: it could not be delivered within 1 millisecond",
                "<b@example.org>: it could not be delivered", "the next mail server could not be reached.");
        String status = decoded(parts.getBodyPart(1));
        assertThat(status).contains("Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.4.7\r\n",
                "Final-Recipient: rfc822; b@example.org\r\nAction: failed\r\nStatus: 5.4.7\r\n")
                .doesNotContain("Diagnostic-Code"); // no SMTP reply to quote: the hop never answered
        assertThat(got.text()).doesNotContain("localhost", "127.0.0.1", Integer.toString(closed), "unavailable");
    }

    @Test
    void theReportOnAnOutboundMessageGoesToTheInboundHopTheInternalServer() throws Exception {
        receiver = acceptingAll(); // the organisation's own server, inbound hop
        scripted = new ScriptedHop((rcpt, session) -> "554 5.7.1 <" + rcpt + ">: relay access denied");
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("127.0.0.1", receiver.port(),
                Duration.ofMillis(300)).withOutbound(new Hop("localhost", scripted.port(), dir.resolve("unused"),
                        Tls.NONE), true).withBounces(true, false), Clock.systemUTC());
        delivery.enqueue(spool.write("o1", "o1", envelope("alice@example.org", Direction.OUTBOUND,
                "partner@far.example"), null, OutboundDeliveryTest.INTERNAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());

        ScriptedHop.Received got = report("alice@example.org");
        MimeMessage dsn = got.parsed();
        assertThat(dsn.getAllRecipients()).extracting(Object::toString).containsExactly("alice@example.org");
        assertThat(scripted.messages).isEmpty(); // the outbound hop saw the original only, refused
        // made here: our trace line names no client (there is none), even though this hop shows clients
        assertThat(got.text()).startsWith("Received: by gateway.test (Streamail) with ESMTP id ")
                .contains("\r\n\tfor <alice@example.org>; ");
        MimeMultipart parts = (MimeMultipart) dsn.getContent();
        assertThat(decoded(parts.getBodyPart(1))).contains("Final-Recipient: rfc822; partner@far.example\r\n",
                "Status: 5.7.1\r\n", "Diagnostic-Code: smtp; 554 5.7.1 <partner@far.example>: relay access denied\r\n");
        // the internal sender gets back the internal header of what she sent (it stays inside)
        assertThat(decoded(parts.getBodyPart(2))).contains("Subject: quarterly figures\r\n")
                .doesNotContain("Hello partner.");
        assertThat(log.statuses("o1")).containsExactly(DeliveryStatus.FAILED);
    }

    @Test
    void withInboundBouncesOffAnInboundMessageGetsNoReportButAnOutboundOneStillDoes() throws Exception {
        receiver = acceptingAll();
        scripted = new ScriptedHop((rcpt, session) -> REFUSAL);
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, inboundRefusedReportedOutbound(scripted.port()).withBounces(true, false),
                Clock.systemUTC());
        delivery.enqueue(spool.write("i1", "i1", envelope("sender@example.com", Direction.INBOUND,
                "perm@example.org"), null, ORIGINAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());
        Wait.until("FAILED logged", Duration.ofSeconds(20), () -> log.statuses("i1").contains(DeliveryStatus.FAILED));
        Thread.sleep(500);
        assertThat(receiver.mailFrom).isEmpty();
        assertThat(log.receivedCalls).isEmpty();
        assertThat(new DeliverySettings(delivery.settings().inbound(), delivery.settings().outbound(),
                Duration.ofSeconds(1), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(1), "gateway.test", true, false, true).bounces(Direction.OUTBOUND))
                .as("bounce.enabled off wins").isFalse();
        assertThat(delivery.settings().bounces(Direction.OUTBOUND)).isTrue();
        assertThat(delivery.settings().bounces(Direction.INBOUND)).isFalse();
    }

    @Test
    void aRecipientRefusedAtAnEarlierAttemptIsReportedWhenTheMessageEndsAndTheDeliveredOneIsNot()
            throws Exception {
        receiver = acceptingAll();
        // perm@ refused at once, temp@ deferred on the first session and accepted on the next
        scripted = new ScriptedHop((rcpt, session) -> rcpt.startsWith("perm@") ? REFUSAL
                : rcpt.startsWith("temp@") && session == 1 ? "451 4.2.0 mailbox busy" : null);
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, inboundRefusedReportedOutbound(scripted.port()).withRelayReuse(Duration.ZERO),
                Clock.systemUTC());
        delivery.enqueue(spool.write("p1", "p1", envelope("sender@example.com", Direction.INBOUND,
                "perm@example.org", "temp@example.org"), null, ORIGINAL.getBytes(StandardCharsets.US_ASCII)),
                Verdict.clean());

        Wait.until("DEFERRED logged", Duration.ofSeconds(20), () -> log.statuses("p1").contains(DeliveryStatus.DEFERRED));
        // between the attempts nothing is reported yet, and the refusal is kept in the durable state
        assertThat(receiver.mailFrom).isEmpty();
        ScriptedHop.Received got = report("sender@example.com");
        assertThat(log.statuses("p1")).containsExactly(DeliveryStatus.DEFERRED, DeliveryStatus.DELIVERED);
        assertThat(scripted.accepted).containsExactly("temp@example.org");
        MimeMultipart parts = (MimeMultipart) got.parsed().getContent();
        String status = decoded(parts.getBodyPart(1));
        assertThat(status).contains("Final-Recipient: rfc822; perm@example.org", "Status: 5.1.1")
                .doesNotContain("temp@example.org");
        Thread.sleep(300);
        assertThat(receiver.messages).hasSize(1);
    }

    @Test
    void aReportThatFailsInTurnIsNeverReported() throws Exception {
        scripted = new ScriptedHop((rcpt, session) -> REFUSAL); // inbound: refuses the original
        second = new ScriptedHop((rcpt, session) -> "550 5.1.2 no such domain"); // outbound: refuses the report
        Spool spool = new Spool(dir.resolve("spool"));
        delivery = new Delivery(spool, log, DeliverySettings.relay("localhost", scripted.port(), Duration.ofMillis(300))
                .withOutbound(new Hop("localhost", second.port(), dir.resolve("unused"), Tls.NONE), true)
                .withBounces(true, true), Clock.systemUTC());
        delivery.enqueue(spool.write("l1", "l1", envelope("forged@nowhere.example", Direction.INBOUND,
                "perm@example.org"), null, ORIGINAL.getBytes(StandardCharsets.US_ASCII)), Verdict.clean());

        Wait.until("the report FAILED", Duration.ofSeconds(20), () -> log.receivedCalls.size() == 1
                && log.statuses(log.receivedCalls.get(0)).contains(DeliveryStatus.FAILED));
        Thread.sleep(500);
        assertThat(log.receivedCalls).hasSize(1);
        assertThat(second.mailFrom).containsExactly("<>");
        assertThat(log.statuses("l1")).containsExactly(DeliveryStatus.FAILED);
        assertThat(spool.entries()).isEmpty();
    }
}
