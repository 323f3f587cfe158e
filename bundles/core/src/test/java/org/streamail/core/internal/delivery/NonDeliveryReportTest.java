package org.streamail.core.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.core.internal.delivery.NonDeliveryReport.Failure;
import org.streamail.core.internal.delivery.NonDeliveryReport.Kind;

/** The report's pieces without a network: header extraction, sanitising, status codes, the MIME shape. */
class NonDeliveryReportTest {

    private static final Envelope SENT = new Envelope("sender@example.com", List.of("a@example.org"), "192.0.2.7",
            "mx.example.com", false, Instant.parse("2026-12-03T10:00:05Z"), Direction.INBOUND, null);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void theReturnedHeaderStopsAtTheBlankLineDropsOurFieldsWithTheirFoldsAndEndsLinesWithCrlf() {
        byte[] h = NonDeliveryReport.header(ascii("From: a@example.com\nX-Streamail-Score: 9.0\n\tfolded\n"
                + "x-streamail-verdict: TAG\r\nSubject: hi\r\n\tthere\r\n\r\nbody line\r\nX-Streamail-Score: 1\r\n"));
        assertThat(new String(h, StandardCharsets.US_ASCII))
                .isEqualTo("From: a@example.com\r\nSubject: hi\r\n\tthere\r\n");
    }

    @Test
    void theReturnedHeaderIsBoundedAndCutAtALineEnd() {
        StringBuilder b = new StringBuilder();
        int i = 0;
        while (b.length() < 200_000) {
            b.append("X-Filler-").append(i++).append(": ").append("y".repeat(100)).append("\r\n");
        }
        b.append("\r\nbody\r\n");
        byte[] h = NonDeliveryReport.header(ascii(b.toString()).clone());
        assertThat(h.length).isLessThanOrEqualTo(NonDeliveryReport.MAX_HEADER_BYTES);
        assertThat(h.length).isGreaterThan(NonDeliveryReport.MAX_HEADER_BYTES - 200);
        String s = new String(h, StandardCharsets.US_ASCII);
        assertThat(s).endsWith("y\r\n").startsWith("X-Filler-0: ");
        // one long line that never ends within the bound: nothing half-cut is returned
        assertThat(NonDeliveryReport.header(ascii("Subject: ok\r\nX-Long: " + "z".repeat(100_000)))).isEqualTo(
                ascii("Subject: ok\r\n"));
        // a message that is all header (no blank line) is returned whole
        assertThat(NonDeliveryReport.header(ascii("Subject: only\r\nFrom: x@y"))).isEqualTo(
                ascii("Subject: only\r\nFrom: x@y\r\n"));
    }

    @Test
    void sanitisingHidesTheHopItsSiblingsAndAddressesButKeepsMailAddressesAndTimes() {
        String s = NonDeliveryReport.sanitise("550 5.1.1 user unknown at mx1.corp.example.net, see MX2.Corp.Example.Net"
                + " [10.1.2.3] [IPv6:2001:db8::7] fe80::1 at 10:00:00 for bob@corp.example.net\r\n\tmore",
                List.of("mx1.corp.example.net", ""));
        assertThat(s).isEqualTo("550 5.1.1 user unknown at the next mail server, see the next mail server"
                + " [the next mail server] [the next mail server] the next mail server at 10:00:00 for"
                + " bob@corp.example.net more");
        assertThat(NonDeliveryReport.sanitise("451 " + "x".repeat(2000), List.of())).hasSize(
                NonDeliveryReport.MAX_DIAGNOSTIC + 3).endsWith("...");
        assertThat(NonDeliveryReport.sanitise("550 caf\u00e9\u0000", List.of())).isEqualTo("550 caf?");
        // a two-label relay host has no parent to hide: only the name itself
        assertThat(NonDeliveryReport.sanitise("550 no at relay.lan or other.lan", List.of("relay.lan")))
                .isEqualTo("550 no at the next mail server or other.lan");
    }

