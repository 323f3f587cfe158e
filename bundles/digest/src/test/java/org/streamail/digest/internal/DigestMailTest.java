package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;

class DigestMailTest {

    static final Instant NOW = Instant.parse("2026-12-07T08:00:00Z");
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    static MimeMessage parse(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }

    @Test
    void aDigestIsAPlainTextMailWithTheTimesInTheConfiguredZone() throws Exception {
        byte[] raw = DigestMail.build("quarantine@corp.example", "bob@corp.example", NOW, PARIS,
                NOW.minusSeconds(86_400), List.of(new DigestMail.Item("q-1", Instant.parse("2026-12-06T21:15:00Z"),
                        "offers@shop.example", List.of(Category.SPAM, Category.INFO, Category.POLICY))), 0,
                "https://gw.corp.example/streamail/digest/v1.abc.def", NOW.plusSeconds(14 * 86_400), DigestMail.Outgoing.NONE, "digest.1.ab");
        String text = new String(raw, StandardCharsets.US_ASCII);
        assertThat(text).doesNotContain("\n\n").doesNotContain("\r\r");
        assertThat(text.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        MimeMessage m = parse(raw);
        assertThat(m.getSubject()).isEqualTo("Quarantine: 1 message held for you");
        assertThat(m.getFrom()[0].toString()).isEqualTo("Streamail quarantine <quarantine@corp.example>");
        assertThat(m.getHeader("Auto-Submitted", null)).isEqualTo("auto-generated");
        assertThat(m.getHeader(DigestMail.MARK_FIELD, null)).isEqualTo("bob@corp.example");
        assertThat(m.getMessageID()).isEqualTo("<digest.1.ab@corp.example>");
        assertThat(m.getContentType()).startsWith("text/plain; charset=UTF-8");
        String body = (String) m.getContent();
        assertThat(body).contains("1 message addressed to bob@corp.example was held in quarantine between"
                + " 6 Dec 2026 09:00 and 7 Dec 2026 09:00 (Europe/Paris)")
                .contains("6 Dec 2026 22:15  from offers@shop.example  (spam, blocked by a rule)  ref q-1")
                .contains("https://gw.corp.example/streamail/digest/v1.abc.def")
                .contains("It works until 21 Dec 2026 09:00.");
    }

    @Test
    void hostileOrForeignSendersStayOnOneLineAndNonAsciiTextIsBase64() throws Exception {
        String sender = "evil\r\nBcc: all@corp.example\u202Egpj.exe@\u00e9xample.com";
        byte[] raw = DigestMail.build("quarantine@corp.example", "bob@corp.example", NOW, ZoneId.of("UTC"),
                NOW.minusSeconds(3600), List.of(new DigestMail.Item("q-2", NOW.minusSeconds(60), sender,
                        List.of(Category.MALWARE))), 3, "", NOW, DigestMail.Outgoing.NONE, "digest.2.cd");
        String text = new String(raw, StandardCharsets.US_ASCII);
        assertThat(text).contains("Content-Transfer-Encoding: base64").doesNotContain("Bcc:");
        MimeMessage m = parse(raw);
        assertThat(m.getHeader("Bcc")).isNull();
        String body = (String) m.getContent();
        assertThat(body).contains("from evil Bcc: all@corp.examplegpj.exe@\u00e9xample.com  (dangerous content)")
                .doesNotContain("\u202E").contains("and 3 more").contains("4 messages addressed to")
                .contains("ask your IT department").doesNotContain("/streamail/digest/");
    }

    @Test
    void theSubjectCountsBothKindsAndAHostileRecipientOfTheUsersMailStaysOnOneLine() throws Exception {
        assertThat(DigestMail.subject(2, 1)).isEqualTo("2 messages held for you, 1 you sent");
        assertThat(DigestMail.subject(1, 0)).isEqualTo("1 message held for you");
        assertThat(DigestMail.subject(0, 3)).isEqualTo("3 messages you sent held");
        String rcpt = "x@ext.example\r\nBcc: all@corp.example\u202E";
        byte[] raw = DigestMail.build("quarantine@corp.example", "bob@corp.example", NOW, ZoneId.of("UTC"),
                NOW.minusSeconds(3600), List.of(), 0, "", NOW, new DigestMail.Outgoing(List.of(new DigestMail.Item(
                        "o-1", NOW.minusSeconds(60), rcpt, 4, List.of(Category.PHISHING))), 2), "digest.4.ef");
        MimeMessage m = parse(raw);
        assertThat(m.getSubject()).isEqualTo("Quarantine: 3 messages you sent held");
        assertThat(m.getHeader("Bcc")).isNull();
        String body = (String) m.getContent();
        assertThat(body).contains("3 messages you sent from bob@corp.example were held between")
                .contains("  to x@ext.example Bcc: all@corp.example and 4 more  (phishing or fraud)  ref o-1\r\n")
                .contains("  and 2 more\r\n").doesNotContain("\u202E").doesNotContain("addressed to")
                .doesNotContain("quarantine page");
    }

    @Test
    void theNullSenderIsShownAsSuch() {
        String body = DigestMail.body("bob@corp.example", NOW, ZoneId.of("UTC"), NOW.minusSeconds(60),
                List.of(new DigestMail.Item("q-3", NOW, "", List.of())), 0, "", NOW, DigestMail.Outgoing.NONE);
        assertThat(body).contains("from <>  (held)  ref q-3");
    }

    @Test
    void addressesThatCouldInjectHeadersAreRefused() {
        assertThatThrownBy(() -> DigestMail.build("quarantine@corp.example", "bob@corp.example\r\nBcc: x@y.example",
                NOW, ZoneId.of("UTC"), NOW, List.of(), 0, "", NOW, DigestMail.Outgoing.NONE, "t")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DigestMail.build("Quarantine <q@corp.example>", "bob@corp.example", NOW,
                ZoneId.of("UTC"), NOW, List.of(), 0, "", NOW, DigestMail.Outgoing.NONE, "t")).isInstanceOf(IllegalArgumentException.class);
    }
}
