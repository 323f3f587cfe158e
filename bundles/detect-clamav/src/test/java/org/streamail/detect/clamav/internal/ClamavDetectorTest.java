package org.streamail.detect.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.streamail.detect.clamav.internal.ClamdIntegrationTest.attachment;
import static org.streamail.detect.clamav.internal.ClamdIntegrationTest.inspection;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;

/** Protocol and failure behaviour, against a local peer that checks the INSTREAM framing byte by byte. */
class ClamavDetectorTest {

    /** Accepts one connection, checks the INSTREAM framing and returns what the client sent. */
    static CompletableFuture<byte[]> peer(ServerSocket server, String reply, boolean answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] cmd = new byte[10];
                in.readFully(cmd);
                assertThat(new String(cmd, StandardCharsets.US_ASCII)).isEqualTo("zINSTREAM\0");
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                int chunks = 0;
                for (int len = in.readInt(); len != 0; len = in.readInt()) {
                    assertThat(len).isBetween(1, 64 * 1024);
                    got.write(in.readNBytes(len));
                    chunks++;
                }
                assertThat(chunks).isPositive();
                if (answer) {
                    OutputStream out = s.getOutputStream();
                    out.write((reply + "\0").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else {
                    Thread.sleep(3000);
                }
                return got.toByteArray();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void partsAreFramedAsInstreamChunksAndAFoundReplyBecomesAMalwareFinding() throws Exception {
        byte[] data = new byte[150_000];
        new java.util.Random(7).nextBytes(data);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> sent = peer(server, "stream: Win.Test.Thing FOUND", true);
            ClamavDetector d = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 5000, 1 << 20, 7.5);
            List<Finding> f = d.inspect(inspection("", attachment("x.bin", data)));
            assertThat(sent.get(5, TimeUnit.SECONDS)).isEqualTo(data);
            assertThat(f).singleElement().satisfies(x -> {
                assertThat(x.rule()).isEqualTo("virus");
                assertThat(x.score()).isEqualTo(7.5);
                assertThat(x.detail()).isEqualTo("clamd: Win.Test.Thing");
                assertThat(x.part()).isEqualTo("x.bin");
            });
        }
    }

