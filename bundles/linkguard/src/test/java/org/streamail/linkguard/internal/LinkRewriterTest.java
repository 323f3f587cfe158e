package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LinkRewriterTest {

    static final String PREFIX = "http://gw.example:8181/streamail/click/";
    private static final Pattern CLICK = Pattern.compile(Pattern.quote(PREFIX) + "([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)");
    private static final Set<String> INTERNAL = Set.of("corp.example");

    private final LinkTokens tokens = new LinkTokens(LinkTokensTest.KEY);
    private final LinkRewriter rewriter = new LinkRewriter(tokens, "http://GW.example:8181", Set.of("partner.example"), 500);

    private LinkRewriter.Result rewrite(String msg) throws Exception {
        return rewriter.rewrite(msg.getBytes(StandardCharsets.ISO_8859_1), "m-1", "alice@corp.example", INTERNAL);
    }

    private static String text(LinkRewriter.Result r) {
        return new String(r.raw(), StandardCharsets.ISO_8859_1);
    }

    /** The original URLs of the click links in {@code s}, in order, checking each token. */
    private List<String> clicked(String s) {
        List<String> urls = new ArrayList<>();
        Matcher m = CLICK.matcher(s);
        while (m.find()) {
            LinkTokens.Payload p = tokens.verify(m.group(1)).orElseThrow();
            assertThat(p.messageId()).isEqualTo("m-1");
            assertThat(p.recipient()).isEqualTo("alice@corp.example");
            urls.add(p.url());
        }
        return urls;
    }

    private static String htmlMessage(String cte, String body) {
        return "From: a@b.example\r\nTo: alice@corp.example\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + body;
    }

    @Test
    void htmlAnchorsAreRewrittenKeepingTextAndEverythingElse() throws Exception {
        String body = "<html><body><p class=x>Hi <b>there</b></p>\r\n"
                + "<a href=\"https://example.com/a?x=1&amp;y=2\" title=\"t\">Your   invoice</a>\r\n"
                + "<map><area shape=rect href='http://example.net/map'></map>\r\n</body></html>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("8bit", body));
        String out = text(r);
        assertThat(r.changed()).isTrue();
        assertThat(clicked(out)).containsExactly("https://example.com/a?x=1&y=2", "http://example.net/map");
        assertThat(r.urls()).containsExactly("https://example.com/a?x=1&y=2", "http://example.net/map");
        String expected = body.replaceFirst("https://example\\.com/a\\?x=1&amp;y=2", "@1").replaceFirst(
                "http://example\\.net/map", "@2");
        Matcher m = CLICK.matcher(out);
        m.find();
        String first = m.group();
        m.find();
        String second = m.group();
        assertThat(out).endsWith(expected.replace("@1", first).replace("@2", second));
        assertThat(out).startsWith(htmlMessage("8bit", ""));
    }

    @Test
    void uppercaseSchemesAndHostsAreRecognisedAndNormalised() throws Exception {
        String out = text(rewrite(htmlMessage("7bit", "<A HREF=\"HTTPS://Example.COM/Path\">x</A>\r\n")));
        assertThat(clicked(out)).containsExactly("https://example.com/Path");
    }

    @Test
    void internalExemptMailtoAndOtherSchemesAreLeftAlone() throws Exception {
        String body = "<a href=\"https://intranet.corp.example/x\">1</a><a href=\"http://corp.example\">2</a>"
                + "<a href=\"https://www.partner.example/\">3</a><a href=\"mailto:bob@example.com\">4</a>"
                + "<a href=\"javascript:alert(1)\">5</a><a href=\"ftp://example.com/f\">6</a>"
                + "<a href=\"/relative\">7</a><a href=\"#top\">8</a><a href=\"\">9</a>"
                + "<a href=\"https://notcorp.example/\">10</a>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("7bit", body));
        assertThat(clicked(text(r))).containsExactly("https://notcorp.example/");
        assertThat(text(r)).contains("https://intranet.corp.example/x", "http://corp.example\"",
                "https://www.partner.example/", "mailto:bob@example.com", "javascript:alert(1)", "/relative");
    }

    @Test
    void aRelativeLinkUnderABaseIsResolvedAndTheBaseKept() throws Exception {
        String body = "<html><head><base href=\"https://evil.example/dir/\"></head>"
                + "<body><a href=\"login.html\">x</a></body></html>\r\n";
        String out = text(rewrite(htmlMessage("7bit", body)));
        assertThat(clicked(out)).containsExactly("https://evil.example/dir/login.html");
        assertThat(out).contains("<base href=\"https://evil.example/dir/\">");
    }

    @Test
    void aSecondApplicationChangesNothing() throws Exception {
        String msg = multipartAlternative();
        LinkRewriter.Result once = rewrite(msg);
        assertThat(once.changed()).isTrue();
        LinkRewriter.Result twice = rewriter.rewrite(once.raw(), "m-1", "alice@corp.example", INTERNAL);
        assertThat(twice.changed()).isFalse();
        assertThat(twice.raw()).isEqualTo(once.raw());
        // Even under another base.url, a link carrying our token is not wrapped again.
        LinkRewriter moved = new LinkRewriter(tokens, "https://new-gw.example", Set.of(), 500);
        assertThat(moved.rewrite(once.raw(), "m-1", "", INTERNAL).changed()).isFalse();
    }

    @Test
    void plainTextUrlsAreFoundWithoutTrailingPunctuation() throws Exception {
        String body = "See https://example.com/a. Or (http://example.com/b) and http://example.com/wiki/X_(y).\r\n"
                + "Quoted \"https://example.com/q\" and 'http://example.com/s' and <http://example.com/angle>,\r\n"
                + "markup <a href=\"http://example.com/attr\">x</a> HTTP://EXAMPLE.com/Up!\r\n"
                + "encoded http://example.com/a%20b?q=%3Cx%3E&r=1; mail me: mailto:x@example.com\r\n"
                + "internal https://wiki.corp.example/page and xhttp://example.com/no\r\n";
        String msg = "From: a@b.example\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body;
        String out = text(rewrite(msg));
        assertThat(clicked(out)).containsExactly("https://example.com/a", "http://example.com/b",
                "http://example.com/wiki/X_(y)", "https://example.com/q", "http://example.com/s",
                "http://example.com/angle", "http://example.com/attr", "http://example.com/Up",
                "http://example.com/a%20b?q=%3Cx%3E&r=1");
        assertThat(out).contains("See " + PREFIX).contains(". Or (" + PREFIX).contains(") and ")
                .contains("https://wiki.corp.example/page").contains("xhttp://example.com/no")
                .contains("mailto:x@example.com");
    }

    @Test
    void quotedPrintableHtmlIsDecodedRewrittenAndReencodedInItsCharset() throws Exception {
        String qp = "<p>Gr=C3=BC=C3=9Fe</p><a href=3D\"https://example.com/very/long/path/that/is/=\r\n"
                + "split?x=3D1\">link</a>\r\n";
        String msg = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=\"UTF-8\"\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp;
        LinkRewriter.Result r = rewrite(msg);
        MimeMessage parsed = parse(r.raw());
        assertThat(parsed.getContentType()).contains("charset=\"UTF-8\"");
        assertThat(parsed.getHeader("Content-Transfer-Encoding")[0]).isEqualTo("quoted-printable");
        String html = (String) parsed.getContent();
        assertThat(html).contains("<p>Grüße</p>").contains(">link</a>");
        assertThat(clicked(html)).containsExactly("https://example.com/very/long/path/that/is/split?x=1");
        for (String line : text(r).split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(76);
        }
    }

    @Test
    void base64TextInLatin1IsReencodedAsBase64InLatin1() throws Exception {
        String plain = "Café: http://example.com/menu\r\n";
        String b64 = Base64.getMimeEncoder().encodeToString(plain.getBytes(StandardCharsets.ISO_8859_1));
        String msg = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n";
        LinkRewriter.Result r = rewrite(msg);
        MimeMessage parsed = parse(r.raw());
        assertThat(parsed.getHeader("Content-Transfer-Encoding")[0]).isEqualTo("base64");
        String decoded = (String) parsed.getContent();
        assertThat(decoded).startsWith("Café: " + PREFIX);
        assertThat(clicked(decoded)).containsExactly("http://example.com/menu");
        assertThat(text(r)).endsWith("\r\n");
    }

    @Test
    void eightBitUtf8IsKeptAsEightBit() throws Exception {
        String msg = "From: a@b.example\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: 8bit\r\n\r\nÜber http://example.com/x ok\r\n";
        byte[] raw = msg.getBytes(StandardCharsets.UTF_8);
        LinkRewriter.Result r = rewriter.rewrite(raw, "m-1", "alice@corp.example", INTERNAL);
        String out = new String(r.raw(), StandardCharsets.UTF_8);
        assertThat(out).contains("Content-Transfer-Encoding: 8bit").contains("Über " + PREFIX).endsWith(" ok\r\n");
    }

    @Test
    void aSevenBitPartWhoseLinkBecomesTooLongTurnsQuotedPrintable() throws Exception {
        String url = "https://example.com/" + "p".repeat(900);
        String msg = "From: a@b.example\r\nContent-Type: text/plain\r\n\r\nGo " + url + "\r\n";
        LinkRewriter.Result r = rewrite(msg);
        String out = text(r);
        assertThat(out).contains("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        MimeMessage parsed = parse(r.raw());
        assertThat(clicked((String) parsed.getContent())).containsExactly(url);
    }

    @Test
    void bothAlternativesAreRewrittenAndEveryOtherByteKept() throws Exception {
        String msg = multipartAlternative();
        LinkRewriter.Result r = rewrite(msg);
        String out = text(r);
        assertThat(r.urls()).containsExactly("https://example.com/t", "https://example.com/h");
        assertThat(out).startsWith(msg.substring(0, msg.indexOf("Plain https")));
        assertThat(out).contains("preamble\r\n--b1\r\n").endsWith("--b1--\r\nepilogue\r\n");
        MimeMessage parsed = parse(r.raw());
        Multipart mp = (Multipart) parsed.getContent();
        assertThat(mp.getCount()).isEqualTo(2);
        assertThat((String) mp.getBodyPart(0).getContent()).startsWith("Plain " + PREFIX);
        assertThat((String) mp.getBodyPart(1).getContent()).contains("<a href=\"" + PREFIX);
        assertThat(clicked(mp.getBodyPart(0).getContent() + " " + mp.getBodyPart(1).getContent()))
                .containsExactly("https://example.com/t", "https://example.com/h");
    }

    @Test
    void nestedMultipartsForwardedMessagesAndAttachmentsAreHandled() throws Exception {
        String attachment = "<a href=\"https://example.com/attached\">file</a>";
        String msg = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n"
                + "--outer\r\nContent-Type: multipart/alternative; boundary=\"inner\"\r\n\r\n"
                + "--inner\r\nContent-Type: text/plain\r\n\r\nhttps://example.com/p1\r\n"
                + "--inner\r\nContent-Type: text/html\r\n\r\n<a href=\"https://example.com/h1\">h</a>\r\n"
                + "--inner--\r\n"
                + "--outer\r\nContent-Type: text/html; name=page.html\r\nContent-Disposition: attachment\r\n\r\n"
                + attachment + "\r\n"
                + "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
                + "From: c@d.example\r\nSubject: fwd\r\nContent-Type: text/plain\r\n\r\nForwarded https://example.com/f1\r\n"
                + "--outer--\r\n";
        LinkRewriter.Result r = rewrite(msg);
        String out = text(r);
        assertThat(clicked(out)).containsExactly("https://example.com/p1", "https://example.com/h1",
                "https://example.com/f1");
        assertThat(out).contains(attachment);
        Multipart outer = (Multipart) parse(r.raw()).getContent();
        assertThat(outer.getCount()).isEqualTo(3);
        BodyPart inner = outer.getBodyPart(0);
        assertThat(((Multipart) inner.getContent()).getCount()).isEqualTo(2);
    }

    @Test
    void aMessageWithoutLinksIsReturnedAsTheSameBytes() throws Exception {
        String msg = "From: a@b.example\r\nContent-Type: text/html\r\n\r\n<p>No links <a href=\"mailto:x@y\">m</a></p>\r\n";
        byte[] raw = msg.getBytes(StandardCharsets.US_ASCII);
        LinkRewriter.Result r = rewriter.rewrite(raw, "m-1", "", INTERNAL);
        assertThat(r.changed()).isFalse();
        assertThat(r.raw()).isSameAs(raw);
        assertThat(r.urls()).isEmpty();
    }

    @Test
    void linksBeyondTheLimitAndOverlongUrlsAreLeftAsWritten() throws Exception {
        LinkRewriter two = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 2);
        String longUrl = "http://example.com/" + "x".repeat(Urls.MAX_URL_CHARS);
        String msg = "From: a@b.example\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "http://example.com/1 http://example.com/2 http://example.com/3\r\n";
        String out = new String(TransferCodec.decodeQuotedPrintable(two.rewrite(msg.getBytes(StandardCharsets.US_ASCII),
                "m-1", "alice@corp.example", INTERNAL).raw()), StandardCharsets.US_ASCII);
        assertThat(clicked(out)).containsExactly("http://example.com/1", "http://example.com/2");
        assertThat(out).contains("http://example.com/3");
        LinkRewriter.Result tooLong = rewrite("From: a@b.example\r\nContent-Type: text/plain\r\n\r\n" + longUrl + "\r\n");
        assertThat(tooLong.changed()).isFalse();
    }

    @Test
    void nestingBeyondTheBoundIsMalformed() {
        StringBuilder sb = new StringBuilder("From: a@b.example\r\n");
        for (int i = 0; i <= MimeTree.MAX_DEPTH + 1; i++) {
            sb.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i)
                    .append("\r\n");
        }
        sb.append("Content-Type: text/plain\r\n\r\nhttp://example.com/deep\r\n");
        assertThatThrownBy(() -> rewrite(sb.toString())).isInstanceOf(MimeTree.Malformed.class);
    }

    @Test
    void hrefsThatBrowsersReadAsAbsoluteAreRewrittenToTheirNormalisedTarget() throws Exception {
        // One link a line: the 7bit part stays 7bit (no line over 998 bytes).
        String body = "<a href=\"//bad6.test/rel\">1</a>\r\n<a href=\"https:bad7.test/noslash\">2</a>\r\n"
                + "<a href=\"https:///bad27.test/triple\">3</a>\r\n<a href=\"https:/bad28.test/single\">4</a>\r\n"
                + "<a href=\"\\\\bad13.test/unc\">5</a>\r\n<a href=\"/\\bad29.test/sb\">6</a>\r\n"
                + "<a href=\" &#9;HTTP:\\\\\\Bad30.test\\x?y\\z \">7</a>\r\n<area href=\"\n//bad31.test\">\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("7bit", body));
        String out = text(r);
        assertThat(clicked(out)).containsExactly("https://bad6.test/rel", "https://bad7.test/noslash",
                "https://bad27.test/triple", "https://bad28.test/single", "https://bad13.test/unc",
                "https://bad29.test/sb", "http://bad30.test/x?y\\z", "https://bad31.test");
        assertThat(r.urls()).hasSize(8);
        assertThat(out).doesNotContain("bad6.test", "bad13.test", "bad29.test", "bad30.test");
        assertThat(out).contains(">1</a>", ">7</a>");
    }

    @Test
    void aSchemeRelativeLinkTakesTheSchemeOfTheBase() throws Exception {
        String body = "<base href=\"http://page.example/\"><a href=\"//bad6.test/rel\">1</a><a href=\"/\\bad29.test\">2</a>"
                + "<a href=\"/local\">3</a>\r\n";
        String out = text(rewrite(htmlMessage("7bit", body)));
        assertThat(clicked(out)).containsExactly("http://bad6.test/rel", "http://bad29.test", "http://page.example/local");
    }

    @Test
    void relativeMailtoInternalAndAlreadyRewrittenSlashVariantsAreLeftAlone() throws Exception {
        String body = "<a href=\"/path\">1</a><a href=\"page.html\">2</a><a href=\"#frag\">3</a>"
                + "<a href=\"mailto:bob@example.com\">4</a><a href=\"\\path\">5</a><a href=\"www.bad1.test/plain\">6</a>"
                + "<a href=\"//intranet.corp.example/x\">7</a><a href=\"https:partner.example\">8</a>\r\n";
        byte[] raw = htmlMessage("7bit", body).getBytes(StandardCharsets.US_ASCII);
        LinkRewriter.Result r = rewriter.rewrite(raw, "m-1", "", INTERNAL);
        assertThat(r.changed()).isFalse();
        assertThat(r.raw()).isSameAs(raw);

        String click = text(rewrite(htmlMessage("7bit", "<a href=\"https://example.com/\">x</a>\r\n")));
        Matcher m = CLICK.matcher(click);
        assertThat(m.find()).isTrue();
        String token = m.group(1);
        String again = "<a href=\"//gw.example:8181/streamail/click/" + token + "\">1</a>"
                + "<a href=\"http:\\\\GW.example:8181\\streamail\\click\\" + token + "\">2</a>"
                + "<a href=\"https:new-gw.example/streamail/click/" + token + "\">3</a>\r\n";
        assertThat(rewrite(htmlMessage("7bit", again)).changed()).isFalse();
    }

    @Test
    void plainTextSlashVariantsAndBareWwwNamesAreRewritten() throws Exception {
        String body = "Go https:bad7.test/x, or HTTP:/bad28.test/y and http:\\\\bad13.test\\z.\r\n"
                + "Also www.bad1.test/plain and (WWW.bad2.test).\r\n"
                + "Not: bob@www.example.com path/www.example.com x.www.example.com www. www.- http: mailto:a@b.example\r\n"
                + "Internal www.corp.example/in and https:intranet.corp.example\r\n";
        String msg = "From: a@b.example\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + body;
        LinkRewriter.Result r = rewrite(msg);
        String out = text(r);
        assertThat(clicked(out)).containsExactly("https://bad7.test/x", "http://bad28.test/y", "http://bad13.test/z",
                "https://www.bad1.test/plain", "https://www.bad2.test");
        assertThat(out).contains("Go " + PREFIX).contains(", or " + PREFIX).contains("Also " + PREFIX).contains("(" + PREFIX)
                .contains("Not: bob@www.example.com path/www.example.com x.www.example.com www. www.- http: mailto:a@b.example\r\n")
                .contains("Internal www.corp.example/in and https:intranet.corp.example\r\n");
        assertThat(out).doesNotContain("bad7.test", "bad1.test", "bad2.test", "bad13.test", "bad28.test");
        assertThat(rewriter.rewrite(r.raw(), "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    @Test
    void trailingPunctuationRules() {
        assertThat(LinkRewriter.trimTrailing("http://a.example/x.")).isEqualTo("http://a.example/x");
        assertThat(LinkRewriter.trimTrailing("http://a.example/x?!,;:")).isEqualTo("http://a.example/x");
        assertThat(LinkRewriter.trimTrailing("http://a.example/x)")).isEqualTo("http://a.example/x");
        assertThat(LinkRewriter.trimTrailing("http://a.example/(x)")).isEqualTo("http://a.example/(x)");
        assertThat(LinkRewriter.trimTrailing("http://a.example/[x]]")).isEqualTo("http://a.example/[x]");
    }

    static String multipartAlternative() {
        return "From: a@b.example\r\nTo: alice@corp.example\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/alternative;\r\n\tboundary=\"b1\"\r\n\r\n"
                + "preamble\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                + "Plain https://example.com/t\r\n\r\n"
                + "--b1\r\nContent-Type: text/html; charset=us-ascii\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "<p>Html <a href=3D\"https://example.com/h\">here</a></p>\r\n"
                + "--b1--\r\nepilogue\r\n";
    }

    static MimeMessage parse(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }
}
