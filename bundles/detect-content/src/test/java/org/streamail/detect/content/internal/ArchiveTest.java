package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.sevenz.SevenZArchiveEntry;
import org.apache.commons.compress.archivers.sevenz.SevenZOutputFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.apache.commons.compress.utils.SeekableInMemoryByteChannel;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;

class ArchiveTest {

    @Test
    void anExecutableDeepInAZipIsNamedByItsPath() {
        byte[] zip = zip(entries("readme.txt", "hello", "a/b.exe", pe()));
        Finding f = only(scanAttachment("invoice.zip", "application/zip", zip), "executable");
        assertThat(f.part()).isEqualTo("invoice.zip!/a/b.exe");
    }

    @Test
    void theUnicodePathExtraFieldNameIsJudgedToo() throws IOException {
        // 7-Zip, WinRAR and Info-ZIP name an entry by its Info-ZIP Unicode Path extra field (0x7075) when it
        // is there: "readme.txt" in the header extracts as "readme.js".
        byte[] header = "readme.txt".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] unicode = "readme.js".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(header);
        java.nio.ByteBuffer extra = le(4 + 5 + unicode.length).putShort((short) 0x7075)
                .putShort((short) (5 + unicode.length)).put((byte) 1).putInt((int) crc.getValue()).put(unicode);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(bos)) {
            java.util.zip.ZipEntry e = new java.util.zip.ZipEntry("readme.txt");
            e.setExtra(extra.array());
            z.putNextEntry(e);
            z.write(utf8("var s = new ActiveXObject('WScript.Shell'); s.Run('calc');"));
            z.closeEntry();
        }
        Finding f = only(scanAttachment("docs.zip", "application/zip", bos.toByteArray()), "executable");
        assertThat(f.part()).isEqualTo("docs.zip!/readme.js");
        assertThat(scanAttachment("docs.zip", "application/zip", zip("readme.txt", utf8("hello")))).isEmpty();
    }

    @Test
    void theAttachmentsOfAnAttachedEmlFileAreScanned() {
        // An .eml sent as application/octet-stream is not a message/rfc822 part the core enters, but the mail
        // client opens it as a message and offers its attachments.
        String js = java.util.Base64.getMimeEncoder().encodeToString(
                utf8("new ActiveXObject('WScript.Shell').Run('calc')"));
        String eml = "From: a@b.example\r\nSubject: invoice\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
                + "See attached.\r\n--b\r\nContent-Type: application/octet-stream; name=\"invoice.js\"\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\n" + js + "\r\n--b--\r\n";
        assertThat(only(scanAttachment("fwd.eml", "application/octet-stream", utf8(eml)), "executable").part())
                .isEqualTo("fwd.eml!/invoice.js");
        byte[] zipped = zip("mail/fwd.eml", utf8(eml));
        assertThat(only(scanAttachment("mails.zip", "application/zip", zipped), "executable").part())
                .isEqualTo("mails.zip!/mail/fwd.eml!/invoice.js");
        assertThat(scanAttachment("fwd.eml", "message/rfc822", utf8(eml.replace("invoice.js", "invoice.txt"))))
                .isEmpty();
        // an MHTML web archive is the same format; its HTML is judged as HTML once its transfer encoding is removed
        String mht = "MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=b\r\n\r\n--b\r\n"
                + "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                + "<html><body><p>Invoice</p><scr=\r\nipt>location=3D'https://evil.example'</script></body></html>\r\n"
                + "--b--\r\n";
        assertThat(only(scanAttachment("invoice.mht", "application/octet-stream", utf8(mht)), "html-script").part())
                .isEqualTo("invoice.mht!/part-1");
    }

    @Test
    void theFileNameStoredInAGzipHeaderIsJudged() throws IOException {
        // 7-Zip and WinRAR extract a .gz under the name in its header (FNAME), not the attachment's name.
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        org.apache.commons.compress.compressors.gzip.GzipParameters params =
                new org.apache.commons.compress.compressors.gzip.GzipParameters();
        params.setFileName("invoice.js");
        try (var gz = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(bos, params)) {
            gz.write(utf8("new ActiveXObject('WScript.Shell').Run('calc')"));
        }
        assertThat(only(scanAttachment("invoice.gz", "application/gzip", bos.toByteArray()), "executable").part())
                .isEqualTo("invoice.gz!/invoice.js");
    }

    @Test
    void nestedArchivesAreWalkedRecursively() {
        byte[] inner = zip("payload.scr.txt", pe());
        byte[] outer = zip("docs/inner.zip", inner);
        assertThat(only(scanAttachment("outer.zip", "application/zip", outer), "executable").part())
                .isEqualTo("outer.zip!/docs/inner.zip!/payload.scr.txt");
    }

    @Test
    void aZipOfTextFilesIsClean() {
        byte[] zip = zip(entries("a.txt", "minutes of the meeting", "b/c.csv", "x,y\n1,2\n", "d.md", "# notes"));
        assertThat(scanAttachment("notes.zip", "application/zip", zip)).isEmpty();
    }

    @Test
    void tarGzAndBzip2AreWalkedAsStreams() throws IOException {
        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(tgz))) {
            byte[] exe = elf();
            TarArchiveEntry e = new TarArchiveEntry("bin/tool");
            e.setSize(exe.length);
            tar.putArchiveEntry(e);
            tar.write(exe);
            tar.closeArchiveEntry();
        }
        assertThat(only(scanAttachment("tools.tar.gz", "application/gzip", tgz.toByteArray()), "executable").part())
                .isEqualTo("tools.tar.gz!/tools.tar!/bin/tool");
        ByteArrayOutputStream bz = new ByteArrayOutputStream();
        try (BZip2CompressorOutputStream out = new BZip2CompressorOutputStream(bz)) {
            out.write(pe());
        }
        assertThat(only(scanAttachment("x.bz2", "application/x-bzip2", bz.toByteArray()), "executable").part())
                .isEqualTo("x.bz2!/x");
    }

    @Test
    void sevenZipIsWalked() throws IOException {
        SeekableInMemoryByteChannel ch = new SeekableInMemoryByteChannel();
        try (SevenZOutputFile out = new SevenZOutputFile(ch)) {
            SevenZArchiveEntry e = out.createArchiveEntry(new java.io.File("x"), "inv/statement.pdf.exe");
            out.putArchiveEntry(e);
            out.write(pe());
            out.closeArchiveEntry();
        }
        byte[] data = java.util.Arrays.copyOf(ch.array(), (int) ch.size());
        List<Finding> f = scanAttachment("a.7z", "application/x-7z-compressed", data);
        assertThat(only(f, "executable").part()).isEqualTo("a.7z!/inv/statement.pdf.exe");
        assertThat(only(f, "double-extension").part()).isEqualTo("a.7z!/inv/statement.pdf.exe");
    }

    @Test
    void anEncryptedZipIsReportedAndItsNamesStillJudged() {
        byte[] zip = markEncrypted(zip(entries("scan.js", "WScript.Echo(1)", "doc.txt", "x")));
        List<Finding> f = scanAttachment("scan.zip", "application/zip", zip);
        Finding enc = only(f, "encrypted-archive");
        assertThat(enc.category()).isEqualTo(Category.POLICY);
        assertThat(enc.part()).isEqualTo("scan.zip");
        assertThat(only(f, "executable").part()).isEqualTo("scan.zip!/scan.js");
    }

    @Test
    void cabinetFileNamesAreJudged() {
        byte[] name = utf8("setup.exe\0");
        var b = le(36 + 8 + 16 + name.length);
        b.put(utf8("MSCF")).putInt(0).putInt(100).putInt(0).putInt(44).putInt(0).put((byte) 3).put((byte) 1)
                .putShort((short) 1).putShort((short) 1).putShort((short) 0).putShort((short) 0).putShort((short) 0);
        b.position(44).putInt(10).putInt(0).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).put(name);
        List<Finding> f = scanAttachment("a.cab", "application/vnd.ms-cab-compressed", b.array());
        assertThat(only(f, "executable").part()).isEqualTo("a.cab!/setup.exe");
    }

    @Test
    void nestingDeeperThanTheLimitIsABomb() {
        byte[] z = zip("leaf.txt", utf8("x"));
        for (int i = 0; i < 7; i++) {
            z = zip("level" + i + ".zip", z);
        }
        List<Finding> f = scanAttachment("deep.zip", "application/zip", z);
        assertThat(only(f, "archive-bomb").detail()).contains("nested deeper than 5");
    }

    @Test
    void moreEntriesThanTheLimitIsABomb() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < 60; i++) {
            m.put("f" + i + ".txt", utf8("x"));
        }
        ContentDetector d = new ContentDetector(Settings.defaults().withLimits(5, 50, 1 << 30, 100));
        List<Finding> f = d.scan(message("", "", attachment("many.zip", "application/zip", zip(m))),
                Instant.now().plusSeconds(10));
        assertThat(only(f, "archive-bomb").detail()).contains("50");
    }

    @Test
    void expandingPastTheTotalByteBudgetIsABomb() {
        byte[] big = new byte[3 * 1024 * 1024];
        java.util.Random r = new java.util.Random(1);
        r.nextBytes(big);
        ContentDetector d = new ContentDetector(Settings.defaults().withLimits(5, 100, 4 * 1024 * 1024, 100));
        byte[] zip = zip(entries("a.bin", big, "b.bin", big));
        List<Finding> f = d.scan(message("", "", attachment("big.zip", "application/zip", zip)),
                Instant.now().plusSeconds(10));
        assertThat(only(f, "archive-bomb").detail()).contains("more than 4194304 bytes");
    }

    @Test
    void aCorruptArchiveIsReportedAsMalformedNotThrown() {
        byte[] zip = zip(entries("a.txt", "hello hello hello hello"));
        byte[] cut = java.util.Arrays.copyOf(zip, zip.length - 30);
        List<Finding> f = scanAttachment("cut.zip", "application/zip", cut);
        assertThat(f).allMatch(x -> x.rule().equals("malformed-part") || x.rule().equals("type-mismatch"));
    }

    @Test
    void aZipWithABrokenCentralDirectoryIsStillReadFrontToBack() {
        byte[] zip = zip(entries("readme.txt", "hello", "run.exe", pe()));
        // Point the end record's central-directory offset at garbage.
        int eocd = zip.length - 22;
        zip[eocd + 16] = 3;
        zip[eocd + 17] = 0;
        zip[eocd + 18] = 0;
        zip[eocd + 19] = 0;
        List<Finding> f = scanAttachment("broken.zip", "application/zip", zip);
        assertThat(rules(f)).contains("malformed-part");
        assertThat(only(f, "executable").part()).isEqualTo("broken.zip!/run.exe");
    }

    @Test
    void aZipDisguisedAsTextIsWalkedByItsBytes() {
        byte[] zip = zip(entries("readme.txt", "hello", "invoice.exe", pe()));
        // (a) text/plain with a name, or without one but an attachment, and (c) octet-stream named .txt
        assertThat(only(scanAttachment("readme.txt", "text/plain", zip), "executable").part())
                .isEqualTo("readme.txt!/invoice.exe");
        assertThat(only(scan(message("", "", attachment("", "text/plain", zip))), "executable").part())
                .isEqualTo("2!/invoice.exe");
        assertThat(only(scanAttachment("notes.txt", "application/octet-stream", zip), "executable").part())
                .isEqualTo("notes.txt!/invoice.exe");
        // (a) as the message text (base64 text/plain without a name): the core's parser hands it over as an
        // attachment when its bytes are not text (MimeParserTest), so it is the unnamed case above
    }
}
