package org.streamail.api.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PeriodicTest {

    @Test
    void aRunThatThrowsAnErrorOrAnExceptionDoesNotCancelTheNextRuns() throws Exception {
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch fourRuns = new CountDownLatch(4);
        List<Throwable> reported = new CopyOnWriteArrayList<>();
        try {
            s.scheduleWithFixedDelay(Periodic.guarded(() -> {
                int n = runs.incrementAndGet();
                fourRuns.countDown();
                if (n == 1) {
                    throw new NoClassDefFoundError("org/example/Gone");
                }
                if (n == 2) {
                    throw new IllegalStateException("a bug");
                }
                if (n == 3) {
                    throw new OutOfMemoryError("Java heap space");
                }
            }, t -> {
                reported.add(t);
                throw new IllegalStateException("the logger failed too");
            }), 0, 10, TimeUnit.MILLISECONDS);
            assertThat(fourRuns.await(10, TimeUnit.SECONDS)).as("the fourth run happened").isTrue();
        } finally {
            s.shutdownNow();
        }
        assertThat(reported).hasSize(3);
        assertThat(reported.get(0)).isInstanceOf(NoClassDefFoundError.class);
        assertThat(reported.get(2)).isInstanceOf(OutOfMemoryError.class);
    }

    @Test
    void withoutTheGuardOneErrorCancelsTheScheduleForGood() throws Exception {
        // what the guard is for: the JDK's behaviour, which this test pins down
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor();
        AtomicInteger runs = new AtomicInteger();
        try {
            s.scheduleWithFixedDelay(() -> {
                runs.incrementAndGet();
                throw new NoClassDefFoundError("org/example/Gone");
            }, 0, 10, TimeUnit.MILLISECONDS);
            Thread.sleep(300);
        } finally {
            s.shutdownNow();
        }
        assertThat(runs.get()).isEqualTo(1);
    }
}
