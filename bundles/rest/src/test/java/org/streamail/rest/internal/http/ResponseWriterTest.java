package org.streamail.rest.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The write bound without a web server: a write blocked past it, one in time, the log limiter. */
class ResponseWriterTest {

    @Test
    void aWriteBlockedPastTheTimeoutIsInterruptedAndLeavesNoInterruptBehind() throws Exception {
        ResponseWriter writer = new ResponseWriter(Duration.ofMillis(500));
        try (PipedInputStream nobodyReads = new PipedInputStream(1024);
                PipedOutputStream out = new PipedOutputStream(nobodyReads)) {
            long start = System.nanoTime();
            // the pipe takes 1 KiB and then blocks for ever: only the watchdog can end this write
            assertThat(writer.write(new byte[100_000], out, () -> "192.0.2.7",
                    () -> "/streamail/api/v1/quarantine/q/raw")).isFalse();
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(450L, 2_000L);
            assertThat(Thread.currentThread().isInterrupted()).as("interrupt left on the thread").isFalse();
            assertThat(nobodyReads.available()).isEqualTo(1024);
        }
    }

    @Test
    void aWriteWithinTheTimeoutIsWholeAndClosesTheStream() throws IOException {
        byte[] body = new byte[300_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        boolean[] closed = {false};
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        assertThat(new ResponseWriter(Duration.ofSeconds(5)).write(body, out, () -> "192.0.2.7", () -> "/x")).isTrue();
        assertThat(out.toByteArray()).isEqualTo(body);
        assertThat(closed[0]).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    void anotherFailureOfTheConnectionIsPassedOn() throws Exception {
        ResponseWriter writer = new ResponseWriter(Duration.ofSeconds(5));
        java.io.OutputStream broken = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("client went away");
            }
        };
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> writer.write(new byte[10], broken, () -> "a", () -> "/x")).hasMessage("client went away");
    }

    @Test
    void oneWarningPerAddressAndMinuteFromABoundedMemory() {
        ResponseWriter.WarnLimiter limiter = new ResponseWriter.WarnLimiter(Duration.ofMinutes(1), 3);
        long minute = Duration.ofMinutes(1).toNanos();
        assertThat(limiter.allow("192.0.2.1", 0)).isTrue();
        assertThat(limiter.allow("192.0.2.1", minute - 1)).isFalse();
        assertThat(limiter.allow("192.0.2.2", 1)).as("another address").isTrue();
        assertThat(limiter.allow("192.0.2.1", minute)).as("a minute later").isTrue();
        assertThat(limiter.allow("192.0.2.3", minute + 1)).isTrue();
        assertThat(limiter.allow("192.0.2.4", minute + 2)).isTrue();
        assertThat(limiter.size()).isLessThanOrEqualTo(3);
        for (int i = 0; i < 10_000; i++) {
            limiter.allow("198.51.100." + i, minute + 3 + i);
        }
        assertThat(limiter.size()).isLessThanOrEqualTo(3);
    }

    @Test
    void theLoggedPathHasNoControlCharactersAndIsBounded() {
        assertThat(ResponseWriter.printable("/a\r\nb\u0000")).isEqualTo("/a??b?");
        assertThat(ResponseWriter.printable("/" + "x".repeat(500))).hasSize(203).endsWith("...");
        assertThat(ResponseWriter.printable(null)).isEmpty();
    }
}
