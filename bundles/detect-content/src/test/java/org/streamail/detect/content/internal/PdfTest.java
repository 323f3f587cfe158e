package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.junit.jupiter.api.Test;
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
}
