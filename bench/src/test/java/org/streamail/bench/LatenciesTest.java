package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LatenciesTest {

    @Test
    void percentilesUseTheNearestRank() {
        Latencies l = new Latencies(100);
        for (int i = 100; i >= 1; i--) { // recorded out of order on purpose
            l.record(i);
        }
        assertThat(l.percentile(50)).isEqualTo(50);
        assertThat(l.percentile(95)).isEqualTo(95);
        assertThat(l.percentile(99)).isEqualTo(99);
        assertThat(l.percentile(100)).isEqualTo(100);
        assertThat(l.percentile(0.5)).isEqualTo(1);
        assertThat(l.max()).isEqualTo(100);
    }

    @Test
    void aSmallSampleRoundsTheRankUp() {
        Latencies l = new Latencies(10);
        l.record(10);
        l.record(20);
        l.record(30);
        // rank = ceil(0.5 * 3) = 2 -> 20; p99 -> rank 3 -> 30
        assertThat(l.percentile(50)).isEqualTo(20);
        assertThat(l.percentile(99)).isEqualTo(30);
    }

    @Test
    void recordingAfterReadingAPercentileStillCounts() {
        Latencies l = new Latencies(10);
        l.record(5);
        assertThat(l.max()).isEqualTo(5);
        l.record(1);
        l.record(9);
        assertThat(l.percentile(50)).isEqualTo(5);
        assertThat(l.max()).isEqualTo(9);
    }

    @Test
    void samplesBeyondTheLimitAreDroppedButTheArrayGrowsUpToIt() {
        Latencies l = new Latencies(5000);
        for (int i = 0; i < 6000; i++) {
            l.record(i);
        }
        assertThat(l.count()).isEqualTo(5000);
        assertThat(l.max()).isEqualTo(4999);
    }

    @Test
    void mergeCombinesEveryWorkersSamples() {
        Latencies a = new Latencies(3000);
        Latencies b = new Latencies(3000);
        for (int i = 0; i < 2000; i++) {
            a.record(i);
            b.record(10_000 + i);
        }
        Latencies all = Latencies.merge(List.of(a, b));
        assertThat(all.count()).isEqualTo(4000);
        assertThat(all.percentile(50)).isEqualTo(1999);
        assertThat(all.max()).isEqualTo(11_999);
    }

    @Test
    void noSamplesSaySoInsteadOfInventingFigures() {
        Latencies l = new Latencies(10);
        assertThat(l.percentile(50)).isEqualTo(-1);
        assertThat(l.summary()).startsWith("n/a");
        assertThatThrownBy(() -> l.percentile(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> l.percentile(101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void summaryShowsMilliseconds() {
        Latencies l = new Latencies(10);
        l.record(1_500_000);
        assertThat(l.summary()).isEqualTo("p50 1.50 ms  p95 1.50 ms  p99 1.50 ms  max 1.50 ms");
    }
}
