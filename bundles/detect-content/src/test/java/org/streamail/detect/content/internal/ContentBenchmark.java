package org.streamail.detect.content.internal;

import static org.streamail.detect.content.internal.Samples.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.pdfbox.pdmodel.graphics.image.LosslessFactory;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.ParsedMessage;

/**
 * Timing harness, not a test: {@code mvn -o test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt}
 * then {@code java -cp target/test-classes:target/classes:$(cat cp.txt)
 * org.streamail.detect.content.internal.ContentBenchmark}. Prints the median time to scan a 10 MB DOCX, a
 * 10 MB PDF and a message with 50 small attachments.
 */
public final class ContentBenchmark {
    private static final int MB = 1024 * 1024;

    public static void main(String[] args) throws IOException {
        Random r = new Random(42);
        byte[] docx = bigDocx(r);
        byte[] pdf = bigPdf(r);
        List<Attachment> many = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            many.add(switch (i % 5) {
                case 0 -> attachment("doc" + i + ".pdf", "application/pdf", pdf("/Lang (en)"));
                case 1 -> attachment("letter" + i + ".docx",
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        docx(paragraph("Dear customer, thank you for your order number " + i)));
                case 2 -> attachment("notes" + i + ".txt", "text/plain", utf8("Meeting notes " + i + "\n".repeat(50)));
                case 3 -> attachment("photos" + i + ".zip", "application/zip",
                        zip(entries("a.txt", "hello", "b/c.csv", "1,2,3\n4,5,6\n")));
                default -> attachment("page" + i + ".html", "text/html", utf8(HtmlTest.NEWSLETTER));
            });
        }
        System.out.printf("sizes: docx %.1f MB, pdf %.1f MB%n", docx.length / (double) MB, pdf.length / (double) MB);
        report("10 MB DOCX", message("", "", attachment("big.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx)));
        report("10 MB PDF", message("", "", attachment("big.pdf", "application/pdf", pdf)));
        report("50 small attachments", message("text", HtmlTest.NEWSLETTER, many.toArray(Attachment[]::new)));
    }

    private static void report(String what, ParsedMessage m) {
        ContentDetector d = new ContentDetector(Settings.defaults());
        for (int i = 0; i < 5; i++) {
            d.scan(m, Instant.now().plusSeconds(60));
        }
        long[] t = new long[15];
        int findings = 0;
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            findings = d.scan(m, Instant.now().plusSeconds(60)).size();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        System.out.printf("%-22s median %7.1f ms  (min %.1f, max %.1f)  findings %d%n", what, t[t.length / 2] / 1e6,
                t[0] / 1e6, t[t.length - 1] / 1e6, findings);
    }

    /** 10 MB: 4 MB of paragraphs in document.xml plus media that does not compress. */
    static byte[] bigDocx(Random r) throws IOException {
        StringBuilder body = new StringBuilder();
        while (body.length() < 4 * MB) {
            body.append(paragraph("Quarterly figures for region " + r.nextInt(1000) + " rose by " + r.nextInt(100)
                    + " percent compared with the same period last year."));
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bos)) {
            put(z, "[Content_Types].xml", utf8(CONTENT_TYPES));
            put(z, "word/document.xml", utf8(documentXml(body.toString())));
            int i = 0;
            while (bos.size() < 10 * MB) {
                byte[] img = new byte[512 * 1024];
                r.nextBytes(img);
                img[0] = (byte) 0xFF;
                img[1] = (byte) 0xD8;
                img[2] = (byte) 0xFF;
                put(z, "word/media/image" + (i++) + ".jpeg", img);
            }
        }
        return bos.toByteArray();
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(data);
        z.closeEntry();
    }

    /** 10 MB: pages of text, each with a noisy image that does not compress. */
    static byte[] bigPdf(Random r) throws IOException {
        try (PDDocument doc = new PDDocument()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int pages = 0;
            while (true) {
                PDPage page = new PDPage();
                doc.addPage(page);
                BufferedImage img = new BufferedImage(400, 400, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 400; y++) {
                    for (int x = 0; x < 400; x++) {
                        img.setRGB(x, y, r.nextInt());
                    }
                }
                try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
                    cs.beginText();
                    cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
                    cs.newLineAtOffset(72, 720);
                    cs.showText("Page " + pages + " of the annual report");
                    cs.endText();
                    cs.drawImage(LosslessFactory.createFromImage(doc, img), 72, 200, 300, 300);
                }
                pages++;
                if (pages % 5 == 0) {
                    out.reset();
                    doc.save(out);
                    if (out.size() >= 10 * MB) {
                        return out.toByteArray();
                    }
                }
            }
        }
    }
}
