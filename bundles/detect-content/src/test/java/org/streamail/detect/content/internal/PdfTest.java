package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdfwriter.compress.CompressParameters;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentNameDictionary;
import org.apache.pdfbox.pdmodel.PDEmbeddedFilesNameTreeNode;
import org.apache.pdfbox.pdmodel.PDJavascriptNameTreeNode;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.common.filespecification.PDComplexFileSpecification;
import org.apache.pdfbox.pdmodel.common.filespecification.PDEmbeddedFile;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.interactive.action.PDActionJavaScript;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.streamail.api.model.Finding;

class PdfTest {
    static List<Finding> scanPdf(byte[] pdf) {
        return scanAttachment("doc.pdf", "application/pdf", pdf);
    }

    @Test
    void aPlainPdfIsClean() {
        assertThat(scanPdf(pdf(""))).isEmpty();
    }

    @Test
    void javascriptIsFoundAlsoWhenItsNameIsHexEscaped() {
        assertThat(rules(scanPdf(pdf("/Names << /JavaScript 6 0 R >>", "<< /Names [(a) 7 0 R] >>",
                "<< /S /JavaScript /JS (app.alert(1)) >>")))).contains("pdf-javascript");
        assertThat(only(scanPdf(pdf("", "<< /S /J#61vaScript /J#53 (x) >>")), "pdf-javascript").part())
                .isEqualTo("doc.pdf");
    }

    @Test
    void openActionWithAnActionFiresButAPageDestinationDoesNot() {
        assertThat(rules(scanPdf(pdf("/OpenAction 6 0 R", "<< /S /URI /URI (https://x.example) >>"))))
                .contains("pdf-open-action");
        assertThat(rules(scanPdf(pdf("/OpenAction [3 0 R /Fit]")))).doesNotContain("pdf-open-action");
        assertThat(rules(scanPdf(pdf("/OpenAction 6 0 R", "[3 0 R /XYZ 0 792 0]")))).doesNotContain("pdf-open-action");
        assertThat(rules(scanPdf(pdf("/OpenAction 6 0 R", "<< /S /JavaScript /JS 7 0 R >>", "(x)"))))
                .contains("pdf-open-action", "pdf-javascript");
        assertThat(rules(scanPdf(pdf("/AA << /O 6 0 R >>", "<< /S /Named /N /Print >>")))).contains("pdf-open-action");
    }

    @Test
    void launchSubmitFormAndXfaAreFound() {
        assertThat(rules(scanPdf(pdf("/OpenAction 6 0 R", "<< /S /Launch /F (cmd.exe) >>")))).contains("pdf-launch");
        assertThat(rules(scanPdf(pdf("/AcroForm 6 0 R", "<< /Fields [] /XFA 7 0 R >>", "<< /S /SubmitForm /F (https://x) >>"))))
                .contains("pdf-xfa", "pdf-submit-form");
    }

