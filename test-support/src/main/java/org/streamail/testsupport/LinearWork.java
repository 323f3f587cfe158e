package org.streamail.testsupport;

/**
 * The fuzz targets' check that work grows linearly with the input: one fuzzed fragment grown into a small and a
 * large input (the large one 8 times the repetitions), each read once. A linear reader takes about 8 times as long
 * for the large one, a quadratic one about 64 times; the check fails above 24 times (of at least 50 ms), and only
 * when the large read took more than {@link #SLOW_MS}, so timer and JIT noise never count. A read that looks slow
 * is measured once more before it fails: the first large read of a new path may run interpreted or meet a GC. A
 * ratio, not a wall-clock limit, because the fuzzer's hooks slow every call down.
 */
public final class LinearWork {

    /** Below this the larger read is never called slow. */
    public static final long SLOW_MS = 2_000;
    private static final long RATIO = 24;
    private static final long FLOOR_MS = 50;

    private LinearWork() {
    }

    /**
     * @param unit       what the sizes count, e.g. {@code "bytes"}
     * @param smallSize  the small input's size
     * @param small      reads the small input
     * @param largeSize  the large input's size
     * @param large      reads the large input
     * @throws AssertionError when the large read took more than 24 times the small one (and over {@link #SLOW_MS})
     */
    public static void check(String unit, int smallSize, Runnable small, int largeSize, Runnable large) {
        long[] ms = timed(small, large);
        if (slow(ms)) {
            ms = timed(small, large);
        }
        if (slow(ms)) {
            throw new AssertionError(ms[1] + " ms for " + largeSize + " " + unit + ", against " + ms[0] + " ms for "
                    + smallSize + " " + unit + ": more than " + RATIO + " times as long for " + largeSize / Math.max(1,
                            smallSize) + " times the input (super-linear work)");
        }
    }

    private static boolean slow(long[] ms) {
        return ms[1] > SLOW_MS && ms[1] >= RATIO * Math.max(ms[0], FLOOR_MS);
    }

    private static long[] timed(Runnable small, Runnable large) {
        long t0 = System.nanoTime();
        small.run();
        long t1 = System.nanoTime();
        large.run();
        long t2 = System.nanoTime();
        return new long[] {(t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000};
    }
}
