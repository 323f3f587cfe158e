package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.streamail.linkguard.internal.PdfSamples.ascii;
import static org.streamail.linkguard.internal.PdfSamples.deflate;
import static org.streamail.linkguard.internal.PdfSamples.deflateRepeated;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdfwriter.compress.CompressParameters;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionURI;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotation;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationLink;
import org.junit.jupiter.api.Test;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException.Reason;
import org.streamail.linkguard.internal.PdfSamples.RawPdf;

/**
 * {@link PdfPrescan}: the hostile shapes PDFBox 3.0.5 allocates for without bound are refused before PDFBox opens the
 * file, and ordinary files pass. The files are written byte by byte ({@link PdfSamples}); the bombs are generated
 * here, deflated as they are written, and never reach PDFBox, so this test runs in an ordinary heap.
 */
class PdfPrescanTest {

    private static final String CLICK = "https://gw.example/streamail/click/";
    private static final long MIB = 1024 * 1024;

    /** A replacer that turns every http(s) target into a click URL and counts its calls. */
    private static final class Clicks implements DocumentLinks.Replacer {
        final List<String> targets = new ArrayList<>();

        @Override
        public String replacement(String target, LinkTokens.Kind kind) {
            targets.add(target);
            return target.startsWith("https://") && !target.startsWith(CLICK) ? CLICK + targets.size() : null;
        }
    }

    private static DocumentException refused(byte[] pdf) {
        DocumentException e = catchThrowableOfType(DocumentException.class, () -> PdfPrescan.check(pdf));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        return e;
    }

    private static void passes(byte[] pdf) {
        assertThatCode(() -> PdfPrescan.check(pdf)).doesNotThrowAnyException();
    }

    /** A file with one stream object 4 ({@code dict} without brackets, {@code /Length} added) and a classic table. */
    private static byte[] withStream(String dict, byte[] data) {
        return RawPdf.withPage().stream(4, dict, data).classicXref("");
    }

    /** An object stream of one object, {@code /N 1 /First 4}, and {@code data} as its (encoded) bytes. */
    private static byte[] objectStream(String extra, byte[] data) {
        return withStream("/Type /ObjStm /N 1 /First 4 " + extra, data);
    }

    /** The file ending at a cross-reference stream object 3 whose dictionary is {@code dict} (no /Length). */
    private static byte[] xrefStreamFile(String dict, byte[] data) {
        RawPdf pdf = new RawPdf().object(1, "<< /Type /Catalog /Pages 2 0 R >>")
                .object(2, "<< /Type /Pages /Kids [] /Count 0 >>");
        int xref = pdf.size();
        pdf.text("3 0 obj\n<< " + dict + " /Length " + data.length + " >>\nstream\n").bytes(data);
        return pdf.text("\nendstream\nendobj\nstartxref\n" + xref + "\n%%EOF\n").toBytes();
    }

    private static byte[] zeros(long megabytes) {
        return deflateRepeated(new byte[4096], megabytes * 256);
    }

    // ---------------------------------------------------------------- cross-reference streams

    @Test
    void theCrossReferenceStreamBombIsRefusedWithoutDecodingIt() {
        byte[] bomb = PdfSamples.xrefStreamBomb(10_000_000);
        assertThat(bomb.length).as("about 100 KB").isBetween(50_000, 150_000);

        DocumentException e = refused(bomb);

        assertThat(e.getMessage()).contains("200,000").contains("10,000,000");
    }

    @Test
    void theBombThroughPdfLinksIsRefusedBeforePdfBoxAndTheReplacer() {
        byte[] bomb = PdfSamples.xrefStreamBomb(10_000_000);
        Clicks clicks = new Clicks();

        DocumentException e = catchThrowableOfType(DocumentException.class,
                () -> new PdfLinks().rewrite(bomb, clicks, false));

        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
        assertThat(e.getMessage()).as("the prescan's refusal, not PDFBox's")
                .isEqualTo(refused(bomb).getMessage());
        assertThat(clicks.targets).isEmpty();
    }

    @Test
    void aSmallDeclaredSizeDoesNotHideTheDecodedEntries() {
        // /Size 3, but 10 MB of seven-byte entries: PDFBox reads entries as long as there is data
        byte[] data = deflateRepeated(new byte[] {1, 0, 0, 0, 9, 0, 0}, 1_500_000);

        DocumentException e = refused(xrefStreamFile("/Type /XRef /Size 3 /W [1 4 2] /Filter /FlateDecode", data));

        assertThat(e.getMessage()).contains("more than 200,000 cross-reference entries")
                .contains("7-byte entries");
    }

