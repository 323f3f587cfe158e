package org.streamail.linkguard.internal;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntFunction;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSObjectKey;
import org.apache.pdfbox.io.MemoryUsageSetting;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.streamail.linkguard.internal.DocumentLinks.DocumentException;

/**
 * What opening a PDF costs in time and heap, with PDFBox 3.0.5 opened as {@link PdfLinks} opens it, and with
 * {@link PdfPrescan} in front: the figures behind the prescan's bounds. {@link PdfPrescanTest} asserts on the heap and
 * the outcome only; timings are printed, never asserted (speed is measured outside the unit tests).
 *
 * <p>Run by hand for the table of the prescan's Javadoc (the linkguard module built with {@code test-compile}):
 * <pre>
 * java -Xmx2g -cp target/test-classes:target/classes:&lt;pdfbox, pdfbox-io, fontbox, commons-logging jars&gt; \
 *     org.streamail.linkguard.internal.PdfLoadCost 50000 200000 1000000
 * </pre>
 */
final class PdfLoadCost {

    /** One measurement: what happened, how long it took, the heap it held and allocated. */
    record Cost(String outcome, long millis, long retainedBytes, long allocatedBytes) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-60s %8d ms  retained %7.1f MB  allocated %8.1f MB", outcome, millis,
                    retainedBytes / 1e6, allocatedBytes / 1e6);
        }
    }

    /** The shapes whose every object is parsed are measured up to this count. */
    private static final int PARSE_ALL_AT_MOST = 200_000;

    private PdfLoadCost() {
    }

    /**
     * Opens {@code pdf} with PDFBox on this thread, with the settings of {@link PdfLinks} (main memory only, at most
     * {@link PdfLinks#MAX_CACHE_BYTES} of stream cache), walks its pages, and measures: the time to open and walk,
     * the heap still held with the document open (after a full collection), and the bytes this thread allocated.
     */
    static Cost open(byte[] pdf) {
        return open(pdf, false);
    }

    /** As {@link #open(byte[])}, every object in the cross-reference data dereferenced too (PDFBox parses them). */
    static Cost openAndParse(byte[] pdf) {
        return open(pdf, true);
    }

    private static Cost open(byte[] pdf, boolean parseAll) {
        long baseline = usedAfterGc();
        long allocated = allocatedBytes();
        long start = System.nanoTime();
        try (PDDocument doc = Loader.loadPDF(pdf, "", null, null,
                MemoryUsageSetting.setupMainMemoryOnly(PdfLinks.MAX_CACHE_BYTES).streamCache)) {
            int pages = 0;
            for (PDPage ignored : doc.getPages()) {
                pages++;
            }
            if (parseAll) {
                for (COSObjectKey key : new ArrayList<>(doc.getDocument().getXrefTable().keySet())) {
                    doc.getDocument().getObjectFromPool(key).getObject();
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            long held = allocatedBytes() - allocated;
            long retained = usedAfterGc() - baseline;
            return new Cost("PDFBox opened it (" + pages + " page" + (pages == 1 ? ")" : "s)"), millis,
                    Math.max(0, retained), held);
        } catch (Throwable e) { // OutOfMemoryError included: it is what is measured
            long millis = (System.nanoTime() - start) / 1_000_000;
            return new Cost("PDFBox failed: " + e.getClass().getSimpleName(), millis, 0,
                    allocatedBytes() - allocated);
        }
    }

    /** {@link PdfPrescan#check} on this thread: its outcome, time and allocation. */
    static Cost prescan(byte[] pdf) {
        long allocated = allocatedBytes();
        long start = System.nanoTime();
        String outcome;
        try {
            PdfPrescan.check(pdf);
            outcome = "prescan passed it";
        } catch (DocumentException e) {
            outcome = "prescan refused it: " + e.getMessage();
        }
        return new Cost(outcome, (System.nanoTime() - start) / 1_000_000, 0, allocatedBytes() - allocated);
    }

    /** The heap in use after full collections (a few, until it stops falling). */
    static long usedAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            long now = rt.totalMemory() - rt.freeMemory();
            if (now >= used) {
                return now;
            }
            used = now;
        }
        return used;
    }

    /** Bytes allocated by this thread so far (HotSpot's per-thread counter). */
    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private record Shape(String name, IntFunction<byte[]> make, boolean parseAll) {
    }

    public static void main(String[] args) {
        List<Integer> counts = new ArrayList<>();
        for (String a : args) {
            counts.add(Integer.parseInt(a.replace("_", "")));
        }
        if (counts.isEmpty()) {
            counts = List.of(50_000, 200_000, 1_000_000);
        }
        List<Shape> shapes = List.of(
                new Shape("valid, cross-reference stream (objects in object streams)", PdfSamples::validXrefStream,
                        false),
                new Shape("valid, classic table (uncompressed objects)", PdfSamples::validClassicTable, false),
                new Shape("no cross-reference data (PDFBox searches the headers)", PdfSamples::withoutXref, false),
                new Shape("bomb: cross-reference stream of one repeated entry", PdfSamples::xrefStreamBomb, false),
                new Shape("small dictionaries in object streams, every object parsed", PdfSamples::validXrefStream,
                        true),
                new Shape("small streams, classic table, every object parsed", PdfSamples::validStreams, true),
                new Shape("link annotations in object streams, every object parsed",
                        PdfSamples::linkAnnotationsInObjectStreams, true));
        System.out.printf(Locale.ROOT, "PDFBox 3.0.5, Java %s, max heap %d MB%n", System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
        for (Shape shape : shapes) {
            System.out.println(shape.name);
            for (int n : counts) {
                if (shape.parseAll && n > PARSE_ALL_AT_MOST) {
                    System.out.printf(Locale.ROOT, "  %,10d: not run (every object parsed takes minutes and GBs)%n", n);
                    continue;
                }
                byte[] pdf = shape.make.apply(n);
                System.out.printf(Locale.ROOT, "  %,10d entries, %,11d bytes: %s%n", n, pdf.length, prescan(pdf));
                System.out.printf(Locale.ROOT, "  %38s %s%n", "", open(pdf, shape.parseAll));
            }
        }
    }
}
