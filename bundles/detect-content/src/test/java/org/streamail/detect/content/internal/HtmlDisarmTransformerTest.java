package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.testsupport.InMemoryQuarantineStore;

class HtmlDisarmTransformerTest {
    static final Envelope ENVELOPE = Envelope.inbound("news@shop.example", List.of("alice@corp.example"),
            "192.0.2.7", "mx.shop.example");
    static final Finding SCRIPT = new Finding("content", "html-script", 5, Category.MALWARE, "<script> element",
            "html body");
    static final byte[] PDF = Samples.pdf("");

    final InMemoryQuarantineStore store = new InMemoryQuarantineStore();
    final HtmlDisarmTransformer transformer = new HtmlDisarmTransformer(true, 8 * 1024 * 1024, store);

    static Verdict verdict(Action action, Finding... findings) {
        List<Finding> f = List.of(findings);
        return new Verdict(action, 5, Verdict.categoriesOf(f), f, "score 5.0 >= tag.score 5.0");
    }

    static String qp(String s) {
        return s.replace("=", "=3D");
    }

    static String b64(byte[] b) {
        return Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(b);
    }

    /** A newsletter: alternative text + HTML (with script), an HTML attachment, a PDF and a .txt attachment. */
    static String newsletter(String extraHeader) {
        String htmlBody = "<html><body><p onclick=\"x()\">Spring sale, caf\u00e9 prices</p><script>steal()</script>"
                + "<a href=\"https://shop.example/sale\">Shop now</a></body></html>";
        String page = "<html><body><form action=\"https://evil.example/login\"><input name=p></form>"
                + "<script>go()</script></body></html>";
        return extraHeader
                + "From: Shop <news@shop.example>\r\n"
                + "To: alice@corp.example\r\n"
                + "Subject: =?UTF-8?Q?Spring_sale_=E2=80=94_30=25_off?=\r\n"
                + "Message-ID: <n1@shop.example>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed;\r\n\tboundary=\"outer\"\r\n"
                + "\r\n"
                + "This is a multi-part message in MIME format.\r\n"
                + "--outer\r\n"
                + "Content-Type: multipart/alternative; boundary=inner\r\n"
                + "\r\n"
                + "--inner\r\n"
                + "Content-Type: text/plain; charset=ISO-8859-1; format=flowed\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n"
                + "\r\n"
                + "Spring sale, caf=E9 prices. Shop now: https://shop.example/sale\r\n"
                + "--inner\r\n"
                + "Content-Type: text/html; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n"
                + "\r\n"
                + qp(htmlBody).replace("\u00e9", "=C3=A9") + "\r\n"
                + "--inner--\r\n"
                + "\r\n"
                + "--outer\r\n"
                + "Content-Type: application/octet-stream; name=\"page.html\"\r\n"
                + "Content-Disposition: attachment; filename*=UTF-8''page%2Ehtml\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "\r\n"
                + b64(page.getBytes(StandardCharsets.UTF_8)) + "\r\n"
                + "--outer\r\n"
                + "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
                + "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n"
                + "\r\n"
                + b64(PDF) + "\r\n"
                + "--outer\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "Content-Disposition: attachment; filename=\"notes.txt\"\r\n"
                + "\r\n"
                + "<script>not html, a text attachment</script>\r\n"
                + "--outer--\r\n"
                + "epilogue\r\n";
    }

    static final String PDF_PART = "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
            + "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(PDF) + "\r\n--outer";
    static final String TXT_PART = "Content-Disposition: attachment; filename=\"notes.txt\"\r\n\r\n"
            + "<script>not html, a text attachment</script>\r\n--outer--\r\nepilogue\r\n";

    Content apply(String id, Verdict verdict, Content raw) throws Exception {
        return transformer.transform(new Transformation(id, ENVELOPE, verdict, raw));
    }

    static Content content(String s) {
        return Content.of(s.getBytes(StandardCharsets.UTF_8));
    }