    @Test
    void aHugeSizeOrIndexIsRefusedAtOnceWhateverTheData() {
        byte[] little = deflate(new byte[14]);

        assertThat(refused(xrefStreamFile("/Type /XRef /Size 2000000000 /W [1 4 2] /Filter /FlateDecode", little))
                .getMessage()).contains("/Size 2,000,000,000");
        DocumentException index = refused(xrefStreamFile(
                "/Type /XRef /Size 10 /Index [0 3 5 2000000000] /W [1 4 2] /Filter /FlateDecode", little));
        assertThat(index.getMessage()).contains("declaring 2,000,000,003");
        // counts that overflow a long when summed are still refused
        refused(xrefStreamFile("/Type /XRef /Size 10 /Index [0 9223372036854775807 5 9223372036854775807] "
                + "/W [1 4 2] /Filter /FlateDecode", little));
    }

    @Test
    void zeroWidthEntriesCountAsTheirDeclaredNumberAndAnUnreadableCountIsRefused() {
        byte[] none = deflate(new byte[0]);
        // PDFBox makes an entry for every declared number without reading data when the widths add up to nothing
        refused(xrefStreamFile("/Type /XRef /W [0 0 0] /Size 150000 /Index [0 150000 500000 100000] "
                + "/Filter /FlateDecode", none));
        assertThat(refused(xrefStreamFile("/Type /XRef /W [0 0 0] /Size 9 0 R /Filter /FlateDecode", none))
                .getMessage()).contains("cannot read");
        assertThat(refused(xrefStreamFile("/Type /XRef /W 7 0 R /Size 8 0 R /Filter /FlateDecode", none))
                .getMessage()).contains("cannot read");
        passes(xrefStreamFile("/Type /XRef /W [0 0 0] /Size 100 /Filter /FlateDecode", none));
    }

    @Test
    void anEntryFieldWiderThanEightBytesIsRefused() {
        // PDFBox 3.0.5 allocates the sum of the widths for one entry: this 271-byte file asks for 2 GB
        DocumentException e = refused(xrefStreamFile(
                "/Type /XRef /Size 4 /W [1 2000000000 1] /Filter /FlateDecode", deflate(new byte[64])));

        assertThat(e.getMessage()).contains("2,000,000,000 bytes");
    }

    @Test
    void nameEscapesAreDecodedAsPdfBoxDecodesThem() {
        byte[] little = deflate(new byte[14]);
        // /X#52ef is /XRef, /#53ize is /Size, /#57 is /W
        DocumentException e = refused(xrefStreamFile(
                "/#54ype /X#52ef /#53ize 10000000 /#57 [1 4 2] /Filter /Fl#61teDecode", little));
        assertThat(e.getMessage()).contains("/Size 10,000,000");

        // a type spelt only through escapes, without /W: the stream still counts as a cross-reference stream
        byte[] entries = deflateRepeated(new byte[] {1, 0, 0, 0, 9, 0, 0}, 300_000);
        refused(xrefStreamFile("/Type /X#52ef /Size 3 /W [1 4 2] /Filter /FlateDecode", entries));
        refused(xrefStreamFile("/Type /X#52ef /Size 300000 /Filter /FlateDecode", entries));
    }

    @Test
    void aTypeWrittenAsAStringCountsAsPdfBoxComparesIt() {
        // PDFBox compares the /Type of a cross-reference stream as a name or a string
        byte[] little = deflate(new byte[14]);
        for (String type : List.of("(XRef)", "(\\130Ref)", "<58526566>", "(X\\Ref)")) {
            assertThat(refused(xrefStreamFile("/Type " + type + " /Size 10000000 /Filter /FlateDecode", little))
                    .getMessage()).as(type).contains("/Size 10,000,000");
        }
    }

    @Test
    void aClassicTableWithAHugeSubsectionIsRefused() {
        String entries = "0000000000 65535 f \n".repeat(3);
        byte[] pdf = RawPdf.withPage().text("xref\n0 5000000\n" + entries + "trailer\n<< /Size 5000000 /Root 1 0 R >>\n"
                + "startxref\n0\n%%EOF\n").toBytes();

        DocumentException e = refused(pdf);

        assertThat(e.getMessage()).contains("a table subsection of 5,000,000");
    }

    @Test
    void classicTablesAreSummedAcrossSubsectionsAndTables() {
        StringBuilder t = new StringBuilder();
        for (int table = 0; table < 3; table++) {
            t.append("xref\n0 70000\n").append("0000000000 65535 f \n".repeat(2)).append("5 1\n0000000009 00000 n \n");
        }
        refused(RawPdf.withPage().text(t + "trailer\n<< /Root 1 0 R >>\n%%EOF\n").toBytes());
        passes(RawPdf.withPage().text("xref\n0 70000\n" + "0000000000 65535 f \n".repeat(2)).toBytes());
    }

    // ---------------------------------------------------------------- object streams

    @Test
    void anObjectStreamFlateBombIsRefused() {
        byte[] bomb = zeros(256); // 256 MiB of zeros in about 260 KB

        DocumentException e = refused(objectStream("/Filter /FlateDecode", bomb));

        assertThat(e.getMessage()).contains("an object stream decoding to more than 4 MiB");
    }

