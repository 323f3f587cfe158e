package org.streamail.detect.content.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Content;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;

/** Builds harmless samples in memory: executables are headers only, nothing runs. */
final class Samples {
    private Samples() {
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A PE header: MZ, e_lfanew at 0x3C pointing at "PE\0\0". Not runnable. */
    static byte[] pe() {
        byte[] b = new byte[1024];
        b[0] = 'M';
        b[1] = 'Z';
        b[0x3C] = (byte) 0x80;
        b[0x80] = 'P';
        b[0x81] = 'E';
        byte[] stub = utf8("This program cannot be run in DOS mode.");
        System.arraycopy(stub, 0, b, 0x4E, stub.length);
        return b;
    }

    static byte[] elf() {
        byte[] b = new byte[256];
        b[0] = 0x7F;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        b[4] = 2;
        return b;
    }

    static byte[] eicar() {
        try (InputStream a = Samples.class.getResourceAsStream("/eicar-part1.txt");
                InputStream b = Samples.class.getResourceAsStream("/eicar-part2.txt")) {
            String s = new String(a.readAllBytes(), StandardCharsets.US_ASCII).trim()
                    + new String(b.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return s.getBytes(StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A ZIP of the given entries (name to bytes), deflated. */
    static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static byte[] zip(String name, byte[] data) {
        return zip(Map.of(name, data));
    }

    static Map<String, byte[]> entries(Object... nameThenBytes) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenBytes.length; i += 2) {
            Object v = nameThenBytes[i + 1];
            m.put((String) nameThenBytes[i], v instanceof String s ? utf8(s) : (byte[]) v);
        }
        return m;
    }

    /** Sets the "encrypted" general-purpose flag in every local and central header of a ZIP. */
    static byte[] markEncrypted(byte[] zip) {
        byte[] z = zip.clone();
        for (int i = 0; i + 8 < z.length; i++) {
            int sig = Texts.i32le(z, i);
            if (sig == 0x04034b50) {
                z[i + 6] |= 1;
            } else if (sig == 0x02014b50) {
                z[i + 8] |= 1;
            }
        }
        return z;
    }

    static final String CONTENT_TYPES = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/"
            + "package/2006/content-types\"><Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>";

    static String documentXml(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/"
                + "wordprocessingml/2006/main\"><w:body>" + body + "</w:body></w:document>";
    }

    static String paragraph(String text) {
        return "<w:p><w:r><w:t>" + text + "</w:t></w:r></w:p>";
    }

    /** A minimal DOCX with the given document body and extra parts. */
    static byte[] docx(String body, Object... extra) {
        Map<String, byte[]> m = entries("[Content_Types].xml", CONTENT_TYPES, "_rels/.rels",
                "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                        + "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                        + "relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>",
                "word/document.xml", documentXml(body));
        m.putAll(entries(extra));
        return zip(m);
    }

    /** A small valid PDF whose catalog carries {@code catalogExtra} and with the given extra objects. */
    static byte[] pdf(String catalogExtra, String... extraObjects) {
        List<String> objs = new ArrayList<>();
        objs.add("<< /Type /Catalog /Pages 2 0 R " + catalogExtra + " >>");
        objs.add("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
        objs.add("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>");
        String text = "BT /F1 24 Tf 72 700 Td (Quarterly report) Tj ET";
        objs.add("<< /Length " + text.length() + " >>\nstream\n" + text + "\nendstream");
        objs.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
        objs.addAll(List.of(extraObjects));
        StringBuilder sb = new StringBuilder("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i < objs.size(); i++) {
            offsets.add(sb.length());
            sb.append(i + 1).append(" 0 obj\n").append(objs.get(i)).append("\nendobj\n");
        }
        int xref = sb.length();
        sb.append("xref\n0 ").append(objs.size() + 1).append("\n0000000000 65535 f \n");
        for (int off : offsets) {
            sb.append(String.format("%010d 00000 n \n", off));
        }
        sb.append("trailer\n<< /Size ").append(objs.size() + 1).append(" /Root 1 0 R >>\nstartxref\n").append(xref)
                .append("\n%%EOF\n");
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater();
        d.setInput(data);
        d.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static Attachment attachment(String name, String declaredType, byte[] data) {
        return new Attachment("2", name, name, declaredType, null, "attachment", List.of(), Content.of(data), "");
    }

    static Attachment attachment(String fileName, String typeName, String declaredType, byte[] data) {
        return new Attachment("2", fileName, typeName, declaredType, null, "attachment", List.of(), Content.of(data),
                "");
    }

    static ParsedMessage message(String text, String html, Attachment... attachments) {
        return new ParsedMessage("id@example", "subject", List.of(), List.of(), List.of(), List.of(), List.of(), text,
                html, List.of(), List.of(attachments), 1000, false, List.of());
    }

    static List<Finding> scan(ParsedMessage m) {
        return new ContentDetector(Settings.defaults()).scan(m, Instant.now().plusSeconds(30));
    }

    static List<Finding> scanAttachment(String name, String type, byte[] data) {
        return scan(message("", "", attachment(name, type, data)));
    }

    static List<String> rules(List<Finding> findings) {
        return findings.stream().map(Finding::rule).toList();
    }
}