    @Test
    void theStatusIsTheRepliesOwnPermanentCodeElseADefaultPerKind() {
        assertThat(NonDeliveryReport.statusCode(new Failure("a@x", "550 5.1.1 no", Kind.REFUSED))).isEqualTo("5.1.1");
        assertThat(NonDeliveryReport.statusCode(new Failure("a@x", "552-5.2.2 full", Kind.REFUSED))).isEqualTo("5.2.2");
        assertThat(NonDeliveryReport.statusCode(new Failure("a@x", "550 no such user", Kind.REFUSED))).isEqualTo("5.0.0");
        assertThat(NonDeliveryReport.statusCode(new Failure("a@x", "550 4.2.0 odd", Kind.REFUSED))).isEqualTo("5.0.0");
        assertThat(NonDeliveryReport.statusCode(new Failure("a@x", "550 5.1.1.9 odd", Kind.REFUSED))).isEqualTo("5.0.0");
        assertThat(NonDeliveryReport.statusCode(new Failure("a@x", "451 4.2.0 busy", Kind.EXPIRED))).isEqualTo("5.4.7");
        assertThat(NonDeliveryReport.statusCode(new Failure("a b", "invalid address: x", Kind.INVALID))).isEqualTo("5.1.3");
    }

    @Test
    void aRecipientOutsidePrintableAsciiIsWrittenAsAnRfc6533Utf8Address() {
        assertThat(NonDeliveryReport.recipientField("bob@example.org")).isEqualTo("rfc822; bob@example.org");
        assertThat(NonDeliveryReport.recipientField("j\u00f6rg@b\u00fccher.example"))
                .isEqualTo("utf-8; j\\x{F6}rg@b\\x{FC}cher.example");
    }

    @Test
    void theReportIsAThreePartReportInSevenBitThatJakartaMailReadsBack() throws Exception {
        byte[] header = NonDeliveryReport.header(ascii("Subject: cafe 7bit\r\n\r\nbody"));
        byte[] eightBit = NonDeliveryReport.header("Subject: caf\u00e9\r\n\r\nbody".getBytes(StandardCharsets.UTF_8));
        for (byte[] h : List.of(header, eightBit)) {
            byte[] raw = NonDeliveryReport.build("r1", "gw.example", "o1", SENT, h,
                    List.of(new Failure("j\u00f6rg@example.org", "550 5.1.1 gone", Kind.REFUSED),
                            new Failure("a@example.org", "451 4.3.0 later", Kind.EXPIRED)),
                    List.of(), Duration.ofDays(5), Instant.parse("2026-12-04T00:00:00Z"));
            for (byte x : raw) {
                assertThat(x).as("7bit").isBetween((byte) 1, (byte) 127);
            }
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            assertThat(m.getHeader("MIME-Version")).containsExactly("1.0");
            assertThat(m.getMessageID()).isEqualTo("<r1@gw.example>");
            assertThat(m.getHeader("To")).containsExactly("sender@example.com");
            MimeMultipart mp = (MimeMultipart) m.getContent();
            assertThat(mp.getCount()).isEqualTo(3);
            String text = new String(mp.getBodyPart(0).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(text).contains("<j\u00f6rg@example.org>: the next mail server refused it permanently:",
                    "<a@example.org>: it could not be delivered within 5 days; the next mail server last answered:\r\n"
                            + "    451 4.3.0 later");
            String status = new String(mp.getBodyPart(1).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(status).contains("Final-Recipient: utf-8; j\\x{F6}rg@example.org\r\nAction: failed\r\n"
                    + "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 gone\r\n");
            assertThat(status).contains("Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.4.7\r\n"
                    + "Diagnostic-Code: smtp; 451 4.3.0 later\r\n");
            String returned = new String(mp.getBodyPart(2).getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(returned).startsWith("Subject: caf").doesNotContain("body");
        }
        assertThatThrownBy(() -> NonDeliveryReport.build("r1", "gw.example", "o1", SENT, header, List.of(), List.of(),
                Duration.ofDays(1), Instant.now())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusalsKeptInTheDeliveryStateSurviveARoundTripThroughTheSpoolFormat() {
        Delivery.State st = new Delivery.State(Action.DELIVER, 0.0, List.of(), 1, Instant.EPOCH, Instant.EPOCH, "451",
                List.of("temp@example.org"), true, Map.of("perm@example.org", "550 5.1.1 no\tsuch\nuser"));
        Delivery.State back = Delivery.State.from(st.toMap());
        assertThat(back.refused).containsExactly(Map.entry("perm@example.org", "550 5.1.1 no such user"));
        assertThat(back.pending).containsExactly("temp@example.org");
        // a state written before this field existed reads as "nothing refused"
        Map<String, String> old = new java.util.LinkedHashMap<>(st.toMap());
        old.remove("refused");
        assertThat(Delivery.State.from(old).refused).isEmpty();
    }
}
