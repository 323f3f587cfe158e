package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sink against a hand-driven socket: what it counts, and what it survives. */
class SmtpSinkTest {

    private SmtpSink sink;
    private int port;

    @BeforeEach
    void start() throws IOException {
        sink = new SmtpSink("127.0.0.1", 0, 4);
        port = sink.start();
    }

    @AfterEach
    void stop() {
        sink.close();
    }

    /** A minimal hand-written client that reads one reply line per command (no multi-line replies here but EHLO). */
    private static final class Raw implements AutoCloseable {
        final Socket s;
        final InputStream in;
        final OutputStream out;

        Raw(int port) throws IOException {
            s = new Socket("127.0.0.1", port);
            s.setSoTimeout(5000);
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        String send(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return line();
        }

        @Override
        public void close() throws IOException {
            s.close();
        }
    }

    private static void transaction(Raw c, String content) throws IOException {
        assertThat(c.send("MAIL FROM:<a@b.example>\r\n")).startsWith("250");
        assertThat(c.send("RCPT TO:<c@d.example>\r\n")).startsWith("250");
        assertThat(c.send("DATA\r\n")).startsWith("354");
        assertThat(c.send(content + ".\r\n")).startsWith("250");
    }

    @Test
    void countsTheRunsMessagesWithUnstuffedBytesAndSpotsDuplicatesAndTags() throws Exception {
        sink.expectRun("r1");
        try (Raw c = new Raw(port)) {
            assertThat(c.line()).startsWith("220");
            assertThat(c.send("HELO me\r\n")).startsWith("250");
            String m0 = "X-Bench-Run: r1 0\r\nSubject: x\r\n\r\n..leading dot\r\n"; // 11+2 bytes on delivery
            transaction(c, m0);
            transaction(c, m0); // the same sequence number again: a duplicate delivery
            transaction(c, "x-bench-run: r1 1\r\nX-Streamail-Verdict: TAG\r\n\r\nbody\r\n");
            transaction(c, "X-Bench-Run: other 2\r\n\r\nbody\r\n");
            transaction(c, "Subject: no marker\r\n\r\nbody\r\n");
            assertThat(c.send("QUIT\r\n")).startsWith("221");
        }
        SmtpSink.Snapshot s = sink.awaitRun(2, Duration.ofSeconds(5));
        assertThat(s.runMessages()).isEqualTo(2);
        assertThat(s.duplicates()).isEqualTo(1);
        assertThat(s.tagged()).isEqualTo(1);
        assertThat(s.foreign()).isEqualTo(2);
        assertThat(s.totalMessages()).isEqualTo(5);
        long m0Bytes = "X-Bench-Run: r1 0\r\nSubject: x\r\n\r\n.leading dot\r\n".length();
        long m1Bytes = "x-bench-run: r1 1\r\nX-Streamail-Verdict: TAG\r\n\r\nbody\r\n".length();
        assertThat(s.runBytes()).isEqualTo(m0Bytes + m1Bytes);
        assertThat(s.lastArrivalNanos()).isGreaterThanOrEqualTo(s.firstArrivalNanos());
    }

    @Test
    void enforcesTheCommandOrder() throws Exception {
        try (Raw c = new Raw(port)) {
            c.line();
            assertThat(c.send("RCPT TO:<c@d.example>\r\n")).startsWith("503");
            assertThat(c.send("MAIL FROM:<a@b.example>\r\n")).startsWith("250");
            assertThat(c.send("DATA\r\n")).startsWith("503");
            assertThat(c.send("VRFY x\r\n")).startsWith("502");
        }
    }

    @Test
    void aHugeLineInDataIsCountedNotBuffered() throws Exception {
        sink.expectRun("r");
        String huge = "y".repeat(200_000);
        try (Raw c = new Raw(port)) {
            c.line();
            transaction(c, "X-Bench-Run: r 0\r\n\r\n" + huge + "\r\n");
        }
        SmtpSink.Snapshot s = sink.awaitRun(1, Duration.ofSeconds(5));
        assertThat(s.runMessages()).isEqualTo(1);
        assertThat(s.runBytes()).isEqualTo("X-Bench-Run: r 0\r\n\r\n".length() + huge.length() + 2);
    }

    @Test
    void aMessageOverTheSizeLimitGets552IsNotCountedAndTheSessionGoesOn() throws Exception {
        try (SmtpSink small = new SmtpSink("127.0.0.1", 0, 2, 1000)) {
            int p = small.start();
            try (Raw c = new Raw(p)) {
                c.line();
                assertThat(c.send("MAIL FROM:<a@b.example>\r\n")).startsWith("250");
                assertThat(c.send("RCPT TO:<c@d.example>\r\n")).startsWith("250");
                assertThat(c.send("DATA\r\n")).startsWith("354");
                assertThat(c.send(("0123456789".repeat(7) + "\r\n").repeat(20) + ".\r\n")).startsWith("552");
                transaction(c, "Subject: small\r\n\r\nfits\r\n"); // the session carries on
            }
            assertThat(small.snapshot().totalMessages()).isEqualTo(1);
        }
    }

    @Test
    void anOverlongCommandEndsTheSessionWithAnError() throws Exception {
        try (Raw c = new Raw(port)) {
            c.line();
            assertThat(c.send("NOOP " + "z".repeat(10_000) + "\r\n")).startsWith("500");
        }
    }

    @Test
    void connectionsBeyondTheLimitGet421() throws Exception {
        Raw[] held = new Raw[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = new Raw(port);
                assertThat(held[i].line()).startsWith("220");
            }
            try (Raw extra = new Raw(port)) {
                assertThat(extra.line()).startsWith("421");
            }
        } finally {
            for (Raw r : held) {
                if (r != null) {
                    r.close();
                }
            }
        }
    }

    @Test
    void awaitingGivesUpAfterTheIdleTimeoutWhenMessagesAreMissing() throws Exception {
        sink.expectRun("never");
        long t0 = System.nanoTime();
        SmtpSink.Snapshot s = sink.awaitRun(5, Duration.ofMillis(200));
        assertThat(s.runMessages()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(190), Duration.ofSeconds(3));
    }
}