    @Test
    void anEmbeddedFileIsReportedAndScanned() {
        byte[] exe = deflate(pe());
        String stream = "<< /Type /EmbeddedFile /Filter /FlateDecode /Length " + exe.length + " >>\nstream\n"
                + new String(exe, StandardCharsets.ISO_8859_1) + "\nendstream";
        List<Finding> f = scanPdf(pdf("/Names << /EmbeddedFiles 7 0 R >>", stream,
                "<< /Names [(a.exe) << /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>] >>"));
        assertThat(rules(f)).contains("pdf-embedded-file");
        assertThat(only(f, "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    @Test
    void anEmbeddedFileWithoutItsOptionalTypeIsScannedThroughTheFileSpecificationNamingIt() {
        byte[] exe = deflate(pe());
        String stream = "<< /Filter /FlateDecode /Length " + exe.length + " >>\nstream\n"
                + new String(exe, StandardCharsets.ISO_8859_1) + "\nendstream";
        // /F and /UF name the same stream: scanned once
        List<Finding> f = scanPdf(pdf("/Names << /EmbeddedFiles 7 0 R >>", stream,
                "<< /Names [(a.exe) << /Type /Filespec /F (a.exe) /EF << /F 6 0 R /UF 6 0 R >> >>] >>"));
        assertThat(rules(f)).contains("pdf-embedded-file");
        assertThat(only(f, "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    @Test
    void anEmbeddedFileWhoseEfDictionaryIsGivenByReferenceIsScanned() {
        byte[] exe = deflate(pe());
        String stream = "<< /Filter /FlateDecode /Length " + exe.length + " >>\nstream\n"
                + new String(exe, StandardCharsets.ISO_8859_1) + "\nendstream";
        // object 7 is the file specification, its /EF is object 8, which names the stream (object 6)
        List<Finding> f = scanPdf(pdf("/Names << /EmbeddedFiles << /Names [(a.exe) 7 0 R] >> >>", stream,
                "<< /Type /Filespec /F (a.exe) /EF 8 0 R >>", "<< /F 6 0 R >>"));
        assertThat(rules(f)).contains("pdf-embedded-file");
        assertThat(only(f, "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    /** A program in a stream without /Type, named by an /EF dictionary given by reference, compressed in a later object stream. */
    static byte[] embeddedNamedByACompressedEfDictionary() {
        byte[] exe = deflate(pe());
        String stream = "<< /Filter /FlateDecode /Length " + exe.length + " >>\nstream\n"
                + new String(exe, StandardCharsets.ISO_8859_1) + "\nendstream";
        // objects 8 (an annotation naming /EF 9 0 R) and 9 (the /EF dictionary) compressed in one object stream,
        // after the stream they name; the /EF reference comes after the dictionary's own object in the stream
        String body = "<< /F 6 0 R >> << /Subtype /FileAttachment /FS << /F (a.exe) /EF 9 0 R >> >>";
        String header = "9 0 8 15 ";
        byte[] objs = deflate(utf8(header + body));
        String objStm = "<< /Type /ObjStm /N 2 /First " + header.length() + " /Filter /FlateDecode /Length " + objs.length
                + " >>\nstream\n" + new String(objs, StandardCharsets.ISO_8859_1) + "\nendstream";
        return pdf("", stream, objStm);
    }

    @Test
    void anEmbeddedFileWhoseEfDictionaryIsACompressedObjectIsScanned() {
        List<Finding> f = scanPdf(embeddedNamedByACompressedEfDictionary());
        assertThat(rules(f)).contains("pdf-embedded-file");
        assertThat(only(f, "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    @Test
    void anEfReferenceThatLeadsNowhereIsReportedAndEndsTheScan() {
        // a reference to a missing object, and a chain of /EF references to each other: bounded, no stream scanned
        List<Finding> f = scanPdf(pdf("/Names << /EmbeddedFiles << /Names [(a) 7 0 R (b) 8 0 R] >> >>",
                "<< /Length 3 >>\nstream\nabc\nendstream", "<< /Type /Filespec /EF 99 0 R >>", "<< /EF 9 0 R >>",
                "<< /EF 8 0 R >>"));
        assertThat(rules(f)).contains("pdf-embedded-file").doesNotContain("executable");
    }

    /** A program in a stream without /Type, named only by a file specification in a later object stream. */
    static byte[] embeddedNamedFromALaterObjectStream() {
        byte[] exe = deflate(pe());
        String stream = "<< /Filter /FlateDecode /Length " + exe.length + " >>\nstream\n"
                + new String(exe, StandardCharsets.ISO_8859_1) + "\nendstream";
        // the annotation's file specification is compressed, in an object stream after the file's stream
        byte[] objs = deflate(utf8("8 0 << /Subtype /FileAttachment /FS << /F (a.exe) /EF << /F 6 0 R >> >> >>"));
        String objStm = "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length " + objs.length + " >>\nstream\n"
                + new String(objs, StandardCharsets.ISO_8859_1) + "\nendstream";
        return pdf("", stream, objStm);
    }

    @Test
    void anEmbeddedFileNamedOnlyFromAnObjectStreamAfterItIsScanned() {
        List<Finding> f = scanPdf(embeddedNamedFromALaterObjectStream());
        assertThat(rules(f)).contains("pdf-embedded-file");
        assertThat(only(f, "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    @Test
    void javascriptHiddenInACompressedObjectStreamIsFound() {
        byte[] objs = deflate(utf8("6 0 << /S /JavaScript /JS (app.alert(1)) >>"));
        String stream = "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length " + objs.length + " >>\nstream\n"
                + new String(objs, StandardCharsets.ISO_8859_1) + "\nendstream";
        assertThat(rules(scanPdf(pdf("", stream)))).contains("pdf-javascript");
    }

    static byte[] encrypted(String userPassword) throws IOException {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            StandardProtectionPolicy p = new StandardProtectionPolicy("owner-secret", userPassword, new AccessPermission());
            p.setEncryptionKeyLength(userPassword.isEmpty() ? 128 : 256);
            doc.protect(p);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }

    @Test
    void aPdfNeedingAPasswordIsAnEncryptedArchiveButOwnerOnlyEncryptionIsNot() throws IOException {
        assertThat(only(scanPdf(encrypted("open-sesame")), "encrypted-archive").detail()).contains("password");
        assertThat(rules(scanPdf(encrypted("")))).doesNotContain("encrypted-archive");
    }

    @Test
    void aes256PdfWithAnEmptyUserPasswordIsNotAnEncryptedArchive() throws IOException {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            StandardProtectionPolicy p = new StandardProtectionPolicy("owner-secret", "", new AccessPermission());
            p.setEncryptionKeyLength(256);
            doc.protect(p);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            assertThat(rules(scanPdf(out.toByteArray()))).doesNotContain("encrypted-archive");
        }
    }

    static byte[] aes256(String userPassword) throws IOException {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            StandardProtectionPolicy p = new StandardProtectionPolicy("owner-secret", userPassword, new AccessPermission());
            p.setEncryptionKeyLength(256);
            doc.protect(p);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out);
            return out.toByteArray();
        }
    }

    /** The body of the encryption dictionary object {@code pdf}'s trailer names, up to its endobj. */
    static String encryptionDictionary(byte[] pdf) {
        String s = new String(pdf, StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher ref = java.util.regex.Pattern.compile("/Encrypt\\s*(\\d+)\\s+(\\d+)\\s+R").matcher(s);
        assertThat(ref.find()).isTrue();
        int at = s.indexOf(ref.group(1) + " " + ref.group(2) + " obj");
        return s.substring(s.indexOf("<<", at), s.indexOf("endobj", at));
    }

    @Test
    void aDecoyEncryptionDictionaryThatOpensDoesNotHideOneThatNeedsAPassword() throws IOException {
        // an AES-256 dictionary that opens with the empty password (R6 needs no /ID to check it), named by an
        // /Encrypt written before the real trailer's, which names a dictionary that needs "open-sesame"
        String decoy = "900 0 obj\n" + encryptionDictionary(aes256("")) + "\nendobj\n901 0 obj\n<< /Encrypt 900 0 R >>\nendobj\n";
        String real = new String(aes256("open-sesame"), StandardCharsets.ISO_8859_1);
        int body = real.indexOf('\n', real.indexOf('\n') + 1) + 1; // after the header and its binary comment
        byte[] pdf = (real.substring(0, body) + decoy + real.substring(body)).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(only(scanPdf(pdf), "encrypted-archive").detail()).contains("password");
        // the decoy alone opens, and so does a document that names only dictionaries that open
        String open = new String(aes256(""), StandardCharsets.ISO_8859_1);
        int b2 = open.indexOf('\n', open.indexOf('\n') + 1) + 1;
        assertThat(rules(scanPdf((open.substring(0, b2) + decoy + open.substring(b2)).getBytes(StandardCharsets.ISO_8859_1))))
                .doesNotContain("encrypted-archive");
    }

    @Test
    void anEncryptionDictionaryRedefinedByAnUpdateIsJudgedInEveryDefinition() throws IOException {
        // the object the trailer names is defined twice: first as a dictionary that opens, then (as an
        // incremental update would) as one that needs a password; a reader uses the newer one
        byte[] real = aes256("open-sesame");
        String s = new String(real, StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher ref = java.util.regex.Pattern.compile("/Encrypt\\s*(\\d+)\\s+(\\d+)\\s+R").matcher(s);
        assertThat(ref.find()).isTrue();
        String early = ref.group(1) + " " + ref.group(2) + " obj\n" + encryptionDictionary(aes256("")) + "\nendobj\n";
        int body = s.indexOf('\n', s.indexOf('\n') + 1) + 1;
        byte[] pdf = (s.substring(0, body) + early + s.substring(body)).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(only(scanPdf(pdf), "encrypted-archive").detail()).contains("password");
    }

    /** The standard security handler's ciphers PDFBox writes: RC4 (V2 R3), AESV2 (V4 R4), AESV3 (V5 R6). */
    enum Cipher {
        RC4_128(128, false), AES_128(128, true), AES_256(256, true);

        final int bits;
        final boolean aes;

        Cipher(int bits, boolean aes) {
            this.bits = bits;
            this.aes = aes;
        }
    }

    interface Content {
        void add(PDDocument doc) throws IOException;
    }

    /**
     * A PDF written by PDFBox, encrypted with {@code cipher} (owner password set, user password
     * {@code userPassword}) and saved with compressed object streams: every dictionary but the catalog, the
     * encryption dictionary and the stream dictionaries lies inside an encrypted {@code /ObjStm}.
     */
    static byte[] encryptedPdf(Cipher cipher, String userPassword, Content content) throws IOException {
        try (PDDocument doc = new PDDocument()) {
            doc.addPage(new PDPage());
            content.add(doc);
            StandardProtectionPolicy p = new StandardProtectionPolicy("owner-secret", userPassword, new AccessPermission());
            p.setEncryptionKeyLength(cipher.bits);
            p.setPreferAES(cipher.aes);
            doc.protect(p);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            doc.save(out, CompressParameters.DEFAULT_COMPRESSION);
            byte[] pdf = out.toByteArray();
            assertThat(new String(pdf, StandardCharsets.ISO_8859_1)).contains("/ObjStm", "/Encrypt")
                    .contains(cipher.aes ? (cipher.bits == 256 ? "/AESV3" : "/AESV2") : "/V 2");
            return pdf;
        }
    }

    static void openActionJavaScript(PDDocument doc) {
        doc.getDocumentCatalog().setOpenAction(new PDActionJavaScript("app.alert('opened')"));
    }

    static void documentJavaScript(PDDocument doc) throws IOException {
        PDJavascriptNameTreeNode js = new PDJavascriptNameTreeNode();
        js.setNames(Map.of("init", new PDActionJavaScript("app.launchURL('https://x.example/')")));
        PDDocumentNameDictionary names = new PDDocumentNameDictionary(doc.getDocumentCatalog());
        names.setJavascript(js);
        doc.getDocumentCatalog().setNames(names);
    }

    static void embeddedExecutable(PDDocument doc) throws IOException {
        PDComplexFileSpecification fs = new PDComplexFileSpecification();
        fs.setFile("invoice.exe");
        PDEmbeddedFile ef = new PDEmbeddedFile(doc, new ByteArrayInputStream(pe()), COSName.FLATE_DECODE);
        fs.setEmbeddedFile(ef);
        PDEmbeddedFilesNameTreeNode tree = new PDEmbeddedFilesNameTreeNode();
        tree.setNames(Map.of("invoice.exe", fs));
        PDDocumentNameDictionary names = new PDDocumentNameDictionary(doc.getDocumentCatalog());
        names.setEmbeddedFiles(tree);
        doc.getDocumentCatalog().setNames(names);
    }

    /** PDFBox, as the independent reader, opens it without a password and finds what the sample should hold. */
    static PDDocument openedByPdfBox(byte[] pdf) throws IOException {
        PDDocument doc = Loader.loadPDF(pdf);
        assertThat(doc.isEncrypted()).isTrue();
        return doc;
    }

    @ParameterizedTest
    @EnumSource(Cipher.class)
    void openActionJavaScriptInAnEncryptedObjectStreamIsFoundWhenTheUserPasswordIsEmpty(Cipher cipher)
            throws IOException {
        byte[] pdf = encryptedPdf(cipher, "", PdfTest::openActionJavaScript);
        try (PDDocument doc = openedByPdfBox(pdf)) {
            assertThat(doc.getDocumentCatalog().getOpenAction()).isInstanceOf(PDActionJavaScript.class);
        }
        List<String> rules = rules(scanPdf(pdf));
        assertThat(rules).contains("pdf-javascript", "pdf-open-action").doesNotContain("encrypted-archive");
    }

    @ParameterizedTest
    @EnumSource(Cipher.class)
    void documentLevelJavaScriptInAnEncryptedObjectStreamIsFoundWhenTheUserPasswordIsEmpty(Cipher cipher)
            throws IOException {
        byte[] pdf = encryptedPdf(cipher, "", PdfTest::documentJavaScript);
        try (PDDocument doc = openedByPdfBox(pdf)) {
            assertThat(doc.getDocumentCatalog().getNames().getJavaScript().getNames()).containsKey("init");
        }
        List<String> rules = rules(scanPdf(pdf));
        assertThat(rules).contains("pdf-javascript").doesNotContain("encrypted-archive");
    }

    @ParameterizedTest
    @EnumSource(Cipher.class)
    void anExecutableEmbeddedInAnEncryptedPdfIsFoundWhenTheUserPasswordIsEmpty(Cipher cipher) throws IOException {
        byte[] pdf = encryptedPdf(cipher, "", PdfTest::embeddedExecutable);
        try (PDDocument doc = openedByPdfBox(pdf)) {
            byte[] embedded = doc.getDocumentCatalog().getNames().getEmbeddedFiles().getNames().get("invoice.exe")
                    .getEmbeddedFile().toByteArray();
            assertThat(embedded).isEqualTo(pe());
        }
        List<Finding> f = scanPdf(pdf);
        assertThat(rules(f)).contains("pdf-embedded-file").doesNotContain("encrypted-archive");
        assertThat(only(f, "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    @ParameterizedTest
    @EnumSource(Cipher.class)
    void anEncryptedHarmlessPdfStaysClean(Cipher cipher) throws IOException {
        assertThat(scanPdf(encryptedPdf(cipher, "", doc -> { }))).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Cipher.class)
    void anEncryptedPdfThatNeedsAUserPasswordIsStillAnEncryptedArchive(Cipher cipher) throws IOException {
        byte[] pdf = encryptedPdf(cipher, "open-sesame", PdfTest::openActionJavaScript);
        assertThat(only(scanPdf(pdf), "encrypted-archive").detail()).contains("password");
    }

    /**
     * Acrobat writes the encryption dictionary's keys in order, {@code /CF << /StdCF << … /Length 16 >> >>}
     * (the crypt filter's length in bytes) before the dictionary's own {@code /Length 128}.
     */
    @Test
    void anAesPdfWhoseCryptFilterLengthComesFirstOpensWithTheEmptyPassword() throws IOException {
        byte[] pdf = encryptedPdf(Cipher.AES_128, "", PdfTest::openActionJavaScript);
        String s = new String(pdf, StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("<<\\n/Filter /Standard[^>]*(?:>>\\n)*?[^>]*/O (<\\p{XDigit}+>)\\n/U (<\\p{XDigit}+>)"
                + "[\\s\\S]*?/StrF /StdCF\\n>>").matcher(s);
        assertThat(m.find()).isTrue();
        String acrobat = "<</CF<</StdCF<</AuthEvent/DocOpen/CFM/AESV2/Length 16>>>>/Filter/Standard/Length 128/O"
                + m.group(1) + "/P -4/R 4/StmF/StdCF/StrF/StdCF/U" + m.group(2) + "/V 4";
        assertThat(acrobat.length() + 2).isLessThanOrEqualTo(m.group().length());
        String reordered = s.substring(0, m.start()) + acrobat + " ".repeat(m.group().length() - acrobat.length() - 2)
                + ">>" + s.substring(m.end());
        byte[] same = reordered.getBytes(StandardCharsets.ISO_8859_1);
        try (PDDocument doc = openedByPdfBox(same)) {
            assertThat(doc.getDocumentCatalog().getOpenAction()).isInstanceOf(PDActionJavaScript.class);
        }
        assertThat(rules(scanPdf(same))).contains("pdf-javascript").doesNotContain("encrypted-archive");
    }

    /**
     * A stream may leave the encryption with a {@code /Crypt} filter named {@code /Identity}: an executable
     * embedded that way, deflated but not encrypted, in an AES-encrypted PDF.
     */
    @Test
    void anEmbeddedFileUnderAnIdentityCryptFilterIsReadUnencrypted() {
        String s = new String(encryptedPdf(Cipher.AES_128), StandardCharsets.ISO_8859_1);
        byte[] exe = deflate(pe());
        String stream = "90 0 obj\n<< /Type /EmbeddedFile /Filter [/Crypt /FlateDecode] /DecodeParms [<< /Type "
                + "/CryptFilterDecodeParms /Name /Identity >> null] /Length " + exe.length + " >>\nstream\n"
                + new String(exe, StandardCharsets.ISO_8859_1) + "\nendstream\nendobj\n";
        int at = s.lastIndexOf("startxref");
        byte[] pdf = (s.substring(0, at) + stream + s.substring(at)).getBytes(StandardCharsets.ISO_8859_1);
        assertThat(only(scanPdf(pdf), "executable").part()).isEqualTo("doc.pdf!/embedded-1");
    }

    private static byte[] encryptedPdf(Cipher cipher) {
        try {
            return encryptedPdf(cipher, "", doc -> { });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theEncryptionDictionaryIsReadAsTokensNotAsText() {
        Map<String, String> d = PdfEncryption.dictionary("11 0 obj <</O (a /R 9 \\) (/Length 8)) /R 4 %/V 9\n"
                + "/CF <</StdCF <</CFM/AESV2/Length 16>>>> /U<41 42> /Length 128/P -4/Ref 11 0 R/Std#43F /x>>");
        assertThat(d).containsEntry("R", "4").containsEntry("Length", "128").containsEntry("P", "-4")
                .containsEntry("U", "<41 42>").containsEntry("Ref", "11 0 R").containsEntry("StdCF", "/x")
                .doesNotContainKey("V");
        assertThat(PdfEncryption.dictionary(d.get("CF")).get("StdCF")).isEqualTo("<</CFM/AESV2/Length 16>>");
        assertThat(PdfEncryption.dictionary("<< /A [ [ (unclosed")).isEmpty();
    }

    /** A PDF reader error would end up as {@code malformed-part} and lose the PDF's other findings. */
    @ParameterizedTest
    @EnumSource(Cipher.class)
    void truncatedOrCorruptedEncryptedPdfsAreReadWithoutAnError(Cipher cipher) throws IOException {
        byte[] pdf = encryptedPdf(cipher, "", doc -> {
            documentJavaScript(doc);
            openActionJavaScript(doc);
        });
        for (int i = 0; i < pdf.length; i += 7) {
            byte[] flipped = pdf.clone();
            flipped[i] ^= 0x55;
            assertThat(rules(scanPdf(flipped))).as("byte %d changed", i).doesNotContain("malformed-part");
            byte[] cut = java.util.Arrays.copyOf(pdf, i);
            assertThat(rules(scanPdf(cut))).as("cut at %d", i).doesNotContain("malformed-part");
        }
    }
}