    @Test
    void objectStreamsAreBoundedInAllAndByTheirDeclaredObjects() {
        RawPdf pdf = RawPdf.withPage();
        for (int i = 0; i < 6; i++) {
            pdf.stream(10 + i, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zeros(1));
        }
        assertThat(refused(pdf.classicXref("")).getMessage()).contains("5 MiB in all");

        DocumentException n = refused(withStream("/Type /ObjStm /N 50000000 /First 4 /Filter /FlateDecode",
                deflate(ascii("4 0 null"))));
        assertThat(n.getMessage()).contains("/N 50,000,000");

        RawPdf many = RawPdf.withPage();
        for (int i = 0; i < 3; i++) {
            many.stream(10 + i, "/Type /ObjStm /N 40000 /First 4 /Filter /FlateDecode", deflate(ascii("4 0 null")));
        }
        assertThat(refused(many.classicXref("")).getMessage()).contains("100,000 objects in object streams");
    }

    @Test
    void anUntypedStreamWithFirstCountsAsAnObjectStream() {
        // PDFBox reads any stream a cross-reference entry points to as an object stream, needing only /N and /First
        refused(withStream("/N 1 /First 4 /Filter /FlateDecode", zeros(64)));
        refused(withStream("/N 1 /F#69rst 4 /Filter /FlateDecode", zeros(64)));
    }

    @Test
    void filtersTheScanDoesNotDecodeAreRefusedOnObjectAndCrossReferenceStreams() {
        byte[] data = ascii("any bytes");
        assertThat(refused(objectStream("/Filter /LZWDecode", data)).getMessage())
                .isEqualTo("an object stream in filter LZWDecode is not read");
        assertThat(refused(objectStream("/Filter [/FlateDecode /RunLengthDecode]", data)).getMessage())
                .contains("RunLengthDecode");
        assertThat(refused(objectStream("/Filter /Crypt", data)).getMessage()).contains("Crypt");
        assertThat(refused(objectStream("/Filter /LZW", data)).getMessage()).contains("LZW");
        assertThat(refused(xrefStreamFile("/Type /XRef /Size 3 /W [1 4 2] /Filter /LZWDecode", data)).getMessage())
                .isEqualTo("a cross-reference stream in filter LZWDecode is not read");
        assertThat(refused(objectStream("/Filter 9 0 R", data)).getMessage()).contains("cannot read");
        assertThat(refused(objectStream("/Filter [/Fl /Fl /Fl /Fl /Fl]", data)).getMessage()).contains("5 filters");
        // the name is a file's bytes: only letters and digits reach the message
        assertThat(refused(objectStream("/Filter /Bad#0A#1bName", data)).getMessage())
                .contains("filter Bad??Name");
        // other streams are not decoded, whatever their filter
        passes(withStream("/Subtype /Image /Filter /LZWDecode", data));
    }

    @Test
    void flateOverFlateIsDecodedThroughBothStages() {
        byte[] inner = zeros(64);
        assertThat(inner.length).as("the inner bomb itself is small").isLessThan(200_000);

        refused(objectStream("/Filter [/FlateDecode /FlateDecode]", deflate(inner)));
        refused(objectStream("/Filter [/Fl /Fl]", deflate(inner)));
        passes(objectStream("/Filter [/FlateDecode /FlateDecode]", deflate(deflate(ascii("4 0 << /K 1 >>")))));
    }

    @Test
    void asciiEncodingsAreDecodedNotEstimated() {
        // ASCII85's 'z' is four zero bytes: 1.5 MB of it decodes to 6 MB, over the bound for one object stream
        byte[] z = ascii("z".repeat(1_500_000) + "~>");
        assertThat(refused(objectStream("/Filter /ASCII85Decode", z)).getMessage()).contains("4 MiB");

        // an ASCII encoding of a Flate bomb is followed through
        refused(objectStream("/Filter [/AHx /FlateDecode]", ascii(hex(zeros(64)) + ">")));
        refused(objectStream("/Filter [/A85 /FlateDecode]", ascii85(zeros(64))));

        // and a small one passes
        passes(objectStream("/Filter [/ASCIIHexDecode /FlateDecode]", ascii(hex(deflate(ascii("4 0 null"))) + ">")));
        passes(objectStream("/Filter /ASCII85Decode", ascii85(ascii("4 0 null"))));
    }

