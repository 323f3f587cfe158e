package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSString;
import org.apache.pdfbox.pdfwriter.compress.CompressParameters;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.PDEncryption;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionURI;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotation;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationLink;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDDocumentOutline;
import org.apache.pdfbox.pdmodel.interactive.documentnavigation.outline.PDOutlineItem;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDTextField;
import org.junit.jupiter.api.Test;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;

/**
 * {@link PdfLinks}: the PDFs are made here, with PDFBox's API (as producers write them) or object by object (for the
 * structures hostile or unusual files hold), and every result is read back with PDFBox.
 */
class PdfLinksTest {

    /** Single PDF syntax characters the mutation loop puts into files. */
    private static final List<byte[]> SYNTAX = "[]<>()/%R 0\n".chars().mapToObj(c -> new byte[] {(byte) c}).toList();

    private static final String CLICK = "https://gw.example/streamail/click/";

    private final PdfLinks pdf = new PdfLinks();

    /**
     * Stands for the rewriter's session: a distinct click URL for every http(s) target (form targets marked), null for
     * anything else, for click URLs (a second pass) and for {@link #refused} targets; every call recorded.
     */
    private static final class Clicks implements DocumentLinks.Replacer {
        final List<String> targets = new ArrayList<>();
        final List<LinkTokens.Kind> kinds = new ArrayList<>();
        final Set<String> refused = new HashSet<>();

        @Override
        public String replacement(String target, LinkTokens.Kind kind) {
            targets.add(target);
            kinds.add(kind);
            Optional<String> url = Urls.httpUrl(target);
            if (url.isEmpty() || url.get().startsWith(CLICK) || refused.contains(target)) {
                return null;
            }
            return CLICK + (kind == LinkTokens.Kind.FORM ? "form-" : "link-") + targets.size();
        }
    }

    // ---------------------------------------------------------------- making PDFs

