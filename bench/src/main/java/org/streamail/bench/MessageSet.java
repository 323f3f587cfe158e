package org.streamail.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The messages a run sends: "the bench's default messages" (a seeded, deterministic mix generated here)
 * or the {@code .eml} files of a directory. Every message is kept twice, immutable after construction:
 * raw (CRLF line endings, for {@code POST /scan}) and on the wire (dot-stuffed, for SMTP DATA).
 * Thread-safe after construction.
 *
 * <p>Each send gets its own header prefix ({@link #prefix}): {@code X-Bench-Run: <run> <seq>} (how
 * the sink recognises the run's messages and duplicates) and a unique {@code Message-ID} unless the file
 * has one.
 */
final class MessageSet {

    /** One message template. */
    record Template(String name, byte[] raw, byte[] wire, boolean hasMessageId) {
    }

    /** Kinds of generated messages, with their target sizes. */
    enum Kind {
        PLAIN, HTML, PDF, ZIP;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String DEFAULT_MIX = "plain:4,html:3,zip:2,pdf:1";
    static final int MAX_EML_FILES = 10_000;
    static final long MAX_EML_BYTES = 64L * 1024 * 1024;
    static final long MAX_TOTAL_EML_BYTES = 512L * 1024 * 1024;
    private static final int VARIANTS_PER_KIND = 8;
    private static final ZonedDateTime BASE_DATE = ZonedDateTime.of(2025, 3, 3, 9, 0, 0, 0, ZoneOffset.UTC);

    private final List<Template> templates;
    private final int[] order;
    private final String description;

    private MessageSet(List<Template> templates, int[] order, String description) {
        this.templates = List.copyOf(templates);
        this.order = order;
        this.description = description;
    }

    int size() {
        return order.length;
    }

    Template template(int seq) {
        return templates.get(order[seq]);
    }

    List<Template> templates() {
        return templates;
    }

    String description() {
        return description;
    }

    /** Mean raw size of the messages actually sent (the order), in bytes. */
    long averageSize() {
        if (order.length == 0) {
            return 0;
        }
        long sum = 0;
        for (int i : order) {
            sum += templates.get(i).raw().length;
        }
        return sum / order.length;
    }

    /** The per-send headers that precede the template: our run marker and, if needed, a Message-ID. */
    byte[] prefix(String runId, int seq) {
        StringBuilder b = new StringBuilder(128);
        b.append(SmtpSink.BENCH_HEADER).append(": ").append(runId).append(' ').append(seq).append("\r\n");
        if (!template(seq).hasMessageId()) {
            b.append("Message-ID: <").append(seq).append('.').append(runId).append("@bench.streamail.invalid>\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- the mix

    /** Parses "plain:4,html:3,zip:2,pdf:1" into weights; unknown kinds and bad numbers are clear errors. */
    static Map<Kind, Integer> parseMix(String spec) {
        Map<Kind, Integer> weights = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--mix is empty; expected e.g. " + DEFAULT_MIX);
        }
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split(":");
            if (kv.length != 2) {
                throw new IllegalArgumentException("--mix entry '" + part.trim() + "' is not kind:weight (e.g. "
                        + DEFAULT_MIX + ")");
            }
            Kind kind;
            try {
                kind = Kind.valueOf(kv[0].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mix kind '" + kv[0].trim()
                        + "' is unknown; kinds are plain, html, pdf, zip");
            }
            int w;
            try {
                w = Integer.parseInt(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--mix weight '" + kv[1].trim() + "' of " + kind.key()
                        + " is not a whole number");
            }
            if (w < 0 || w > 1000) {
                throw new IllegalArgumentException("--mix weight of " + kind.key() + " must be 0..1000, got " + w);
            }
            if (weights.put(kind, w) != null) {
                throw new IllegalArgumentException("--mix names " + kind.key() + " twice");
            }
        }
        if (weights.values().stream().mapToInt(Integer::intValue).sum() == 0) {
            throw new IllegalArgumentException("--mix weights add up to 0: nothing to send");
        }
        return weights;
    }

    /**
     * The default messages: {@code count} sends drawn from the weighted mix, each kind in a few variants.
     * The same seed, mix, count and addresses give byte-identical messages in the same order.
     */
    static MessageSet generated(long seed, Map<Kind, Integer> mix, int count, String from, String to) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Template> templates = new ArrayList<>();
        Map<Kind, Integer> firstIndex = new LinkedHashMap<>();
        for (Kind kind : Kind.values()) {
            if (mix.getOrDefault(kind, 0) == 0) {
                continue;
            }
            firstIndex.put(kind, templates.size());
            for (int v = 0; v < VARIANTS_PER_KIND; v++) {
                templates.add(generate(kind, v, random.split(), from, to));
            }
        }
        int totalWeight = mix.values().stream().mapToInt(Integer::intValue).sum();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            int r = random.nextInt(totalWeight);
            for (Map.Entry<Kind, Integer> e : firstIndex.entrySet()) {
                int w = mix.get(e.getKey());
                if (r < w) {
                    order[i] = e.getValue() + random.nextInt(VARIANTS_PER_KIND);
                    break;
                }
                r -= w;
            }
        }
        StringBuilder d = new StringBuilder("generated mix ");
        mix.forEach((k, w) -> d.append(k.key()).append(':').append(w).append(','));
        d.setLength(d.length() - 1);
        d.append(", seed ").append(seed);
        return new MessageSet(templates, order, d.toString());
    }

    /**
     * The {@code *.eml} files of a directory (sorted by name), sent round-robin. Line endings are normalised
     * to CRLF (the gateway refuses bare LF, as it should); files over {@value #MAX_EML_BYTES} bytes, more
     * than {@value #MAX_EML_FILES} files or an empty directory are errors, never silently skipped.
     */
    static MessageSet fromDirectory(Path dir, int count) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--eml-dir " + dir + " is not a directory");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".eml"))
                    .filter(Files::isRegularFile).sorted().limit(MAX_EML_FILES + 1L).toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("--eml-dir " + dir + " holds no *.eml files");
        }
        if (files.size() > MAX_EML_FILES) {
            throw new IllegalArgumentException("--eml-dir " + dir + " holds more than " + MAX_EML_FILES
                    + " *.eml files");
        }
        List<Template> templates = new ArrayList<>();
        long total = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (size > MAX_EML_BYTES) {
                throw new IllegalArgumentException(f + " is " + size + " bytes; the limit is " + MAX_EML_BYTES);
            }
            total += size;
            if (total > MAX_TOTAL_EML_BYTES) {
                throw new IllegalArgumentException("--eml-dir " + dir + " holds more than "
                        + MAX_TOTAL_EML_BYTES + " bytes of messages");
            }
            byte[] raw = SmtpText.toCrlf(Files.readAllBytes(f));
            if (raw.length == 0) {
                throw new IllegalArgumentException(f + " is empty");
            }
            templates.add(template(f.getFileName().toString(), raw));
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i % templates.size();
        }
        return new MessageSet(templates, order, templates.size() + " file(s) from " + dir);
    }

    private static Template template(String name, byte[] raw) {
        return new Template(name, raw, SmtpText.dotStuff(raw), SmtpText.hasHeader(raw, "Message-ID"));
    }

    // ---------------------------------------------------------------- generators

    private static final String[] WORDS = ("the of and to in is for on with that this as are from by at be "
            + "your our we you it will an or have has not all new can more about one their which report "
            + "quarter team meeting project budget review update customer service market product design "
            + "network security mail server office schedule plan results figures growth sales support "
            + "release version feature change request policy access account invoice payment order shipment "
            + "delivery contract partner supplier training workshop agenda summary analysis forecast "
            + "revenue cost margin risk audit compliance storage backup migration cluster gateway archive "
            + "today tomorrow monday tuesday wednesday thursday friday week month year morning afternoon "
            + "please thanks regards attached below above following previous next final draft approved "
            + "pending confirmed scheduled completed important question answer details information "
            + "building floor room lunch coffee kitchen parking visitor badge reception holiday calendar")
            .split(" ");

    private static Template generate(Kind kind, int variant, SplittableRandom r, String from, String to) {
        String name = kind.key() + "#" + variant;
        byte[] raw = switch (kind) {
            case PLAIN -> plain(variant, r, from, to);
            case HTML -> html(variant, r, from, to);
            case PDF -> withAttachment(variant, r, from, to, "application/pdf",
                    "invoice-" + (1000 + variant) + ".pdf", pdf(r, 100 * 1024), "Invoice " + (1000 + variant));
            case ZIP -> withAttachment(variant, r, from, to, "application/zip",
                    "report-" + (2000 + variant) + ".zip", zip(r), "Weekly report " + (2000 + variant));
        };
        return template(name, raw);
    }

    private static StringBuilder headers(int variant, String from, String to, String subject) {
        StringBuilder b = new StringBuilder(512);
        b.append("Date: ").append(DateTimeFormatter.RFC_1123_DATE_TIME.format(BASE_DATE.plusMinutes(variant)))
                .append("\r\n");
        b.append("From: Bench Sender <").append(from).append(">\r\n");
        b.append("To: <").append(to).append(">\r\n");
        b.append("Subject: ").append(subject).append("\r\n");
        b.append("MIME-Version: 1.0\r\n");
        return b;
    }

    private static byte[] plain(int variant, SplittableRandom r, String from, String to) {
        StringBuilder b = headers(variant, from, to, "Notes from the " + word(r) + " " + word(r) + " meeting");
        b.append("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        b.append("Hello,\r\n\r\n");
        paragraphs(b, r, 2 * 1024 - b.length() - 40);
        b.append("Regards,\r\nBench\r\n");
        return ascii(b);
    }

    private static byte[] html(int variant, SplittableRandom r, String from, String to) {
        String boundary = "=_alt_" + Long.toHexString(r.nextLong());
        StringBuilder b = headers(variant, from, to, "Newsletter no. " + (100 + variant) + ": "
                + word(r) + " and " + word(r));
        b.append("Content-Type: multipart/alternative; boundary=\"").append(boundary).append("\"\r\n\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        paragraphs(b, r, 3 * 1024);
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        b.append("<!DOCTYPE html>\r\n<html><head><title>Newsletter</title></head>\r\n<body>\r\n");
        b.append("<table width=\"600\" cellpadding=\"8\">\r\n");
        int article = 0;
        while (b.length() < 20 * 1024 - 600) {
            int id = 10_000 + r.nextInt(90_000);
            String slug = word(r) + "-" + word(r) + "-" + word(r);
            b.append("<tr><td>\r\n<h2>").append(capitalise(word(r))).append(' ').append(word(r)).append(' ')
                    .append(word(r)).append("</h2>\r\n<p>\r\n");
            paragraphs(b, r, 400 + r.nextInt(400));
            b.append("</p>\r\n<p><a href=\"https://news.example.com/articles/").append(id).append('-')
                    .append(slug).append("?utm_source=newsletter&amp;utm_medium=email\">Read more</a></p>\r\n")
                    .append("</td></tr>\r\n");
            if (++article > 200) {
                break;
            }
        }
        b.append("</table>\r\n<p><a href=\"https://news.example.com/unsubscribe\">Unsubscribe</a></p>\r\n");
        b.append("</body></html>\r\n");
        b.append("--").append(boundary).append("--\r\n");
        return ascii(b);
    }

    private static byte[] withAttachment(int variant, SplittableRandom r, String from, String to, String type,
                                         String fileName, byte[] content, String subject) {
        String boundary = "=_mixed_" + Long.toHexString(r.nextLong());
        StringBuilder b = headers(variant, from, to, subject);
        b.append("Content-Type: multipart/mixed; boundary=\"").append(boundary).append("\"\r\n\r\n");
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
        b.append("Hello,\r\n\r\nplease find ").append(fileName).append(" attached.\r\n\r\n");
        paragraphs(b, r, 600);
        b.append("--").append(boundary).append("\r\n");
        b.append("Content-Type: ").append(type).append("; name=\"").append(fileName).append("\"\r\n");
        b.append("Content-Disposition: attachment; filename=\"").append(fileName).append("\"\r\n");
        b.append("Content-Transfer-Encoding: base64\r\n\r\n");
        b.append(Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(content));
        b.append("\r\n--").append(boundary).append("--\r\n");
        return ascii(b);
    }

    /**
     * A small but well-formed PDF (catalog, one page with a line of text, a correct xref table), padded to
     * about {@code size} bytes with an unreferenced Flate stream of incompressible bytes, so scanners
     * that parse PDFs have real work and a real file.
     */
    static byte[] pdf(SplittableRandom r, int size) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(size + 2048);
        List<Integer> offsets = new ArrayList<>();
        latin1(out, "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n");
        String text = "BT /F1 18 Tf 72 720 Td (Invoice " + r.nextInt(100_000) + ") Tj ET";
        String[] objects = {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
                    + " /Resources << /Font << /F1 5 0 R >> >> >>",
            null, // content stream, written below
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            null, // filler stream
        };
        for (int i = 0; i < objects.length; i++) {
            offsets.add(out.size());
            latin1(out, (i + 1) + " 0 obj\n");
            if (i == 3) {
                latin1(out, "<< /Length " + text.length() + " >>\nstream\n" + text + "\nendstream\n");
            } else if (i == 5) {
                byte[] noise = new byte[Math.max(0, size - 1200)];
                for (int k = 0; k < noise.length; k++) {
                    noise[k] = (byte) r.nextInt(256);
                }
                byte[] deflated = deflate(noise);
                latin1(out, "<< /Length " + deflated.length + " /Filter /FlateDecode >>\nstream\n");
                out.writeBytes(deflated);
                latin1(out, "\nendstream\n");
            } else {
                latin1(out, objects[i] + "\n");
            }
            latin1(out, "endobj\n");
        }
        int xref = out.size();
        StringBuilder x = new StringBuilder("xref\n0 ").append(objects.length + 1).append("\n0000000000 65535 f \n");
        for (int off : offsets) {
            x.append(String.format(Locale.ROOT, "%010d 00000 n \n", off));
        }
        x.append("trailer\n<< /Size ").append(objects.length + 1).append(" /Root 1 0 R >>\nstartxref\n")
                .append(xref).append("\n%%EOF\n");
        latin1(out, x.toString());
        return out.toByteArray();
    }

    /** A small zip with a CSV report inside (a few KB compressed). */
    static byte[] zip(SplittableRandom r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8 * 1024);
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            ZipEntry e = new ZipEntry("report.csv");
            e.setTime(BASE_DATE.toInstant().toEpochMilli()); // deterministic bytes
            z.putNextEntry(e);
            StringBuilder csv = new StringBuilder("date,item,quantity,amount\n");
            for (int i = 0; i < 200; i++) {
                csv.append("2025-03-").append(String.format(Locale.ROOT, "%02d", 1 + i % 28)).append(',')
                        .append(word(r)).append(',').append(r.nextInt(100)).append(',')
                        .append(r.nextInt(100_000) / 100.0).append('\n');
            }
            z.write(csv.toString().getBytes(StandardCharsets.US_ASCII));
            z.closeEntry();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory zip failed", e);
        }
        return out.toByteArray();
    }

    private static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 64);
            byte[] buf = new byte[16 * 1024];
            while (!d.finished()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** Appends word-wrapped (≤ 72 columns) paragraphs until about {@code bytes} characters were added. */
    private static void paragraphs(StringBuilder b, SplittableRandom r, int bytes) {
        int target = b.length() + Math.max(bytes, 0);
        while (b.length() < target) {
            int lineStart = b.length();
            int sentences = 2 + r.nextInt(4);
            for (int s = 0; s < sentences; s++) {
                int words = 6 + r.nextInt(10);
                for (int w = 0; w < words; w++) {
                    String word = w == 0 ? capitalise(word(r)) : word(r);
                    if (b.length() - lineStart + word.length() + 1 > 72) {
                        b.append("\r\n");
                        lineStart = b.length();
                    } else if (b.length() > lineStart) {
                        b.append(' ');
                    }
                    b.append(word);
                }
                b.append('.');
            }
            b.append("\r\n\r\n");
        }
    }

    private static String word(SplittableRandom r) {
        return WORDS[r.nextInt(WORDS.length)];
    }

    private static String capitalise(String w) {
        return Character.toUpperCase(w.charAt(0)) + w.substring(1);
    }

    private static byte[] ascii(StringBuilder b) {
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void latin1(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** For tests and the report: how many of each template name the order sends. */
    Map<String, Integer> countsByKind() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (int i : order) {
            String n = templates.get(i).name();
            int hash = n.lastIndexOf('#');
            counts.merge(hash > 0 ? n.substring(0, hash) : n, 1, Integer::sum);
        }
        return Collections.unmodifiableMap(counts);
    }
}