    @Test
    void anEncryptedObjectStreamCountsItsLengthAndItsDeclaredObjects() {
        // ciphertext does not inflate: its raw length is counted (what PDFBox decrypts), and /N all the same
        byte[] cipher = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(cipher);
        String encrypt = "/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -4 >>";

        assertThat(refused(RawPdf.withPage().stream(4, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", cipher)
                .classicXref(encrypt)).getMessage()).contains("4 MiB");
        refused(RawPdf.withPage().stream(4, "/Type /ObjStm /N 900000 /First 4 /Filter /FlateDecode",
                Arrays.copyOf(cipher, 4096)).classicXref(encrypt));
    }

    /**
     * What an encrypted object stream inflates to once decrypted cannot be counted from its stored bytes (an AES
     * stream's first 16 bytes are an initialisation vector its maker chooses, so they can be made a small valid deflate
     * stream while the plaintext is a bomb): a file that may be encrypted, holds an object stream, and whose
     * encryption the scan cannot open with the empty password (here: no /O, /U or /ID) is refused, even a small one;
     * an encrypted file without object streams, and object streams without encryption, pass.
     */
    @Test
    void anEncryptedFileWithObjectStreamsIsRefusedWhateverTheirStoredBytesInflateTo() {
        byte[] cipher = new byte[4096];
        new Random(7).nextBytes(cipher);
        // stored bytes that inflate to almost nothing: a zlib header and an empty final block, as a chosen IV could be
        byte[] inflatesSmall = Arrays.copyOf(deflate(new byte[0]), 4096);
        for (String encrypt : List.of("/Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 /P -4 >>",
                "/Encr#79pt << /Filter /Standard /V 2 /R 3 /Length 128 /P -4 >>")) {
            for (byte[] data : List.of(cipher, inflatesSmall)) {
                byte[] file = RawPdf.withPage().stream(4, "/Type /ObjStm /N 10 /First 40 /Filter /FlateDecode", data)
                        .classicXref(encrypt);
                DocumentException e = catchThrowableOfType(DocumentException.class, () -> PdfPrescan.check(file));
                assertThat(e).as(encrypt).isNotNull();
                assertThat(e.reason()).isEqualTo(Reason.ENCRYPTED);
                assertThat(e.getMessage()).contains("encrypted file with 1 object stream");
            }
            passes(RawPdf.withPage().classicXref(encrypt));
        }
        passes(RawPdf.withPage().stream(4, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode",
                deflate(ascii("4 0 null"))).classicXref(""));
        assertThat(PdfPrescan.mentionsEncrypt(ascii("%PDF-1.7 /Encrypted"))).isTrue();
        assertThat(PdfPrescan.mentionsEncrypt(ascii("%PDF-1.7 /Encr#79pt (crypt)"))).isFalse();
    }

    // ---------------------------------------------------------------- how dictionaries and keywords are read

    @Test
    void pdfBoxsLenientReadingIsFollowedWhereItEndsADictionary() {
        byte[] little = deflate(new byte[14]);
        // a key position holding something else: PDFBox skips to endstream and ends the dictionary there
        RawPdf recovery = new RawPdf().object(1, "<< /Type /Catalog >>");
        recovery.text("3 0 obj\n<< /Type /XRef /W [1 4 2] /Size 10000000 junk endstream stream\n").bytes(little)
                .text("\nendstream\nendobj\n");
        assertThat(refused(recovery.toBytes()).getMessage()).contains("/Size 10,000,000");

        // a ')' followed by a line end and '/' ends a string however deep (PDFBox's rule), so /Size is a key here
        RawPdf strings = new RawPdf().object(1, "<< /Type /Catalog >>");
        strings.text("3 0 obj\n<< /S (a(b)\r/Type /XRef /W [1 4 2] /Size 10000000 /T (c) >>\nstream\n")
                .bytes(little).text("\nendstream\nendobj\n");
        assertThat(refused(strings.toBytes()).getMessage()).contains("/Size 10,000,000");

        // a comment between the dictionary and the keyword, and the keyword straight into the data
        refused(xrefStreamFileRaw("<< /Type /XRef /W [1 4 2] /Size 10000000 >> % comment\r\nstream\n", little));
        refused(xrefStreamFileRaw("<< /Type /XRef /W [1 4 2] /Size 10000000 >>stream", little));
        refused(xrefStreamFileRaw("<</Type/XRef/W[1 4 2]/Size 10000000>>  stream\r", little));
    }

    private static byte[] xrefStreamFileRaw(String headerAndDict, byte[] data) {
        return new RawPdf().object(1, "<< /Type /Catalog >>").text("3 0 obj" + headerAndDict).bytes(data)
                .text("\nendstream\nendobj\n").toBytes();
    }

    @Test
    void anUnreadableDictionaryThatCouldNameAnObjectStreamIsRefused() {
        // one ">>" short: the scan cannot read where this dictionary ends, and it spells ObjStm
        byte[] unbalanced = RawPdf.withPage().text("4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /X << /Y 1 >>\nstream\n")
                .bytes(zeros(64)).text("\nendstream\nendobj\n").toBytes();
        assertThat(refused(unbalanced).getMessage()).contains("cannot read");

        // longer than the scan reads: the same
        byte[] longDictionary = RawPdf.withPage().text("4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Pad ("
                + "x".repeat(PdfPrescan.MAX_DICTIONARY_BYTES) + ") >>\nstream\n").bytes(zeros(1))
                .text("\nendstream\nendobj\n").toBytes();
        refused(longDictionary);

        // "obj" inside a string after the type: the nearest header is not this dictionary's
        byte[] fakeHeader = RawPdf.withPage().text("4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /T (see 1 0 obj) >>\n"
                + "stream\n").bytes(zeros(64)).text("\nendstream\nendobj\n").toBytes();
        refused(fakeHeader);
    }

    @Test
    void theWordStreamInOrdinaryTextIsPassedOver() {
        // an uncompressed page whose text says ">> stream": no dictionary ends there, and nothing in the file could
        // name a cross-reference or object stream
        byte[] content = ascii("BT /F1 12 Tf 72 700 Td (Live stream >> stream today) Tj ET");
        byte[] pdf = RawPdf.withPage().stream(4, "", content).classicXref("");
        assertThat(new String(pdf, StandardCharsets.ISO_8859_1)).doesNotContain("#", "\\", "XRef", "ObjStm");
        passes(pdf);
        passes(withStream("/Subtype /Form /Name /Upstream", ascii("upstream streams; mainstream")));
    }

    @Test
    void objectHeadersAndStreamsBeyondTheirBoundsAreRefused() {
        assertThat(refused(PdfSamples.withoutXref(100_001)).getMessage()).contains("more than 100,000 object headers");
        passes(PdfSamples.withoutXref(50_000));
        assertThat(refused(PdfSamples.validStreams(50_001)).getMessage()).contains("more than 50,000 streams");
    }

    @Test
    void theScanItselfEndsWithinItsWorkBound() {
        // every header opens a string that never closes: each dictionary read runs to the scan's limit, and the reads
        // overlap; the work bound ends it
        byte[] pdf = new RawPdf().text("1 0 obj<<(stream ".repeat(5_000)).toBytes();

        long start = System.nanoTime();
        DocumentException e = refused(pdf);

        System.out.printf(Locale.ROOT, "work bound: %,d-byte file refused in %d ms%n", pdf.length,
                (System.nanoTime() - start) / 1_000_000);
        assertThat(e.getMessage()).contains("64 MiB");

        // every "xref" in one long comment line starts a table whose white space runs to the end of the line
        byte[] comment = new RawPdf().text("xref %".repeat(500_000) + "\n").toBytes();
        assertThat(refused(comment).getMessage()).contains("64 MiB");
    }

    // ---------------------------------------------------------------- ordinary files

    private static byte[] pdfBoxFile(int pages, int linksPerPage) throws IOException {
        try (PDDocument d = new PDDocument()) {
            for (int p = 0; p < pages; p++) {
                PDPage page = new PDPage();
                d.addPage(page);
                for (int i = 0; i < linksPerPage; i++) {
                    PDAnnotationLink l = new PDAnnotationLink();
                    l.setRectangle(new PDRectangle(72, 700 - 20 * i, 200, 18));
                    PDActionURI a = new PDActionURI();
                    a.setURI("https://evil.example/p" + p + "/l" + i);
                    l.setAction(a);
                    page.getAnnotations().add(l);
                }
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            d.save(out, CompressParameters.DEFAULT_COMPRESSION);
            return out.toByteArray();
        }
    }

    private static List<String> linkUris(byte[] pdf) throws IOException {
        List<String> uris = new ArrayList<>();
        try (PDDocument d = Loader.loadPDF(pdf)) {
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

    @Test
    void aPdfBoxFileWithObjectStreamsPassesAndIsRewrittenAsBefore() throws Exception {
        byte[] in = pdfBoxFile(3, 4);
        String text = new String(in, StandardCharsets.ISO_8859_1);
        assertThat(text).as("object streams and a cross-reference stream").contains("/ObjStm").contains("/XRef");

        passes(in);
        Clicks clicks = new Clicks();
        byte[] out = new PdfLinks().rewrite(in, clicks, false);

        assertThat(clicks.targets).hasSize(12);
        assertThat(linkUris(out)).hasSize(12).allSatisfy(u -> assertThat(u).startsWith(CLICK));
        assertThat(Arrays.copyOf(out, in.length)).as("an incremental update").isEqualTo(in);
        passes(out); // and the update itself reads within the bounds
    }

    @Test
    void ordinaryFilesPass() throws Exception {
        passes(RawPdf.withPage().classicXref(""));
        passes(PdfSamples.validXrefStream(2_000));
        passes(PdfSamples.validClassicTable(2_000));
        passes(PdfSamples.linkAnnotationsInObjectStreams(1_000));
        passes(pdfBoxFile(40, 20));
        passes(new byte[0]);
        passes(ascii("%PDF-1.7\n"));
    }

    @Test
    void randomMutationsOfASmallPdfOnlyEverGiveADocumentException() throws Exception {
        byte[] base = pdfBoxFile(2, 3);
        Random random = new Random(20261207L);
        int passed = 0;
        int refused = 0;
        for (int round = 0; round < 500; round++) {
            byte[] mutated = PdfSamples.mutate(base, random, 0, TOKENS);
            int r = round;
            // a hang guard, not a speed check: the scan is linear and ends in milliseconds
            Boolean ok = assertTimeout(Duration.ofSeconds(10), () -> {
                try {
                    PdfPrescan.check(mutated);
                    return true;
                } catch (DocumentException e) {
                    assertThat(e.reason()).as("round " + r).isEqualTo(Reason.TOO_LARGE);
                    assertThat(e.getMessage()).doesNotContain("evil.example");
                    return false;
                }
            }, "round " + round);
            if (ok) {
                passed++;
            } else {
                refused++;
            }
        }
        System.out.printf(Locale.ROOT, "mutations: %d passed, %d refused%n", passed, refused);
        assertThat(passed).isPositive();
        assertThat(refused).isPositive();
    }

    private static final List<byte[]> TOKENS = List.of(ascii("stream"), ascii("stream\n"), ascii("endstream"),
            ascii("endobj"), ascii(" 0 obj"), ascii("xref\n0 9999999\n"), ascii("<<"), ascii(">>"), ascii("("),
            ascii(")"), ascii("/XRef"), ascii("/ObjStm"), ascii("/First"), ascii("/W [9 9 9]"), ascii("/N 99999999"),
            ascii("/Size 99999999"), ascii("#"), ascii("\\"), ascii("%"), ascii("/Filter /LZWDecode"),
            ascii("/Index [0 99999999]"), ascii("\r"), ascii("["), ascii("]"));


    // ---------------------------------------------------------------- time and heap, on the real thing

    @Test
    void theBombsAreRefusedQuicklyWithLittleHeap() {
        List<byte[]> bombs = List.of(PdfSamples.xrefStreamBomb(10_000_000),
                xrefStreamFile("/Type /XRef /Size 4 /W [1 2000000000 1] /Filter /FlateDecode", deflate(new byte[64])),
                objectStream("/Filter /FlateDecode", zeros(256)),
                objectStream("/Filter [/FlateDecode /FlateDecode]", deflate(zeros(256))),
                PdfSamples.withoutXref(150_000));
        for (byte[] bomb : bombs) {
            long allocated = PdfLoadCost.allocatedBytes();
            long start = System.nanoTime();
            DocumentException e = catchThrowableOfType(DocumentException.class,
                    () -> new PdfLinks().rewrite(bomb, new Clicks(), false));
            long millis = (System.nanoTime() - start) / 1_000_000;
            allocated = PdfLoadCost.allocatedBytes() - allocated;

            System.out.printf(Locale.ROOT, "%,9d-byte bomb refused in %4d ms, %5.1f MB allocated: %s%n", bomb.length,
                    millis, allocated / 1e6, e.getMessage());
            assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE);
            assertThat(allocated).as("allocated by the prescan").isLessThan(16 * MIB);
        }
    }

    @Test
    void aValidPdfWithManyObjectsWithinTheBoundsStillOpens() throws Exception {
        // 90,000 objects in object streams, reached through a cross-reference stream (opened as PdfLinks opens it);
        // and 30,000 link annotations (4.4 MiB of object streams), every one parsed
        for (boolean parseAll : new boolean[] {false, true}) {
            byte[] pdf = parseAll ? PdfSamples.linkAnnotationsInObjectStreams(30_000)
                    : PdfSamples.validXrefStream(90_000);
            PdfLoadCost.Cost prescan = PdfLoadCost.prescan(pdf);
            assertThat(prescan.outcome()).isEqualTo("prescan passed it");
            assertThat(new PdfLinks().rewrite(pdf, new Clicks(), false)).as("no link: the same array").isSameAs(pdf);

            PdfLoadCost.Cost opened = parseAll ? PdfLoadCost.openAndParse(pdf) : PdfLoadCost.open(pdf);

            System.out.printf(Locale.ROOT, "%,9d-byte valid file: %s%n%19s %s%n", pdf.length, prescan, "", opened);
            assertThat(opened.outcome()).startsWith("PDFBox opened it");
            assertThat(opened.retainedBytes()).as("heap held with every object parsed").isLessThan(96 * MIB);
        }
    }

    private static String hex(byte[] data) {
        StringBuilder s = new StringBuilder(data.length * 2);
        for (byte x : data) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    private static byte[] ascii85(byte[] data) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < data.length; i += 4) {
            int n = Math.min(4, data.length - i);
            long v = 0;
            for (int k = 0; k < 4; k++) {
                v = v << 8 | (k < n ? data[i + k] & 0xff : 0);
            }
            if (v == 0 && n == 4) {
                s.append('z');
                continue;
            }
            char[] c = new char[5];
            for (int k = 4; k >= 0; k--) {
                c[k] = (char) ('!' + v % 85);
                v /= 85;
            }
            s.append(c, 0, n + 1);
        }
        return ascii(s.append("~>").toString());
    }

    /**
     * PDFBox parses every object it reads whole: a page whose {@code /Annots} holds a million empty dictionaries, or a
     * million empty strings, is refused before it; so are a million inside an object stream. Compressed data of the
     * same size (random bytes) passes.
     */
    @Test
    void objectsThatWouldEachCostPdfBoxAnAllocationAreBounded() {
        for (String element : List.of("<<>>", "()", "[]", "1 0 R ")) {
            byte[] file = new RawPdf().object(1, "<< /Type /Catalog /Pages 2 0 R >>")
                    .object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
                    .object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots ["
                            + element.repeat(1_000_000) + "] >>").classicXref("");
            assertThat(refused(file).getMessage()).as(element).contains("start an object");
        }
        byte[] objects = deflate(ascii("4 0 [" + "()".repeat(500_000) + "]"));
        assertThat(refused(RawPdf.withPage().stream(4, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", objects)
                .classicXref("")).getMessage()).contains("start an object");

        byte[] noise = new byte[10 * 1024 * 1024];
        new Random(11).nextBytes(noise);
        passes(RawPdf.withPage().stream(4, "/Subtype /Image /Width 1 /Height 1 /Filter /DCTDecode", noise)
                .classicXref(""));
    }

    // ---------------------------------------------------------------- encrypted object streams, decrypted

    /**
     * A file encrypted by the standard security handler, revision 4, 128 bits, with the empty user password (RC4
     * or AES-128 crypt filter), whose object stream 4 (holding object 5) is {@code plain} encrypted as object
     * {@code encryptedAs}; AES with the IV {@code iv}. Its {@code /Encrypt} direct or object 7, in the
     * cross-reference stream's dictionary.
     */
    private static byte[] encrypted(boolean aes, boolean direct, byte[] plain, int encryptedAs, byte[] iv, String p)
            throws Exception {
        byte[] id = new byte[16];
        Arrays.fill(id, (byte) 0x11);
        byte[] o = new byte[32];
        Arrays.fill(o, (byte) 0x22);
        byte[] padding = {(byte) 0x28, (byte) 0xBF, (byte) 0x4E, (byte) 0x5E, (byte) 0x4E, (byte) 0x75, (byte) 0x8A,
            (byte) 0x41, (byte) 0x64, (byte) 0x00, (byte) 0x4E, (byte) 0x56, (byte) 0xFF, (byte) 0xFA, (byte) 0x01,
            (byte) 0x08, (byte) 0x2E, (byte) 0x2E, (byte) 0x00, (byte) 0xB6, (byte) 0xD0, (byte) 0x68, (byte) 0x3E,
            (byte) 0x80, (byte) 0x2F, (byte) 0x0C, (byte) 0xA9, (byte) 0xFE, (byte) 0x64, (byte) 0x53, (byte) 0x69,
            (byte) 0x7A};
        int perms = -4;
        MessageDigest md = MessageDigest.getInstance("MD5");
        md.update(padding);
        md.update(o);
        md.update(new byte[] {(byte) perms, (byte) (perms >>> 8), (byte) (perms >>> 16), (byte) (perms >>> 24)});
        byte[] key = md.digest(id);
        for (int i = 0; i < 50; i++) {
            md.update(key, 0, 16);
            key = md.digest();
        }
        md.update(padding);
        byte[] x = md.digest(id);
        for (int i = 0; i < 20; i++) {
            byte[] k = key.clone();
            for (int j = 0; j < k.length; j++) {
                k[j] ^= (byte) i;
            }
            x = PdfPrescan.Encryption.rc4(k, x);
        }
        byte[] u = Arrays.copyOf(x, 32);
        md.update(key);
        md.update(new byte[] {(byte) encryptedAs, (byte) (encryptedAs >>> 8), (byte) (encryptedAs >>> 16), 0, 0});
        if (aes) {
            md.update(ascii("sAlT"));
        }
        byte[] objectKey = md.digest();
        byte[] stored;
        if (aes) {
            Cipher c = Cipher.getInstance("AES/CBC/PKCS5Padding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(objectKey, "AES"), new IvParameterSpec(iv));
            byte[] cipher = c.doFinal(plain);
            stored = Arrays.copyOf(iv, 16 + cipher.length);
            System.arraycopy(cipher, 0, stored, 16, cipher.length);
        } else {
            stored = PdfPrescan.Encryption.rc4(objectKey, plain);
        }
        String dict = "<< /Filter /Standard /V 4 /R 4 /Length 128 /P " + p + " /O <" + hex(o) + "> /U <" + hex(u)
                + "> /CF << /StdCF << /AuthEvent /DocOpen /CFM /" + (aes ? "AESV2" : "V2") + " /Length 16 >> >> "
                + "/StmF /StdCF /StrF /StdCF >>";
        RawPdf pdf = RawPdf.withPage().stream(4, "/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", stored)
                .compressed(5, 4, 0);
        if (!direct) {
            pdf.object(7, dict);
        }
        return pdf.xrefStream(6, "/Encrypt " + (direct ? dict : "7 0 R") + " /ID [<" + hex(id) + "> <" + hex(id)
                + ">]");
    }

    private static DocumentException encryptedRefusal(byte[] pdf) {
        DocumentException e = catchThrowableOfType(DocumentException.class, () -> PdfPrescan.check(pdf));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.reason()).isEqualTo(Reason.ENCRYPTED);
        return e;
    }

    /**
     * An encrypted file whose encryption opens with the empty password (what PDFBox does) has its object streams
     * decrypted and counted like any other: a small one passes (and PDFBox reads the object in it), one that decrypts
     * to a Flate bomb is refused, whatever its stored bytes inflate to (a chosen IV that makes them a small deflate
     * stream no longer matters).
     */
    @Test
    void anEncryptedObjectStreamIsCountedFromWhatItDecryptsTo() throws Exception {
        byte[] iv = new byte[16];
        new Random(3).nextBytes(iv);
        byte[] small = deflate(ascii("5 0 << /K 12345 >>"));
        byte[] bomb = deflateRepeated(ascii("/A /B "), 1_000_000); // 6 MB decoded
        for (boolean aes : new boolean[] {false, true}) {
            for (boolean direct : new boolean[] {false, true}) {
                String what = (aes ? "AES" : "RC4") + (direct ? ", direct" : ", indirect");
                byte[] file = encrypted(aes, direct, small, 4, iv, "-4");
                passes(file);
                try (PDDocument d = Loader.loadPDF(file)) {
                    assertThat(d.isEncrypted()).as(what).isTrue();
                    assertThat(d.getDocument().getObjectFromPool(new COSObjectKey(5, 0)).getObject().toString())
                            .as(what).contains("12345");
                }
                assertThat(refused(encrypted(aes, direct, bomb, 4, iv, "-4")).getMessage()).as(what)
                        .contains("object stream decoding to more than 4 MiB");
            }
        }
        // the chosen IV: the stored bytes start with a whole, empty deflate stream; the plaintext is the bomb
        byte[] chosen = Arrays.copyOf(deflate(new byte[0]), 16);
        byte[] file = encrypted(true, true, bomb, 4, chosen, "-4");
        assertThat(refused(file).getMessage()).contains("4 MiB");
    }

    /** What the scan cannot decrypt as PDFBox would is refused as before: the file is left as written. */
    @Test
    void anEncryptedObjectStreamTheScanCannotDecryptIsRefused() throws Exception {
        byte[] iv = new byte[16];
        byte[] small = deflate(ascii("5 0 << /K 12345 >>"));
        // /P changed after /U was made: the empty password does not verify, PDFBox refuses the file too
        byte[] file = encrypted(false, true, small, 4, iv, "-4");
        String text = new String(file, StandardCharsets.ISO_8859_1);
        byte[] otherP = text.replace("/P -4 ", "/P -8 ").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(encryptedRefusal(otherP).getMessage()).contains("the empty password does not open it");
        // encrypted as another object: the decrypted bytes do not inflate
        assertThat(encryptedRefusal(encrypted(true, true, small, 9, iv, "-4")).getMessage())
                .contains("does not inflate once decrypted");
        assertThat(encryptedRefusal(encrypted(false, false, small, 9, iv, "-4")).getMessage())
                .contains("does not inflate once decrypted");
        // no /ID; an /Encrypt naming an object that is not there; another crypt filter method; an unknown /V
        assertThat(encryptedRefusal(text.replace("/ID [<", "/XX [<").getBytes(StandardCharsets.ISO_8859_1))
                .getMessage()).contains("/ID");
        byte[] indirect = encrypted(false, false, small, 4, iv, "-4");
        String indirectText = new String(indirect, StandardCharsets.ISO_8859_1);
        assertThat(encryptedRefusal(indirectText.replace("/Encrypt 7 0 R", "/Encrypt 8 0 R")
                .getBytes(StandardCharsets.ISO_8859_1)).getMessage()).contains("does not find");
        assertThat(encryptedRefusal(text.replace("/CFM /V2", "/CFM /XX").getBytes(StandardCharsets.ISO_8859_1))
                .getMessage()).contains("crypt filter");
        assertThat(encryptedRefusal(text.replace("/StmF /StdCF", "/StmF /Identit").getBytes(
                StandardCharsets.ISO_8859_1)).getMessage()).contains("crypt filter");
        assertThat(encryptedRefusal(text.replace("/V 4 /R 4", "/V 3 /R 4").getBytes(StandardCharsets.ISO_8859_1))
                .getMessage()).contains("/V 3");
        // two encryption dictionaries that disagree: a classic trailer after the cross-reference stream
        byte[] two = (text + "trailer\n<< /Size 8 /Root 1 0 R /Encrypt << /Filter /Standard /V 2 /R 3 /Length 128 "
                + "/P -4 /O <" + "22".repeat(32) + "> /U <" + "00".repeat(32) + "> >> /ID [<1111> <1111>] >>\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        encryptedRefusal(two);
    }
}
