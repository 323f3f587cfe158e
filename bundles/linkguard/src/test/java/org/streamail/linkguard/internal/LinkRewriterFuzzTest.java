package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;
import java.util.Set;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Fuzzes {@link LinkRewriter} on hostile messages, HTML and text. In {@code mvn test} the seeds under
 * {@code src/test/resources/.../LinkRewriterFuzzTestInputs/<method>/} run as regression tests;
 * {@code JAZZER_FUZZ=1 mvn test -Dtest=LinkRewriterFuzzTest#<method>} fuzzes. What must always hold (the class
 * Javadoc): nothing is thrown; the output is at most a bounded factor bigger; a second pass changes nothing (every
 * link it guards already points at the click endpoint); and no {@code a}/{@code area} link and no form target
 * ({@code form action}, {@code button}/{@code input formaction}) of rewritten HTML that reads as an http(s) URL leads
 * anywhere but the click endpoint or an exempt or internal domain.
 */
class LinkRewriterFuzzTest {

    static {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }

    private static final int MAX_LINKS = 5;
    private static final Set<String> INTERNAL = Set.of("corp.example");
    private static final LinkRewriter REWRITER = new LinkRewriter(new LinkTokens(LinkTokensTest.KEY),
            "http://gw.example:8181", Set.of("partner.example"), MAX_LINKS);
    private static final String CLICK_HOST = "gw.example";

    @FuzzTest(maxDuration = "60s")
    void rewriteMessage(byte[] raw) {
        if (raw == null) {
            return;
        }
        LinkRewriter.Result r = REWRITER.rewrite(raw, "m1", "rcpt@corp.example", INTERNAL);
        if (!r.changed()) {
            assertThat(r.raw()).isSameAs(raw);
            return;
        }
        assertThat(r.urls()).hasSizeLessThanOrEqualTo(MAX_LINKS).isNotEmpty();
        // a link becomes the click prefix and a token of at most twice its length (plus message id and MAC),
        // re-encoded at worst as quoted-printable (3 bytes a byte), in nested forwarded messages too
        assertThat((long) r.raw().length).isLessThanOrEqualTo(256L * raw.length + 64 * 1024);
        LinkRewriter.Result again = REWRITER.rewrite(r.raw(), "m1", "rcpt@corp.example", INTERNAL);
        assertThat(again.changed()).as("a second pass changes nothing").isFalse();
    }

    /** With the document kinds: PDF, Office, OpenDocument and RTF files besides the pages of zip archives. */
    private static final LinkRewriter WITH_DOCUMENTS = new LinkRewriter(new LinkTokens(LinkTokensTest.KEY),
            "http://gw.example:8181", Set.of("partner.example"), MAX_LINKS, true, false,
            LinkGuardTransformer.DOCUMENTS);

    /**
     * Any file as a base64 attachment (seeds: a PDF with a link, a Word document, a zip holding a page, an RTF file
     * with split, escaped, relative and fetched targets): the document kinds and the archive reading never throw out
     * of the rewriter, the output stays bounded, and a second pass changes nothing (every target a kind rewrote now
     * points at the click endpoint).
     */
    @FuzzTest(maxDuration = "60s")
    void rewriteDocument(byte[] file) {
        if (file == null) {
            return;
        }
        byte[] raw = ("From: a@evil.example\r\nTo: rcpt@corp.example\r\nSubject: file\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee\r\n"
                + "--b\r\nContent-Type: application/octet-stream; name=f\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + java.util.Base64.getMimeEncoder().encodeToString(file) + "\r\n--b--\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        LinkRewriter.Result r = WITH_DOCUMENTS.rewrite(raw, "m1", "rcpt@corp.example", INTERNAL);
        if (!r.changed()) {
            assertThat(r.raw()).isSameAs(raw);
            return;
        }
        assertThat(r.urls()).hasSizeLessThanOrEqualTo(MAX_LINKS).isNotEmpty();
        assertThat((long) r.raw().length).isLessThanOrEqualTo(256L * raw.length + 64 * 1024);
        LinkRewriter.Result again = WITH_DOCUMENTS.rewrite(r.raw(), "m1", "rcpt@corp.example", INTERNAL);
        assertThat(again.changed()).as("a second pass changes nothing").isFalse();
    }

    @FuzzTest(maxDuration = "60s")
    void rewriteHtml(String html) {
        if (html == null) {
            return; // Jazzer's String mutator also tries null; the rewriter is never handed one
        }
        LinkRewriter.Session s = REWRITER.new Session("m1", "", INTERNAL);
        String out = REWRITER.rewriteHtml(html, s);
        assertThat(REWRITER.rewriteHtml(out, REWRITER.new Session("m1", "", INTERNAL)))
                .as("a second pass changes nothing").isEqualTo(out);
        Document doc = Jsoup.parse(out);
        String relativeScheme = "https";
        Element base = doc.selectFirst("base[href]");
        if (base != null) {
            Optional<String> b = Urls.httpUrl(base.attr("href"));
            if (b.isPresent()) {
                relativeScheme = b.get().substring(0, b.get().indexOf(':'));
            }
        }
        for (Element e : doc.select("a, area, form, button, input")) {
            boolean link = e.normalName().equals("a") || e.normalName().equals("area");
            for (Attribute a : e.attributes().asList()) {
                String key = a.getKey().toLowerCase(java.util.Locale.ROOT);
                if (link ? !key.equals("href") && !key.equals("xlink:href")
                        : !key.equals(e.normalName().equals("form") ? "action" : "formaction")) {
                    continue;
                }
                Optional<String> url = Urls.httpUrl(a.getValue(), relativeScheme);
                if (url.isPresent()) {
                    String host = Urls.hostOf(url.get());
                    assertThat(host.equals(CLICK_HOST) || Urls.inDomains(host, Set.of("partner.example"))
                            || Urls.inDomains(host, INTERNAL)).as("live link or form target %s in %s", url.get(), out).isTrue();
                    if (!link && host.equals(CLICK_HOST) && !html.contains(CLICK_HOST)) {
                        // a form sent to the gateway submits with POST: what was typed never in a URL
                        String method = e.attr(e.normalName().equals("form") ? "method" : "formmethod");
                        assertThat(LinkRewriter.asciiEqualsIgnoreCase(method, "post")
                                || LinkRewriter.asciiEqualsIgnoreCase(method, "dialog"))
                                .as("form target %s submitted with method '%s' in %s", url.get(), method, out).isTrue();
                    }
                }
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    void rewriteText(FuzzedDataProvider in) {
        boolean flowed = in.consumeBoolean();
        boolean delSp = in.consumeBoolean();
        String text = in.consumeRemainingAsString();
        String out = REWRITER.rewriteText(text, REWRITER.new Session("m1", "", INTERNAL), flowed, delSp);
        assertThat(REWRITER.rewriteText(out, REWRITER.new Session("m1", "", INTERNAL), flowed, delSp))
                .as("a second pass changes nothing").isEqualTo(out);
    }
}
