package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MailTraitsTest {

    private static MimeText.Extracted parsed(String message) {
        return MimeText.read(message.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static Set<String> traits(String message) {
        Set<String> out = new LinkedHashSet<>();
        MailTraits.message(parsed(message), out::add);
        return out;
    }

    private static final String ORDINARY_HEAD = """
            Received: from mail.example.org (mail.example.org [192.0.2.10])
            \tby mx.example.net with ESMTP id 1; Fri, 23 Aug 2002 16:13:49 +0100
            From: Alice Example <alice@example.org>
            To: bob@example.net
            Date: Fri, 23 Aug 2002 16:13:49 +0100
            Message-ID: <1234@mail.example.org>
            Subject: Minutes of Tuesday's meeting
            """;

    @Test
    void anOrdinaryMessageRaisesNoRedFlag() {
        Set<String> t = traits(ORDINARY_HEAD + """
                Content-Type: text/html

                <html><body bgcolor="#ffffff"><p><font color="#000000" size="2">See
                <a href="http://www.example.org/minutes">www.example.org/minutes</a>, and the
                <a href="http://lists.example.org/">list</a>.</font></p></body></html>
                """);
        assertThat(t.stream().filter(MailTraits::isRedFlag)).isEmpty();
        assertThat(t).contains("link.hosts#1", "rcvd.hops#1");
    }

    @Test
    void deceptiveLinksConcealedTextAndMalformedHeadersAreFlagged() {
        Set<String> t = traits("""
                Received: from [203.0.113.9] (unknown [203.0.113.9])
                \tby mx.example.net with SMTP id 2; Fri, 23 Aug 2002 16:13:49 +0100
                From: "support@bank.example" <x4711@mailer.example>
                To: undisclosed-recipients:;
                Date: 23 Aug 02 16:13
                Message-ID: 98765
                Subject: Your account                      48213
                Content-Type: text/html
                Content-Transfer-Encoding: base64

                """ + java.util.Base64.getMimeEncoder().encodeToString("""
                <html><body><a href="http://203.0.113.9:8080/login">https://www.bank.example/login</a>
                <a href="http://bank.example@evil.example/">here</a> <a href="http://3232235777/">x</a>
                <div style="display: none">filler words</div><span style="font-size:1px">more</span>
                <font color="#FFF">white on white</font> via<!-- x -->gra</body></html>
                """.getBytes(StandardCharsets.US_ASCII)) + "\n");
        assertThat(t).contains("link.text-host-mismatch", "link.ip-host", "link.port", "link.userinfo",
                "link.encoded-host", "html.hidden", "html.tiny-text", "html.same-colour", "html.comment-split",
                "body.b64-text", "hdr.to-undisclosed", "hdr.date-shape", "hdr.mid-malformed", "hdr.subj-id",
                "hdr.from-name-addr", "hdr.from-digits", "rcvd.helo-ip", "rcvd.no-rdns");
    }

    @Test
    void whiteTextOnAColouredCellIsNotConcealment() {
        Set<String> t = traits(ORDINARY_HEAD + """
                Content-Type: text/html

                <html><body><table><tr><td bgcolor="#003366"><font color="#ffffff">Our news</font></td></tr></table>
                </body></html>
                """);
        assertThat(t).doesNotContain("html.same-colour");
    }

    @Test
    void theTraitsOfAMessageDoNotDependOnItBeingSentAsHtml() {
        String head = ORDINARY_HEAD.replace("Subject: Minutes of Tuesday's meeting", "Subject: FREE $$$ NOW!!");
        String plain = head + """
                Content-Type: text/plain

                Visit http://192.0.2.99/offer today.
                """;
        String html = head + """
                Content-Type: multipart/alternative; boundary="b"

                --b
                Content-Type: text/plain

                Visit http://192.0.2.99/offer today.
                --b
                Content-Type: text/html

                <html><body bgcolor="#ffffff"><table><tr><td><font face="Arial" size="2"><p>Visit
                <a href="http://192.0.2.99/offer">http://192.0.2.99/offer</a> today.</p></font></td></tr></table></body></html>
                --b--
                """;
        Set<Tokenizer.Family> traitsOnly = EnumSet.of(Tokenizer.Family.TRAITS);
        Set<Long> p = Arrays.stream(Tokenizer.features(parsed(plain), traitsOnly)).boxed().collect(Collectors.toSet());
        Set<Long> h = Arrays.stream(Tokenizer.features(parsed(html), traitsOnly)).boxed().collect(Collectors.toSet());
        assertThat(h).isEqualTo(p);
        // by default the red flags (not the commercial style of the Subject) and their count
        assertThat(p).containsExactlyInAnyOrder(Tokenizer.hash("tr:link.ip-host"), Tokenizer.hash("tr:flags>=1"));
        assertThat(Tokenizer.labels(parsed(plain), traitsOnly, p).values())
                .containsExactlyInAnyOrder("trait \"link.ip-host\"", "trait \"flags>=1\"");
    }

    @Test
    void hostileMarkupIsScannedInBoundedTime() {
        StringBuilder sb = new StringBuilder(ORDINARY_HEAD + "Content-Type: text/html\n\n<body ");
        for (int i = 0; i < 100_000; i++) {
            sb.append("<a href=\"http://x.example/\" <font size color= <!-- display font-size: ");
        }
        long t0 = System.nanoTime();
        traits(sb.toString());
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5.0);
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 300; i++) {
            byte[] junk = new byte[r.nextInt(3000)];
            r.nextBytes(junk);
            MailTraits.message(MimeText.read(junk), x -> { });
            MailTraits.html(new String(junk, StandardCharsets.ISO_8859_1), "", new LinkedHashSet<>());
        }
    }
}
