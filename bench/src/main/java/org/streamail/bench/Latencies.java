package org.streamail.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Latency samples in nanoseconds and their nearest-rank percentiles. Each worker thread records into its
 * own instance (no sharing while measuring); {@link #merge} combines them afterwards. Capacity is fixed at
 * construction, so memory is bounded by the message count.
 */
final class Latencies {

    private final int maxSamples;
    private long[] samples;
    private int count;

    /** @param maxSamples the most samples kept (the run's message count); the array grows up to it */
    Latencies(int maxSamples) {
        if (maxSamples < 0) {
            throw new IllegalArgumentException("maxSamples must be >= 0");
        }
        this.maxSamples = maxSamples;
        samples = new long[Math.min(maxSamples, 1024)];
    }

    /** Records one sample; samples beyond {@code maxSamples} are dropped (the caller sized it to the run). */
    void record(long nanos) {
        if (count == samples.length) {
            if (samples.length >= maxSamples) {
                return;
            }
            samples = Arrays.copyOf(samples, (int) Math.min(maxSamples, Math.max(16L, samples.length * 2L)));
        }
        samples[count++] = nanos;
        sorted = false;
    }

    int count() {
        return count;
    }

    static Latencies merge(Iterable<Latencies> parts) {
        int total = 0;
        for (Latencies p : parts) {
            total += p.count;
        }
        Latencies all = new Latencies(total);
        all.samples = new long[total];
        for (Latencies p : parts) {
            System.arraycopy(p.samples, 0, all.samples, all.count, p.count);
            all.count += p.count;
        }
        return all;
    }

    /**
     * The nearest-rank percentile: the smallest sample such that at least {@code p} percent of the samples
     * are at or below it. {@code p} in (0, 100]. Sorts the samples on first use.
     *
     * @return the sample in nanoseconds, or -1 if there are no samples
     */
    long percentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        if (count == 0) {
            return -1;
        }
        sort();
        int rank = (int) Math.ceil(p / 100.0 * count);
        return samples[Math.max(rank, 1) - 1];
    }

    long max() {
        return count == 0 ? -1 : percentile(100);
    }

    double meanNanos() {
        if (count == 0) {
            return -1;
        }
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += samples[i];
        }
        return sum / count;
    }

    private boolean sorted;

    private void sort() {
        if (!sorted) {
            Arrays.sort(samples, 0, count);
            sorted = true;
        }
    }

    /** "p50 4.1 ms  p95 9.2 ms  p99 15.3 ms  max 40.2 ms", or "n/a" without samples. */
    String summary() {
        if (count == 0) {
            return "n/a (no samples)";
        }
        return "p50 " + ms(percentile(50)) + "  p95 " + ms(percentile(95)) + "  p99 " + ms(percentile(99))
                + "  max " + ms(max());
    }

    static String ms(long nanos) {
        double ms = nanos / 1_000_000.0;
        return String.format(Locale.ROOT, ms < 10 ? "%.2f ms" : ms < 100 ? "%.1f ms" : "%.0f ms", ms);
    }
}