    @Test
    void clamdDownIsOneErrorFindingSoThePolicyDecides() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ClamavDetector d = new ClamavDetector("", "127.0.0.1", port, 2000, 1 << 20, 10);
        List<Finding> f = d.inspect(inspection("body", attachment("a", new byte[10]), attachment("b", new byte[10])));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.rule()).isEqualTo("clamd-unavailable");
            assertThat(x.category()).isEqualTo(Category.ERROR);
            assertThat(x.detail()).contains("127.0.0.1");
        });
        ClamavDetector unix = new ClamavDetector("/nonexistent/clamd.sock", "127.0.0.1", 3310, 2000, 1 << 20, 10);
        assertThat(unix.inspect(inspection("body"))).singleElement()
                .satisfies(x -> assertThat(x.rule()).isEqualTo("clamd-unavailable"));
    }

    @Test
    void aSilentClamdTimesOutInsteadOfHanging() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            peer(server, "", false);
            ClamavDetector d = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 300, 1 << 20, 10);
            long t0 = System.nanoTime();
            List<Finding> f = d.inspect(inspection("", attachment("x", new byte[10])));
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
            assertThat(f).singleElement().satisfies(x -> {
                assertThat(x.rule()).isEqualTo("clamd-unavailable");
                assertThat(x.detail()).contains("did not answer within 300 ms");
            });
        }
    }

    @Test
    void repliesAreParsed() {
        assertThat(ClamdClient.parse("stream: OK").clean()).isTrue();
        assertThat(ClamdClient.parse("stream: Eicar-Test-Signature FOUND").signature()).isEqualTo("Eicar-Test-Signature");
        assertThat(ClamdClient.parse("INSTREAM size limit exceeded. ERROR").error())
                .isEqualTo("INSTREAM size limit exceeded.");
    }

    @Test
    void badConfigurationIsAClearError() {
        assertThatThrownBy(() -> new ClamavDetector("", "h", 0, 1000, 1, 1)).hasMessageContaining("out of range");
        // An empty host would silently mean the local host (InetAddress.getByName("")).
        assertThatThrownBy(() -> new ClamavDetector("", " ", 3310, 1000, 1, 1)).hasMessageContaining("host is empty");
    }

    /** Accepts one connection, reads the whole INSTREAM, answers {@code reply} as is (no NUL added) and closes. */
    static CompletableFuture<byte[]> rawPeer(ServerSocket server, byte[] reply) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket s = server.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                in.readNBytes(10);
                for (int len = in.readInt(); len != 0; len = in.readInt()) {
                    in.readNBytes(len);
                }
                s.getOutputStream().write(reply);
                s.getOutputStream().flush();
                return reply;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static List<Finding> answer(byte[] reply) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> done = rawPeer(server, reply);
            ClamavDetector d = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 5000, 1 << 20, 10);
            try {
                List<Finding> f = d.inspect(inspection("", attachment("x.bin", new byte[100])));
                done.get(5, TimeUnit.SECONDS);
                return f;
            } finally {
                d.deactivate();
            }
        }
    }

    @Test
    void onlyACompleteStreamOkIsClean() throws Exception {
        // Cut before its NUL (clamd died while answering), or not the INSTREAM answer at all: not "clean".
        for (String reply : List.of("stream: OK", "OK\0", "stream: OK FOUND-ish\0", "\0")) {
            assertThat(answer(reply.getBytes(StandardCharsets.US_ASCII))).as(reply).singleElement()
                    .satisfies(x -> assertThat(x.category()).isEqualTo(Category.ERROR));
        }
        assertThat(answer("stream: OK\0trailing junk".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    @Test
    void anEndlessReplyIsBoundedAndNeverClean() throws Exception {
        byte[] reply = new byte[20_000];
        java.util.Arrays.fill(reply, (byte) 'A');
        assertThat(answer(reply)).singleElement().satisfies(x -> {
            assertThat(x.category()).isEqualTo(Category.ERROR);
            assertThat(x.detail().length()).isLessThan(400);
        });
    }

    @Test
    void aSignatureNameCannotInjectLinesOrFloodTheReport() throws Exception {
        String evil = "Win.Evil\r\nX-Injected: yes\u001b[31m";
        assertThat(answer(("stream: " + evil + " FOUND\0").getBytes(StandardCharsets.UTF_8))).singleElement()
                .satisfies(x -> {
                    assertThat(x.rule()).isEqualTo("virus");
                    assertThat(x.detail()).startsWith("clamd: Win.Evil").doesNotContain("\r", "\n", "\u001b");
                });
        String longName = "A".repeat(3000);
        assertThat(answer(("stream: " + longName + " FOUND\0").getBytes(StandardCharsets.US_ASCII))).singleElement()
                .satisfies(x -> {
                    assertThat(x.rule()).isEqualTo("virus");
                    assertThat(x.detail().length()).isLessThan(400);
                });
    }

    @Test
    void clamdClosingMidStreamIsUnavailableNeverClean() throws Exception {
        byte[] data = new byte[4 << 20];
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    s.getInputStream().readNBytes(1000);
                    s.setSoLinger(true, 0); // reset, as a crashing clamd does
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            ClamavDetector d = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 5000, 8 << 20, 10);
            assertThat(d.inspect(inspection("", attachment("x.bin", data)))).singleElement()
                    .satisfies(x -> assertThat(x.rule()).isEqualTo("clamd-unavailable"));
            peer.get(5, TimeUnit.SECONDS);
            d.deactivate();
        }
    }

    @Test
    void aHostNameThatDoesNotResolveIsUnavailableNotAnException() throws Exception {
        ClamavDetector d = new ClamavDetector("", "clamd.invalid", 3310, 2000, 1 << 20, 10);
        try {
            assertThat(d.inspect(inspection("body"))).singleElement().satisfies(x -> {
                assertThat(x.rule()).isEqualTo("clamd-unavailable");
                assertThat(x.detail()).contains("clamd.invalid");
            });
        } finally {
            d.deactivate();
        }
    }

    @Test
    void finishedScansLeaveNoWatchdogTaskBehind() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> done = rawPeer(server, "stream: OK\0".getBytes(StandardCharsets.US_ASCII));
            ClamavDetector d = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 600_000, 1 << 20, 10);
            assertThat(d.inspect(inspection("", attachment("x.bin", new byte[10])))).isEmpty();
            done.get(5, TimeUnit.SECONDS);
            // A cancelled 10-minute kill task kept in the queue would hold the channel until it expires.
            assertThat(d.watchdog).isInstanceOfSatisfying(ScheduledThreadPoolExecutor.class,
                    t -> assertThat(t.getQueue()).isEmpty());
            d.deactivate();
        }
    }

    @Test
    void aScanAfterDeactivationIsAFindingNotAnException() throws Exception {
        ClamavDetector d = new ClamavDetector("", "127.0.0.1", 1, 2000, 1 << 20, 10);
        d.deactivate();
        assertThat(d.inspect(inspection("body"))).singleElement()
                .satisfies(x -> assertThat(x.rule()).isEqualTo("clamd-unavailable"));
    }
}
