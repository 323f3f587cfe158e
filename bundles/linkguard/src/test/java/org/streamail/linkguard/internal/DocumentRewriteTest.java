package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * How {@link LinkRewriter} hands document attachments to the {@link DocumentLinks} kinds and puts the result back:
 * which parts are looked at, by content rather than type or name, the transfer encodings, the bounds, and that a
 * document left as written (signed, encrypted, unreadable, a bug) never costs the rest of the message its rewriting.
 * The kinds themselves are tested in {@code PdfLinksTest} and {@code OfficeLinksTest}; here a stand-in kind reads a
 * "document" as {@code %PDF-} followed by {@code LINK <url>} lines and replaces each URL. Output read back with Angus
 * Mail as an independent parser.
 */
class DocumentRewriteTest {

    private static final String PREFIX = LinkRewriterTest.PREFIX;
    private static final Set<String> INTERNAL = Set.of("corp.example");

    private final LinkTokens tokens = new LinkTokens(LinkTokensTest.KEY);

    /** The stand-in kind: {@code %PDF-} within the first KiB; each {@code LINK <url>} line's URL replaced. */
    static final class LineDocument implements DocumentLinks {
        final AtomicInteger looked = new AtomicInteger();
        DocumentException failWith;
        /** A RuntimeException or an Error to throw. */
        Throwable bug;

        @Override
        public String kind() {
            return "PDF";
        }

        @Override
        public boolean recognises(byte[] decoded) {
            looked.incrementAndGet();
            String head = new String(decoded, 0, Math.min(decoded.length, 1029), StandardCharsets.ISO_8859_1);
            return head.contains("%PDF-");
        }

