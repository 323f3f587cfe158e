package org.streamail.linkguard.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * PDF files written byte by byte, valid and hostile, for {@link PdfPrescanTest} and {@link PdfLoadCost}: what a
 * producer or an attacker writes, without PDFBox in the way.
 */
final class PdfSamples {

    private PdfSamples() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] deflate(byte[] data) {
        return deflateRepeated(data, 1);
    }

    /** {@code unit} {@code times} over, deflated as it is written (the decoded bytes are never held). */
    static byte[] deflateRepeated(byte[] unit, long times) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        Deflater deflater = new Deflater(9);
        try (DeflaterOutputStream d = new DeflaterOutputStream(raw, deflater, 1 << 16)) {
            if (unit.length == 0) {
                return finish(d, raw);
            }
            byte[] chunk = new byte[Math.max(unit.length, (1 << 16) / Math.max(1, unit.length) * unit.length)];
            int perChunk = chunk.length / unit.length;
            for (int i = 0; i < perChunk; i++) {
                System.arraycopy(unit, 0, chunk, i * unit.length, unit.length);
            }
            long left = times;
            while (left >= perChunk) {
                d.write(chunk);
                left -= perChunk;
            }
            d.write(chunk, 0, (int) left * unit.length);
            return finish(d, raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deflater.end();
        }
    }

    private static byte[] finish(DeflaterOutputStream d, ByteArrayOutputStream raw) throws IOException {
        d.finish();
        return raw.toByteArray();
    }

    /**
     * A file written object by object, every object's offset recorded, ended by a classic cross-reference table or
     * a cross-reference stream (entries 1 4 2 bytes wide).
     */
    static final class RawPdf {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        /** Object number to offset (type 1 entries). */
        private final Map<Integer, Integer> offsets = new TreeMap<>();
        /** Object number to {object stream, index} (type 2 entries). */
        private final Map<Integer, int[]> compressed = new TreeMap<>();

        RawPdf() {
            text("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n");
        }

        /** Catalog 1, page tree 2, one empty page 3. */
        static RawPdf withPage() {
            return new RawPdf().object(1, "<< /Type /Catalog /Pages 2 0 R >>")
                    .object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
                    .object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
        }

        RawPdf text(String s) {
            return bytes(ascii(s));
        }

        RawPdf bytes(byte[] b) {
            out.write(b, 0, b.length);
            return this;
        }

        int size() {
            return out.size();
        }

        /** The file as written so far (for the files that end themselves). */
        byte[] toBytes() {
            return out.toByteArray();
        }

        RawPdf object(int number, String body) {
            offsets.put(number, out.size());
            return text(number + " 0 obj\n" + body + "\nendobj\n");
        }

        /** A stream object; {@code dict} without the angle brackets, {@code /Length} added. */
        RawPdf stream(int number, String dict, byte[] data) {
            offsets.put(number, out.size());
            text(number + " 0 obj\n<< " + dict + " /Length " + data.length + " >>\nstream\n");
            bytes(data);
            return text("\nendstream\nendobj\n");
        }

        /** Records that object {@code number} is the {@code index}th of object stream {@code objectStream}. */
        RawPdf compressed(int number, int objectStream, int index) {
            compressed.put(number, new int[] {objectStream, index});
            return this;
        }

        private int size(int extra) {
            int max = extra;
            for (int n : offsets.keySet()) {
                max = Math.max(max, n);
            }
            for (int n : compressed.keySet()) {
                max = Math.max(max, n);
            }
            return max + 1;
        }

        /** Ends the file with a classic table for objects 0 .. the highest, and a trailer. */
        byte[] classicXref(String trailerExtra) {
            int size = size(0);
            int xref = out.size();
            StringBuilder t = new StringBuilder("xref\n0 ").append(size).append('\n');
            for (int n = 0; n < size; n++) {
                Integer o = offsets.get(n);
                t.append(o == null ? "0000000000 65535 f \n" : String.format("%010d 00000 n \n", o));
            }
            t.append("trailer\n<< /Size ").append(size).append(" /Root 1 0 R ").append(trailerExtra)
                    .append(" >>\nstartxref\n").append(xref).append("\n%%EOF\n");
            text(t.toString());
            return out.toByteArray();
        }

        /** Ends the file with a cross-reference stream (object {@code number}, Flate) for objects 0 .. the highest. */
        byte[] xrefStream(int number, String dictExtra) {
            int size = size(number);
            int xref = out.size();
            offsets.put(number, xref);
            byte[] entries = new byte[size * 7];
            for (int n = 0; n < size; n++) {
                Integer o = offsets.get(n);
                int[] c = compressed.get(n);
                int p = n * 7;
                if (o != null) {
                    entry(entries, p, 1, o, 0);
                } else if (c != null) {
                    entry(entries, p, 2, c[0], c[1]);
                } else {
                    entry(entries, p, 0, 0, n == 0 ? 0xffff : 0);
                }
            }
            byte[] data = deflate(entries);
            text(number + " 0 obj\n<< /Type /XRef /Size " + size + " /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
                    + "/Length " + data.length + " " + dictExtra + " >>\nstream\n");
            bytes(data);
            text("\nendstream\nendobj\nstartxref\n" + xref + "\n%%EOF\n");
            return out.toByteArray();
        }

        private static void entry(byte[] e, int p, int type, long field2, int field3) {
            e[p] = (byte) type;
            for (int i = 0; i < 4; i++) {
                e[p + 1 + i] = (byte) (field2 >>> (24 - 8 * i));
            }
            e[p + 5] = (byte) (field3 >>> 8);
            e[p + 6] = (byte) field3;
        }
    }

    // ------------------------------------------------------------------ the shapes measured and refused

    /**
     * The cross-reference stream bomb: {@code entries} identical seven-byte entries (each naming the object at
     * offset 9) in one Flate stream, declared by {@code /Size}. 10,000,000 entries make a file of about 100 KB.
     */
    static byte[] xrefStreamBomb(int entries) {
        RawPdf pdf = new RawPdf().object(1, "<< /Type /Catalog /Pages 2 0 R >>")
                .object(2, "<< /Type /Pages /Kids [] /Count 0 >>");
        int xref = pdf.size();
        byte[] data = deflateRepeated(new byte[] {1, 0, 0, 0, 9, 0, 0}, entries);
        pdf.text("3 0 obj\n<< /Type /XRef /Size " + entries + " /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length "
                + data.length + " >>\nstream\n").bytes(data);
        return pdf.text("\nendstream\nendobj\nstartxref\n" + xref + "\n%%EOF\n").toBytes();
    }

    /**
     * A valid file of {@code objects} objects besides its page, all reached through a cross-reference stream: each a
     * small dictionary inside an object stream of 1,000 (what PDFBox writes with {@code DEFAULT_COMPRESSION}, in
     * more objects).
     */
    static byte[] validXrefStream(int objects) {
        return inObjectStreams(objects, (number, index) -> "<< /K " + index + " >>");
    }

    /**
     * A valid file of {@code objects} link annotations (each with its URI action, about 140 bytes written out) in
     * object streams of 1,000, reached through a cross-reference stream. The page does not list them: what they cost
     * is measured by dereferencing them ({@link PdfLoadCost#openAndParse}).
     */
    static byte[] linkAnnotationsInObjectStreams(int objects) {
        return inObjectStreams(objects, (number, index) -> "<< /Type /Annot /Subtype /Link /Rect [72 "
                + (700 - index % 600) + " 272 720] /Border [0 0 0] /P 3 0 R /A << /S /URI /URI "
                + "(https://example.com/document/" + number + ") >> >>");
    }

    /**
     * A valid file of {@code objects} objects besides its page (numbers from 4), each written by {@code body} (its
     * number, its index in its object stream), in object streams of 1,000, reached through a cross-reference stream.
     */
    private static byte[] inObjectStreams(int objects, java.util.function.BiFunction<Integer, Integer, String> body) {
        RawPdf pdf = RawPdf.withPage();
        int first = 4;
        int perStream = 1000;
        int streams = (objects + perStream - 1) / perStream;
        int streamNumber = first + objects;
        for (int s = 0; s < streams; s++) {
            int from = first + s * perStream;
            int count = Math.min(perStream, objects - s * perStream);
            StringBuilder header = new StringBuilder();
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < count; i++) {
                header.append(from + i).append(' ').append(text.length()).append(' ');
                text.append(body.apply(from + i, i)).append('\n');
                pdf.compressed(from + i, streamNumber + s, i);
            }
            byte[] data = deflate(ascii(header.toString() + text));
            pdf.stream(streamNumber + s, "/Type /ObjStm /N " + count + " /First " + header.length()
                    + " /Filter /FlateDecode", data);
        }
        return pdf.xrefStream(streamNumber + streams, "");
    }

    /** A valid file of {@code streams} small uncompressed streams besides its page, in one classic table. */
    static byte[] validStreams(int streams) {
        RawPdf pdf = RawPdf.withPage();
        for (int i = 0; i < streams; i++) {
            pdf.stream(4 + i, "", ascii("0 0 m 1 1 l S"));
        }
        return pdf.classicXref("");
    }

    /** A valid file of {@code objects} uncompressed objects besides its page, in one classic table. */
    static byte[] validClassicTable(int objects) {
        RawPdf pdf = RawPdf.withPage();
        for (int i = 0; i < objects; i++) {
            pdf.object(4 + i, "<< /K " + i + " >>");
        }
        return pdf.classicXref("");
    }

    /**
     * {@code headers} objects and no cross-reference data at all: PDFBox searches the file for every object header
     * (its brute-force parser).
     */
    static byte[] withoutXref(int headers) {
        RawPdf pdf = RawPdf.withPage();
        for (int i = 0; i < headers; i++) {
            pdf.object(4 + i, "0");
        }
        return pdf.text("trailer\n<< /Root 1 0 R >>\n%%EOF\n").toBytes();
    }

    /**
     * A random mutation of {@code base}, for the mutation loops: a few bytes flipped, a slice cut out or repeated, the
     * file truncated (to at least {@code keep} bytes), or one to four of {@code inserts} put in at random places.
     */
    static byte[] mutate(byte[] base, java.util.Random random, int keep, java.util.List<byte[]> inserts) {
        byte[] b = base.clone();
        switch (random.nextInt(6)) {
            case 0 -> { // flip a few bytes
                for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                return b;
            }
            case 1 -> { // cut a slice out
                int from = random.nextInt(b.length);
                int to = Math.min(b.length, from + 1 + random.nextInt(64));
                byte[] out = new byte[b.length - (to - from)];
                System.arraycopy(b, 0, out, 0, from);
                System.arraycopy(b, to, out, from, b.length - to);
                return out;
            }
            case 2 -> { // repeat a slice
                int from = random.nextInt(b.length);
                int len = Math.min(b.length - from, 1 + random.nextInt(256));
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, from + len);
                System.arraycopy(b, from, out, from + len, b.length - from);
                return out;
            }
            case 3 -> { // truncate
                return java.util.Arrays.copyOf(b, keep + random.nextInt(b.length - keep));
            }
            default -> { // syntax put in
                byte[] out = b;
                for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                    byte[] t = inserts.get(random.nextInt(inserts.size()));
                    int at = random.nextInt(out.length + 1);
                    byte[] next = new byte[out.length + t.length];
                    System.arraycopy(out, 0, next, 0, at);
                    System.arraycopy(t, 0, next, at, t.length);
                    System.arraycopy(out, at, next, at + t.length, out.length - at);
                    out = next;
                }
                return out;
            }
        }
    }
}
