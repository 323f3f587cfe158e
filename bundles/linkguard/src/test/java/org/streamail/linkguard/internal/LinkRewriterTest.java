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
    void theXlinkHrefOfAnSvgLinkIsRewrittenToo() throws Exception {
        // Audit: an inline SVG <a xlink:href> is a link in every browser engine, and it was left live.
        String body = "<svg><a xlink:href=\"https://evil.example/s\"><text>pay</text></a>"
                + "<a XLINK:HREF='https://evil.example/t' href=\"https://evil.example/u\"><text>x</text></a></svg>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("7bit", body));
        assertThat(r.urls()).containsExactlyInAnyOrder("https://evil.example/s", "https://evil.example/t",
                "https://evil.example/u");
        assertThat(text(r)).doesNotContain("evil.example").contains("<svg><a xlink:href=\"" + PREFIX);
        // jsoup keeps the case of attribute names in SVG and MathML and then has no position for them; browsers
        // lower-case them, so each of these is a live link.
        String upper = "<svg><a HREF='https://evil.example/1'><text>x</text></a><a Xlink:Href = &#x68;ttps://evil.example/2"
                + " title=t>y</a></svg><math><a HREF=\"https://evil.example/3\" HREF=\"https://good.example/\">z</a></math>\r\n";
        r = rewrite(htmlMessage("7bit", upper));
        assertThat(r.urls()).containsExactlyInAnyOrder("https://evil.example/1", "https://evil.example/2",
                "https://evil.example/3");
        assertThat(text(r)).doesNotContain("evil.example").contains("<a HREF='" + PREFIX, "<a Xlink:Href = " + PREFIX,
                " title=t>y</a>", "HREF=\"https://good.example/\">z</a>");
    }

    @Test
    void commentsAroundTheMediaTypeAndTransferEncodingAreSkippedAsMailReadersDo() throws Exception {
        // Audit: "text/html (x)" was read as text/plain (entity-encoded hrefs missed) and "base64 (x)" as an
        // unknown encoding (part left as is).
        String html = "<a href=&#x68;ttps://evil.example/x>pay</a>";
        String msg = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/html (a (nested\\)) comment); charset=utf-8\r\n"
                + "Content-Transfer-Encoding: base64 (really)\r\n\r\n"
                + Base64.getMimeEncoder().encodeToString(html.getBytes(StandardCharsets.US_ASCII)) + "\r\n";
        LinkRewriter.Result r = rewrite(msg);
        assertThat(r.urls()).containsExactly("https://evil.example/x");
        String body = text(r).substring(text(r).indexOf("\r\n\r\n") + 4);
        assertThat(new String(TransferCodec.decodeBase64(body.getBytes(StandardCharsets.US_ASCII)),
                StandardCharsets.US_ASCII)).startsWith("<a href=" + PREFIX);
        assertThat(MimeTree.withoutComments("text/(x)html")).isEqualTo("text/html");
    }

    @Test
    void aUrlSplitAcrossFlowedLinesIsRewrittenWhole() throws Exception {
        // Audit: in format=flowed text a line ending in a space continues on the next line (with delsp=yes the
        // space goes too), so a reader shows "https: " + "//evil.example/login" as one live link, which the
        // line-by-line search never saw.
        String msg = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii;"
                + " format=flowed; DelSp=Yes\r\n\r\n"
                + "Pay here: https: \r\n//evil.example/login \r\nnow.\r\n"
                + "> ht \r\n> tps://evil.example/q \r\n> uoted\r\n"
                + "www.evil.exa \r\n mple/stuffed\r\n"
                + "-- \r\nhttps://sig.example/\r\n";
        LinkRewriter.Result r = rewrite(msg);
        assertThat(r.urls()).containsExactly("https://evil.example/loginnow", "https://evil.example/quoted",
                "https://www.evil.example/stuffed", "https://sig.example/");
        String out = text(r);
        assertThat(out).doesNotContain("evil.exa").contains("Pay here: " + PREFIX, "\r\n> " + PREFIX, "\r\n" + PREFIX);
        assertThat(out).endsWith("\r\n-- \r\n" + PREFIX + clickToken(out, 3) + "\r\n");
        // without delsp the space stays: "https: //evil.example" is no link, "evil.exa mple" ends at the space
        LinkRewriter.Result plain = rewrite(msg.replace(" DelSp=Yes", " delsp=no"));
        assertThat(plain.urls()).containsExactly("https://www.evil.exa", "https://sig.example/");
    }

    private String clickToken(String s, int index) {
        Matcher m = CLICK.matcher(s);
        for (int i = 0; i <= index; i++) {
            m.find();
        }
        return m.group(1);
    }

    @Test
    void aForwardedMessageInBase64OrQuotedPrintableIsDecodedRewrittenAndReencoded() throws Exception {
        // Audit: only 7bit/8bit/binary message/rfc822 bodies were read; readers decode the others too and show
        // the forwarded message with its links live.
        String inner = "From: x@evil.example\r\nContent-Type: text/html\r\n\r\n<a href=\"https://evil.example/x\">pay</a>\r\n";
        for (String cte : List.of("base64", "quoted-printable")) {
            String encoded = cte.equals("base64")
                    ? Base64.getMimeEncoder().encodeToString(inner.getBytes(StandardCharsets.US_ASCII))
                    : new String(TransferCodec.encodeQuotedPrintable(inner.getBytes(StandardCharsets.US_ASCII)),
                            StandardCharsets.US_ASCII);
            String msg = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                    + "Content-Type: text/plain\r\n\r\nsee below\r\n--b\r\nContent-Type: message/rfc822\r\n"
                    + "Content-Transfer-Encoding: " + cte + "\r\n\r\n" + encoded + "\r\n--b--\r\n";
            LinkRewriter.Result r = rewrite(msg);
            assertThat(r.urls()).as(cte).containsExactly("https://evil.example/x");
            String out = text(r);
            String body = out.substring(out.indexOf(cte + "\r\n\r\n") + cte.length() + 4, out.indexOf("\r\n--b--"));
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            String decoded = new String(cte.equals("base64") ? TransferCodec.decodeBase64(bytes)
                    : TransferCodec.decodeQuotedPrintable(bytes), StandardCharsets.US_ASCII);
            assertThat(decoded).as(cte).startsWith("From: x@evil.example\r\n").contains("<a href=\"" + PREFIX)
                    .doesNotContain("https://evil.example/x");
            assertThat(out).as(cte).startsWith(msg.substring(0, msg.indexOf(cte + "\r\n\r\n")));
            assertThat(rewriter.rewrite(r.raw(), "m-1", "", INTERNAL).changed()).as(cte).isFalse();
        }
    }

    @Test
    void aPartOrForwardedMessageInAnUnknownOrEmptyTransferEncodingIsReadAsWritten() throws Exception {
        // Audit: such a part was left as is, but mail readers show a body in an encoding they do not know as it
        // is written (only base64, quoted-printable and uuencode are decoded), links live.
        for (String cte : List.of("x-bogus", "", "7-bit", "\"8bit\"")) {
            String msg = htmlMessage(cte, "<a href=\"https://evil.example/x\">pay</a>\r\n");
            LinkRewriter.Result r = rewrite(msg);
            assertThat(r.urls()).as(cte).containsExactly("https://evil.example/x");
            assertThat(text(r)).as(cte).startsWith(htmlMessage(cte, "<a href=\"" + PREFIX)).doesNotContain("evil.example");
            String fwd = "From: a@b.example\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: " + cte
                    + "\r\n\r\nFrom: x@evil.example\r\nContent-Type: text/plain\r\n\r\nsee https://evil.example/y\r\n";
            r = rewrite(fwd);
            assertThat(r.urls()).as(cte).containsExactly("https://evil.example/y");
            assertThat(text(r)).as(cte).contains("see " + PREFIX).doesNotContain("evil.example/y");
            String longUrl = "https://evil.example/" + "p".repeat(990);
            r = rewrite(htmlMessage(cte, "<a href=\"" + longUrl + "\">pay</a>\r\n"));
            assertThat(clicked((String) parse(r.raw()).getContent())).as(cte).containsExactly(longUrl);
        }
        // uuencode is decoded by readers; it is not read here (left as written, see the README)
        String uu = htmlMessage("x-uuencode", "begin 644 a.html\r\n`\r\nend\r\n");
        assertThat(rewrite(uu).changed()).isFalse();
    }

    @Test
    void aNamedPartThatReadersShowAsTheTextIsRewrittenAndAnHtmlAttachmentOnlyWithRewriteAttachments() throws Exception {
        // Audit: a file name made a part an attachment, so a message whose only body was
        // "text/html; name=invoice.html" (or an "inline; filename=" part) kept its links, which readers show live.
        String html = "<a href=\"https://evil.example/x\">pay</a>\r\n";
        for (String header : List.of("Content-Type: text/html; name=\"invoice.html\"\r\n",
                "Content-Type: text/html\r\nContent-Disposition: inline; filename=\"invoice.html\"\r\n")) {
            LinkRewriter.Result r = rewrite("From: a@b.example\r\nMIME-Version: 1.0\r\n" + header + "\r\n" + html);
            assertThat(r.urls()).as(header).containsExactly("https://evil.example/x");
            String fwd = "From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\n" + header
                    + "\r\n" + html;
            assertThat(rewrite(fwd).urls()).as(header).containsExactly("https://evil.example/x");
        }
        String mixed = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/plain\r\n\r\nsee below\r\n--b\r\nContent-Type: text/html\r\n"
                + "Content-Disposition: inline; filename=\"a.html\"\r\n\r\n" + html
                + "--b\r\nContent-Type: text/html; name=\"b.html\"\r\nContent-Disposition: attachment\r\n\r\n"
                + "<a href=\"https://evil.example/file\">f</a>\r\n--b--\r\n";
        LinkRewriter.Result r = rewrite(mixed);
        assertThat(r.urls()).containsExactly("https://evil.example/x", "https://evil.example/file");
        String root = "From: a@b.example\r\nContent-Type: text/html; name=\"b.html\"\r\n"
                + "Content-Disposition: attachment\r\n\r\n" + html;
        assertThat(rewrite(root).urls()).containsExactly("https://evil.example/x");
        // rewrite.attachments=false: as before, the attachment is not rewritten
        LinkRewriter bodiesOnly = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, false, false);
        r = bodiesOnly.rewrite(mixed.getBytes(StandardCharsets.ISO_8859_1), "m-1", "alice@corp.example", INTERNAL);
        assertThat(r.urls()).containsExactly("https://evil.example/x");
        assertThat(text(r)).contains("https://evil.example/file");
        byte[] rootBytes = root.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(bodiesOnly.rewrite(rootBytes, "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    @Test
    void linksInsideOutlookConditionalCommentsAndVmlShapesAreRewritten() throws Exception {
        // Audit: Outlook for Windows renders what a conditional comment holds, and its VML shapes (the usual
        // "bulletproof button") are links; to every HTML parser that is a comment, so those links stayed live.
        String body = "<p>Hi</p><!--[if mso]><a href=\"https://evil.example/a\">pay</a>\r\n"
                + "<v:roundrect xmlns:v=\"urn:schemas-microsoft-com:vml\" href=\"https://evil.example/b\" arcsize=\"10%\">"
                + "<center>Pay</center></v:roundrect><!--[if gte mso 9]><a href='https://evil.example/c'>c</a><![endif]-->"
                + "<![endif]--><!--[if !mso]><!-- --><a href=\"https://evil.example/d\">d</a><!--<![endif]-->"
                + "<!-- <a href=\"https://plain.example/\">an ordinary comment is not shown</a> -->"
                + "<v:rect href=\"https://evil.example/e\"></v:rect>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("7bit", body));
        assertThat(r.urls()).containsExactlyInAnyOrder("https://evil.example/a", "https://evil.example/b",
                "https://evil.example/c", "https://evil.example/d", "https://evil.example/e");
        String out = text(r);
        assertThat(out).doesNotContain("evil.example").contains("<!--[if mso]><a href=\"" + PREFIX,
                "<![endif]--><!--[if !mso]><!-- --><a href=\"" + PREFIX, "arcsize=\"10%\"><center>Pay</center>",
                "<!-- <a href=\"https://plain.example/\">");
        assertThat(rewriter.rewrite(r.raw(), "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    @Test
    void linksInsideNoscriptNoembedAndNoframesAreRewritten() throws Exception {
        // Audit: jsoup reads a <noscript> as text where a browser running scripts would (in the head always, and
        // keeps <noembed> and <noframes> as text), but mail readers run no scripts and show its links live.
        String body = "<noscript><a href=\"https://evil.example/1\">pay</a></noscript><p>x</p>"
                + "<noscript><p><a href='https://evil.example/2'>b</a></noscript>"
                + "<noembed><a href=https://evil.example/3>c</a></noembed><noframes><area href=\"https://evil.example/4\">"
                + "</noframes><noscript>&lt;a href=\"https://text.example/\"&gt; is text</noscript>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("7bit", body));
        assertThat(r.urls()).containsExactlyInAnyOrder("https://evil.example/1", "https://evil.example/2",
                "https://evil.example/3", "https://evil.example/4");
        assertThat(text(r)).doesNotContain("evil.example").contains("<noscript><a href=\"" + PREFIX,
                "&lt;a href=\"https://text.example/\"&gt; is text</noscript>");
        assertThat(rewriter.rewrite(r.raw(), "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    @Test
    void otherTextTypesThatReadersShowAsPlainTextAreRewrittenButNotStructuredOnes() throws Exception {
        // Audit: readers show a text/* part of a subtype they have no viewer for as plain text, its URLs made
        // links (text/x-markdown, text/enriched, text/x-patch...); only text/plain was rewritten.
        for (String type : List.of("text/x-markdown", "text/enriched", "text/x-patch", "TEXT/X-EVIL")) {
            String msg = "From: a@b.example\r\nContent-Type: " + type + "; charset=utf-8\r\n\r\nsee https://evil.example/x\r\n";
            LinkRewriter.Result r = rewrite(msg);
            assertThat(r.urls()).as(type).containsExactly("https://evil.example/x");
            assertThat(text(r)).as(type).contains("see " + PREFIX);
        }
        for (String type : List.of("text/calendar", "text/vcard", "text/css", "text/xml")) {
            String msg = "From: a@b.example\r\nContent-Type: " + type + "\r\n\r\nURL:https://example.com/x\r\n";
            assertThat(rewrite(msg).changed()).as(type).isFalse();
        }
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
    void base64ThatMailReadersDecodeDespiteStrayCharactersOrInnerPaddingIsRewritten() throws Exception {
        // Audit: Java's strict MIME decoder threw on these and the part was left as is, its links live, while
        // mail readers decode them (RFC 2045 6.8: characters outside the alphabet are ignored).
        String html = "<a href=\"https://evil.example/x\">pay</a>";
        String b64 = Base64.getMimeEncoder().encodeToString(html.getBytes(StandardCharsets.US_ASCII));
        String lone = Base64.getEncoder().encodeToString("<p>".getBytes(StandardCharsets.US_ASCII)); // no padding
        for (String body : List.of(b64 + "A", b64 + "\r\n=", "PHA+\r\nYQ==" + b64, b64 + "\r\n!!\r\n" + lone + "ab")) {
            LinkRewriter.Result r = rewrite(htmlMessage("base64", body + "\r\n"));
            assertThat(r.changed()).as(body).isTrue();
            assertThat(r.urls()).as(body).containsExactly("https://evil.example/x");
            String decoded = new String(Base64.getMimeDecoder().decode(
                    text(r).substring(text(r).indexOf("\r\n\r\n") + 4).strip()), StandardCharsets.US_ASCII);
            assertThat(decoded).doesNotContain("evil.example").contains(PREFIX);
        }
        assertThat(TransferCodec.decodeBase64("YQ==Yg".getBytes(StandardCharsets.US_ASCII))).isEqualTo(new byte[] {'a', 'b'});
        assertThat(TransferCodec.decodeBase64("Y".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    @Test
    void aPartInACharsetTheJdkDoesNotKnowIsReadAsLatin1AndRewritten() throws Exception {
        // Audit: such a part was left as is, but mail readers show it in their default charset, links clickable.
        for (String cs : List.of("x-bogus", "utf-7", "\"utf 8\"")) {
            String msg = "From: a@b.example\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=" + cs
                    + "\r\n\r\n<p>caf\u00e9 <a href=\"https://evil.example/x\">pay</a></p>\r\n";
            LinkRewriter.Result r = rewrite(msg);
            assertThat(r.urls()).as(cs).containsExactly("https://evil.example/x");
            assertThat(text(r)).as(cs).contains("<p>caf\u00e9 <a href=\"" + PREFIX).doesNotContain("evil.example");
        }
    }

    @Test
    void aPartInACharsetTheJdkCanOnlyDecodeIsRewrittenAndTheRestOfTheMessageToo() throws Exception {
        // Audit: ISO-2022-CN and JISAutoDetect have no encoder; getBytes threw, the whole rewrite failed and every
        // link of the message was delivered live.
        for (String cs : List.of("ISO-2022-CN", "x-JISAutoDetect")) {
            String msg = "From: a@b.example\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
                    + "Content-Type: text/plain; charset=" + cs + "\r\n\r\nsee https://evil.example/t\r\n--b\r\n"
                    + "Content-Type: text/html; charset=utf-8\r\n\r\n<a href=\"https://evil.example/h\">x</a>\r\n--b--\r\n";
            LinkRewriter.Result r = rewrite(msg);
            assertThat(r.urls()).as(cs).containsExactly("https://evil.example/t", "https://evil.example/h");
            assertThat(text(r)).as(cs).doesNotContain("evil.example");
        }
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
                "https://example.com/attached", "https://example.com/f1");
        assertThat(out).doesNotContain(attachment).contains("\">file</a>\r\n--outer\r\n");
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
    void linksBeyondTheLimitAndOverlongUrlsLeadToTheUncheckedPageNotToTheirTarget() throws Exception {
        // Audit: they were left as written, so 500 dummy links, or a URL padded past 4096 characters, got a live
        // link through unguarded.
        LinkRewriter two = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 2);
        String longUrl = "http://evil.example/" + "x".repeat(Urls.MAX_URL_CHARS);
        String msg = "From: a@b.example\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "http://example.com/1 http://example.com/2 http://example.com/3 https://mail.corp.example/\r\n";
        String out = new String(TransferCodec.decodeQuotedPrintable(two.rewrite(msg.getBytes(StandardCharsets.US_ASCII),
                "m-1", "alice@corp.example", INTERNAL).raw()), StandardCharsets.US_ASCII);
        assertThat(clicked(out)).containsExactly("http://example.com/1", "http://example.com/2");
        assertThat(out).doesNotContain("example.com/3").contains(PREFIX + LinkRewriter.UNCHECKED + " https://mail.corp.example/");
        LinkRewriter.Result tooLong = rewrite("From: a@b.example\r\nContent-Type: text/html\r\n\r\n<a href=\"" + longUrl
                + "\">x</a>\r\n");
        assertThat(tooLong.changed()).isTrue();
        assertThat(tooLong.urls()).isEmpty();
        assertThat(text(tooLong)).doesNotContain("evil.example").endsWith("<a href=\"" + PREFIX + LinkRewriter.UNCHECKED + "\">x</a>\r\n");
        assertThat(rewriter.rewrite(tooLong.raw(), "m-1", "", INTERNAL).changed()).isFalse();
    }

    @Test
    void structureBeyondTheBoundsIsNotReadButEveryLinkWithinThemIsRewritten() throws Exception {
        // Audit: one over-deep branch, one part too many or one header field too many anywhere made the whole
        // message "malformed" and it was delivered with every link live.
        StringBuilder deep = new StringBuilder();
        for (int i = 0; i <= MimeTree.MAX_DEPTH + 1; i++) {
            deep.append("Content-Type: multipart/mixed; boundary=d").append(i).append("\r\n\r\n--d").append(i)
                    .append("\r\n");
        }
        deep.append("Content-Type: text/plain\r\n\r\nhttp://deep.example/x\r\n");
        String html = "Content-Type: text/html\r\n\r\n<a href=\"https://evil.example/x\">pay</a>\r\n";
        String nested = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=top\r\n\r\n--top\r\n" + html
                + "--top\r\n" + deep + "--top--\r\n";
        LinkRewriter.Result r = rewrite(nested);
        assertThat(r.urls()).containsExactly("https://evil.example/x");
        assertThat(text(r)).doesNotContain("evil.example").contains("http://deep.example/x");

        StringBuilder many = new StringBuilder("From: a@b.example\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\n"
                + html);
        for (int i = 0; i < MimeTree.MAX_PARTS + 5; i++) {
            many.append("--m\r\nContent-Type: text/plain\r\n\r\nx\r\n");
        }
        many.append("--m\r\nContent-Type: text/plain\r\n\r\nhttp://late.example/x\r\n--m--\r\n");
        r = rewrite(many.toString());
        assertThat(r.urls()).containsExactly("https://evil.example/x");
        assertThat(text(r)).contains("http://late.example/x");
        parse(r.raw()).getContent();

        String fields = "From: a@b.example\r\n" + "X-Pad: y\r\n".repeat(MimeTree.MAX_FIELDS + 5)
                + "Content-Type: text/html\r\n\r\n<a href=&#x68;ttps://evil.example/x>pay</a>\r\n";
        r = rewrite(fields);
        assertThat(r.urls()).containsExactly("https://evil.example/x");
        assertThat(text(r)).doesNotContain("evil.example");
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
    void theGatewaysOwnPagesAreLeftAloneAndNothingElseOnItsHost() throws Exception {
        String digest = "http://gw.example:8181/streamail/digest/v1.AAAAAGso.s3FiVVCRiZQ1g";
        String html = "<a href=\"" + digest + "\">your quarantine</a><a href=\"HTTP://GW.example:8181/streamail/x\">2</a>"
                + "<a href=\"http://gw.example:8181/other\">3</a><a href=\"http://gw.example:8181/streamailx/y\">4</a>\r\n";
        String out = text(rewrite(htmlMessage("7bit", html)));
        assertThat(out).contains("href=\"" + digest + "\"").contains("href=\"HTTP://GW.example:8181/streamail/x\"");
        assertThat(clicked(out)).containsExactly("http://gw.example:8181/other", "http://gw.example:8181/streamailx/y");
        String plain = "From: a@b.example\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nOpen " + digest + "\r\n";
        byte[] raw = plain.getBytes(StandardCharsets.US_ASCII);
        assertThat(rewriter.rewrite(raw, "m-1", "", INTERNAL).changed()).isFalse();
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

    /**
     * Found by LinkRewriterFuzzTest: an href without a value ({@code <a href>}, or {@code href=""}, which jsoup places
     * just after the name) is the {@code <base>} to a browser; the click URL was inserted after the name without an
     * "=", ran into it, and a later duplicate {@code href} of the tag, ignored until then, became a live link.
     */
    @Test
    void anHrefWithoutAValueUnderABaseGetsAValueAndNoDuplicateComesAlive() throws Exception {
        String body = "<base href=\"http://any.example/\"><a href href=\"http://evil.example/1\">1</a>"
                + "<a href=\"\" href=\"http://evil.example/2\">2</a><a href='' >3</a><a href=>4</a><a href/>5</a>\r\n";
        String out = text(rewrite(htmlMessage("8bit", body)));
        assertThat(out).contains("<a href=\"http://gw.example:8181/streamail/click/")
                .contains("\" href=\"http://evil.example/1\">1</a>").contains("<a href='http://gw.example:8181/")
                .contains("<a href=http://gw.example:8181/").doesNotContain("hrefhttp");
        assertThat(clicked(out)).containsExactly("http://any.example/", "http://any.example/", "http://any.example/",
                "http://any.example/", "http://any.example/");
        org.jsoup.nodes.Document doc = org.jsoup.Jsoup.parse(out);
        assertThat(doc.select("a").eachAttr("href")).allMatch(h -> h.startsWith("http://gw.example:8181/streamail/click/"));
    }

    /**
     * Found by LinkRewriterFuzzTest: a header that ends at a line that is not a field, without a blank line. The click
     * URL brought a colon into that first body line, so the rewritten message read as a header field there (and every
     * line down to the next blank one with it, a Content-Type included): the blank line is now written.
     */
    @Test
    void aHeaderEndingWithoutABlankLineGetsOneWhenThePartChanges() throws Exception {
        String msg = "From: a@b.example\r\nContent-Type: text/plain\r\nsee www.evil.example now\r\n"
                + "Content-Type: text/html\r\n\r\n<a href=\"//other.example/\">x</a>\r\n";
        LinkRewriter.Result r = rewrite(msg);
        String out = text(r);
        assertThat(out).startsWith("From: a@b.example\r\nContent-Type: text/plain\r\n\r\nsee http://gw.example:8181/");
        assertThat(clicked(out)).containsExactly("https://www.evil.example");
        assertThat(rewriter.rewrite(r.raw(), "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    /**
     * Found by LinkRewriterFuzzTest after that fix: a forwarded message whose own header also ends without a blank
     * line, so the nested message starts where that header stops. One blank line ended the outer header only, and
     * the nested message's first line, colon and all, read as its header the next time (its Content-Type with it):
     * each header that ends there gets its blank line.
     */
    @Test
    void aForwardedMessageWhoseHeaderEndsWithoutABlankLineKeepsItsReading() throws Exception {
        String msg = "From: a@b.example\r\nContent-Type: message/rfc822\r\nsee www.evil.example now\r\n"
                + "Content-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nmore www.bad.example\r\n";
        LinkRewriter.Result r = rewrite(msg);
        String out = text(r);
        assertThat(out).startsWith("From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\n\r\nsee http://gw.example:8181/");
        assertThat(clicked(out)).containsExactly("https://www.evil.example", "https://www.bad.example");
        assertThat(rewriter.rewrite(r.raw(), "m-1", "alice@corp.example", INTERNAL).changed()).isFalse();
    }

    /**
     * Found by LinkRewriterFuzzTest: a relative href under a {@code <base>} that java.net.URI refuses ({@code |},
     * {@code ^}, a stray {@code %}, a second {@code #}, a space) was left as written, and browsers follow it to the
     * base's host.
     */
    @Test
    void relativeHrefsThatUriRefusesAreStillResolvedAgainstTheBase() throws Exception {
        String body = "<base href=\"http://evil.example/d/\"><a href=\"x y|z\">1</a><a href=\"a%zz\">2</a>"
                + "<a href=\"p^q#a#b\">3</a><a href=\"s\\t\">4</a>\r\n";
        String out = text(rewrite(htmlMessage("8bit", body)));
        assertThat(clicked(out)).containsExactly("http://evil.example/d/x%20y%7Cz", "http://evil.example/d/a%25zz",
                "http://evil.example/d/p%5Eq#a%23b", "http://evil.example/d/s/t");
    }

    /**
     * Found by LinkRewriterFuzzTest: for a duplicate attribute spelled alike ({@code hRef ... hRef}) jsoup keeps the
     * first value but reports the source range of the second, which browsers ignore; the first stayed live. A
     * duplicate with the very value of the first is rewritten with it (since 2026-12-07: jsoup may read either, see
     * {@link #theValueJsoupTakesIsRewrittenWhereverItsNamesAndRangesLead}); one with another value is left alone.
     */
    @Test
    void theFirstOfTwoLikeSpelledHrefsIsTheOneRewritten() throws Exception {
        String body = "<a hRef=\"http://evil.example/1\" hRef=\"http://other.example/\">1</a>"
                + "<a HREF=\"http://evil.example/2\" HREF=\"http://evil.example/2\">2</a>\r\n";
        String out = text(rewrite(htmlMessage("8bit", body)));
        assertThat(out).contains("hRef=\"http://other.example/\">1</a>").doesNotContain("evil.example");
        assertThat(out).startsWith(htmlMessage("8bit", "<a hRef=\"http://gw.example:8181/streamail/click/"));
        assertThat(clicked(out)).containsExactly("http://evil.example/1", "http://evil.example/2",
                "http://evil.example/2");
    }

    /**
     * Found by LinkRewriterFuzzTest: in {@code <a href \0 href=...>} the tokenizer starts a new attribute at the NUL,
     * so browsers take the first, empty, href; jsoup adds the NUL to the first name and takes the second href. A
     * sanitiser that re-writes the HTML with such a parser makes the second the live link: both are rewritten.
     */
    @Test
    void anHrefThatJsoupTakesButBrowsersIgnoreIsRewrittenToo() throws Exception {
        String body = "<a href \0 href=https://evil.example/x>1</a><a href=\"https://evil.example/y\" \0 href=https://evil.example/z>2</a>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("8bit", body));
        assertThat(r.urls()).containsExactlyInAnyOrder("https://evil.example/x", "https://evil.example/y");
        assertThat(text(r)).contains("<a href \0 href=" + PREFIX).contains("https://evil.example/z>2</a>")
                .doesNotContain("evil.example/x");
    }

    /**
     * Found by LinkRewriterFuzzTest: a control character ending a name ({@code HREF\u0017}) is part of it to a
     * browser, which has no href there, but jsoup trims it away and takes that value for the href, with the source
     * range of the next one spelled alike: only the next was rewritten, and a sanitiser re-writing the HTML with jsoup
     * made the first live. Both are rewritten, each from its own text; and a name with the control character inside
     * ({@code HR\u0001EF}) is no href to either.
     */
    @Test
    void anHrefWhoseNameJsoupTrimsIsRewrittenFromItsOwnText() throws Exception {
        String body = "<a HREF\u0017=\"http://evil.example/3\" HREF=\"http://evil.example/2\">y</a>"
                + "<a \u0001href=\"http://evil.example/4\">z</a><a HR\u0001EF=\"http://kept.example/\">w</a>\r\n";
        LinkRewriter.Result r = rewrite(htmlMessage("8bit", body));
        assertThat(r.urls()).containsExactlyInAnyOrder("http://evil.example/3", "http://evil.example/2",
                "http://evil.example/4");
        String out = text(r);
        assertThat(out).doesNotContain("evil.example").contains("HR\u0001EF=\"http://kept.example/\"")
                .contains("<a HREF\u0017=\"" + PREFIX).contains("\" HREF=\"" + PREFIX).contains("<a \u0001href=\"" + PREFIX);
        // as a sanitiser built on jsoup reads the result: the third has no href
        assertThat(org.jsoup.Jsoup.parse(out).select("a").stream().map(a -> a.attr("href")).toList())
                .satisfiesExactly(h -> assertThat(h).startsWith(PREFIX), h -> assertThat(h).startsWith(PREFIX),
                        h -> assertThat(h).isEmpty());
    }

    /**
     * Found by LinkRewriterFuzzTest: jsoup ends a start tag that the end of the text cuts off one character past the
     * text. Browsers drop such a tag; a sanitiser re-writing the HTML with jsoup keeps it as a link, which was left
     * live (the tag was not read because its end lay outside the text).
     */
    @Test
    void aLinkInAStartTagCutOffByTheEndOfTheTextIsRewritten() throws Exception {
        String html = "<p>x</p><a HREF=\"http://evil.example/2\" hRef=";
        String out = rewriter.rewriteHtml(html, rewriter.new Session("m-1", "alice@corp.example", INTERNAL));
        assertThat(out).isEqualTo("<p>x</p><a HREF=\"" + PREFIX + out.substring(out.indexOf(PREFIX) + PREFIX.length(),
                out.indexOf("\" hRef=")) + "\" hRef=");
        assertThat(clicked(out)).containsExactly("http://evil.example/2");
        String form = "<form action=\"http://evil.example/f\" method=";
        assertThat(rewriter.rewriteHtml(form, rewriter.new Session("m-1", "", INTERNAL)))
                .startsWith("<form action=\"" + PREFIX).endsWith("\" method=post");
    }

    /**
     * Found by LinkRewriterFuzzTest: in {@code <a href \0\0<a hRef="evil\0x" HREF="=">} a browser has an empty href
     * (the first), while jsoup adds the NULs and what follows to the first name, takes the {@code hRef} value (its NUL
     * read as U+FFFD, as browsers read it too) and reports the range of the {@code HREF} after it; that value was left
     * live. Whatever value jsoup takes is now found in the tag by its text and rewritten.
     */
    @Test
    void theValueJsoupTakesIsRewrittenWhereverItsNamesAndRangesLead() throws Exception {
        String html = "<a href \0\0<a hRef=\"http://evil.example/a\0b\" HREF=\"=\">x</a>";
        String out = rewriter.rewriteHtml(html, rewriter.new Session("m-1", "alice@corp.example", INTERNAL));
        assertThat(out).doesNotContain("evil.example");
        assertThat(clicked(out)).containsExactly("http://evil.example/a\uFFFDb");
        assertThat(org.jsoup.Jsoup.parse(out).selectFirst("a").attr("href")).startsWith(PREFIX);
        // the same with two equal values after the joined name (found by fuzzing next): both rewritten, in one pass
        String twice = "<a href \0 <a hRef=\"http://evil.example/c\0d\" a hRef=\"http://evil.example/c\0d\"\">y</a>";
        String first = rewriter.rewriteHtml(twice, rewriter.new Session("m-1", "alice@corp.example", INTERNAL));
        assertThat(first).doesNotContain("evil.example");
        assertThat(rewriter.rewriteHtml(first, rewriter.new Session("m-1", "alice@corp.example", INTERNAL)))
                .isEqualTo(first);
        // an ordinary tag: the value at jsoup's range is the one rewritten, nothing else (a title with the same text
        // stays as written)
        String plain = "<a title=\"http://evil.example/t\" href=\"http://evil.example/t\">t</a>";
        String once = rewriter.rewriteHtml(plain, rewriter.new Session("m-1", "alice@corp.example", INTERNAL));
        assertThat(once).startsWith("<a title=\"http://evil.example/t\" href=\"" + PREFIX);
    }

    /** Rewriting the message {@code out} (a first pass's result) again changes nothing. */
    private void assertSecondPassChangesNothing(String out) throws Exception {
        LinkRewriter.Result twice = rewriter.rewrite(out.getBytes(StandardCharsets.ISO_8859_1), "m-1",
                "alice@corp.example", INTERNAL);
        assertThat(twice.changed()).as("a second pass changes nothing").isFalse();
    }

    /** The payloads of the click links in {@code s}, in order. */
    private List<LinkTokens.Payload> payloads(String s) {
        return payloads(tokens, s);
    }

    /** The tokens of the click URLs in {@code s} (under {@link #PREFIX}), each verified with {@code tokens}, in order. */
    static List<LinkTokens.Payload> payloads(LinkTokens tokens, String s) {
        List<LinkTokens.Payload> out = new ArrayList<>();
        Matcher m = CLICK.matcher(s);
        while (m.find()) {
            out.add(tokens.verify(m.group(1)).orElseThrow());
        }
        return out;
    }

    /**
     * A form in a mail (Thunderbird and desktop readers let it be filled in and submitted) sent what was typed to its
     * action without passing the gateway: form actions and the formaction of submit buttons were left live.
     */
    @Test
    void formActionsAndFormactionsAreRewrittenAsFormTargets() throws Exception {
        String body = "<p>Sign in</p><form action=\"https://evil.example/collect?a=1&amp;b=2\" method=\"post\">"
                + "<input name=user><input type=password name=password>\r\n"
                + "<button FORMACTION='//evil2.example/b'>Go</button>\r\n"
                + "<input type=submit formaction=\" HTTPS://Evil3.example/i \" value=Send>\r\n"
                + "<input type=image formaction=https:evil4.example/img src=x></form>\r\n"
                + "<a href=\"https://example.com/read\">link</a>\r\n";
        String out = text(rewrite(htmlMessage("8bit", body)));
        assertThat(clicked(out)).containsExactly("https://evil.example/collect?a=1&b=2", "https://evil2.example/b",
                "https://evil3.example/i", "https://evil4.example/img", "https://example.com/read");
        assertThat(payloads(out)).extracting(LinkTokens.Payload::kind).containsExactly(LinkTokens.Kind.FORM,
                LinkTokens.Kind.FORM, LinkTokens.Kind.FORM, LinkTokens.Kind.FORM, LinkTokens.Kind.LINK);
        // in place: the rest of the tag and the page as written
        assertThat(out).contains("<form action=\"" + PREFIX).contains("\" method=\"post\"><input name=user>")
                .doesNotContain("quoted-printable")
                .contains("<button formmethod=\"post\" FORMACTION='" + PREFIX).contains("'>Go</button>\r\n")
                .doesNotContain("evil");
        assertSecondPassChangesNothing(out);
    }

    @Test
    void aFormWithoutActionOrWithAnEmptyOneIsLeftAloneEvenUnderABase() throws Exception {
        String body = "<base href=\"https://evil.example/d/\"><form method=post><input name=p></form>"
                + "<form action=\"\"><button formaction>x</button></form><form action><input type=submit formaction=\"\"></form>"
                + "<form action=\"mailto:x@example.com\"></form><form action=\"https://wiki.corp.example/f\"></form>"
                + "<form action=\"https://partner.example/f\"></form>\r\n";
        assertThat(rewrite(htmlMessage("8bit", body)).changed()).isFalse();
        // without a base, relative actions lead to the document (nowhere in a mail), as relative links do
        assertThat(rewrite(htmlMessage("8bit", "<form action=\"collect.php\"><button formaction=\"/x\">x</button></form>\r\n"))
                .changed()).isFalse();
    }

    @Test
    void aRelativeFormActionUnderABaseIsResolved() throws Exception {
        String body = "<html><head><base href=\"https://evil.example/dir/\"></head><body>"
                + "<form action=\"collect.php\" method=post><input name=pw>"
                + "<button formaction=\"../other\">x</button><input type=submit formaction=\" \"></form></body></html>\r\n";
        String out = text(rewrite(htmlMessage("8bit", body)));
        // a blank (not empty) formaction is a relative URL: it goes to the base
        assertThat(clicked(out)).containsExactly("https://evil.example/dir/collect.php", "https://evil.example/other",
                "https://evil.example/dir/");
        assertThat(out).contains("<base href=\"https://evil.example/dir/\">");
    }

    @Test
    void formsInOutlookConditionalCommentsNoscriptAndQuotedPrintableAreRewritten() throws Exception {
        String body = "<!--[if mso]><form action=\"https://evil.example/mso\"></form><![endif]-->"
                + "<noscript><form action=\"https://evil.example/ns\"><button formaction=\"https://evil.example/nb\">"
                + "</button></form></noscript>\r\n";
        String out = text(rewrite(htmlMessage("quoted-printable", body)));
        assertThat(rewrite(htmlMessage("quoted-printable", body)).urls()).containsExactlyInAnyOrder(
                "https://evil.example/mso", "https://evil.example/ns", "https://evil.example/nb");
        assertThat(out).doesNotContain("evil.example");
    }

    @Test
    void formTargetsCountTowardsMaxLinksAndTooLongOnesLeadToTheUncheckedPage() throws Exception {
        LinkRewriter two = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 2);
        String body = "<form action=\"https://e.example/1\"><button formaction=\"https://e.example/2\">x</button></form>"
                + "<form action=\"https://e.example/3\"></form><form action=\"https://e.example/" + "x".repeat(5000)
                + "\"></form>\r\n";
        LinkRewriter.Result r = two.rewrite(htmlMessage("8bit", body).getBytes(StandardCharsets.ISO_8859_1), "m-1", "",
                INTERNAL);
        assertThat(r.urls()).containsExactly("https://e.example/1", "https://e.example/2");
        String out = text(r);
        assertThat(out).contains("<form method=\"post\" action=\"" + PREFIX + LinkRewriter.UNCHECKED
                + "\"></form><form method=\"post\" action=\"" + PREFIX + LinkRewriter.UNCHECKED + "\"></form>")
                .doesNotContain("e.example/3");
    }

    /**
     * A {@code method=get} form sent to the gateway puts what was typed into the URL: never read by the gateway, but
     * written to the browser's history and to the access log of any proxy in front of it. Every form whose target
     * was rewritten submits with POST instead, whatever its method said (missing, GET, blank, invalid: all GET to a
     * browser), and a submit button's {@code formmethod} cannot turn it back.
     */
    @Test
    void formsWhoseTargetWasRewrittenSubmitWithPost() throws Exception {
        String body = "<form action=\"https://evil.example/1\"><input type=password name=pw></form>\r\n"
                + "<form ACTION=\"https://evil.example/2\" Method=GET><input name=a></form>\r\n"
                + "<form method='get ' action=\"https://evil.example/3\"><input name=b></form>\r\n"
                + "<form method action=\"https://evil.example/4\"><input name=c></form>\r\n"
                + "<form method=\"po&#383;t\" action=\"https://evil.example/5\"><input name=d></form>\r\n"
                + "<form method=\"POST\" action=\"https://evil.example/6\"><button formmethod=GET>x</button>"
                + "<button formaction=\"https://evil.example/7\">y</button>"
                + "<input type=submit formmethod=post formaction=\"https://evil.example/8\"></form>\r\n"
                + "<form method=dialog action=\"https://evil.example/9\"><input name=e></form>\r\n";
        String out = text(rewrite(htmlMessage("8bit", body)));
        assertThat(clicked(out)).hasSize(9).allMatch(u -> u.startsWith("https://evil.example/"));
        assertThat(out.lines().filter(l -> l.contains("<form")).toList()).satisfiesExactly(
                l -> assertThat(l).startsWith("<form method=\"post\" action=\"" + PREFIX),
                l -> assertThat(l).startsWith("<form ACTION=\"" + PREFIX).contains("\" Method=post><input name=a>"),
                l -> assertThat(l).startsWith("<form method='post' action=\"" + PREFIX),
                l -> assertThat(l).startsWith("<form method=\"post\" action=\"" + PREFIX),
                l -> assertThat(l).startsWith("<form method=\"post\" action=\"" + PREFIX),
                l -> assertThat(l).startsWith("<form method=\"POST\" action=\"" + PREFIX)
                        .contains("<button formmethod=post>x</button>")
                        .contains("<button formmethod=\"post\" formaction=\"" + PREFIX)
                        .contains("<input type=submit formmethod=post formaction=\"" + PREFIX),
                l -> assertThat(l).startsWith("<form method=dialog action=\"" + PREFIX));
        assertSecondPassChangesNothing(out);
    }

    @Test
    void aFormLeftAloneKeepsItsMethod() throws Exception {
        // no target rewritten (none, empty, internal): nothing changes, its method and its buttons' included
        String body = "<form method=get><button formmethod=get>x</button></form>"
                + "<form action=\"https://wiki.corp.example/f\" method=get></form>\r\n";
        assertThat(rewrite(htmlMessage("8bit", body)).changed()).isFalse();
    }

    @Test
    void keywordsCompareAsBrowsersDoAsciiCaseOnly() {
        assertThat(LinkRewriter.asciiEqualsIgnoreCase("PoSt", "post")).isTrue();
        assertThat(LinkRewriter.asciiEqualsIgnoreCase("po\u017Ft", "post")).isFalse();
        assertThat(LinkRewriter.asciiEqualsIgnoreCase("post ", "post")).isFalse();
        assertThat(LinkRewriter.asciiEqualsIgnoreCase("DIALOG", "dialog")).isTrue();
    }
}