    private static byte[] save(PDDocument d, boolean compress) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (compress) {
            d.save(out); // PDFBox 3's default: object streams and a cross-reference stream
        } else {
            d.save(out, CompressParameters.NO_COMPRESSION); // classic xref table, every object readable
        }
        return out.toByteArray();
    }

    private static PDActionURI uriAction(String uri) {
        PDActionURI a = new PDActionURI();
        a.setURI(uri);
        return a;
    }

    private static PDAnnotationLink link(String uri, int n) {
        PDAnnotationLink l = new PDAnnotationLink();
        l.setRectangle(new PDRectangle(72, 700 - 30 * n, 200, 20));
        l.setAction(uriAction(uri));
        return l;
    }

    /** One page per array of URIs, each a link annotation. */
    private static PDDocument linkDocument(String[]... pages) throws IOException {
        PDDocument d = new PDDocument();
        for (String[] uris : pages) {
            PDPage page = new PDPage();
            d.addPage(page);
            for (int i = 0; i < uris.length; i++) {
                page.getAnnotations().add(link(uris[i], i));
            }
        }
        return d;
    }

    private static byte[] linkPdf(boolean compress, String[]... pages) throws IOException {
        try (PDDocument d = linkDocument(pages)) {
            return save(d, compress);
        }
    }

    /**
     * A PDF written object by object, with a classic cross-reference table: object 1 the catalog (with
     * {@code catalogExtra}), 2 the page tree, 3 the one page (with {@code pageExtra}), 4 … {@code more}.
     */
    static byte[] raw(String catalogExtra, String pageExtra, String... more) {
        List<String> objects = new ArrayList<>();
        objects.add("<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>");
        objects.add("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        objects.add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " + pageExtra + " >>");
        objects.addAll(List.of(more));
        return objects(objects, "");
    }

    static byte[] objects(List<String> objects, String trailerExtra) {
        StringBuilder b = new StringBuilder("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        int[] offsets = new int[objects.size()];
        for (int i = 0; i < objects.size(); i++) {
            offsets[i] = b.length();
            b.append(i + 1).append(" 0 obj\n").append(objects.get(i)).append("\nendobj\n");
        }
        int xref = b.length();
        b.append("xref\n0 ").append(objects.size() + 1).append("\n0000000000 65535 f \n");
        for (int o : offsets) {
            b.append(String.format("%010d 00000 n \n", o));
        }
        b.append("trailer\n<< /Size ").append(objects.size() + 1).append(" /Root 1 0 R ").append(trailerExtra)
                .append(" >>\nstartxref\n").append(xref).append("\n%%EOF\n");
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- reading results

    private static PDDocument open(byte[] pdf) throws IOException {
        return Loader.loadPDF(pdf, "");
    }

    /** The URI of every link annotation's URI action, page by page, read through PDFBox's model. */
    private static List<String> linkUris(byte[] pdf) throws IOException {
        List<String> uris = new ArrayList<>();
        try (PDDocument d = open(pdf)) {
            for (PDPage page : d.getPages()) {
                for (PDAnnotation a : page.getAnnotations()) {
                    if (a instanceof PDAnnotationLink l && l.getAction() instanceof PDActionURI u) {
                        uris.add(u.getURI());
                    }
                }
            }
        }
        return uris;
    }

    /** The {@code index}th annotation of the first page. */
    private static COSDictionary annotation(PDDocument d, int index) {
        return (COSDictionary) d.getPage(0).getCOSObject().getCOSArray(COSName.ANNOTS).getObject(index);
    }

    private static String uriOf(COSDictionary action) {
        return action.getString(COSName.URI);
    }

    private static void assertIncremental(byte[] original, byte[] out) {
        assertThat(out.length).isGreaterThan(original.length);
        assertThat(Arrays.copyOf(out, original.length)).as("the original bytes, unchanged").isEqualTo(original);
    }

    private DocumentException refused(byte[] in, Clicks clicks, boolean signed) {
        DocumentException e = catchThrowableOfType(DocumentException.class, () -> pdf.rewrite(in, clicks, signed));
        assertThat(e).as("a DocumentException").isNotNull();
        return e;
    }

    // ---------------------------------------------------------------- recognises

    @Test
    void recognisesPdfHeaderWithinTheFirstKilobyteOnly() {
        byte[] plain = "%PDF-1.7\n%...".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(pdf.recognises(plain)).isTrue();
        assertThat(pdf.kind()).isEqualTo("PDF");

        byte[] junk = new byte[1024];
        Arrays.fill(junk, (byte) 'x');
        System.arraycopy("%PDF-".getBytes(StandardCharsets.US_ASCII), 0, junk, 1019, 5);
        assertThat(pdf.recognises(junk)).as("header ending at byte 1024").isTrue();

        byte[] late = Arrays.copyOf(junk, 1030);
        late[1019] = 'x';
        System.arraycopy("%PDF-".getBytes(StandardCharsets.US_ASCII), 0, late, 1020, 5);
        assertThat(pdf.recognises(late)).as("header starting after the window").isFalse();

        assertThat(pdf.recognises("PK\u0003\u0004word/document.xml".getBytes(StandardCharsets.ISO_8859_1))).isFalse();
        assertThat(pdf.recognises("%PDF".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(pdf.recognises(new byte[0])).isFalse();
    }

    // ---------------------------------------------------------------- link annotations

    @Test
    void linkAnnotationUriIsReplacedByAnIncrementalUpdate() throws Exception {
        for (boolean compress : new boolean[] {true, false}) {
            byte[] in = linkPdf(compress, new String[] {"https://evil.example/login?next=%2Fa"});
            Clicks clicks = new Clicks();

            byte[] out = pdf.rewrite(in, clicks, false);

            assertThat(clicks.targets).containsExactly("https://evil.example/login?next=%2Fa");
            assertThat(clicks.kinds).containsExactly(LinkTokens.Kind.LINK);
            assertIncremental(in, out);
            assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
            assertThat(linkUris(in)).as("the input array itself untouched")
                    .containsExactly("https://evil.example/login?next=%2Fa");
        }
    }

    @Test
    void severalLinksOnSeveralPagesEachGetTheirOwnReplacement() throws Exception {
        byte[] in = linkPdf(true, new String[] {"https://a.example/1", "http://b.example/2"},
                new String[] {"https://c.example/3"}, new String[] {},
                new String[] {"https://d.example/4", "https://a.example/1"});
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("https://a.example/1", "http://b.example/2", "https://c.example/3",
                "https://d.example/4", "https://a.example/1");
        assertIncremental(in, out);
        assertThat(linkUris(out)).containsExactly(CLICK + "link-1", CLICK + "link-2", CLICK + "link-3",
                CLICK + "link-4", CLICK + "link-5");
    }

    @Test
    void aTargetTheReplacerRefusesStaysAsWritten() throws Exception {
        byte[] in = linkPdf(false, new String[] {"https://corp.example/intranet", "https://evil.example/x",
                "mailto:billing@evil.example"});
        Clicks clicks = new Clicks();
        clicks.refused.add("https://corp.example/intranet");

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).as("every target is passed on, mailto included")
                .containsExactly("https://corp.example/intranet", "https://evil.example/x",
                        "mailto:billing@evil.example");
        assertIncremental(in, out);
        assertThat(linkUris(out)).containsExactly("https://corp.example/intranet", CLICK + "link-2",
                "mailto:billing@evil.example");
    }

    @Test
    void nothingReplacedReturnsTheSameArray() throws Exception {
        byte[] in = linkPdf(true, new String[] {"https://corp.example/a", "mailto:x@corp.example", "/relative/path"});
        Clicks clicks = new Clicks();
        clicks.refused.add("https://corp.example/a");

        assertThat(pdf.rewrite(in, clicks, false)).isSameAs(in);
        assertThat(clicks.targets).hasSize(3);

        byte[] none = linkPdf(true, new String[] {});
        assertThat(pdf.rewrite(none, new Clicks(), false)).isSameAs(none);
    }

    @Test
    void aSecondPassChangesNothing() throws Exception {
        byte[] in = linkPdf(true, new String[] {"https://evil.example/a", "https://evil.example/b"});
        byte[] once = pdf.rewrite(in, new Clicks(), false);
        Clicks again = new Clicks();

        assertThat(pdf.rewrite(once, again, false)).isSameAs(once);
        assertThat(again.targets).containsExactly(CLICK + "link-1", CLICK + "link-2");
    }

    // ---------------------------------------------------------------- other places of actions

    @Test
    void openActionCatalogAndPageAdditionalActionsAreReplaced() throws Exception {
        byte[] in;
        try (PDDocument d = linkDocument(new String[] {})) {
            d.getDocumentCatalog().setOpenAction(uriAction("https://evil.example/open"));
            COSDictionary catalogAa = new COSDictionary();
            catalogAa.setItem(COSName.getPDFName("WC"), uriAction("https://evil.example/will-close"));
            d.getDocumentCatalog().getCOSObject().setItem(COSName.AA, catalogAa);
            COSDictionary pageAa = new COSDictionary();
            pageAa.setItem(COSName.O, uriAction("https://evil.example/page-open"));
            d.getPage(0).getCOSObject().setItem(COSName.AA, pageAa);
            in = save(d, true);
        }
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactlyInAnyOrder("https://evil.example/open",
                "https://evil.example/will-close", "https://evil.example/page-open");
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            COSDictionary catalog = d.getDocumentCatalog().getCOSObject();
            assertThat(uriOf(catalog.getCOSDictionary(COSName.OPEN_ACTION))).startsWith(CLICK);
            assertThat(uriOf(catalog.getCOSDictionary(COSName.AA).getCOSDictionary(COSName.getPDFName("WC"))))
                    .startsWith(CLICK);
            assertThat(uriOf(d.getPage(0).getCOSObject().getCOSDictionary(COSName.AA).getCOSDictionary(COSName.O)))
                    .startsWith(CLICK);
        }
    }

    @Test
    void widgetActionsAndFieldAdditionalActionsAreReplaced() throws Exception {
        byte[] in;
        try (PDDocument d = linkDocument(new String[] {})) {
            PDAcroForm form = new PDAcroForm(d);
            d.getDocumentCatalog().setAcroForm(form);
            PDTextField field = new PDTextField(form);
            field.setPartialName("account");
            form.getFields().add(field);
            PDAnnotationWidget widget = field.getWidgets().get(0);
            widget.setRectangle(new PDRectangle(72, 600, 200, 20));
            widget.setPage(d.getPage(0));
            widget.setAction(uriAction("https://evil.example/widget"));
            COSDictionary aa = new COSDictionary();
            aa.setItem(COSName.getPDFName("Fo"), uriAction("https://evil.example/focus"));
            widget.getCOSObject().setItem(COSName.AA, aa);
            d.getPage(0).getAnnotations().add(widget);
            // a second field whose widget is on no page's /Annots, only in the field tree
            PDTextField hidden = new PDTextField(form);
            hidden.setPartialName("hidden");
            form.getFields().add(hidden);
            hidden.getWidgets().get(0).setAction(uriAction("https://evil.example/hidden-widget"));
            in = save(d, true);
        }
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactlyInAnyOrder("https://evil.example/widget",
                "https://evil.example/focus", "https://evil.example/hidden-widget");
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            PDAcroForm form = d.getDocumentCatalog().getAcroForm(null);
            COSDictionary account = form.getField("account").getCOSObject();
            assertThat(uriOf(account.getCOSDictionary(COSName.A))).startsWith(CLICK);
            assertThat(uriOf(account.getCOSDictionary(COSName.AA).getCOSDictionary(COSName.getPDFName("Fo"))))
                    .startsWith(CLICK);
            assertThat(uriOf(form.getField("hidden").getCOSObject().getCOSDictionary(COSName.A))).startsWith(CLICK);
        }
    }

    @Test
    void outlineItemsAreReplacedAtEveryLevel() throws Exception {
        byte[] in;
        try (PDDocument d = linkDocument(new String[] {})) {
            PDDocumentOutline outline = new PDDocumentOutline();
            PDOutlineItem top = new PDOutlineItem();
            top.setTitle("Invoice");
            top.setAction(uriAction("https://evil.example/top"));
            PDOutlineItem child = new PDOutlineItem();
            child.setTitle("Pay now");
            child.setAction(uriAction("https://evil.example/child"));
            top.addLast(child);
            PDOutlineItem sibling = new PDOutlineItem();
            sibling.setTitle("Terms");
            sibling.setAction(uriAction("https://evil.example/sibling"));
            outline.addLast(top);
            outline.addLast(sibling);
            d.getDocumentCatalog().setDocumentOutline(outline);
            in = save(d, true);
        }
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactlyInAnyOrder("https://evil.example/top", "https://evil.example/child",
                "https://evil.example/sibling");
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            PDOutlineItem top = d.getDocumentCatalog().getDocumentOutline().getFirstChild();
            assertThat(((PDActionURI) top.getAction()).getURI()).startsWith(CLICK);
            assertThat(((PDActionURI) top.getFirstChild().getAction()).getURI()).startsWith(CLICK);
            assertThat(((PDActionURI) top.getNextSibling().getAction()).getURI()).startsWith(CLICK);
        }
    }

    @Test
    void nextChainsAreFollowedThroughArraysAndCycles() throws Exception {
        // 4 → Next [5, 6]; 5 → Next 5 (itself); 6, a script → Next an inline URI action → Next 4 (the start)
        byte[] in = raw("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A 4 0 R >>]",
                "<< /S /URI /URI (https://evil.example/first) /Next [5 0 R 6 0 R] >>",
                "<< /S /URI /URI (https://evil.example/in-array) /Next 5 0 R >>",
                "<< /S /JavaScript /JS (app.alert\\(1\\)) /Next << /S /URI /URI (https://evil.example/direct) "
                        + "/Next 4 0 R >> >>");
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("https://evil.example/first", "https://evil.example/in-array",
                "https://evil.example/direct");
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            COSDictionary first = annotation(d, 0).getCOSDictionary(COSName.A);
            assertThat(uriOf(first)).isEqualTo(CLICK + "link-1");
            COSArray next = first.getCOSArray(COSName.NEXT);
            assertThat(uriOf((COSDictionary) next.getObject(0))).isEqualTo(CLICK + "link-2");
            COSDictionary direct = ((COSDictionary) next.getObject(1)).getCOSDictionary(COSName.NEXT);
            assertThat(uriOf(direct)).isEqualTo(CLICK + "link-3");
        }
    }

    /** The open action followed by a {@code /Next} chain: {@code actions} URI actions in all, objects 4, 5 … */
    private static byte[] chain(int actions) {
        String[] objects = new String[actions];
        for (int i = 0; i < actions; i++) {
            String next = i + 1 < actions ? " /Next " + (5 + i) + " 0 R" : "";
            objects[i] = "<< /S /URI /URI (https://evil.example/" + i + ")" + next + " >>";
        }
        return raw("/OpenAction 4 0 R", "", objects);
    }

    @Test
    void aNextChainDeeperThanTheBoundIsTooLargeAndNothingIsAsked() throws Exception {
        Clicks within = new Clicks();
        byte[] deepest = chain(PdfLinks.MAX_NEXT_DEPTH + 1);
        assertThat(linkUris(deepest)).isEmpty();
        pdf.rewrite(deepest, within, false);
        assertThat(within.targets).as(PdfLinks.MAX_NEXT_DEPTH + " steps down is within the bound")
                .hasSize(PdfLinks.MAX_NEXT_DEPTH + 1).endsWith("https://evil.example/" + PdfLinks.MAX_NEXT_DEPTH);

        Clicks clicks = new Clicks();
        assertThat(refused(chain(PdfLinks.MAX_NEXT_DEPTH + 2), clicks, false).reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(clicks.targets).isEmpty();
    }

    @Test
    void submitFormTargetsAreFormTargets() throws Exception {
        byte[] in = raw("", "/Annots [4 0 R 5 0 R 6 0 R]",
                "<< /Type /Annot /Subtype /Widget /Rect [0 0 9 9] /A << /S /SubmitForm /Flags 4 "
                        + "/F << /FS /URL /F (https://evil.example/collect.php) >> >> >>",
                "<< /Type /Annot /Subtype /Widget /Rect [0 0 9 9] "
                        + "/A << /S /SubmitForm /F (https://evil.example/c2) >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://evil.example/plain) >> >>");
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("https://evil.example/collect.php", "https://evil.example/c2",
                "https://evil.example/plain");
        assertThat(clicks.kinds).containsExactly(LinkTokens.Kind.FORM, LinkTokens.Kind.FORM, LinkTokens.Kind.LINK);
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            COSDictionary spec = annotation(d, 0).getCOSDictionary(COSName.A).getCOSDictionary(COSName.F);
            assertThat(spec.getString(COSName.F)).isEqualTo(CLICK + "form-1");
            assertThat(spec.getCOSName(COSName.FS)).isEqualTo(COSName.URL);
            assertThat(annotation(d, 1).getCOSDictionary(COSName.A).getString(COSName.F)).isEqualTo(CLICK + "form-2");
            assertThat(uriOf(annotation(d, 2).getCOSDictionary(COSName.A))).isEqualTo(CLICK + "link-3");
        }
    }

    @Test
    void launchAndRemoteGoToWithUrlFileSpecificationsAreLinks() throws Exception {
        byte[] in = raw("", "/Annots [4 0 R 5 0 R 6 0 R]",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch "
                        + "/F << /Type /Filespec /FS /URL /F (https://evil.example/app.exe) >> >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /GoToR /D [0 /Fit] "
                        + "/F << /FS /URL /F (https://evil.example/other.pdf) >> >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch "
                        + "/Win << /F (https://evil.example/win) /P (open) >> /F (readme.txt) >> >>");
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("https://evil.example/app.exe", "https://evil.example/other.pdf",
                "readme.txt", "https://evil.example/win");
        assertThat(clicks.kinds).containsOnly(LinkTokens.Kind.LINK);
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            assertThat(annotation(d, 0).getCOSDictionary(COSName.A).getCOSDictionary(COSName.F).getString(COSName.F))
                    .isEqualTo(CLICK + "link-1");
            assertThat(annotation(d, 1).getCOSDictionary(COSName.A).getCOSDictionary(COSName.F).getString(COSName.F))
                    .isEqualTo(CLICK + "link-2");
            COSDictionary launch = annotation(d, 2).getCOSDictionary(COSName.A);
            assertThat(launch.getString(COSName.F)).isEqualTo("readme.txt");
            assertThat(launch.getCOSDictionary(COSName.getPDFName("Win")).getString(COSName.F))
                    .isEqualTo(CLICK + "link-4");
        }
    }

    // ---------------------------------------------------------------- how targets are read

    @Test
    void relativeUrisResolveAgainstTheCatalogBase() throws Exception {
        byte[] in = raw("/URI << /Base (https://docs.evil.example/inv/2026/) >>",
                "/Annots [4 0 R 5 0 R 6 0 R 7 0 R 8 0 R]",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (../login.php?u=1) >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (//cdn.evil.example/x) >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI () >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://abs.example/) >> >>",
                "<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (mailto:a@b.example) >> >>");
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("https://docs.evil.example/inv/login.php?u=1",
                "https://cdn.evil.example/x", "https://docs.evil.example/inv/2026/", "https://abs.example/",
                "mailto:a@b.example");
        assertIncremental(in, out);
        try (PDDocument d = open(out)) {
            for (int i = 0; i < 4; i++) {
                assertThat(uriOf(annotation(d, i).getCOSDictionary(COSName.A))).isEqualTo(CLICK + "link-" + (i + 1));
            }
            assertThat(uriOf(annotation(d, 4).getCOSDictionary(COSName.A))).isEqualTo("mailto:a@b.example");
            assertThat(d.getDocumentCatalog().getCOSObject().getCOSDictionary(COSName.URI).getString("Base"))
                    .as("the base itself").isEqualTo("https://docs.evil.example/inv/2026/");
        }
    }

    @Test
    void relativeUrisWithoutBaseArePassedAsWritten() throws Exception {
        byte[] in = raw("", "/Annots [<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (login.php) >> >>]");
        Clicks clicks = new Clicks();

        assertThat(pdf.rewrite(in, clicks, false)).isSameAs(in);
        assertThat(clicks.targets).containsExactly("login.php");
    }

    @Test
    void bareWwwNamesUtf16AndSpacesAreReadAsViewersReadThem() throws Exception {
        byte[] utf16 = "https://evil.example/\u00fcber".getBytes(StandardCharsets.UTF_16);
        StringBuilder hex = new StringBuilder();
        for (byte b : utf16) {
            hex.append(String.format("%02X", b & 0xff));
        }
        byte[] in = raw("", "/Annots [4 0 R 5 0 R 6 0 R 7 0 R]",
                "<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (www.evil.example/login) >> >>",
                "<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI <" + hex + "> >> >>",
                "<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (  https://evil.example/sp  ) >> >>",
                "<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://evil.example/\303\244) >> >>");
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("http://www.evil.example/login", "https://evil.example/\u00fcber",
                "  https://evil.example/sp  ", "https://evil.example/\u00e4");
        assertThat(linkUris(out)).containsOnly(CLICK + "link-1", CLICK + "link-2", CLICK + "link-3", CLICK + "link-4");
    }

    // ---------------------------------------------------------------- structures PDFBox's own tracking misses

    @Test
    void annotationsWrittenInlineInAnArrayAreRewritten() throws Exception {
        // PDFBox 3.0.5 loses a change to a dictionary written inline in an array unless the holder is written too
        byte[] directArray = raw("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                + "/A << /S /URI /URI (https://evil.example/a) >> >>]");
        byte[] indirectArray = raw("", "/Annots 4 0 R", "[<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
                + "/A << /S /URI /URI (https://evil.example/b) >> >>]");
        for (byte[] in : List.of(directArray, indirectArray)) {
            Clicks clicks = new Clicks();

            byte[] out = pdf.rewrite(in, clicks, false);

            assertThat(clicks.targets).hasSize(1);
            assertIncremental(in, out);
            assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
            String update = new String(out, in.length, out.length - in.length, StandardCharsets.ISO_8859_1);
            assertThat(update.split(CLICK, -1)).as("the click URL written once").hasSize(2);
        }
    }

    @Test
    void aPageWrittenInlineInItsParentIsRewrittenThroughTheParent() throws Exception {
        String page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [<< /Subtype /Link /Rect [0 0 9 9] "
                + "/A << /S /URI /URI (https://evil.example/inline-page) >> >>] >>";
        byte[] in = objects(List.of("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [" + page
                + "] /Count 1 >>"), "");
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertIncremental(in, out);
        assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
    }

    @Test
    void anUpdatePdfBoxLosesIsCaughtWhenReadBackAndTheFileLeftAsWritten() {
        // the inline page sits in an indirect /Kids array, not in its parent: PDFBox writes the parent (and the
        // promoted action), but the array holding the page is not written, and the change would be lost
        String page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [<< /Subtype /Link /Rect [0 0 9 9] "
                + "/A << /S /URI /URI (https://evil.example/lost) >> >>] >>";
        byte[] in = objects(List.of("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids 3 0 R /Count 1 >>",
                "[" + page + "]"), "");

        Clicks clicks = new Clicks();

        DocumentException e = refused(in, clicks, false);

        assertThat(clicks.targets).as("found, replaced, but not written").containsExactly("https://evil.example/lost");
        assertThat(e.reason()).isEqualTo(Reason.UNREADABLE);
        assertThat(e.getMessage()).contains("did not read back as written");
    }

    @Test
    void aLongOutlineWithinTheBoundIsRewritten() throws Exception {
        // outline items 5 … as siblings, each an indirect object with the next one's reference
        int items = PdfLinks.MAX_VISITS - 100;
        List<String> objects = new ArrayList<>(List.of("<< /Type /Catalog /Pages 2 0 R /Outlines 4 0 R >>",
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [<< /Subtype /Link /Rect [0 0 9 9] "
                        + "/A << /S /URI /URI (https://evil.example/with-outline) >> >>] >>",
                "<< /Type /Outlines /First 5 0 R /Last " + (4 + items) + " 0 R /Count " + items + " >>"));
        for (int i = 0; i < items; i++) {
            int n = 5 + i;
            objects.add("<< /Title (Section " + i + ") /Parent 4 0 R" + (i > 0 ? " /Prev " + (n - 1) + " 0 R" : "")
                    + (i + 1 < items ? " /Next " + (n + 1) + " 0 R" : "") + " >>");
        }
        byte[] in = objects(objects, "");

        byte[] out = pdf.rewrite(in, new Clicks(), false);

        assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
    }

    /** One PDF open at a time in the JVM: a second rewrite waits until the first one is done. */
    @Test
    void pdfsAreRewrittenOneAtATime() throws Exception {
        byte[] first = linkPdf(true, new String[] {"https://evil.example/first"});
        byte[] second = linkPdf(true, new String[] {"https://evil.example/second"});
        java.util.concurrent.CountDownLatch firstAsked = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch releaseFirst = new java.util.concurrent.CountDownLatch(1);
        List<String> order = java.util.Collections.synchronizedList(new ArrayList<>());
        Clicks clicks = new Clicks();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.concurrent.Future<byte[]> a = pool.submit(() -> pdf.rewrite(first, (target, kind) -> {
                order.add("asked " + target);
                firstAsked.countDown();
                try {
                    releaseFirst.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return clicks.replacement(target, kind);
            }, false));
            assertThat(firstAsked.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            java.util.concurrent.Future<byte[]> b = pool.submit(() -> pdf.rewrite(second, (target, kind) -> {
                order.add("asked " + target);
                return clicks.replacement(target, kind);
            }, false));
            Thread.sleep(300); // the second has had the time to get in, were it let in
            assertThat(order).containsExactly("asked https://evil.example/first");
            releaseFirst.countDown();
            assertThat(linkUris(a.get(30, java.util.concurrent.TimeUnit.SECONDS))).hasSize(1);
            assertThat(linkUris(b.get(30, java.util.concurrent.TimeUnit.SECONDS))).hasSize(1);
            assertThat(order).containsExactly("asked https://evil.example/first", "asked https://evil.example/second");
        } finally {
            releaseFirst.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void pdfBoxWorksOnItsOwnThreadWhileTheReplacerIsAskedOnTheCallers() throws Exception {
        byte[] in = linkPdf(true, new String[] {"https://evil.example/thread"});
        Thread caller = Thread.currentThread();
        List<Thread> askedOn = new ArrayList<>();
        Clicks clicks = new Clicks();
        caller.interrupt(); // an interrupt neither cuts the work short nor gets lost

        byte[] out;
        try {
            out = pdf.rewrite(in, (target, kind) -> {
                askedOn.add(Thread.currentThread());
                return clicks.replacement(target, kind);
            }, false);
        } finally {
            assertThat(Thread.interrupted()).as("the interrupt kept for the caller").isTrue();
        }

        assertThat(askedOn).containsExactly(caller);
        assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
    }

    // ---------------------------------------------------------------- encryption

    private static byte[] encrypt(PDDocument d, int keyLength, boolean compress) throws IOException {
        return encrypt(d, keyLength, true, compress);
    }

    /** Owner password and an empty user password; {@code aes} false: RC4 at 128 bits (40 bits is always RC4). */
    static byte[] encrypt(PDDocument d, int keyLength, boolean aes, boolean compress) throws IOException {
        AccessPermission permissions = new AccessPermission();
        permissions.setCanExtractContent(false);
        permissions.setCanPrint(false);
        StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-secret", "", permissions);
        policy.setEncryptionKeyLength(keyLength);
        policy.setPreferAES(aes);
        d.protect(policy);
        return save(d, compress);
    }

    /** 40-bit RC4, 128-bit RC4, 128-bit AES, 256-bit AES: key length and whether AES. */
    static final int[][] CIPHERS = {{40, 0}, {128, 0}, {128, 1}, {256, 1}};

    @Test
    void encryptedWithEmptyUserPasswordIsRewrittenAndStaysEncrypted() throws Exception {
        for (int[] cipher : CIPHERS) {
            int keyLength = cipher[0];
            // with object streams (compressed) too: PdfPrescan decrypts them with the empty password to count them
            for (boolean compress : new boolean[] {false, true}) {
                byte[] in;
                try (PDDocument d = linkDocument(new String[] {"https://evil.example/enc"})) {
                    in = encrypt(d, keyLength, cipher[1] == 1, compress);
                }
                assertThat(new String(in, StandardCharsets.ISO_8859_1)).doesNotContain("evil.example");
                if (compress) {
                    assertThat(new String(in, StandardCharsets.ISO_8859_1)).contains("/ObjStm");
                }
                Clicks clicks = new Clicks();

                byte[] out = pdf.rewrite(in, clicks, false);

                String what = keyLength + "-bit " + (cipher[1] == 1 ? "AES" : "RC4") + ", compressed " + compress;
                assertThat(clicks.targets).as(what).containsExactly("https://evil.example/enc");
                assertIncremental(in, out);
                String update = new String(out, in.length, out.length - in.length, StandardCharsets.ISO_8859_1);
                assertThat(update).as(what + ": the click URL is not in clear").doesNotContain("gw.example");
                assertThat(linkUris(out)).as(what).containsExactly(CLICK + "link-1");
                try (PDDocument before = open(in); PDDocument after = open(out)) {
                    assertThat(after.isEncrypted()).isTrue();
                    PDEncryption e1 = before.getEncryption();
                    PDEncryption e2 = after.getEncryption();
                    assertThat(e2.getFilter()).isEqualTo(e1.getFilter());
                    assertThat(e2.getVersion()).isEqualTo(e1.getVersion());
                    assertThat(e2.getRevision()).isEqualTo(e1.getRevision());
                    assertThat(e2.getLength()).isEqualTo(e1.getLength());
                    assertThat(e2.getOwnerKey()).isEqualTo(e1.getOwnerKey());
                    assertThat(e2.getUserKey()).isEqualTo(e1.getUserKey());
                    assertThat(after.getCurrentAccessPermission().canPrint()).as("restrictions kept").isFalse();
                }
                try (PDDocument owner = Loader.loadPDF(out, "owner-secret")) {
                    assertThat(owner.getCurrentAccessPermission().isOwnerPermission()).isTrue();
                }
            }
        }
    }

    /**
     * An encrypted file with object streams that {@link PdfPrescan} cannot decrypt with the empty password (a user
     * password, another security handler) is left as written before PDFBox opens it: what PDFBox would inflate them
     * to once decrypted cannot be bounded. Nothing is asked of the replacer.
     */
    @Test
    void encryptedWithObjectStreamsIsLeftAsWrittenWhenTheScanCannotDecryptThem() throws Exception {
        for (int keyLength : new int[] {40, 128, 256}) {
            byte[] in;
            try (PDDocument d = linkDocument(new String[] {"https://evil.example/enc"})) {
                StandardProtectionPolicy policy = new StandardProtectionPolicy("owner", "user-password",
                        new AccessPermission());
                policy.setEncryptionKeyLength(keyLength);
                d.protect(policy);
                in = save(d, true);
            }
            Clicks clicks = new Clicks();
            DocumentException e = refused(in, clicks, false);
            assertThat(e.reason()).as(keyLength + "-bit").isEqualTo(Reason.ENCRYPTED);
            assertThat(e.getMessage()).contains("object stream").contains("the empty password does not open it");
            assertThat(clicks.targets).isEmpty();
        }
        // another security handler, the same length so that every offset holds
        byte[] in;
        try (PDDocument d = linkDocument(new String[] {"https://evil.example/enc"})) {
            in = encrypt(d, 128, true);
        }
        String text = new String(in, StandardCharsets.ISO_8859_1);
        assertThat(text).contains("/Filter /Standard");
        byte[] vendor = text.replace("/Filter /Standard", "/Filter /Vendor.X").getBytes(StandardCharsets.ISO_8859_1);
        Clicks clicks = new Clicks();
        DocumentException e = refused(vendor, clicks, false);
        assertThat(e.reason()).isEqualTo(Reason.ENCRYPTED);
        assertThat(e.getMessage()).contains("not the standard security handler");
        assertThat(clicks.targets).isEmpty();
    }

    /**
     * An encrypted file whose object stream inflates, once decrypted, beyond the bound for one object stream: the
     * scan counts what the decrypted bytes inflate to, whatever the stored bytes look like.
     */
    @Test
    void anEncryptedObjectStreamThatDecryptsToABombIsTooLarge() throws Exception {
        for (int[] cipher : CIPHERS) {
            byte[] in;
            try (PDDocument d = linkDocument(new String[] {"https://evil.example/enc"})) {
                COSArray names = new COSArray();
                COSName a = COSName.getPDFName("A");
                for (int i = 0; i < 1_600_000; i++) {
                    names.add(a); // "/A " each, about 4.8 MB in the page's object stream
                }
                names.setDirect(true);
                d.getPage(0).getCOSObject().setItem(COSName.getPDFName("Junk"), names);
                in = encrypt(d, cipher[0], cipher[1] == 1, true);
            }
            String what = cipher[0] + "-bit " + (cipher[1] == 1 ? "AES" : "RC4");
            assertThat(in.length).as(what + ": small stored").isLessThan(200_000);
            Clicks clicks = new Clicks();
            DocumentException e = refused(in, clicks, false);
            assertThat(e.reason()).as(what).isEqualTo(Reason.TOO_LARGE);
            assertThat(e.getMessage()).as(what).contains("object stream decoding to more than 4 MiB");
            assertThat(clicks.targets).isEmpty();
        }
    }

    @Test
    void encryptedAnnotationsWrittenInlineAreEncryptedOnce() throws Exception {
        // an inline annotation is where PDFBox 3.0.5 writes an object twice, the second copy's strings encrypted twice
        byte[] in;
        try (PDDocument d = new PDDocument()) {
            PDPage page = new PDPage();
            d.addPage(page);
            COSDictionary action = uriAction("https://evil.example/inline").getCOSObject();
            action.setDirect(true);
            COSDictionary annotation = link("https://unused.example/", 0).getCOSObject();
            annotation.setItem(COSName.A, action);
            annotation.setDirect(true);
            COSArray annots = new COSArray();
            annots.add(annotation);
            annots.setDirect(true);
            page.getCOSObject().setItem(COSName.ANNOTS, annots);
            in = encrypt(d, 128, false);
        }
        Clicks clicks = new Clicks();

        byte[] out = pdf.rewrite(in, clicks, false);

        assertThat(clicks.targets).containsExactly("https://evil.example/inline");
        assertIncremental(in, out);
        assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
        // names are not encrypted: the page (with the annotation inline) and the action, each written once
        String update = new String(out, in.length, out.length - in.length, StandardCharsets.ISO_8859_1);
        assertThat(update.split("/Subtype /Link", -1)).as("the annotation written once").hasSize(2);
        assertThat(update.split("/S /URI", -1)).as("the action written once").hasSize(2);
    }

    @Test
    void aPdfThatNeedsAPasswordIsEncrypted() throws Exception {
        byte[] in;
        try (PDDocument d = linkDocument(new String[] {"https://evil.example/secret"})) {
            d.protect(new StandardProtectionPolicy("owner", "user-password", new AccessPermission()));
            in = save(d, false);
        }
        Clicks clicks = new Clicks();

        DocumentException e = refused(in, clicks, false);

        assertThat(e.reason()).isEqualTo(Reason.ENCRYPTED);
        assertThat(clicks.targets).isEmpty();
    }

    @Test
    void certificateEncryptionIsEncryptedEvenWithoutBouncyCastle() {
        // PDFBox reports the missing BouncyCastle classes as a NoClassDefFoundError
        byte[] in = objects(List.of("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
                "<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s4 /V 4 /R 4 /Length 128 /Recipients [<3082010a>] >>"),
                "/Encrypt 4 0 R /ID [<0102> <0102>]");
        Clicks clicks = new Clicks();

        assertThat(refused(in, clicks, false).reason()).isEqualTo(Reason.ENCRYPTED);

        byte[] unknown = objects(List.of("<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>",
                "<< /Filter /Vendor.Secret /V 2 /R 3 /Length 128 >>"), "/Encrypt 3 0 R /ID [<0102> <0102>]");
        assertThat(refused(unknown, clicks, false).reason()).isEqualTo(Reason.ENCRYPTED);
        assertThat(clicks.targets).isEmpty();
    }

    @Test
    void encryptedWithoutATwoPartIdIsNotWrittenBack() throws Exception {
        byte[] in;
        try (PDDocument d = linkDocument(new String[] {"https://evil.example/no-id"})) {
            in = encrypt(d, 128, false);
        }
        String text = new String(in, StandardCharsets.ISO_8859_1);
        int id = text.lastIndexOf("/ID [<");
        int second = text.indexOf("> <", id);
        int end = text.indexOf(">]", second);
        // the key of a revision 4 handler comes from the first part: keep it, drop the second (same length, spaces)
        String oneId = text.substring(0, second + 1) + "]" + " ".repeat(end + 2 - second - 2) + text.substring(end + 2);
        byte[] edited = oneId.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(edited).hasSameSizeAs(in);
        assertThat(linkUris(edited)).as("still opens with the empty password")
                .containsExactly("https://evil.example/no-id");
        Clicks clicks = new Clicks();

        assertThat(refused(edited, clicks, false).reason()).isEqualTo(Reason.ENCRYPTED);
        assertThat(clicks.targets).isEmpty();
    }

    // ---------------------------------------------------------------- signatures

    /** {@code unsigned} with a signature added by PDFBox (a fixed, fake CMS blob: only the structure matters). */
    private static byte[] sign(byte[] unsigned) throws IOException {
        try (PDDocument d = Loader.loadPDF(unsigned)) {
            PDSignature signature = new PDSignature();
            signature.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            signature.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            signature.setName("Sender");
            signature.setSignDate(Calendar.getInstance());
            d.addSignature(signature, content -> {
                content.readAllBytes();
                return new byte[] {0x30, 0x03, 0x02, 0x01, 0x01};
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            d.saveIncremental(out);
            return out.toByteArray();
        }
    }

    @Test
    void signedPdfIsLeftUnlessSignedContentIsRewritten() throws Exception {
        byte[] in = sign(linkPdf(false, new String[] {"https://evil.example/signed"}));
        try (PDDocument d = open(in)) {
            assertThat(d.getSignatureDictionaries()).hasSize(1);
        }
        Clicks clicks = new Clicks();

        assertThat(refused(in, clicks, false).reason()).isEqualTo(Reason.SIGNED);
        assertThat(clicks.targets).as("nothing asked, nothing recorded").isEmpty();

        byte[] out = pdf.rewrite(in, clicks, true);

        assertThat(clicks.targets).containsExactly("https://evil.example/signed");
        assertIncremental(in, out);
        assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
        try (PDDocument d = open(out)) {
            List<PDSignature> signatures = d.getSignatureDictionaries();
            assertThat(signatures).hasSize(1);
            int[] range = signatures.get(0).getByteRange();
            assertThat((long) range[2] + range[3]).as("the signature still covers the signed revision exactly")
                    .isEqualTo(in.length);
        }
    }

    @Test
    void certificationAndUsageRightsSignaturesCountAsSigned() throws Exception {
        byte[] in = raw("/Perms << /UR3 5 0 R >>",
                "/Annots [<< /Subtype /Link /Rect [0 0 9 9] /A << /S /URI /URI (https://evil.example/ur) >> >>]",
                "<< >>", "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Contents <00> >>");
        Clicks clicks = new Clicks();

        assertThat(refused(in, clicks, false).reason()).isEqualTo(Reason.SIGNED);
        assertThat(clicks.targets).isEmpty();
        assertThat(linkUris(pdf.rewrite(in, clicks, true))).containsExactly(CLICK + "link-1");
    }

    // ---------------------------------------------------------------- bounds and damage

    @Test
    void moreAnnotationsThanTheVisitBoundIsTooLargeAndNothingIsAsked() throws Exception {
        StringBuilder annots = new StringBuilder("/Annots [");
        for (int i = 0; i <= PdfLinks.MAX_VISITS; i++) {
            annots.append("<< /Subtype /Link /Rect [0 0 1 1] >>");
        }
        byte[] in = raw("/OpenAction << /S /URI /URI (https://evil.example/open) >>", annots.append(']').toString());
        Clicks clicks = new Clicks();

        DocumentException e = refused(in, clicks, false);

        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(clicks.targets).isEmpty();
    }

    @Test
    void damagedFilesAreUnreadable() throws Exception {
        Random random = new Random(7);
        byte[] garbage = new byte[4096];
        random.nextBytes(garbage);
        byte[] header = "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII);
        byte[] junk = Arrays.copyOf(header, header.length + garbage.length);
        System.arraycopy(garbage, 0, junk, header.length, garbage.length);
        assertThat(refused(junk, new Clicks(), false).reason()).isEqualTo(Reason.UNREADABLE);

        byte[] valid = linkPdf(true, new String[] {"https://evil.example/t"});
        assertThat(refused(Arrays.copyOf(valid, 40), new Clicks(), false).reason()).isEqualTo(Reason.UNREADABLE);
        assertThat(refused(header, new Clicks(), false).reason()).isEqualTo(Reason.UNREADABLE);
        assertThat(refused(new byte[0], new Clicks(), false).reason()).isEqualTo(Reason.UNREADABLE);
        // every other cut: left as written with a reason, or read as far as PDFBox can repair it
        for (int cut = 50; cut < valid.length; cut += 37) {
            byte[] truncated = Arrays.copyOf(valid, cut);
            try {
                byte[] out = pdf.rewrite(truncated, new Clicks(), false);
                assertThat(out == truncated || Arrays.equals(out, 0, cut, truncated, 0, cut)).isTrue();
            } catch (DocumentException e) {
                assertThat(e.reason()).isNotNull();
            }
        }
    }

    @Test
    void nestingDeeperThanPdfBoxCanParseIsUnreadable() {
        int depth = 350_000; // within the prescan's object starts, deeper than the worker's stack
        byte[] in = raw("", "/Annots [<< /Subtype /Link /Rect " + "[".repeat(depth) + "]".repeat(depth)
                + " /A << /S /URI /URI (https://evil.example/deep) >> >>]");

        DocumentException e = refused(in, new Clicks(), false);

        assertThat(e.reason()).isEqualTo(Reason.UNREADABLE);
        assertThat(e.getMessage()).contains("StackOverflowError");

        // a million levels: refused before PDFBox parses it (PdfPrescan.MAX_OBJECT_STARTS)
        int deeper = 1_000_000;
        byte[] deep = raw("", "/Annots [<< /Subtype /Link /Rect " + "[".repeat(deeper) + "]".repeat(deeper) + " >>]");
        assertThat(refused(deep, new Clicks(), false).reason()).isEqualTo(Reason.TOO_LARGE);
    }

    @Test
    void aPdfAfterLeadingJunkIsRewritten() throws Exception {
        byte[] pdfBytes = linkPdf(false, new String[] {"https://evil.example/junk"});
        byte[] in = new byte[300 + pdfBytes.length];
        Arrays.fill(in, 0, 300, (byte) '#');
        System.arraycopy(pdfBytes, 0, in, 300, pdfBytes.length);
        assertThat(pdf.recognises(in)).isTrue();

        byte[] out = pdf.rewrite(in, new Clicks(), false);

        assertIncremental(in, out);
        assertThat(linkUris(out)).containsExactly(CLICK + "link-1");
    }

    @Test
    void randomMutationsGiveADocumentExceptionOrAValidResultQuickly() throws Exception {
        byte[] base = linkPdf(false, new String[] {"https://evil.example/fuzz", "mailto:a@b.example"},
                new String[] {"https://evil.example/fuzz2"});
        Random random = new Random(20261207L);
        int rewritten = 0;
        int refused = 0;
        for (int round = 0; round < 200; round++) {
            byte[] mutated = PdfSamples.mutate(base, random, 9, SYNTAX);
            int r = round;
            Boolean changed = assertTimeout(Duration.ofSeconds(5), () -> {
                try {
                    byte[] out = pdf.rewrite(mutated, new Clicks(), false);
                    assertThat(out == mutated || out.length > mutated.length
                            && Arrays.equals(out, 0, mutated.length, mutated, 0, mutated.length))
                            .as("round " + r + ": the same array or an incremental update").isTrue();
                    return out != mutated;
                } catch (DocumentException e) {
                    assertThat(e.reason()).isNotNull();
                    assertThat(e.getMessage()).doesNotContain("evil.example");
                    return null;
                }
            }, "round " + round);
            if (changed == null) {
                refused++;
            } else if (changed) {
                rewritten++;
            }
        }
        // the mutations must exercise both ways out, or the loop proves little
        assertThat(rewritten).isPositive();
        assertThat(refused).isPositive();
    }


    // ---------------------------------------------------------------- helpers' own checks

    @Test
    void stringsAreReadAsUtf8OrLatin1AndBasesResolveAsBrowsersDo() {
        assertThat(PdfLinks.text(new COSString("https://a.example/".getBytes(StandardCharsets.US_ASCII))))
                .isEqualTo("https://a.example/");
        assertThat(PdfLinks.text(new COSString(new byte[] {'h', (byte) 0xe9}))).as("not UTF-8: one byte, one char")
                .isEqualTo("h\u00e9");
        assertThat(PdfLinks.hasScheme("https:x")).isTrue();
        assertThat(PdfLinks.hasScheme("1http:x")).isFalse();
        assertThat(PdfLinks.hasScheme("a/b:c")).isFalse();
        assertThat(PdfLinks.baseUri("relative/only")).isNull();
        assertThat(PdfLinks.resolve(PdfLinks.baseUri("https://h.example/a/b#f"), ""))
                .isEqualTo("https://h.example/a/b");
        assertThat(PdfLinks.resolve(PdfLinks.baseUri("https://h.example"), "x y|z"))
                .isEqualTo("https://h.example/x%20y%7Cz");
        assertThat(PdfLinks.resolve(PdfLinks.baseUri("https://h.example/dir/ a"), "\\\\evil.example\\p"))
                .isEqualTo("https://evil.example/p");
        assertThat(PdfLinks.describe(new IOException("bad\r\nline \u202e\u00e9")))
                .isEqualTo("java.io.IOException: bad??line ??");
        assertThat(PdfLinks.describe(new IllegalStateException("x".repeat(500))))
                .isEqualTo("java.lang.IllegalStateException: " + "x".repeat(200) + "...");
    }
}
