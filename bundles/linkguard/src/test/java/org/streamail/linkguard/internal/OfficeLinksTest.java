package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.junit.jupiter.api.Test;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@link OfficeLinks} (Office Open XML) and {@link OpenDocumentLinks}: every file is built here with
 * {@code java.util.zip}; outputs are read back with {@code java.util.zip.ZipInputStream} and commons-compress, and
 * their XML with the JDK's DOM parser (DTDs and external entities off), independent of the scanner under test.
 */
class OfficeLinksTest {

    private static final String CLICK = "https://gw.example/streamail/click/";
    private static final String W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    private static final String S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    private static final String REL = "http://schemas.openxmlformats.org/package/2006/relationships";
    private static final String RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/";
    private static final String XLINK = "http://www.w3.org/1999/xlink";
    private static final String ODT = "application/vnd.oasis.opendocument.text";

    private final OfficeLinks office = new OfficeLinks();
    private final OpenDocumentLinks odf = new OpenDocumentLinks();

    /** Guards http(s) targets except keep.example; records every target asked for, and its kind. */
    static final class Recorder implements DocumentLinks.Replacer {
        final List<String> targets = new ArrayList<>();
        final List<LinkTokens.Kind> kinds = new ArrayList<>();
        final List<String> given = new ArrayList<>();

        @Override
        public String replacement(String target, LinkTokens.Kind kind) {
            targets.add(target);
            kinds.add(kind);
            String t = target.strip().toLowerCase();
            if (!(t.startsWith("http:") || t.startsWith("https:")) || t.contains("keep.example")) {
                return null;
            }
            String r = CLICK + "t" + targets.size() + "?kind=" + kind.name().toLowerCase() + "&n=" + targets.size();
            given.add(r);
            return r;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Building files

    private record Part(String name, byte[] data, boolean stored) {
    }

    private static Part xml(String name, String xml) {
        return new Part(name, xml.getBytes(StandardCharsets.UTF_8), false);
    }

    private static Part stored(String name, byte[] data) {
        return new Part(name, data, true);
    }

    private static byte[] zip(Part... parts) {
        return zip(List.of(parts));
    }

    private static byte[] zip(List<Part> parts) {
        try {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(b)) {
                for (Part p : parts) {
                    ZipEntry e = new ZipEntry(p.name);
                    if (p.stored) {
                        CRC32 crc = new CRC32();
                        crc.update(p.data);
                        e.setMethod(ZipEntry.STORED);
                        e.setSize(p.data.length);
                        e.setCompressedSize(p.data.length);
                        e.setCrc(crc.getValue());
                    }
                    z.putNextEntry(e);
                    z.write(p.data);
                    z.closeEntry();
                }
            }
            return b.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String contentTypes(String overrides) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + "<Default Extension=\"png\" ContentType=\"image/png\"/>" + overrides + "</Types>";
    }

    private static String override(String part, String type) {
        return "<Override PartName=\"" + part + "\" ContentType=\"" + type + "\"/>";
    }

    private static String rels(String... relationships) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<Relationships xmlns=\"" + REL + "\">"
                + String.join("", relationships) + "</Relationships>";
    }

    private static String rel(String id, String type, String target, String mode) {
        return "<Relationship Id=\"" + id + "\" Type=\"" + RT + type + "\" Target=\"" + target + "\""
                + (mode == null ? "" : " TargetMode=\"" + mode + "\"") + "/>";
    }

    private static final String WORD_MAIN =
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

    private static byte[] png() {
        byte[] b = new byte[3000];
        new Random(7).nextBytes(b);
        return b;
    }

    private static String wordDocument(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<w:document xmlns:w=\"" + W
                + "\" xmlns:r=\"" + RT.substring(0, RT.length() - 1) + "\">\r\n  <w:body>" + body
                + "</w:body>\r\n</w:document>";
    }

    /** A small Word document: a hyperlink relationship, a mailto link, a picture, core properties. */
    private static List<Part> docxParts(String documentRels) {
        List<Part> parts = new ArrayList<>();
        parts.add(xml("[Content_Types].xml", contentTypes(override("/word/document.xml", WORD_MAIN))));
        parts.add(xml("_rels/.rels", rels(rel("rId1", "officeDocument", "word/document.xml", null))));
        parts.add(xml("word/document.xml", wordDocument("<w:p><w:hyperlink r:id=\"rId5\"><w:r><w:t>Sign in</w:t>"
                + "</w:r></w:hyperlink></w:p><w:p><w:r><w:drawing/></w:r></w:p>")));
        parts.add(xml("word/_rels/document.xml.rels", documentRels));
        parts.add(stored("word/media/image1.png", png()));
        parts.add(xml("docProps/core.xml", "<?xml version=\"1.0\"?><cp:coreProperties "
                + "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\"/>"));
        return parts;
    }

    private static final String DOCUMENT_RELS = rels(
            rel("rId1", "image", "media/image1.png", null),
            rel("rId5", "hyperlink", "https://evil.example/login?a=1&amp;b=2", "External"),
            rel("rId6", "hyperlink", "mailto:bob@corp.example", "External"),
            rel("rId7", "hyperlink", "https://keep.example/x", "External"));

    private static byte[] docx() {
        return zip(docxParts(DOCUMENT_RELS));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reading outputs

    private record Raw(String name, byte[] raw, long crc, int method) {
    }

    /** Entries in central directory order with their raw (compressed) bytes, as commons-compress reads them. */
    private static List<Raw> raws(byte[] zipBytes) throws IOException {
        List<Raw> out = new ArrayList<>();
        try (ZipFile z = ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(zipBytes)).get()) {
            for (ZipArchiveEntry e : Collections.list(z.getEntries())) {
                try (InputStream in = z.getRawInputStream(e)) {
                    out.add(new Raw(e.getName(), in.readAllBytes(), e.getCrc(), e.getMethod()));
                }
            }
        }
        return out;
    }