    /** Every leaf of the message as Jakarta Mail reads it: {content type, decoded text or "<binary n>"}. */
    static List<String[]> leaves(Content c) throws Exception {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(c.toByteArray()));
        List<String[]> out = new ArrayList<>();
        collect(m, out);
        return out;
    }

    private static void collect(Part p, List<String[]> out) throws Exception {
        Object o = p.getContent();
        if (o instanceof Multipart mp) {
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                collect(bp, out);
            }
        } else if (o instanceof String s) {
            out.add(new String[] {p.getContentType(), s, String.valueOf(p.getFileName())});
        } else {
            byte[] b = p.getInputStream().readAllBytes();
            out.add(new String[] {p.getContentType(), new String(b, StandardCharsets.UTF_8),
                String.valueOf(p.getFileName())});
        }
    }

    @Test
    void aTaggedMessageWithScriptIsDeliveredDisarmedWithABannerAndItsOriginalIsHeld() throws Exception {
        Content raw = content(newsletter(""));
        Content out = apply("m1", verdict(Action.TAG, SCRIPT), raw);

        String text = new String(out.toByteArray(), StandardCharsets.UTF_8);
        assertThat(text).startsWith("X-Streamail-Disarmed: m1-original\r\n");
        assertThat(text.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        List<String[]> leaves = leaves(out);
        assertThat(leaves).hasSize(5);
        String plain = leaves.get(0)[1];
        String html = leaves.get(1)[1];
        String page = leaves.get(2)[1];
        assertThat(plain).startsWith("[Streamail] Active content was removed from the HTML of this message (")
                .contains("m1-original", "Spring sale, caf\u00e9 prices.");
        assertThat(leaves.get(0)[0]).contains("charset=UTF-8", "format=flowed");
        for (String h : List.of(html, page)) {
            assertThat(h.toLowerCase()).doesNotContain("<script", "steal()", "go()", "onclick", "<form");
            assertThat(h).contains("Streamail removed active content from this message", "(id m1-original)");
        }
        assertThat(html).contains("caf\u00e9 prices", "href=\"https://shop.example/sale\"");
        assertThat(html.indexOf("Streamail removed")).isLessThan(html.indexOf("Spring sale"));
        assertThat(leaves.get(2)[2]).isEqualTo("page.html");
        assertThat(leaves.get(2)[0]).startsWith("application/octet-stream");

        // The other attachments, the preamble and the epilogue are the very same bytes.
        assertThat(text).contains(PDF_PART, TXT_PART, "This is a multi-part message in MIME format.\r\n--outer\r\n");
        assertThat(leaves.get(3)[1].getBytes(StandardCharsets.ISO_8859_1)).isNotEmpty();

        QuarantineEntry held = store.get("m1-original").orElseThrow();
        assertThat(store.raw("m1-original")).hasValueSatisfying(b -> assertThat(b).isEqualTo(raw.toByteArray()));
        assertThat(held.verdict().reason()).isEqualTo("original of a disarmed delivery: score 5.0 >= tag.score 5.0");
        assertThat(held.verdict().findings()).containsExactly(SCRIPT);
        assertThat(held.envelope()).isEqualTo(ENVELOPE);
        assertThat(held.messageId()).as("without angle brackets, as the core holds every other entry").isEqualTo("n1@shop.example");
        assertThat(held.subject()).isEqualTo("Spring sale \u2014 30% off");
    }

    @Test
    void theDisarmedCopyGivesTheDetectorNothingActiveToFind() throws Exception {
        Content out = apply("m2", verdict(Action.DELIVER, SCRIPT), content(newsletter("")));
        List<String[]> leaves = leaves(out);
        List<Finding> findings = Samples.scan(Samples.message(leaves.get(0)[1], leaves.get(1)[1],
                Samples.attachment("page.html", "text/html", leaves.get(2)[1].getBytes(StandardCharsets.UTF_8))));
        assertThat(findings).filteredOn(f -> HtmlDisarmTransformer.ACTIVE_HTML_RULES.contains(f.rule())).isEmpty();
    }

    @Test
    void applyingItTwiceGivesOneBannerAndOneHold() throws Exception {
        Content raw = content(newsletter(""));
        Content once = apply("m3", verdict(Action.TAG, SCRIPT), raw);
        Content twice = apply("m3", verdict(Action.TAG, SCRIPT), once);
        assertThat(twice).isSameAs(once);
        // After a crash the core may also transform the stored original again: same copy, still one entry.
        assertThat(apply("m3", verdict(Action.TAG, SCRIPT), raw)).isEqualTo(once);
        assertThat(store.entries).containsOnlyKeys("m3-original");
        String text = new String(twice.toByteArray(), StandardCharsets.UTF_8);
        assertThat(text.split("X-Streamail-Disarmed:", -1)).hasSize(2);
        assertThat(leaves(twice).get(1)[1].split("Streamail removed active content", -1)).hasSize(2);
    }

    @Test
    void aMarkerWrittenByTheSenderDoesNotSwitchDisarmingOff() throws Exception {
        Content out = apply("m4", verdict(Action.TAG, SCRIPT),
                content(newsletter("X-Streamail-Disarmed: m4-originalX\r\nX-Streamail-Disarmed: whatever\r\n")));
        String text = new String(out.toByteArray(), StandardCharsets.UTF_8);
        assertThat(text).startsWith("X-Streamail-Disarmed: m4-original\r\nFrom: Shop");
        assertThat(text).doesNotContain("whatever", "m4-originalX");
        assertThat(leaves(out).get(1)[1]).doesNotContain("<script");
        assertThat(store.entries).containsKey("m4-original");
    }

    @Test
    void disarmHtmlFalseLeavesTheMessageAsItIs() throws Exception {
        HtmlDisarmTransformer off = new HtmlDisarmTransformer(false, 8 * 1024 * 1024, store);
        Content raw = content(newsletter(""));
        assertThat(off.transform(new Transformation("m5", ENVELOPE, verdict(Action.TAG, SCRIPT), raw))).isSameAs(raw);
        assertThat(store.holdCalls).hasValue(0);
    }

    @Test
    void aVerdictWithoutActiveHtmlLeavesTheMessageAsItIs() throws Exception {
        Content raw = content(newsletter(""));
        Finding mismatch = new Finding("content", "type-mismatch", 3, Category.POLICY, "x", "report.pdf");
        Finding phishing = new Finding("phishing", "html-script", 3, Category.PHISHING, "other detector", "html body");
        Finding inArchive = new Finding("content", "html-script", 5, Category.MALWARE, "x", "site.zip!/index.html");
        assertThat(apply("m6", verdict(Action.TAG, mismatch, phishing, inArchive), raw)).isSameAs(raw);
        assertThat(apply("m6", Verdict.clean(), raw)).isSameAs(raw);
        assertThat(apply("m6", verdict(Action.QUARANTINE, SCRIPT), raw)).isSameAs(raw);
        assertThat(store.holdCalls).hasValue(0);
    }

    @Test
    void aSinglePartHtmlMessageIsRewrittenWithItsOtherHeadersKept() throws Exception {
        String msg = "Received: from mx by gw\r\n"
                + "From: a@b.example\r\n"
                + "Subject: hi\r\n"
                + "Content-Type: text/html; charset=\"windows-1252\"\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n"
                + "\r\n"
                + "<meta http-equiv=refresh content=\"0;url=https://evil.example\"><p>Gr\u00fc\u00dfe</p>\r\n";
        Content raw = Content.of(msg.getBytes(StandardCharsets.ISO_8859_1));
        Finding refresh = new Finding("content", "html-meta-refresh", 3, Category.MALWARE, "x", "html body");
        Content out = apply("m7", verdict(Action.DELIVER, refresh), raw);
        String text = new String(out.toByteArray(), StandardCharsets.US_ASCII);
        assertThat(text).startsWith("X-Streamail-Disarmed: m7-original\r\nReceived: from mx by gw\r\nFrom: a@b.example"
                + "\r\nSubject: hi\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                .endsWith("\r\n");
        String html = leaves(out).get(0)[1];
        assertThat(html).contains("Gr\u00fc\u00dfe", "1 meta refresh or header").doesNotContain("evil.example");
    }

    @Test
    void latin1AndAsciiLabelsAreReadAsWindows1252LikeMailClientsDo() throws Exception {
        // Mail clients and browsers read iso-8859-1 and us-ascii as windows-1252 (WHATWG encoding labels):
        // 0x80-0x9F are the euro sign and curly quotes, and 8-bit bytes in "us-ascii" mail are Latin letters.
        for (String label : new String[] {"iso-8859-1", "us-ascii", "\"latin1\""}) {
            String msg = "Subject: hi\r\nContent-Type: text/html; charset=" + label + "\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\n"
                    + "<p onclick=x()>\u0093Caf\u00e9\u0094 \u0080 5</p>\r\n";
            Content raw = Content.of(msg.getBytes(StandardCharsets.ISO_8859_1));
            Finding handler = new Finding("content", "html-event-handler", 3, Category.MALWARE, "x", "html body");
            String html = leaves(apply("m7" + label.length(), verdict(Action.TAG, handler), raw)).get(0)[1];
            assertThat(html).as(label).contains("\u201cCaf\u00e9\u201d \u20ac 5").doesNotContain("onclick");
        }
    }

    @Test
    void withoutACharsetParameterTheHtmlMetaCharsetIsRead() throws Exception {
        // No charset= on Content-Type: a mail client reads the document's own <meta charset>, so must we, or a
        // Cyrillic or Japanese body comes out as Latin-1 mojibake in the disarmed copy.
        String[][] cases = {{"windows-1251", "<meta charset=\"windows-1251\">"},
            {"koi8-r", "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=koi8-r\">"}};
        for (String[] c : cases) {
            String body = "<html><head>" + c[1] + "</head><body><p onclick=x()>\u041f\u0440\u0438\u0432\u0435\u0442</p>"
                    + "</body></html>\r\n";
            byte[] head = "Subject: hi\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            Content raw = Content.of(PartScanner.concat(head, body.getBytes(java.nio.charset.Charset.forName(c[0]))));
            Finding handler = new Finding("content", "html-event-handler", 3, Category.MALWARE, "x", "html body");
            String html = leaves(apply("m-" + c[0], verdict(Action.TAG, handler), raw)).get(0)[1];
            assertThat(html).as(c[0]).contains("\u041f\u0440\u0438\u0432\u0435\u0442").doesNotContain("onclick");
        }
    }

    @Test
    void anHtmlAttachmentNamedOnlyByItsContentTypeNameIsDisarmed() throws Exception {
        // filename= says .txt, name= says .html: a client that uses name= opens it in a browser.
        String msg = "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\n"
                + "Content-Type: application/octet-stream; name=\"invoice.html\"\r\n"
                + "Content-Disposition: attachment; filename=\"invoice.txt\"\r\n\r\n"
                + "<script>location='https://evil.example'</script><p>Invoice</p>\r\n--b--\r\n";
        Finding script = new Finding("content", "html-script", 5, Category.MALWARE, "x", "invoice.txt");
        Content out = apply("m11", verdict(Action.TAG, script), content(msg));
        assertThat(leaves(out).get(1)[1]).contains("Invoice").doesNotContain("<script", "evil.example");
    }

    @Test
    void anHtmlAttachmentNamedInAnUnknownCharsetIsDisarmed() throws Exception {
        // "=?x-no-such-charset?Q?invoice.html?=": a lenient client shows (and opens) invoice.html
        String msg = "Subject: x\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Disposition: attachment; filename=\"=?x-no-such-charset?Q?invoice.html?=\"\r\n\r\n"
                + "<script>location='https://evil.example'</script><p>Invoice</p>\r\n--b--\r\n";
        assertThat(org.streamail.api.mime.EncodedWords.decode("=?x-no-such-charset?Q?invoice.html?=")).isEqualTo("invoice.html");
        Finding script = new Finding("content", "html-script", 5, Category.MALWARE, "x", "invoice.html");
        Content out = apply("m12", verdict(Action.TAG, script), content(msg));
        assertThat(leaves(out).get(1)[1]).contains("Invoice").doesNotContain("<script", "evil.example");
    }

    @Test
    void bareLineFeedsComeOutAsCrlf() throws Exception {
        String msg = "Subject: lf\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\n"
                + "hello\n--b\nContent-Type: text/html\n\n<b onmouseover=x()>hello</b>\n--b--\n";
        Finding handler = new Finding("content", "html-event-handler", 3, Category.MALWARE, "x", "html body");
        Content out = apply("m8", verdict(Action.TAG, handler), content(msg));
        byte[] b = out.toByteArray();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                assertThat(b[i - 1]).as("byte before LF at %d", i).isEqualTo((byte) '\r');
            }
        }
        assertThat(leaves(out).get(1)[1]).doesNotContain("onmouseover").contains("<b>hello</b>");
        assertThat(leaves(out).get(0)[1]).startsWith("[Streamail]").endsWith("hello");
    }

    @Test
    void aMessageNestedBeyondTheBoundIsRefusedAndNothingIsHeld() {
        StringBuilder m = new StringBuilder("Subject: deep\r\n");
        int depth = MimeParts.MAX_DEPTH + 2;
        for (int i = 0; i < depth; i++) {
            m.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i)
                    .append("\r\n");
        }
        m.append("Content-Type: text/html\r\n\r\n<script>x()</script>\r\n");
        for (int i = depth - 1; i >= 0; i--) {
            m.append("--b").append(i).append("--\r\n");
        }
        assertThatThrownBy(() -> apply("m9", verdict(Action.TAG, SCRIPT), content(m.toString())))
                .isInstanceOf(MimeParts.Malformed.class).hasMessageContaining("nesting");
        assertThat(store.holdCalls).hasValue(0);
    }

    @Test
    void activeHtmlOnlyWhereWeDoNotRewriteLeavesTheMessageAsItIs() throws Exception {
        String msg = "Subject: svg\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nsee picture\r\n--b\r\n"
                + "Content-Type: image/svg+xml; name=pic.svg\r\n\r\n<svg><script>x()</script></svg>\r\n--b--\r\n";
        Content raw = content(msg);
        Finding svg = new Finding("content", "html-script", 5, Category.MALWARE, "x", "pic.svg");
        assertThat(apply("m10", verdict(Action.TAG, svg), raw)).isSameAs(raw);
        assertThat(store.holdCalls).hasValue(0);
    }

    @Test
    void aMessageIdThatCannotGoIntoAHeaderIsRefused() {
        assertThatThrownBy(() -> apply("m\r\nBcc: x@evil.example", verdict(Action.TAG, SCRIPT),
                content(newsletter("")))).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.holdCalls).hasValue(0);
    }
}
