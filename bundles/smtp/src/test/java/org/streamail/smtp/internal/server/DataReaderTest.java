package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.smtp.internal.server.DataReader.Problem;

class DataReaderTest {

    @TempDir
    Path tempDir;

    static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static String text(SpoolBuffer b) throws IOException {
        try (InputStream i = b.open()) {
            return new String(i.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** The client stream as the listener may see it: markable, buffered with a small buffer, or neither. */
    static Stream<Function<InputStream, InputStream>> streamKinds() {
        return Stream.of(
                s -> s,
                s -> new BufferedInputStream(s, 7),
                s -> new FilterInputStream(s) {
                    @Override
                    public boolean markSupported() {
                        return false;
                    }
                });
    }

    @ParameterizedTest
    @MethodSource("streamKinds")
    void readsToTheEndMarkerAndLeavesThePipelinedCommandInTheStream(Function<InputStream, InputStream> kind)
            throws IOException {
        String text = "a\r\n..b\r\n.c\r\n\r\n" + "long line\r\n".repeat(2000);
        InputStream stream = kind.apply(in(text + ".\r\nQUIT\r\nNOOP\r\n"));
        try (SpoolBuffer b = new SpoolBuffer(100_000, tempDir)) {
            assertThat(new DataReader(stream, b, 100_000, 1_000_000).read()).isEqualTo(Problem.NONE);
            assertThat(text(b)).isEqualTo(text.replace("..b", ".b").replace(".c", "c"));
            assertThat(new String(stream.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("QUIT\r\nNOOP\r\n");
        }
    }

    @Test
    void anEmptyMessageEndsAtTheFirstLine() throws IOException {
        try (SpoolBuffer b = new SpoolBuffer(1000, tempDir)) {
            assertThat(new DataReader(in(".\r\n"), b, 1000, 10_000).read()).isEqualTo(Problem.NONE);
            assertThat(b.size()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r\r\n", "x\ry", "\n"})
    void bareCrOrLfNeverEndsTheDataAndRefusesTheMessage(String seq) throws IOException {
        InputStream stream = in("Subject: a\r\n\r\nhello" + seq + "MAIL FROM:<x@y>\r\n.\r\nNOOP\r\n");
        try (SpoolBuffer b = new SpoolBuffer(1000, tempDir)) {
            assertThat(new DataReader(stream, b, 1000, 10_000).read()).isEqualTo(Problem.BARE_LINE_END);
            assertThat(b.size()).isZero();
            assertThat(new String(stream.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("NOOP\r\n");
        }
    }

    @Test
    void aLineOfMoreThanOneThousandBytesRefusesTheMessage() throws IOException {
        String line = "x".repeat(999) + "\r\n";
        try (SpoolBuffer b = new SpoolBuffer(100_000, tempDir)) {
            assertThat(new DataReader(in(line + ".\r\n"), b, 100_000, 1_000_000).read())
                    .isEqualTo(Problem.LINE_TOO_LONG);
        }
    }

    @Test
    void theDotAddedForTransparencyDoesNotCountTowardsTheLineLength() throws IOException {
        // RFC 5321 4.5.3.1.6: 1000 octets with the CRLF, "not counting the leading dot duplicated for
        // transparency". A 998-octet line starting with a dot is sent as 999 octets plus CRLF.
        String line = "." + "x".repeat(997);
        try (SpoolBuffer b = new SpoolBuffer(100_000, tempDir)) {
            assertThat(new DataReader(in("." + line + "\r\n.\r\n"), b, 100_000, 1_000_000).read())
                    .isEqualTo(Problem.NONE);
            assertThat(text(b)).isEqualTo(line + "\r\n");
        }
        try (SpoolBuffer b = new SpoolBuffer(100_000, tempDir)) {
            assertThat(new DataReader(in("." + line + "x\r\n.\r\n"), b, 100_000, 1_000_000).read())
                    .isEqualTo(Problem.LINE_TOO_LONG);
        }
    }

    @Test
    void anOversizedMessageNeverOverfillsTheBuffer() throws IOException {
        String data = ("y".repeat(98) + "\r\n").repeat(1000) + ".\r\n";
        // The buffer's capacity is the limit: one byte more would throw, so this proves the bound.
        try (SpoolBuffer b = new SpoolBuffer(5000, tempDir)) {
            assertThat(new DataReader(in(data), b, 5000, 1_000_000).read()).isEqualTo(Problem.TOO_BIG);
            assertThat(b.size()).isZero();
        }
    }

    @Test
    void aMessageOfExactlyTheLimitIsAccepted() throws IOException {
        String data = ("y".repeat(98) + "\r\n").repeat(50);
        try (SpoolBuffer b = new SpoolBuffer(5000, tempDir)) {
            assertThat(new DataReader(in(data + ".\r\n"), b, 5000, 1_000_000).read()).isEqualTo(Problem.NONE);
            assertThat(text(b)).isEqualTo(data);
        }
    }

    @Test
    void endOfStreamBeforeTheMarkerIsAnError() {
        try (SpoolBuffer b = new SpoolBuffer(1000, tempDir)) {
            assertThatThrownBy(() -> new DataReader(in("half\r\n.\n"), b, 1000, 10_000).read())
                    .isInstanceOf(EOFException.class);
        }
    }

    @Test
    void readingStopsAtTheHardLimit() {
        try (SpoolBuffer b = new SpoolBuffer(1000, tempDir)) {
            assertThatThrownBy(() -> new DataReader(in("z".repeat(5000)), b, 1000, 3000).read())
                    .isInstanceOf(DataReader.TooMuchDataException.class);
        }
    }

    @Test
    void theBufferRefusesToGrowPastItsCapacity() {
        try (SpoolBuffer b = new SpoolBuffer(10, tempDir)) {
            assertThatThrownBy(() -> b.write(new byte[11], 0, 11)).isInstanceOf(IllegalStateException.class);
        }
    }
    @Test
    void dataThatGoesOnPastTheDeadlineIsCutOffEvenWhenEveryReadIsQuick() throws IOException {
        AtomicLong clock = new AtomicLong();
        // Every read of the client's stream "takes" 400 ms of the fake clock; the deadline is 2 s.
        InputStream slow = new FilterInputStream(in("a".repeat(100) + "\r\n.\r\n")) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                clock.addAndGet(400_000_000L);
                return super.read(b, off, Math.min(len, 10));
            }
        };
        try (SpoolBuffer b = new SpoolBuffer(1000, tempDir);
                DataDeadline deadline = new DataDeadline(null, 2000, clock::get)) {
            assertThatThrownBy(() -> new DataReader(slow, b, 1000, 10_000, deadline).read())
                    .isInstanceOf(DataDeadline.DataTimeoutException.class)
                    .hasMessageContaining("2000 ms");
            assertThat(clock.get()).isEqualTo(5 * 400_000_000L);
        }
    }

    @Test
    void aZeroDeadlineNeverEndsTheData() throws IOException {
        AtomicLong clock = new AtomicLong();
        InputStream slow = new FilterInputStream(in("hello\r\n.\r\n")) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                clock.addAndGet(3_600_000_000_000L);
                return super.read(b, off, Math.min(len, 1));
            }
        };
        try (SpoolBuffer b = new SpoolBuffer(1000, tempDir);
                DataDeadline deadline = new DataDeadline(null, 0, clock::get)) {
            assertThat(new DataReader(slow, b, 1000, 10_000, deadline).read()).isEqualTo(Problem.NONE);
            assertThat(text(b)).isEqualTo("hello\r\n");
        }
    }

    @Test
    void aReadTimeoutBeforeTheDeadlineStaysAnOrdinaryReadTimeout() throws IOException {
        AtomicLong clock = new AtomicLong();
        try (DataDeadline deadline = new DataDeadline(null, 2000, clock::get)) {
            java.net.SocketTimeoutException perRead = new java.net.SocketTimeoutException("read timed out");
            assertThat(deadline.timedOut(perRead)).isSameAs(perRead);
            clock.set(2_000_000_000L);
            assertThat(deadline.timedOut(perRead)).isInstanceOf(DataDeadline.DataTimeoutException.class)
                    .hasCause(perRead);
        }
    }
}
