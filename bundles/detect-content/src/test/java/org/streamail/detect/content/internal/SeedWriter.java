package org.streamail.detect.content.internal;

import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes the fuzz seeds (run by hand: {@code java ... SeedWriter <dir>}). Each seed is the
 * FuzzedDataProvider layout: the data first, then the name index and the mode, one byte each, read from the end.
 */
final class SeedWriter {
    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        write(dir, "zip-with-exe", 0, 0, zip(entries("a/b.exe", pe(), "c.txt", "hello")));
        write(dir, "nested-zip", 0, 0, zip("in.zip", zip("x.vbs", utf8("MsgBox 1"))));
        write(dir, "encrypted-zip", 0, 0, markEncrypted(zip("s.js", utf8("x"))));
        write(dir, "docm", 0, 1, docx(paragraph("x"), "word/vbaProject.bin", OfficeTest.vbaProject(),
                "word/_rels/settings.xml.rels", "<Relationships><Relationship Type=\"x/attachedTemplate\" "
                        + "Target=\"http://e/t.dotm\" TargetMode=\"External\"/></Relationships>"));
        write(dir, "pdf-js", 0, 2, pdf("/OpenAction 6 0 R", "<< /S /JavaScript /JS (app.alert(1)) >>"));
        write(dir, "pdf-aes128-empty-password", 0, 2, PdfTest.encryptedPdf(PdfTest.Cipher.AES_128, "",
                PdfTest::documentJavaScript));
        write(dir, "pdf-rc4-empty-password", 0, 2, PdfTest.encryptedPdf(PdfTest.Cipher.RC4_128, "",
                PdfTest::embeddedExecutable));
        write(dir, "pdf-aes256-empty-password", 0, 2, PdfTest.encryptedPdf(PdfTest.Cipher.AES_256, "",
                PdfTest::openActionJavaScript));
        write(dir, "pdf-ef-in-object-stream", 0, 2, PdfTest.embeddedNamedFromALaterObjectStream());
        write(dir, "pdf-ef-dictionary-by-reference", 0, 2, PdfTest.embeddedNamedByACompressedEfDictionary());
        write(dir, "ole", 0, 6, new CfbWriter().storage("VBA").stream("_VBA_PROJECT", new byte[8])
                .stream("Workbook", new byte[600]).build());
        write(dir, "rtf", 0, 7, utf8("{\\rtf1{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata 01050000}}}"));
        write(dir, "html", 1, 3, utf8("<script>var b=new Blob([atob('TVqQ')]);URL.createObjectURL(b)</script>"
                + "<div style='position:fixed;width:100%;z-index:9999'><a href=x>y</a></div>"));
        write(dir, "text", 2, 9, utf8("powershell -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoA\n"
                + java.util.Base64.getMimeEncoder().encodeToString(pe())));
        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(tgz))) {
            TarArchiveEntry e = new TarArchiveEntry("bin/x");
            e.setSize(elf().length);
            tar.putArchiveEntry(e);
            tar.write(elf());
            tar.closeArchiveEntry();
        }
        write(dir, "tar-gz", 0, 4, tgz.toByteArray());
        write(dir, "zip-zeros", 0, 0, zeros());
        write(dir, "empty", 0, 12, new byte[0]);
        write(dir, "rar4", 0, 0, RarAndRtfObjectTest.rar4("a\\b.pdf.exe", true));
        write(dir, "rar5", 0, 0, RarAndRtfObjectTest.rar5("a/b.pdf.exe", true));
        write(dir, "onenote", 0, 8, ExecutableDetectionTestSeeds.oneNote());
    }

    private static byte[] zeros() {
        byte[] zip = zip("a.txt", new byte[5000]);
        return zip;
    }

    private static void write(Path dir, String name, int mode, int nameIndex, byte[] data) throws IOException {
        var b = java.nio.ByteBuffer.allocate(data.length + 2);
        // FuzzedDataProvider consumes primitives from the end of the input, one byte for a small range.
        b.put(data).put((byte) nameIndex).put((byte) mode);
        Files.write(dir.resolve(name), b.array());
    }
}