        @Override
        public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) throws DocumentException {
            if (failWith != null) {
                throw failWith;
            }
            if (bug instanceof RuntimeException e) {
                throw e;
            }
            if (bug instanceof Error e) {
                throw e;
            }
            String text = new String(decoded, StandardCharsets.ISO_8859_1);
            Matcher m = Pattern.compile("LINK (\\S+)").matcher(text);
            StringBuilder out = new StringBuilder();
            boolean changed = false;
            while (m.find()) {
                String r = links.replacement(m.group(1), LinkTokens.Kind.LINK);
                changed |= r != null;
                m.appendReplacement(out, Matcher.quoteReplacement("LINK " + (r == null ? m.group(1) : r)));
            }
            m.appendTail(out);
            return changed ? out.toString().getBytes(StandardCharsets.ISO_8859_1) : decoded;
        }
    }

    /** A second kind that recognises nothing, to see the kinds tried in order. */
    static final class NoDocument implements DocumentLinks {
        final AtomicInteger looked = new AtomicInteger();

        @Override
        public String kind() {
            return "Office";
        }

        @Override
        public boolean recognises(byte[] decoded) {
            looked.incrementAndGet();
            return false;
        }

        @Override
        public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) {
            throw new AssertionError("never recognised");
        }
    }

    private final NoDocument office = new NoDocument();
    private final LineDocument pdf = new LineDocument();

    private LinkRewriter rewriter(int maxLinks) {
        return new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), maxLinks, true, false,
                List.of(office, pdf));
    }

    private LinkRewriter.Result rewrite(String msg) {
        return rewrite(rewriter(500), msg);
    }

    private static LinkRewriter.Result rewrite(LinkRewriter r, String msg) {
        return r.rewrite(msg.getBytes(StandardCharsets.ISO_8859_1), "m-1", "alice@corp.example", INTERNAL);
    }

    private static String b64(byte[] b) {
        return Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(b);
    }

    private static byte[] doc(String... urls) {
        StringBuilder b = new StringBuilder("%PDF-1.7\n");
        for (String u : urls) {
            b.append("LINK ").append(u).append('\n');
        }
        return b.append("%%EOF\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A multipart/mixed message: a text body with a link, then {@code parts} (each "headers\r\n\r\nbody"). */
    private static String mixed(String... parts) {
        StringBuilder b = new StringBuilder("From: x@evil.example\r\nTo: alice@corp.example\r\nSubject: invoice\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee https://body.example/x\r\n");
        for (String p : parts) {
            b.append("--b1\r\n").append(p).append("\r\n");
        }
        return b.append("--b1--\r\n").toString();
    }

    private List<LinkTokens.Payload> payloads(String s) {
        return LinkRewriterTest.payloads(tokens, s);
    }

    private static BodyPart part(byte[] raw, int index) throws Exception {
        MimeMessage m = LinkRewriterTest.parse(raw);
        return ((Multipart) m.getContent()).getBodyPart(index);
    }

    private static byte[] bytes(BodyPart p) throws Exception {
        try (InputStream in = p.getInputStream()) {
            return in.readAllBytes();
        }
    }

    @Test
    void aBase64DocumentsLinksAreRewrittenAndItStaysBase64() throws Exception {
        String msg = mixed("Content-Type: application/pdf; name=invoice.pdf\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=invoice.pdf\r\n\r\n"
                + b64(doc("https://evil.example/login?a=1&b=2", "mailto:x@evil.example",
                        "https://www.corp.example/ok")));
        LinkRewriter.Result r = rewrite(msg);

        assertThat(r.changed()).isTrue();
        BodyPart att = part(r.raw(), 1);
        assertThat(att.getHeader("Content-Transfer-Encoding")).containsExactly("base64");
        String file = new String(bytes(att), StandardCharsets.ISO_8859_1);
        List<LinkTokens.Payload> inFile = payloads(file);
        assertThat(inFile).extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/login?a=1&b=2");
        assertThat(inFile.get(0).kind()).isEqualTo(LinkTokens.Kind.LINK);
        assertThat(inFile.get(0).recipient()).isEqualTo("alice@corp.example");
        assertThat(file).contains("LINK mailto:x@evil.example\n", "LINK https://www.corp.example/ok\n");
        // recorded with the body's link, for campaign tracing and recall
        assertThat(r.urls()).containsExactlyInAnyOrder("https://body.example/x", "https://evil.example/login?a=1&b=2");
        assertThat(office.looked).hasValue(1);
    }

    @Test
    void theKindIsJudgedByTheBytesNotTheDeclaredTypeOrName() throws Exception {
        // named .txt, declared text/plain, attached: the bytes are a PDF, and a viewer sniffing them opens it as one
        String msg = mixed("Content-Type: text/plain; name=notes.txt\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=notes.txt\r\n\r\n"
                + b64(doc("https://evil.example/a")));
        assertThat(payloads(new String(bytes(part(rewrite(msg).raw(), 1)), StandardCharsets.ISO_8859_1)))
                .extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/a");

        // declared application/pdf and named .pdf, but a PNG: not handed to any kind
        byte[] png = new byte[600];
        png[0] = (byte) 0x89;
        png[1] = 'P';
        png[2] = 'N';
        png[3] = 'G';
        String image = mixed("Content-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + b64(png));
        int before = pdf.looked.get();
        LinkRewriter.Result r = rewrite(image);
        assertThat(pdf.looked.get()).isEqualTo(before);
        assertThat(new String(bytes(part(r.raw(), 1)), StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(png, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aHeaderAnywhereInTheFirstKibibyteCountsAsViewersFindItThere() throws Exception {
        byte[] junk = new byte[1000];
        Arrays.fill(junk, (byte) 'j');
        byte[] near = concat(junk, doc("https://evil.example/near"));
        assertThat(LinkRewriter.mayBeDocument(near)).isTrue();
        byte[] far = concat(concat(junk, new byte[100]), doc("https://evil.example/far"));
        assertThat(LinkRewriter.mayBeDocument(far)).isFalse();
        assertThat(LinkRewriter.mayBeDocument(new byte[] {'P', 'K', 3, 4, 0})).isTrue();
        assertThat(LinkRewriter.mayBeDocument(new byte[] {'P', 'K', 5, 6})).isFalse();
        assertThat(LinkRewriter.mayBeDocument(new byte[0])).isFalse();

        String msg = mixed("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + b64(near));
        assertThat(payloads(new String(bytes(part(rewrite(msg).raw(), 1)), StandardCharsets.ISO_8859_1)))
                .extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/near");
    }

    @Test
    void quotedPrintableStaysQuotedPrintableAndAnUnencodedFileBecomesBase64() throws Exception {
        String qp = mixed("Content-Type: application/pdf\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "%PDF-1.4=0ALINK https://evil.example/qp=0A%%EOF");
        BodyPart p = part(rewrite(qp).raw(), 1);
        assertThat(p.getHeader("Content-Transfer-Encoding")).containsExactly("quoted-printable");
        assertThat(payloads(new String(bytes(p), StandardCharsets.ISO_8859_1))).extracting(LinkTokens.Payload::url)
                .containsExactly("https://evil.example/qp");

        for (String cte : new String[] {"Content-Transfer-Encoding: binary\r\n", "Content-Transfer-Encoding: 8bit\r\n",
                ""}) {
            String raw = mixed("Content-Type: application/pdf\r\n" + cte + "\r\n"
                    + "%PDF-1.4\nLINK https://evil.example/bin\n\u00e9\u00ff%%EOF");
            LinkRewriter.Result r = rewrite(raw);
            BodyPart b = part(r.raw(), 1);
            assertThat(b.getHeader("Content-Transfer-Encoding")).as(cte).containsExactly("base64");
            String file = new String(bytes(b), StandardCharsets.ISO_8859_1);
            assertThat(payloads(file)).extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/bin");
            assertThat(file).endsWith("\n\u00e9\u00ff%%EOF");
        }
    }

    @Test
    void aDocumentLeftAsWrittenKeepsItsBytesAndTheRestOfTheMessageIsStillRewritten() throws Exception {
        String encoded = b64(doc("https://evil.example/kept"));
        String msg = mixed("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded);
        for (Object failure : List.of(
                new DocumentLinks.DocumentException(DocumentLinks.DocumentException.Reason.SIGNED, "signature"),
                new DocumentLinks.DocumentException(DocumentLinks.DocumentException.Reason.ENCRYPTED, "password"),
                new DocumentLinks.DocumentException(DocumentLinks.DocumentException.Reason.UNREADABLE, "xref"),
                new IllegalStateException("a bug"), new NoClassDefFoundError("org/apache/commons/io/IOUtils"),
                new StackOverflowError())) {
            pdf.failWith = failure instanceof DocumentLinks.DocumentException d ? d : null;
            pdf.bug = failure instanceof DocumentLinks.DocumentException ? null : (Throwable) failure;
            LinkRewriter.Result r = rewrite(msg);
            String out = new String(r.raw(), StandardCharsets.ISO_8859_1);
            assertThat(out).as(failure.toString()).contains(encoded);
            assertThat(r.urls()).as(failure.toString()).containsExactly("https://body.example/x");
        }
    }

    /** A file two kinds recognise (each application reads its own parts) is rewritten by both, in turn. */
    @Test
    void everyKindThatRecognisesTheFileRewritesItInTurn() throws Exception {
        DocumentLinks second = new DocumentLinks() {
            @Override
            public String kind() {
                return "OpenDocument";
            }

            @Override
            public boolean recognises(byte[] decoded) {
                return new String(decoded, StandardCharsets.ISO_8859_1).contains("ALSO ");
            }

            @Override
            public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) {
                String text = new String(decoded, StandardCharsets.ISO_8859_1);
                assertThat(text).as("the first kind's output").contains(PREFIX);
                return text.replace("ALSO https://evil.example/odf", "ALSO "
                        + links.replacement("https://evil.example/odf", LinkTokens.Kind.FORM))
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
        };
        LinkRewriter both = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, true, false,
                List.of(pdf, second));
        byte[] file = (new String(doc("https://evil.example/pdf"), StandardCharsets.ISO_8859_1)
                + "ALSO https://evil.example/odf\n").getBytes(StandardCharsets.ISO_8859_1);
        String msg = mixed("Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + b64(file));
        List<LinkTokens.Payload> found = payloads(new String(bytes(part(rewrite(both, msg).raw(), 1)),
                StandardCharsets.ISO_8859_1));
        assertThat(found).extracting(LinkTokens.Payload::url)
                .containsExactly("https://evil.example/pdf", "https://evil.example/odf");
        assertThat(found).extracting(LinkTokens.Payload::kind).containsExactly(LinkTokens.Kind.LINK,
                LinkTokens.Kind.FORM);
    }

    @Test
    void documentLinksCountAgainstMaxLinks() throws Exception {
        String msg = mixed("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + b64(doc("https://evil.example/1", "https://evil.example/2", "https://evil.example/3")));
        LinkRewriter.Result r = rewrite(rewriter(2), msg);
        String file = new String(bytes(part(r.raw(), 1)), StandardCharsets.ISO_8859_1);
        assertThat(payloads(file)).extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/1");
        assertThat(file).contains("LINK " + PREFIX + LinkRewriter.UNCHECKED + "\n");
        assertThat(file).doesNotContain("evil.example/2", "evil.example/3");
    }

    @Test
    void withoutKindsOrOverTheBoundDocumentsStayAsWritten() throws Exception {
        String encoded = b64(doc("https://evil.example/off"));
        String msg = mixed("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded);
        LinkRewriter off = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, true, false, List.of());
        assertThat(new String(rewrite(off, msg).raw(), StandardCharsets.ISO_8859_1)).contains(encoded);

        byte[] big = new byte[LinkRewriter.MAX_ATTACHMENT_BYTES + 1];
        Arrays.fill(big, (byte) ' ');
        byte[] head = doc("https://evil.example/big");
        System.arraycopy(head, 0, big, 0, head.length);
        String large = mixed("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(big));
        int before = pdf.looked.get();
        LinkRewriter.Result r = rewrite(large);
        assertThat(pdf.looked.get()).isEqualTo(before);
        assertThat(bytes(part(r.raw(), 1))).isEqualTo(big);
    }

    /** RTF through the real kinds: attached (base64 and unencoded, any name), and as a text/rtf body. */
    @Test
    void rtfFilesReachTheRtfKindAttachedOrAsATextRtfBody() throws Exception {
        LinkRewriter real = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, true, false,
                LinkGuardTransformer.DOCUMENTS);
        String file = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\r\n\\pard Pay here: "
                + "{\\field{\\*\\fldinst {HYPERLINK \"\\'68ttps://evil.example/pay}{\\b ?id=7\" \\\\o \"Pay\"}}"
                + "{\\fldrslt {\\ul View}}}\\par\r\nor see https://shown.example/x\\par\r\n}";
        byte[] rtf = file.getBytes(StandardCharsets.ISO_8859_1);

        String base64 = mixed("Content-Type: application/rtf; name=invoice.rtf\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=invoice.rtf\r\n\r\n" + b64(rtf));
        LinkRewriter.Result r = rewrite(real, base64);
        BodyPart att = part(r.raw(), 1);
        assertThat(att.getHeader("Content-Transfer-Encoding")).containsExactly("base64");
        String out = new String(bytes(att), StandardCharsets.ISO_8859_1);
        assertThat(payloads(out)).extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/pay?id=7");
        assertThat(out).doesNotContain("evil.example").contains("{\\b  \\\\o \"Pay\"}", "https://shown.example/x");
        assertThat(r.urls()).containsExactlyInAnyOrder("https://body.example/x", "https://evil.example/pay?id=7");

        // unencoded, named .doc and declared as Word's: Word opens it as RTF; it goes back as base64
        String unencoded = mixed("Content-Type: application/msword; name=invoice.doc\r\n"
                + "Content-Transfer-Encoding: 7bit\r\n\r\n" + file);
        att = part(rewrite(real, unencoded).raw(), 1);
        assertThat(att.getHeader("Content-Transfer-Encoding")).containsExactly("base64");
        assertThat(payloads(new String(bytes(att), StandardCharsets.ISO_8859_1))).extracting(LinkTokens.Payload::url)
                .containsExactly("https://evil.example/pay?id=7");

        // the whole message a text/rtf body: a file for a word processor (Thunderbird shows it as an attachment), so
        // the RTF kind rewrites its field and the URL in its text is left to the viewer, as for an attached file;
        // read as plain text its escaped URL was missed
        String body = "From: x@evil.example\r\nTo: alice@corp.example\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/rtf\r\n\r\n" + file + "\r\n";
        r = rewrite(real, body);
        MimeMessage m = LinkRewriterTest.parse(r.raw());
        assertThat(m.getHeader("Content-Transfer-Encoding")).containsExactly("base64");
        String shown;
        try (InputStream in = m.getInputStream()) {
            shown = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        assertThat(payloads(shown)).extracting(LinkTokens.Payload::url).containsExactly("https://evil.example/pay?id=7");
        assertThat(shown).contains("or see https://shown.example/x\\par");
        assertThat(r.urls()).containsExactly("https://evil.example/pay?id=7");
        // rewrite.documents off: the text/rtf body is a document left as written, not text
        LinkRewriter off = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, true, false, List.of());
        assertThat(rewrite(off, body).changed()).isFalse();
    }

    @Test
    void theTransformerKnowsThePdfAndOfficeKinds() {
        assertThat(LinkGuardTransformer.DOCUMENTS).extracting(DocumentLinks::kind).contains("PDF", "Office");
    }

    static final String PAGE = "<html><body><a href=\"https://evil.example/help\">help</a>"
            + "<form action=\"https://evil.example/collect.php\" method=post><input type=password name=pw></form>"
            + "</body></html>";

    /** A zip of {@code entries} (name, content), deflated, with a directory entry first. */
    static byte[] zip(String... entries) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(out)) {
            z.putNextEntry(new java.util.zip.ZipEntry("docs/"));
            z.closeEntry();
            for (int i = 0; i < entries.length; i += 2) {
                z.putNextEntry(new java.util.zip.ZipEntry(entries[i]));
                z.write(entries[i + 1].getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** The entries of a zip by name, read through its central directory. */
    static java.util.Map<String, String> unzip(byte[] zip) throws java.io.IOException {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        java.nio.file.Path f = java.nio.file.Files.createTempFile("dr", ".zip");
        try {
            java.nio.file.Files.write(f, zip);
            try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(f.toFile())) {
                for (java.util.zip.ZipEntry e : java.util.Collections.list(z.entries())) {
                    try (InputStream in = z.getInputStream(e)) {
                        out.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
        } finally {
            java.nio.file.Files.delete(f);
        }
        return out;
    }

    /**
     * A fake sign-in page sent zipped ({@code invoice.zip}) opens in the browser from the reader's archive view or once
     * extracted: its links and form target are rewritten like a page attachment's, every other entry kept.
     */
    @Test
    void pagesInsideAZipArchiveAreRewrittenAndTheOtherEntriesKept() throws Exception {
        byte[] archive = zip("docs/Invoice.HTML", PAGE, "docs/readme.txt", "see https://evil.example/txt",
                "logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
                        + "<a xlink:href=\"https://evil.example/svg\"><text>x</text></a></svg>");
        String msg = mixed("Content-Type: application/zip; name=invoice.zip\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=invoice.zip\r\n\r\n" + b64(archive));
        LinkRewriter.Result r = rewrite(msg);

        java.util.Map<String, String> out = unzip(bytes(part(r.raw(), 1)));
        assertThat(out.keySet()).containsExactly("docs/", "docs/Invoice.HTML", "docs/readme.txt", "logo.svg");
        List<LinkTokens.Payload> page = payloads(out.get("docs/Invoice.HTML"));
        assertThat(page).extracting(LinkTokens.Payload::url)
                .containsExactly("https://evil.example/help", "https://evil.example/collect.php");
        assertThat(page).extracting(LinkTokens.Payload::kind).containsExactly(LinkTokens.Kind.LINK,
                LinkTokens.Kind.FORM);
        assertThat(payloads(out.get("logo.svg"))).extracting(LinkTokens.Payload::url)
                .containsExactly("https://evil.example/svg");
        assertThat(out.get("docs/readme.txt")).as("not a page: kept").isEqualTo("see https://evil.example/txt");
        assertThat(r.urls()).contains("https://evil.example/help", "https://evil.example/svg");

        // a zip without pages, and a zip with rewrite.attachments off, stay byte for byte
        String plain = b64(zip("a.txt", "https://evil.example/a"));
        assertThat(new String(rewrite(mixed("Content-Type: application/zip\r\nContent-Transfer-Encoding: base64"
                + "\r\n\r\n" + plain)).raw(), StandardCharsets.ISO_8859_1)).contains(plain);
        LinkRewriter pagesOff = new LinkRewriter(tokens, "http://gw.example:8181", Set.of(), 500, false, false,
                List.of(office, pdf));
        assertThat(new String(rewrite(pagesOff, msg).raw(), StandardCharsets.ISO_8859_1)).contains(b64(archive));
    }

    /** A password-protected page, or an archive readers could disagree on, is left as written; the message is not. */
    @Test
    void aProtectedOrAmbiguousArchiveIsLeftAsWritten() throws Exception {
        String locked = b64(OfficeLinksTest.setFlag(zip("login.html", PAGE), "login.html", 1));
        LinkRewriter.Result r = rewrite(mixed("Content-Type: application/zip\r\nContent-Transfer-Encoding: base64"
                + "\r\n\r\n" + locked));
        assertThat(new String(r.raw(), StandardCharsets.ISO_8859_1)).contains(locked);
        assertThat(r.urls()).containsExactly("https://body.example/x");

        // two directory entries of one name: which one a reader opens differs, so neither is rewritten
        byte[] twice = zip("login.html", PAGE, "logon.html", PAGE);
        String dup = new String(twice, StandardCharsets.ISO_8859_1).replace("logon.html", "login.html");
        String encoded = b64(dup.getBytes(StandardCharsets.ISO_8859_1));
        r = rewrite(mixed("Content-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" + encoded));
        assertThat(new String(r.raw(), StandardCharsets.ISO_8859_1)).contains(encoded);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
