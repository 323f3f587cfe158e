package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The client against the real sink (the tool's own loop), and against a scripted refusing server. */
class SmtpLoadClientTest {

    private static MessageSet messages(int n) {
        return MessageSet.generated(5, MessageSet.parseMix(MessageSet.DEFAULT_MIX), n, "sender@example.net",
                "bench@example.com");
    }

    private static SmtpLoadClient.Target target(int port, int concurrency, int perSession) {
        return new SmtpLoadClient.Target("127.0.0.1", port, concurrency, perSession, "sender@example.net",
                "bench@example.com", Duration.ofSeconds(10));
    }

    @Test
    void everyMessageSentToTheSinkArrivesOnceWithItsBytesIntact() throws Exception {
        MessageSet set = messages(300);
        try (SmtpSink sink = new SmtpSink("127.0.0.1", 0, 64)) {
            int port = sink.start();
            sink.expectRun("t1");
            SmtpLoadClient.Result r = new SmtpLoadClient(target(port, 4, 7)).run(set, "t1", 300);
            SmtpSink.Snapshot s = sink.awaitRun(300, Duration.ofSeconds(10));

            assertThat(r.attempted()).isEqualTo(300);
            assertThat(r.accepted()).isEqualTo(300);
            assertThat(r.errors() + r.rejected() + r.tempFailed()).isZero();
            assertThat(r.sessions()).isBetween(300L / 7, 300L / 7 + 4);
            assertThat(r.latencies().count()).isEqualTo(300);
            assertThat(s.runMessages()).isEqualTo(300);
            assertThat(s.duplicates()).isZero();
            long expectedBytes = 0;
            for (int i = 0; i < 300; i++) {
                expectedBytes += set.prefix("t1", i).length + set.template(i).raw().length;
            }
            assertThat(s.runBytes()).isEqualTo(expectedBytes); // dot-stuffed on the wire, unstuffed at the sink
            assertThat(r.bytesSent()).isGreaterThanOrEqualTo(expectedBytes);
            assertThat(r.acceptRatePerSecond()).isPositive();
        }
    }

    @Test
    void refusalsAreCountedByStageAndCodeAndTheSessionCarriesOn() throws Exception {
        // A scripted server: every second RCPT gets 550 5.1.1, every accepted DATA gets 451 on odd messages.
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicInteger rcpts = new AtomicInteger();
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    LineReader r = new LineReader(in, 4096);
                    byte[] line = new byte[100_000];
                    out.write("220 scripted\r\n".getBytes(StandardCharsets.US_ASCII));
                    int data = 0;
                    String l;
                    while ((l = r.readLineString(line)) != null) {
                        String reply;
                        if (l.startsWith("EHLO")) {
                            reply = "250-scripted\r\n250 PIPELINING";
                        } else if (l.startsWith("RCPT")) {
                            reply = rcpts.incrementAndGet() % 2 == 0 ? "550 5.1.1 no such user" : "250 ok";
                        } else if (l.equals("DATA")) {
                            out.write("354 go\r\n".getBytes(StandardCharsets.US_ASCII));
                            String d;
                            while ((d = r.readLineString(line)) != null && !d.equals(".")) {
                                // swallow content
                            }
                            reply = data++ % 2 == 1 ? "451 4.7.0 try later" : "250 2.0.0 queued";
                        } else if (l.equals("QUIT")) {
                            out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                            return;
                        } else {
                            reply = "250 ok";
                        }
                        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException e) {
                    // test server ends with the client
                }
            });
            t.start();
            SmtpLoadClient.Result r = new SmtpLoadClient(target(server.getLocalPort(), 1, 100))
                    .run(messages(8), "t", 8);
            t.join(5000);

            // 8 messages: RCPT refused for 4; of the 4 DATAs, 2 accepted and 2 get 451.
            assertThat(r.accepted()).isEqualTo(2);
            assertThat(r.rejected()).isEqualTo(4);
            assertThat(r.tempFailed()).isEqualTo(2);
            assertThat(r.errors()).isZero();
            assertThat(r.failures()).containsEntry("RCPT 550 5.1.1", 4L).containsEntry("END 451 4.7.0", 2L);
            assertThat(r.failureExamples().get("RCPT 550 5.1.1")).isEqualTo("5.1.1 no such user");
            assertThat(r.latencies().count()).isEqualTo(2);
        }
    }

    @Test
    void aTargetThatIsDownIsOneClearErrorAndTheRunStopsInsteadOfSpinning() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        int port = deadPort;
        assertThatThrownBy(() -> SmtpLoadClient.probe("127.0.0.1", port, Duration.ofSeconds(2)))
                .hasMessageContaining("no SMTP server answers at 127.0.0.1:" + port);
        SmtpLoadClient.Result r = new SmtpLoadClient(target(port, 2, 10)).run(messages(1000), "t", 1000);
        assertThat(r.errors()).isEqualTo(2L * SmtpLoadClient.MAX_CONSECUTIVE_FAILURES);
        assertThat(r.accepted()).isZero();
    }

    @Test
    void replyLinesAreParsedStrictly() {
        assertThat(SmtpLoadClient.replyCode("250 ok")).isEqualTo(250);
        assertThat(SmtpLoadClient.replyCode("250-PIPELINING")).isEqualTo(250);
        assertThat(SmtpLoadClient.replyCode("354")).isEqualTo(354);
        assertThat(SmtpLoadClient.replyCode("25")).isEqualTo(-1);
        assertThat(SmtpLoadClient.replyCode("2500 x")).isEqualTo(-1);
        assertThat(SmtpLoadClient.replyCode("abc def")).isEqualTo(-1);
        assertThat(SmtpLoadClient.replyCode("150 old")).isEqualTo(-1);
        assertThat(SmtpLoadClient.enhancedCode("550 5.7.1 relaying denied")).isEqualTo("5.7.1");
        assertThat(SmtpLoadClient.enhancedCode("250 ok queued as 12")).isEmpty();
    }
}
