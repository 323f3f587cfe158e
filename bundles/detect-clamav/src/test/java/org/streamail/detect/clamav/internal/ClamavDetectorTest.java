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
    }
}
