package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.content.internal.ExecutableDetectionTest.only;
import static org.streamail.detect.content.internal.Samples.*;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

/**
 * Zip bombs end as {@code archive-bomb} within 2 s, and the scanning thread allocates less than 64 MB in
 * total (which bounds the heap growth by the same figure, garbage included).
 */
class BombTest {
    private static final long MB = 1024 * 1024;
    private static byte[] kernel;
    private static long kernelSize = 64 * MB;

    @BeforeAll
    static void compressKernelOnce() {
        Deflater d = new Deflater(9, true);
        byte[] zeros = new byte[(int) MB];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        for (int i = 0; i < kernelSize / MB; i++) {
            d.setInput(zeros);
            while (!d.needsInput()) {
                out.write(buf, 0, d.deflate(buf));
            }
        }
        d.finish();
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        kernel = out.toByteArray();
    }

    /** A ZIP whose entries all carry the pre-deflated kernel; {@code sameOffset} makes them overlap. */
    static byte[] rawZip(int entries, boolean sameOffset) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        long crc = crc(new byte[0]); // not checked by the scanner; the sizes are what matter
        int written = sameOffset ? 1 : entries;
        int[] offsets = new int[written];
        for (int i = 0; i < written; i++) {
            offsets[i] = out.size();
            byte[] name = utf8(i + ".dat");
            var h = le(30 + name.length);
            h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 8).putInt(0)
                    .putInt((int) crc).putInt(kernel.length).putInt((int) kernelSize).putShort((short) name.length)
                    .putShort((short) 0).put(name);
            out.writeBytes(h.array());
            out.writeBytes(kernel);
        }
        for (int i = 0; i < entries; i++) {
            byte[] name = utf8(i + ".dat");
            var c = le(46 + name.length);
            c.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 8)
                    .putInt(0).putInt((int) crc).putInt(kernel.length).putInt((int) kernelSize)
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(sameOffset ? offsets[0] : offsets[i]).put(name);
            cd.writeBytes(c.array());
        }
        int cdOffset = out.size();
        out.writeBytes(cd.toByteArray());
        var e = le(22);
        e.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) entries)
                .putShort((short) entries).putInt(cd.size()).putInt(cdOffset).putShort((short) 0);
        out.writeBytes(e.array());
        return out.toByteArray();
    }

    /** 42.zip's shape: 16 copies per level, 4 levels of nesting, the leaves 64 MB of zeros each. */
    static byte[] nestedBomb() {
        byte[] level = rawZip(16, false);
        for (int depth = 0; depth < 3; depth++) {
            Map<String, byte[]> m = new LinkedHashMap<>();
            for (int i = 0; i < 16; i++) {
                m.put("lib" + depth + "_" + i + ".zip", level);
            }
            level = zip(m);
        }
        return level;
    }

    record Run(List<Finding> findings, long millis, long allocated) {
    }

    static Run measure(byte[] attachment) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var msg = message("", "", attachment("bomb.zip", "application/zip", attachment));
        ContentDetector detector = new ContentDetector(Settings.defaults());
        detector.scan(message("", "", attachment("warm.zip", "application/zip", zip("a.txt", utf8("x")))),
                Instant.now().plusSeconds(5));
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        long t0 = System.nanoTime();
        List<Finding> f = detector.scan(msg, Instant.now().plusSeconds(30));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        long allocated = threads.getThreadAllocatedBytes(tid) - before - attachment.length;
        System.out.printf("bomb of %d bytes: %d ms, %d bytes allocated by the scan, findings %s%n",
                attachment.length, millis, allocated, f);
        return new Run(f, millis, allocated);
    }

    @Test
    void aNestedZipBombEndsAsArchiveBombQuicklyAndInLittleMemory() {
        byte[] bomb = nestedBomb();
        assertThat(bomb.length).isLessThan(20 * (int) MB);
        System.gc();
        long heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Run run = measure(bomb);
        long heapAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        assertThat(only(run.findings(), "archive-bomb").part()).startsWith("bomb.zip!/lib2_0.zip!/");
        assertThat(run.millis()).isLessThan(2000);
        assertThat(run.allocated()).isLessThan(64 * MB);
        assertThat(heapAfter - heapBefore).isLessThan(64 * MB);
    }

    @Test
    void anOverlappingEntryZipBombEndsAsArchiveBombQuicklyAndInLittleMemory() {
        byte[] bomb = rawZip(2000, true);
        System.gc();
        long heapBefore = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Run run = measure(bomb);
        long heapAfter = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        assertThat(only(run.findings(), "archive-bomb").detail()).contains("overlap");
        assertThat(run.millis()).isLessThan(2000);
        assertThat(run.allocated()).isLessThan(64 * MB);
        assertThat(heapAfter - heapBefore).isLessThan(64 * MB);
    }

    @Test
    void aSingleHighlyCompressedEntryIsCaughtByRatioWhileInflating() {
        Run run = measure(rawZip(1, false));
        assertThat(only(run.findings(), "archive-bomb").detail()).contains("expands more than 100:1");
        assertThat(run.allocated()).isLessThan(64 * MB);
    }
}