    /** Every entry's data by name, read with java.util.zip's local-header reader (which checks every CRC). */
    private static Map<String, byte[]> entries(byte[] zipBytes) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zipBytes))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                out.put(e.getName(), in.readAllBytes());
            }
        }
        return out;
    }

    private static String text(byte[] zipBytes, String name) throws IOException {
        byte[] b = entries(zipBytes).get(name);
        assertThat(b).as(name).isNotNull();
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A namespace-aware DOM parser with DTDs and external entities refused. */
    private static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(null);
        return b.parse(new ByteArrayInputStream(xml));
    }

    private static Document parse(byte[] zipBytes, String name) throws Exception {
        return parse(entries(zipBytes).get(name));
    }

    /** Target attribute of each Relationship by Id. */
    private static Map<String, String> targets(byte[] zipBytes, String relsName) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        NodeList list = parse(zipBytes, relsName).getElementsByTagNameNS(REL, "Relationship");
        for (int i = 0; i < list.getLength(); i++) {
            Element e = (Element) list.item(i);
            out.put(e.getAttribute("Id"), e.getAttribute("Target"));
        }
        return out;
    }

    private static void assertOtherEntriesRawIdentical(byte[] in, byte[] out, String... changed) throws IOException {
        List<Raw> a = raws(in);
        List<Raw> b = raws(out);
        assertThat(b).extracting(Raw::name).containsExactlyElementsOf(a.stream().map(Raw::name).toList());
        List<String> changedNames = List.of(changed);
        for (int i = 0; i < a.size(); i++) {
            if (changedNames.contains(a.get(i).name)) {
                assertThat(b.get(i).method).as(a.get(i).name + " deflated").isEqualTo(ZipEntry.DEFLATED);
                continue;
            }
            assertThat(b.get(i).raw).as(a.get(i).name + " raw bytes").isEqualTo(a.get(i).raw);
            assertThat(b.get(i).crc).as(a.get(i).name + " CRC").isEqualTo(a.get(i).crc);
            assertThat(b.get(i).method).as(a.get(i).name + " method").isEqualTo(a.get(i).method);
        }
    }

    private static DocumentException rewriteFails(DocumentLinks kind, byte[] in, boolean signed) {
        try {
            kind.rewrite(in, new Recorder(), signed);
        } catch (DocumentException e) {
            return e;
        }
        throw new AssertionError("expected a DocumentException");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Office Open XML relationships

    @Test
    void docxHyperlinkRelationshipReplacedEveryOtherEntryRawIdentical() throws Exception {
        byte[] in = docx();
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        assertThat(out).isNotSameAs(in);
        assertThat(r.targets).containsExactly("https://evil.example/login?a=1&b=2", "mailto:bob@corp.example",
                "https://keep.example/x");
        assertThat(r.kinds).containsOnly(LinkTokens.Kind.LINK);
        Map<String, String> t = targets(out, "word/_rels/document.xml.rels");
        assertThat(t).containsEntry("rId5", r.given.get(0)).containsEntry("rId6", "mailto:bob@corp.example")
                .containsEntry("rId7", "https://keep.example/x").containsEntry("rId1", "media/image1.png");
        assertOtherEntriesRawIdentical(in, out, "word/_rels/document.xml.rels");
        // Only the attribute value changed: the rest of the part is the producer's text, character for character.
        String before = new String(entries(in).get("word/_rels/document.xml.rels"), StandardCharsets.UTF_8);
        String after = text(out, "word/_rels/document.xml.rels");
        assertThat(after).isEqualTo(before.replace("https://evil.example/login?a=1&amp;b=2",
                r.given.get(0).replace("&", "&amp;")));
        assertThat(office.recognises(out)).isTrue();
    }

    @Test
    void xlsxAndPptxHyperlinkRelationships() throws Exception {
        byte[] xlsx = zip(
                xml("[Content_Types].xml", contentTypes(override("/xl/worksheets/sheet1.xml",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"))),
                xml("_rels/.rels", rels(rel("rId1", "officeDocument", "xl/workbook.xml", null))),
                xml("xl/workbook.xml", "<workbook xmlns=\"" + S + "\"/>"),
                xml("xl/worksheets/sheet1.xml", "<worksheet xmlns=\"" + S + "\"><hyperlinks><hyperlink ref=\"A1\" "
                        + "r:id=\"rId1\" xmlns:r=\"" + RT + "\"/></hyperlinks></worksheet>"),
                xml("xl/worksheets/_rels/sheet1.xml.rels",
                        rels(rel("rId1", "hyperlink", "https://evil.example/xlsx", "External"))));
        Recorder rx = new Recorder();
        byte[] outX = office.rewrite(xlsx, rx, false);
        assertThat(targets(outX, "xl/worksheets/_rels/sheet1.xml.rels")).containsEntry("rId1", rx.given.get(0));
        assertOtherEntriesRawIdentical(xlsx, outX, "xl/worksheets/_rels/sheet1.xml.rels");

        byte[] pptx = zip(
                xml("[Content_Types].xml", contentTypes("")),
                xml("_rels/.rels", rels(rel("rId1", "officeDocument", "ppt/presentation.xml", null))),
                xml("ppt/presentation.xml", "<p:presentation xmlns:p=\"urn:p\"/>"),
                xml("ppt/slides/slide1.xml", "<p:sld xmlns:p=\"urn:p\"/>"),
                // Strict-conformance type, upper-case scheme, and the attributes in another order.
                xml("ppt/slides/_rels/slide1.xml.rels", rels("<Relationship TargetMode='External' "
                        + "Target='HTTPS://Evil.example/pptx' Id='rId2' "
                        + "Type='http://purl.oclc.org/ooxml/officeDocument/relationships/hyperlink'/>")));
        Recorder rp = new Recorder();
        byte[] outP = office.rewrite(pptx, rp, false);
        assertThat(rp.targets).containsExactly("HTTPS://Evil.example/pptx");
        assertThat(targets(outP, "ppt/slides/_rels/slide1.xml.rels")).containsEntry("rId2", rp.given.get(0));
        assertOtherEntriesRawIdentical(pptx, outP, "ppt/slides/_rels/slide1.xml.rels");
    }

    @Test
    void externalTemplateAndOtherRemoteTargetsButNotFilesOrShares() throws Exception {
        List<Part> parts = docxParts(DOCUMENT_RELS);
        parts.add(xml("word/_rels/settings.xml.rels", rels(
                rel("rId1", "attachedTemplate", "https://evil.example/template.dotm", "External"),
                rel("rId2", "oleObject", "file:///C:/Users/x/book.xlsx", "External"),
                rel("rId3", "attachedTemplate", "\\\\evil.example\\share\\t.dotm", "External"),
                rel("rId4", "frame", " http://evil.example/frame ", "External"))));
        byte[] in = zip(parts);
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        assertThat(r.targets).containsExactly("https://evil.example/login?a=1&b=2", "mailto:bob@corp.example",
                "https://keep.example/x", "https://evil.example/template.dotm", " http://evil.example/frame ");
        Map<String, String> t = targets(out, "word/_rels/settings.xml.rels");
        assertThat(t.get("rId1")).isEqualTo(r.given.get(1));
        assertThat(t.get("rId2")).isEqualTo("file:///C:/Users/x/book.xlsx");
        assertThat(t.get("rId3")).isEqualTo("\\\\evil.example\\share\\t.dotm");
        assertThat(t.get("rId4")).isEqualTo(r.given.get(2));
    }

    @Test
    void relativeHyperlinksResolvedAgainstTheHyperlinkBase() throws Exception {
        List<Part> parts = docxParts(rels(
                rel("rId5", "hyperlink", "login.html?u=1", "External"),
                rel("rId6", "hyperlink", "C:\\Users\\x\\a.docx", "External"),
                rel("rId7", "attachedTemplate", "t.dotm", "External")));
        parts.set(2, xml("word/document.xml", wordDocument(field(" HYPERLINK \"../up/page\" "))));
        parts.add(xml("docProps/app.xml", "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                + "extended-properties\"><Company>x</Company><HyperlinkBase>https://evil.example/base/dir/"
                + "</HyperlinkBase></Properties>"));
        byte[] in = zip(parts);
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        assertThat(r.targets).containsExactly("https://evil.example/base/up/page",
                "https://evil.example/base/dir/login.html?u=1", "C:\\Users\\x\\a.docx");
        assertThat(targets(out, "word/_rels/document.xml.rels")).containsEntry("rId5", r.given.get(1))
                .containsEntry("rId6", "C:\\Users\\x\\a.docx").containsEntry("rId7", "t.dotm");
        assertThat(instructions(parse(out, "word/document.xml"))).containsExactly(
                " HYPERLINK \"" + r.given.get(0) + "\" ");
        // The base is left as it was: the click URLs are absolute.
        assertOtherEntriesRawIdentical(in, out, "word/document.xml", "word/_rels/document.xml.rels");
        // Without a base, a relative target is the replacer's to judge, as written.
        Recorder plain = new Recorder();
        office.rewrite(zip(parts.subList(0, parts.size() - 1)), plain, false);
        assertThat(plain.targets).containsExactly("../up/page", "login.html?u=1", "C:\\Users\\x\\a.docx");
    }

    @Test
    void internalTargetsUntouched() throws Exception {
        byte[] in = zip(docxParts(rels(
                rel("rId1", "image", "media/image1.png", null),
                rel("rId5", "hyperlink", "https://evil.example/looks-external", null),
                rel("rId6", "hyperlink", "https://evil.example/internal", "Internal"))));
        Recorder r = new Recorder();
        assertThat(office.rewrite(in, r, false)).isSameAs(in);
        assertThat(r.targets).isEmpty();
    }

    @Test
    void nullReplacementLeavesTheDocumentAndNoChangeReturnsTheSameArray() throws Exception {
        byte[] in = docx();
        List<String> asked = new ArrayList<>();
        byte[] out = office.rewrite(in, (target, kind) -> {
            asked.add(target);
            return null;
        }, false);
        assertThat(out).isSameAs(in);
        assertThat(asked).hasSize(3);
        // A replacement equal to the target is no change either.
        assertThat(office.rewrite(in, (target, kind) -> target, false)).isSameAs(in);
    }

    @Test
    void replacementEscapedAndReadBackByAnXmlParser() throws Exception {
        byte[] in = docx();
        String click = CLICK + "tok?a=1&b=<2>&c=\"3\"&d='4'";
        byte[] out = office.rewrite(in, (target, kind) -> target.contains("evil") ? click : null, false);
        String raw = text(out, "word/_rels/document.xml.rels");
        assertThat(raw).contains("a=1&amp;b=&lt;2&gt;&amp;c=&quot;3&quot;&amp;d=&apos;4&apos;");
        assertThat(targets(out, "word/_rels/document.xml.rels")).containsEntry("rId5", click);
    }

    @Test
    void utf16RelationshipPartKeepsItsEncodingAndByteOrderMark() throws Exception {
        String relsText = "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n" + rels(
                rel("rId5", "hyperlink", "https://evil.example/utf16?\u00e9", "External")).substring(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n".length());
        byte[] body = relsText.getBytes(StandardCharsets.UTF_16LE);
        byte[] withBom = new byte[body.length + 2];
        withBom[0] = (byte) 0xFF;
        withBom[1] = (byte) 0xFE;
        System.arraycopy(body, 0, withBom, 2, body.length);
        List<Part> parts = docxParts(DOCUMENT_RELS);
        parts.set(3, new Part("word/_rels/document.xml.rels", withBom, false));
        byte[] in = zip(parts);
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        assertThat(r.targets).containsExactly("https://evil.example/utf16?\u00e9");
        byte[] part = entries(out).get("word/_rels/document.xml.rels");
        assertThat(part[0]).isEqualTo((byte) 0xFF);
        assertThat(part[1]).isEqualTo((byte) 0xFE);
        String after = new String(part, 2, part.length - 2, StandardCharsets.UTF_16LE);
        assertThat(after).isEqualTo(relsText.replace("https://evil.example/utf16?\u00e9",
                r.given.get(0).replace("&", "&amp;")));
        assertThat(targets(out, "word/_rels/document.xml.rels")).containsEntry("rId5", r.given.get(0));
    }

    @Test
    void namesWithDotsAbsoluteAndBackslashPathsAreJustEntriesCopiedRaw() throws Exception {
        List<Part> parts = docxParts(DOCUMENT_RELS);
        parts.add(stored("../../evil.txt", "x".getBytes(StandardCharsets.UTF_8)));
        parts.add(xml("/etc/passwd", "y"));
        parts.add(xml("word\\..\\z.xml", "<z/>"));
        byte[] in = zip(parts);
        byte[] out = office.rewrite(in, new Recorder(), false);
        assertOtherEntriesRawIdentical(in, out, "word/_rels/document.xml.rels");
        // The names as written, byte for byte (commons-compress reads a backslash-only name with slashes).
        assertThat(entries(out).keySet()).containsExactlyElementsOf(entries(in).keySet())
                .contains("../../evil.txt", "/etc/passwd", "word\\..\\z.xml");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Word fields, Excel formulas

    private static String field(String... instructionPieces) {
        StringBuilder sb = new StringBuilder("<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>");
        for (String piece : instructionPieces) {
            sb.append(piece.startsWith("<") ? piece
                    : "<w:r><w:instrText xml:space=\"preserve\">" + piece + "</w:instrText></w:r>");
        }
        return sb.append("<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>shown</w:t></w:r>"
                + "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>").toString();
    }

    /** Per paragraph: its fldSimple instructions and its joined instrText, as a parser reads them. */
    private static List<String> instructions(Document doc) {
        List<String> out = new ArrayList<>();
        NodeList paragraphs = doc.getElementsByTagNameNS(W, "p");
        for (int i = 0; i < paragraphs.getLength(); i++) {
            Element p = (Element) paragraphs.item(i);
            NodeList simple = p.getElementsByTagNameNS(W, "fldSimple");
            for (int k = 0; k < simple.getLength(); k++) {
                out.add(((Element) simple.item(k)).getAttributeNS(W, "instr"));
            }
            NodeList pieces = p.getElementsByTagNameNS(W, "instrText");
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < pieces.getLength(); k++) {
                sb.append(pieces.item(k).getTextContent());
            }
            if (sb.length() > 0) {
                out.add(sb.toString());
            }
        }
        return out;
    }

    @Test
    void hyperlinkFieldsInInstrTextAndFldSimple() throws Exception {
        String body = "<w:p><w:fldSimple w:instr=\" HYPERLINK &quot;https://evil.example/simple&quot; \"><w:r>"
                + "<w:t>simple</w:t></w:r></w:fldSimple></w:p>"
                + field(" HYPERLINK \"https://evil.example/complex\" \\o \"tip\" ")
                // The URL split over two runs, with an entity reference in each piece.
                + field(" HYPERLINK &quot;https://evil.exa", "mple/split?a=1&amp;b=2&quot; ")
                // The URL computed by a nested field: not knowable, left.
                + field(" HYPERLINK \"", "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>", " MERGEFIELD url ",
                        "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>https://evil.example/merged</w:t>"
                                + "</w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>", "\" ")
                // A switch and its argument before the URL; the tooltip is not the target.
                + field(" hyperlink \\o \"https://evil.example/tooltip\" \"https://evil.example/after-switch\"")
                + field(" INCLUDEPICTURE \"https://evil.example/pic.png\" ")
                + field(" HYPERLINK \\l \"bookmark\" ")
                + "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText><![CDATA[ HYPERLINK "
                + "https://evil.example/cdata ]]></w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
                + "</w:p>";
        List<Part> parts = docxParts(rels(rel("rId5", "hyperlink", "https://keep.example/", "External")));
        parts.set(2, xml("word/document.xml", wordDocument(body)));
        // A header found by its content type, under another prefix and part name.
        parts.set(0, xml("[Content_Types].xml", contentTypes(override("/word/document.xml", WORD_MAIN)
                + override("/word/hdr.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"))));
        parts.add(xml("word/hdr.xml", "<x:hdr xmlns:x=\"" + W + "\"><x:p><x:fldSimple x:instr='HYPERLINK "
                + "https://evil.example/header'/></x:p></x:hdr>"));
        byte[] in = zip(parts);
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        // Central directory order: the document, then its relationships, then the header.
        assertThat(r.targets).containsExactly("https://evil.example/simple", "https://evil.example/complex",
                "https://evil.example/split?a=1&b=2", "https://evil.example/after-switch",
                "https://evil.example/cdata", "https://keep.example/", "https://evil.example/header");
        List<String> g = r.given;
        assertThat(instructions(parse(out, "word/document.xml"))).containsExactly(
                " HYPERLINK \"" + g.get(0) + "\" ",
                " HYPERLINK \"" + g.get(1) + "\" \\o \"tip\" ",
                " HYPERLINK \"" + g.get(2) + "\" ",
                " HYPERLINK \" MERGEFIELD url \" ",
                " hyperlink \\o \"https://evil.example/tooltip\" \"" + g.get(3) + "\"",
                " INCLUDEPICTURE \"https://evil.example/pic.png\" ",
                " HYPERLINK \\l \"bookmark\" ",
                " HYPERLINK " + g.get(4) + " ");
        assertThat(instructions(parse(out, "word/hdr.xml"))).containsExactly("HYPERLINK " + g.get(5));
        // The split field keeps its two runs: the click URL in the first, the rest of the URL gone from the second.
        NodeList pieces = parse(out, "word/document.xml").getElementsByTagNameNS(W, "instrText");
        assertThat(pieces.item(1).getTextContent()).isEqualTo(" HYPERLINK \"" + g.get(2));
        assertThat(pieces.item(2).getTextContent()).isEqualTo("\" ");
        assertThat(text(out, "word/document.xml")).contains("<w:t>shown</w:t>", "<w:t>https://evil.example/merged</w:t>");
        assertOtherEntriesRawIdentical(in, out, "word/document.xml", "word/hdr.xml");
    }

    @Test
    void fieldUrlAcrossCdataCommentAndReferencesReplacedWithoutTouchingTheMarkup() throws Exception {
        // One instrText: a comment inside the URL, a CDATA section holding part of it, a character reference to a
        // supplementary character and CR LF line ends, all of which a parser reads as one instruction.
        String body = "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\">"
                + " HYPERLINK \"https://evil.ex<!-- c -->am<![CDATA[ple/p\r\nq]]>&#x1F600;x\" </w:instrText></w:r>"
                + "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>";
        List<Part> parts = docxParts(rels());
        parts.set(2, xml("word/document.xml", wordDocument(body)));
        byte[] in = zip(parts);
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        assertThat(r.targets).containsExactly("https://evil.example/p\nq\uD83D\uDE00x");
        assertThat(instructions(parse(out, "word/document.xml"))).containsExactly(
                " HYPERLINK \"" + r.given.get(0) + "\" ");
        // The comment and the CDATA markup are still there, emptied of the URL's characters.
        assertThat(text(out, "word/document.xml")).contains(
                " HYPERLINK \"" + r.given.get(0).replace("&", "&amp;") + "<!-- c --><![CDATA[]]>\" </w:instrText>");
    }

    @Test
    void excelHyperlinkFormulas() throws Exception {
        String sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<worksheet xmlns=\"" + S + "\"><sheetData>"
                + "<row r=\"1\"><c r=\"A1\" t=\"str\"><f>HYPERLINK(\"https://evil.example/a?x=1&amp;y=2\",\"Click\")</f>"
                + "<v>Click</v></c>"
                + "<c r=\"B1\" t=\"str\"><f>IF(C1,hyperlink( \"https://evil.example/b\" ),\"none\")</f><v>none</v></c>"
                + "<c r=\"C1\" t=\"str\"><f>HYPERLINK(D1)&amp;HYPERLINK(\"https://\"&amp;D1)</f></c>"
                + "<c r=\"D1\" t=\"str\"><f>\"HYPERLINK(\"\"https://evil.example/in-a-string\"\")\"&amp;'HYPERLINK(\"x'!A1"
                + "</f></c></row></sheetData></worksheet>";
        byte[] in = zip(
                xml("[Content_Types].xml", contentTypes("")),
                xml("_rels/.rels", rels(rel("rId1", "officeDocument", "xl/workbook.xml", null))),
                xml("xl/workbook.xml", "<workbook xmlns=\"" + S + "\"/>"),
                xml("xl/worksheets/sheet1.xml", sheet));
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, false);

        assertThat(r.targets).containsExactly("https://evil.example/a?x=1&y=2", "https://evil.example/b");
        NodeList f = parse(out, "xl/worksheets/sheet1.xml").getElementsByTagNameNS(S, "f");
        assertThat(f.item(0).getTextContent()).isEqualTo("HYPERLINK(\"" + r.given.get(0) + "\",\"Click\")");
        assertThat(f.item(1).getTextContent()).isEqualTo("IF(C1,hyperlink( \"" + r.given.get(1) + "\" ),\"none\")");
        assertThat(f.item(2).getTextContent()).isEqualTo("HYPERLINK(D1)&HYPERLINK(\"https://\"&D1)");
        assertThat(f.item(3).getTextContent()).startsWith("\"HYPERLINK(\"\"https://evil.example/in-a-string");
        assertOtherEntriesRawIdentical(in, out, "xl/worksheets/sheet1.xml");
    }

    // ------------------------------------------------------------------------------------------------------------
    // OpenDocument

    private static final String ODF_NS = " xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\""
            + " xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\""
            + " xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\""
            + " xmlns:form=\"urn:oasis:names:tc:opendocument:xmlns:form:1.0\"";

    private static final String ODT_CONTENT = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content"
            + ODF_NS + " xmlns:xlink=\"" + XLINK + "\" office:version=\"1.3\"><office:body><office:text>"
            + "<office:forms><form:form form:name=\"F\" xlink:href=\"https://evil.example/collect\" form:method=\"post\">"
            + "<form:button form:name=\"B\" form:button-type=\"url\" xlink:href=\"https://evil.example/button\"/>"
            + "</form:form></office:forms>"
            + "<text:p>See <text:a xlink:type=\"simple\" xlink:href=\"https://evil.example/odt?x=1&amp;y=2\">here</text:a>"
            + " and <text:a xlink:href=\"#Bookmark\">there</text:a>.</text:p>"
            + "<text:p><draw:frame><draw:image xlink:href=\"Pictures/1.png\"/></draw:frame>"
            + "<draw:frame><draw:image xlink:href=\"https://evil.example/pixel.png\"/></draw:frame></text:p>"
            + "<text:p><form:text form:name=\"T\" form:action=\"https://evil.example/action\"/></text:p>"
            + "</office:text></office:body></office:document-content>";

    private static final String ODT_STYLES = "<office:document-styles" + ODF_NS + " xmlns:xl=\"" + XLINK + "\">"
            + "<office:master-styles><draw:a xl:href='https://evil.example/styles'/></office:master-styles>"
            + "</office:document-styles>";

    private static final String MANIFEST = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest:manifest "
            + "xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.3\">"
            + "<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" + ODT + "\"/>"
            + "<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>"
            + "</manifest:manifest>";

    private static List<Part> odtParts() {
        List<Part> parts = new ArrayList<>();
        parts.add(stored("mimetype", ODT.getBytes(StandardCharsets.US_ASCII)));
        parts.add(xml("content.xml", ODT_CONTENT));
        parts.add(xml("styles.xml", ODT_STYLES));
        parts.add(stored("Pictures/1.png", png()));
        parts.add(xml("META-INF/manifest.xml", MANIFEST));
        return parts;
    }

    private static void assertMimetypeFirstAndStored(byte[] out) {
        // What file(1) and the specification look at: the first local header, name "mimetype", stored, no extra.
        assertThat(Arrays.copyOf(out, 4)).isEqualTo(new byte[] {'P', 'K', 3, 4});
        assertThat(out[8] | out[9] << 8).as("method").isZero();
        assertThat(out[26] | out[27] << 8).as("name length").isEqualTo(8);
        assertThat(out[28] | out[29] << 8).as("extra length").isZero();
        assertThat(new String(out, 30, 8 + ODT.length(), StandardCharsets.US_ASCII)).isEqualTo("mimetype" + ODT);
    }

    @Test
    void openDocumentLinksAndFormTargets() throws Exception {
        byte[] in = zip(odtParts());
        Recorder r = new Recorder();
        byte[] out = odf.rewrite(in, r, false);

        assertThat(r.targets).containsExactly("https://evil.example/collect", "https://evil.example/button",
                "https://evil.example/odt?x=1&y=2", "#Bookmark", "https://evil.example/pixel.png",
                "https://evil.example/action", "https://evil.example/styles");
        assertThat(r.kinds).containsExactly(LinkTokens.Kind.FORM, LinkTokens.Kind.LINK, LinkTokens.Kind.LINK,
                LinkTokens.Kind.LINK, LinkTokens.Kind.LINK, LinkTokens.Kind.FORM, LinkTokens.Kind.LINK);
        List<String> g = r.given;
        Document content = parse(out, "content.xml");
        Element form = (Element) content.getElementsByTagNameNS("urn:oasis:names:tc:opendocument:xmlns:form:1.0",
                "form").item(0);
        assertThat(form.getAttributeNS(XLINK, "href")).isEqualTo(g.get(0));
        NodeList a = content.getElementsByTagNameNS("urn:oasis:names:tc:opendocument:xmlns:text:1.0", "a");
        assertThat(((Element) a.item(0)).getAttributeNS(XLINK, "href")).isEqualTo(g.get(2));
        assertThat(((Element) a.item(1)).getAttributeNS(XLINK, "href")).isEqualTo("#Bookmark");
        NodeList images = content.getElementsByTagNameNS("urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", "image");
        assertThat(((Element) images.item(0)).getAttributeNS(XLINK, "href")).isEqualTo("Pictures/1.png");
        assertThat(((Element) images.item(1)).getAttributeNS(XLINK, "href")).isEqualTo(g.get(3));
        Element control = (Element) content.getElementsByTagNameNS("urn:oasis:names:tc:opendocument:xmlns:form:1.0",
                "text").item(0);
        assertThat(control.getAttributeNS("urn:oasis:names:tc:opendocument:xmlns:form:1.0", "action"))
                .isEqualTo(g.get(4));
        assertThat(text(out, "styles.xml")).isEqualTo(ODT_STYLES.replace("https://evil.example/styles",
                g.get(5).replace("&", "&amp;")));
        assertMimetypeFirstAndStored(out);
        assertOtherEntriesRawIdentical(in, out, "content.xml", "styles.xml");
        assertThat(odf.recognises(out)).isTrue();
    }

    @Test
    void mimetypeMovedToTheFrontWhenItWasNot() throws Exception {
        List<Part> parts = odtParts();
        parts.add(1, parts.remove(0));
        byte[] out = odf.rewrite(zip(parts), new Recorder(), false);
        assertMimetypeFirstAndStored(out);
        assertThat(entries(out).keySet()).containsExactly("mimetype", "content.xml", "styles.xml", "Pictures/1.png",
                "META-INF/manifest.xml");
    }

    @Test
    void recognisesByDirectoryOnly() {
        byte[] docx = docx();
        byte[] odt = zip(odtParts());
        assertThat(office.recognises(docx)).isTrue();
        assertThat(odf.recognises(docx)).isFalse();
        assertThat(odf.recognises(odt)).isTrue();
        assertThat(office.recognises(odt)).isFalse();
        // A manifest without mimetype is still OpenDocument; a plain zip is neither.
        List<Part> noMimetype = odtParts();
        noMimetype.remove(0);
        assertThat(odf.recognises(zip(noMimetype))).isTrue();
        byte[] plain = zip(xml("a.txt", "hello"));
        assertThat(office.recognises(plain)).isFalse();
        assertThat(odf.recognises(plain)).isFalse();
        assertThat(office.kind()).isEqualTo("Office");
        assertThat(odf.kind()).isEqualTo("OpenDocument");
    }

    // ------------------------------------------------------------------------------------------------------------
    // Signed, encrypted

    @Test
    void signedOfficeDocumentLeftUnlessSignedIsTrue() throws Exception {
        List<Part> parts = docxParts(DOCUMENT_RELS);
        parts.add(xml("_xmlsignatures/origin.sigs", ""));
        parts.add(xml("_xmlsignatures/sig1.xml", "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/>"));
        byte[] in = zip(parts);
        assertThat(rewriteFails(office, in, false).reason()).isEqualTo(Reason.SIGNED);
        Recorder r = new Recorder();
        byte[] out = office.rewrite(in, r, true);
        assertThat(targets(out, "word/_rels/document.xml.rels")).containsEntry("rId5", r.given.get(0));

        // A signature part elsewhere, known by its content type.
        List<Part> elsewhere = docxParts(DOCUMENT_RELS);
        elsewhere.set(0, xml("[Content_Types].xml", contentTypes(override("/word/document.xml", WORD_MAIN)
                + override("/sig/s1.xml", "application/vnd.openxmlformats-package.digital-signature-xmlsignature+xml"))));
        elsewhere.add(xml("sig/s1.xml", "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/>"));
        assertThat(rewriteFails(office, zip(elsewhere), false).reason()).isEqualTo(Reason.SIGNED);
    }

    @Test
    void signedOpenDocumentLeftUnlessSignedIsTrue() throws Exception {
        List<Part> parts = odtParts();
        parts.add(xml("META-INF/documentsignatures.xml", "<document-signatures/>"));
        byte[] in = zip(parts);
        assertThat(rewriteFails(odf, in, false).reason()).isEqualTo(Reason.SIGNED);
        Recorder r = new Recorder();
        byte[] out = odf.rewrite(in, r, true);
        assertThat(r.given).hasSize(6);
        assertMimetypeFirstAndStored(out);

        List<Part> macro = odtParts();
        macro.add(xml("META-INF/macrosignatures.xml", "<document-signatures/>"));
        assertThat(rewriteFails(odf, zip(macro), false).reason()).isEqualTo(Reason.SIGNED);
    }

    /** Sets a general purpose flag bit of the named entry in its local header and its central directory header. */
    static byte[] setFlag(byte[] zipBytes, String name, int bit) {
        byte[] out = zipBytes.clone();
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        int patched = 0;
        for (int i = 0; i + 46 < out.length; i++) {
            if (out[i] != 'P' || out[i + 1] != 'K') {
                continue;
            }
            if (out[i + 2] == 3 && out[i + 3] == 4 && u16(out, i + 26) == n.length
                    && Arrays.equals(Arrays.copyOfRange(out, i + 30, i + 30 + n.length), n)) {
                out[i + 6] |= (byte) bit;
                patched++;
            } else if (out[i + 2] == 1 && out[i + 3] == 2 && u16(out, i + 28) == n.length
                    && Arrays.equals(Arrays.copyOfRange(out, i + 46, i + 46 + n.length), n)) {
                out[i + 8] |= (byte) bit;
                patched++;
            }
        }
        assertThat(patched).isEqualTo(2);
        return out;
    }

    /** Replaces every occurrence of one entry name's bytes by another of the same length (headers of both kinds). */
    private static byte[] rename(byte[] zipBytes, String from, String to) {
        assertThat(to).hasSameSizeAs(from);
        String s = new String(zipBytes, StandardCharsets.ISO_8859_1);
        assertThat(s).contains(from);
        return s.replace(from, to).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Sets the uncompressed size of the named entry in its central directory header. */
    private static byte[] setCentralSize(byte[] zipBytes, String name, int size) {
        byte[] out = zipBytes.clone();
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + 46 < out.length; i++) {
            if (out[i] == 'P' && out[i + 1] == 'K' && out[i + 2] == 1 && out[i + 3] == 2
                    && u16(out, i + 28) == n.length
                    && Arrays.equals(Arrays.copyOfRange(out, i + 46, i + 46 + n.length), n)) {
                for (int k = 0; k < 4; k++) {
                    out[i + 24 + k] = (byte) (size >>> (8 * k));
                }
                return out;
            }
        }
        throw new AssertionError("no central directory header for " + name);
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    @Test
    void encryptedZipEntryAndEncryptedOpenDocument() throws Exception {
        byte[] encrypted = setFlag(docx(), "docProps/core.xml", 1);
        assertThat(rewriteFails(office, encrypted, false).reason()).isEqualTo(Reason.ENCRYPTED);
        assertThat(rewriteFails(office, encrypted, true).reason()).isEqualTo(Reason.ENCRYPTED);

        List<Part> parts = odtParts();
        parts.set(4, xml("META-INF/manifest.xml", MANIFEST.replace("media-type=\"text/xml\"/>",
                "media-type=\"text/xml\" manifest:size=\"900\"><manifest:encryption-data "
                        + "manifest:checksum-type=\"SHA1/1K\" manifest:checksum=\"x\"/></manifest:file-entry>")));
        assertThat(rewriteFails(odf, zip(parts), false).reason()).isEqualTo(Reason.ENCRYPTED);

        // A password-protected Office file is an OLE2 compound file: not a zip, not recognised.
        byte[] ole2 = new byte[4096];
        System.arraycopy(new byte[] {(byte) 0xD0, (byte) 0xCF, 0x11, (byte) 0xE0, (byte) 0xA1, (byte) 0xB1, 0x1A,
                (byte) 0xE1}, 0, ole2, 0, 8);
        assertThat(office.recognises(ole2)).isFalse();
        assertThat(rewriteFails(office, ole2, false).reason()).isEqualTo(Reason.UNREADABLE);
    }

    // ------------------------------------------------------------------------------------------------------------
    // Bounds and damaged files

    private static byte[] withZeros(String name, int megabytes) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            for (Part p : docxParts(DOCUMENT_RELS)) {
                z.putNextEntry(new ZipEntry(p.name));
                z.write(p.data);
                z.closeEntry();
            }
            z.putNextEntry(new ZipEntry(name));
            byte[] zeros = new byte[1024 * 1024];
            for (int i = 0; i < megabytes; i++) {
                z.write(zeros);
            }
            z.closeEntry();
        }
        return b.toByteArray();
    }

    @Test
    void zipBombInARelationshipPartIsTooLargeQuickly() throws Exception {
        byte[] bomb = withZeros("word/_rels/bomb.xml.rels", 100);
        assertThat(bomb.length).isLessThan(1024 * 1024);
        long start = System.nanoTime();
        DocumentException e = rewriteFails(office, bomb, false);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(millis).isLessThan(3000);

        // Under the part bound, but compressed a thousand to one; the directory's size is checked first ...
        DocumentException ratio = rewriteFails(office, withZeros("word/_rels/r.xml.rels", 4), false);
        assertThat(ratio.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(ratio.getMessage()).contains("compressed more than 100 to 1");
        // ... and not trusted: a directory declaring 200 bytes still stops the inflating.
        byte[] lying = setCentralSize(withZeros("word/_rels/r.xml.rels", 100), "word/_rels/r.xml.rels", 200);
        start = System.nanoTime();
        assertThat(rewriteFails(office, lying, false).reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(3000);
    }

    @Test
    void tooManyEntries() throws Exception {
        List<Part> parts = docxParts(DOCUMENT_RELS);
        for (int i = 0; i < ZipPackage.MAX_ENTRIES; i++) {
            parts.add(stored("customXml/item" + i + ".bin", new byte[0]));
        }
        assertThat(rewriteFails(office, zip(parts), false).reason()).isEqualTo(Reason.TOO_LARGE);
    }

    @Test
    void duplicateEntryNamesAreUnreadable() throws Exception {
        List<Part> parts = docxParts(DOCUMENT_RELS);
        parts.add(xml("word/_rels/document.xml.relz", rels(rel("rId5", "hyperlink", "https://evil.example/2",
                "External"))));
        byte[] twice = rename(zip(parts), "word/_rels/document.xml.relz", "word/_rels/document.xml.rels");
        assertThat(rewriteFails(office, twice, false).reason()).isEqualTo(Reason.UNREADABLE);

        // Office part names are compared without case: two spellings of one part are one part twice.
        List<Part> cased = docxParts(DOCUMENT_RELS);
        cased.add(xml("WORD/_rels/document.xml.rels", rels()));
        assertThat(rewriteFails(office, zip(cased), false).reason()).isEqualTo(Reason.UNREADABLE);

        List<Part> odt = odtParts();
        odt.add(xml("contenT.xml", ODT_CONTENT));
        byte[] odtTwice = rename(zip(odt), "contenT.xml", "content.xml");
        assertThat(rewriteFails(odf, odtTwice, false).reason()).isEqualTo(Reason.UNREADABLE);
    }

    @Test
    void notAZipAndTruncatedZip() throws Exception {
        byte[] junk = "PK\3\4 but nothing else that a zip has".getBytes(StandardCharsets.ISO_8859_1);
        byte[] html = "<html><a href='https://evil.example/'>x</a></html>".getBytes(StandardCharsets.UTF_8);
        byte[] docx = docx();
        byte[] truncated = Arrays.copyOf(docx, docx.length / 2);
        byte[] noDirectory = Arrays.copyOf(docx, docx.length - 10);
        for (byte[] b : List.of(junk, html, truncated, noDirectory, new byte[0])) {
            assertThat(office.recognises(b)).isFalse();
            assertThat(odf.recognises(b)).isFalse();
            DocumentException e = rewriteFails(office, b, false);
            assertThat(e.reason()).isEqualTo(Reason.UNREADABLE);
            assertThat(e.getMessage()).doesNotContain("evil.example");
            assertThat(rewriteFails(odf, b, false).reason()).isEqualTo(Reason.UNREADABLE);
        }
        // An Office package without [Content_Types].xml is none.
        assertThat(rewriteFails(office, zip(xml("word/_rels/document.xml.rels", DOCUMENT_RELS)), false).reason())
                .isEqualTo(Reason.UNREADABLE);
    }

    @Test
    void malformedOrEntityDefiningPartsAreUnreadableNotGuessed() throws Exception {
        String[] broken = {
            // An internal subset could define an entity holding a URL, or default attribute values.
            "<!DOCTYPE Relationships [<!ENTITY u \"https://evil.example/\">]><Relationships xmlns=\"" + REL + "\">"
                    + "<Relationship Id=\"a\" Type=\"" + RT + "hyperlink\" Target=\"&u;\" TargetMode=\"External\"/>"
                    + "</Relationships>",
            rels("<Relationship Id=\"a\" Target=\"https://evil.example/1\" Target=\"https://evil.example/2\" "
                    + "TargetMode=\"External\"/>"),
            rels("<Relationship Id=\"a\" Target=\"https://evil.example/<\" TargetMode=\"External\"/>"),
            rels("<Relationship Id=\"a\" Target=\"https://evil.example/\" TargetMode=\"External\">"),
            rels("<Relationship Id=\"a\" Target=\"https://evil.example/&bogus;\" TargetMode=\"External\"/>"),
        };
        for (String relsText : broken) {
            byte[] in = zip(docxParts(relsText));
            DocumentException e = rewriteFails(office, in, false);
            assertThat(e.reason()).as(relsText).isEqualTo(Reason.UNREADABLE);
            assertThat(e.getMessage()).doesNotContain("evil.example");
        }
        // A part in an encoding the office suites do not read without a converter.
        String latin9 = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>" + rels();
        assertThat(rewriteFails(office, zip(docxParts(latin9)), false).reason()).isEqualTo(Reason.UNREADABLE);
    }

    /**
     * 200 damaged variants of a small document (fixed seed): bytes flipped or overwritten anywhere, in the central
     * directory in particular, or the file cut. Each either is refused with a DocumentException or gives a zip whose
     * directory lists the same entries, each unchanged entry raw-identical and each changed one inflating to its CRC.
     */
    @Test
    void mutatedDocumentsOnlyFailWithDocumentExceptionOrGiveValidZips() throws Exception {
        List<Part> parts = docxParts(DOCUMENT_RELS);
        parts.set(2, xml("word/document.xml", wordDocument(field(" HYPERLINK \"https://evil.example/f\" "))));
        byte[] base = zip(parts);
        byte[] odtBase = zip(odtParts());
        Random random = new Random(20261207L);
        int rewritten = 0;
        int refused = 0;
        for (int round = 0; round < 200; round++) {
            byte[] source = round % 4 == 3 ? odtBase : base;
            byte[] m = source.clone();
            switch (random.nextInt(4)) {
                case 0 -> {
                    for (int k = 1 + random.nextInt(4); k > 0; k--) {
                        m[random.nextInt(m.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    for (int k = 1 + random.nextInt(8); k > 0; k--) {
                        m[random.nextInt(m.length)] = (byte) random.nextInt(256);
                    }
                }
                case 2 -> {
                    // The central directory and its end record: the last quarter of the file.
                    for (int k = 1 + random.nextInt(3); k > 0; k--) {
                        int at = m.length - 1 - random.nextInt(m.length / 4);
                        m[at] = random.nextBoolean() ? (byte) 0xFF : (byte) random.nextInt(256);
                    }
                }
                default -> m = Arrays.copyOf(m, 4 + random.nextInt(m.length - 4));
            }
            for (DocumentLinks kind : List.of(office, odf)) {
                kind.recognises(m);
                byte[] out;
                try {
                    out = kind.rewrite(m, new Recorder(), false);
                } catch (DocumentException e) {
                    assertThat(e.reason()).isNotNull();
                    refused++;
                    continue;
                } catch (Throwable t) {
                    throw new AssertionError("round " + round + " (" + kind.kind() + "): " + t, t);
                }
                if (out != m) {
                    assertValidRewrite(m, out);
                    rewritten++;
                }
            }
        }
        assertThat(rewritten).isPositive();
        assertThat(refused).isPositive();
    }

    private static void assertValidRewrite(byte[] in, byte[] out) throws IOException {
        List<Raw> a = raws(in);
        assertThat(raws(out)).extracting(Raw::name).containsExactlyInAnyOrderElementsOf(
                a.stream().map(Raw::name).toList());
        try (ZipFile z = ZipFile.builder().setSeekableByteChannel(new SeekableInMemoryByteChannel(out)).get()) {
            for (ZipArchiveEntry e : Collections.list(z.getEntries())) {
                byte[] raw;
                try (InputStream r = z.getRawInputStream(e)) {
                    raw = r.readAllBytes();
                }
                Raw before = a.stream().filter(x -> x.name.equals(e.getName())).findFirst().orElseThrow();
                if (!Arrays.equals(raw, before.raw)) {
                    try (InputStream data = z.getInputStream(e)) {
                        CRC32 crc = new CRC32();
                        crc.update(data.readAllBytes());
                        assertThat(crc.getValue()).as(e.getName()).isEqualTo(e.getCrc());
                    }
                }
            }
        } catch (IOException e) {
            fail("output not readable: " + e);
        }
    }
}
