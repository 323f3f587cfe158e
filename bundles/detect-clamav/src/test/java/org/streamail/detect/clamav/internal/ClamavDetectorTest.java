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
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;

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
    void aSignatureNameStaysOnePrintableLineWithUnicodeSeparatorsAndIsNeverCutInsideACharacter() {
        // U+2028/U+2029 are line breaks to many viewers (and JSON consumers); they are not ISO controls.
        assertThat(ClamdClient.parse("stream: Win.A\u2028X-Injected\u2029B FOUND").signature())
                .isEqualTo("Win.A?X-Injected?B");
        // A name cut at 200 characters must not end in half a surrogate pair (not encodable as UTF-8).
        String cut = ClamdClient.parse("stream: A" + "\uD83D\uDE00".repeat(300) + " FOUND").signature();
        assertThat(cut).startsWith("A\uD83D\uDE00").endsWith("\u2026");
        assertThat(cut.codePoints().filter(c -> Character.getType(c) == Character.SURROGATE)).isEmpty();
    }

    @Test
    void spacesAroundTheHostFromACfgFileDoNotMakeEveryScanUnavailable() throws Exception {
        // A .cfg value keeps its trailing spaces ("host = 127.0.0.1 "): looked up as is, no scan ever reached clamd.
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> sent = peer(server, "stream: Win.Test.Thing FOUND", true);
            ClamavDetector d = new ClamavDetector(" ", " 127.0.0.1 ", server.getLocalPort(), 5000, 1 << 20, 10);
            try {
                assertThat(d.inspect(inspection("", attachment("x.bin", new byte[10])))).singleElement()
                        .satisfies(x -> assertThat(x.rule()).isEqualTo("virus"));
                sent.get(5, TimeUnit.SECONDS);
                assertThat(d.lookup().isLiteral()).isTrue();
            } finally {
                d.deactivate();
            }
        }
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

    @Test
    @Timeout(60) // without its watchdog the scan below blocks in read() for good
    void aScanInFlightWhenTheDetectorIsDeactivatedStillEndsAtItsDeadline() throws Exception {
        // A configuration change re-creates the component: the old instance is deactivated while pipeline
        // threads are still inside inspect(). Their kill tasks must still fire, or a silent clamd holds them.
        CountDownLatch streamed = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    in.readNBytes(10);
                    for (int len = in.readInt(); len != 0; len = in.readInt()) {
                        in.readNBytes(len);
                    }
                    streamed.countDown();
                    done.await(); // silent until the test ends
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            ClamavDetector d = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 1000, 1 << 20, 10);
            try {
                CompletableFuture<List<Finding>> scan = CompletableFuture.supplyAsync(
                        () -> d.inspect(inspection("", attachment("x.bin", new byte[10]))));
                assertThat(streamed.await(10, TimeUnit.SECONDS)).isTrue();
                d.deactivate();
                assertThat(scan.get(20, TimeUnit.SECONDS)).singleElement()
                        .satisfies(x -> assertThat(x.rule()).isEqualTo("clamd-unavailable"));
            } finally {
                done.countDown();
                d.deactivate();
            }
        }
    }

    /** A resolver that blocks until {@code release} opens, counting its calls, then fails. */
    private static HostLookup.Resolver hanging(CountDownLatch release, AtomicInteger calls) {
        return host -> {
            calls.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new UnknownHostException(host);
        };
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    @Test
    @Timeout(30) // a lookup outside the deadline would hang here for good
    void aHangingResolverIsBoundedByThePartsTimeoutAndHoldsAtMostTwoThreads() {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        ClamavDetector d = new ClamavDetector("", "clamd.example", 3310, 200, 1 << 20, 10, true, false, 0,
                hanging(release, calls));
        try {
            long t0 = System.nanoTime();
            assertThat(d.inspect(inspection("body"))).singleElement().satisfies(x -> {
                assertThat(x.rule()).isEqualTo("clamd-unavailable");
                assertThat(x.category()).isEqualTo(Category.ERROR);
                assertThat(x.detail()).contains("clamd.example", "not resolved within 200 ms");
            });
            assertThat(millisSince(t0)).isLessThan(3 * 200);
            // Every later scan meets the same hung resolver: it waits at most its own timeout, and once the
            // lookup threads are all held it is answered at once instead of starting another thread.
            for (int i = 0; i < 10; i++) {
                long t = System.nanoTime();
                assertThat(d.inspect(inspection("body"))).singleElement()
                        .satisfies(x -> assertThat(x.rule()).isEqualTo("clamd-unavailable"));
                assertThat(millisSince(t)).isLessThan(3 * 200);
            }
            assertThat(d.inspect(inspection("body"))).singleElement()
                    .satisfies(x -> assertThat(x.detail()).contains("earlier lookups have not returned"));
            assertThat(calls.get()).isBetween(1, HostLookup.MAX_LOOKUPS);
            assertThat(d.lookup().largestThreads()).isBetween(1, HostLookup.MAX_LOOKUPS);
        } finally {
            release.countDown();
            d.deactivate();
        }
    }

    @Test
    @Timeout(30) // a lookup outside the deadline would hang here for good
    void aHangingResolverIsBoundedByThePipelineDeadline() {
        CountDownLatch release = new CountDownLatch(1);
        ClamavDetector d = new ClamavDetector("", "clamd.example", 3310, 60_000, 1 << 20, 10, true, false, 0,
                hanging(release, new AtomicInteger()));
        try {
            ParsedMessage m = new ParsedMessage("id", "s", List.of(), List.of(), List.of(), List.of(), List.of(),
                    "body", "", List.of(), List.of(), 0, false, List.of());
            Inspection in = new Inspection("id", Envelope.inbound("a@b.example", List.of("c@d.example"),
                    "127.0.0.1", "h"), m, Content.of(new byte[0]), Instant.now().plusMillis(300));
            long t0 = System.nanoTime();
            assertThat(d.inspect(in)).singleElement().satisfies(x -> {
                assertThat(x.rule()).isEqualTo("clamd-unavailable");
                assertThat(x.detail()).contains("not resolved within");
            });
            assertThat(millisSince(t0)).isLessThan(3 * 300);
        } finally {
            release.countDown();
            d.deactivate();
        }
    }

    @Test
    void aHostNameIsLookedUpThroughTheResolverAndALiteralAddressNever() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HostLookup.Resolver loopback = host -> {
            calls.incrementAndGet();
            assertThat(host).isEqualTo("clamd.test");
            return InetAddress.getLoopbackAddress();
        };
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> sent = peer(server, "stream: Win.Test.Thing FOUND", true);
            ClamavDetector named = new ClamavDetector("", "clamd.test", server.getLocalPort(), 5000, 1 << 20, 10,
                    true, false, 0, loopback);
            assertThat(named.inspect(inspection("", attachment("x.bin", new byte[10])))).singleElement()
                    .satisfies(x -> assertThat(x.rule()).isEqualTo("virus"));
            sent.get(5, TimeUnit.SECONDS);
            assertThat(calls.get()).isEqualTo(1);
            named.deactivate();

            sent = peer(server, "stream: OK", true);
            ClamavDetector literal = new ClamavDetector("", "127.0.0.1", server.getLocalPort(), 5000, 1 << 20, 10,
                    true, false, 0, h -> {
                        throw new AssertionError("a literal address was looked up: " + h);
                    });
            assertThat(literal.inspect(inspection("", attachment("x.bin", new byte[10])))).isEmpty();
            sent.get(5, TimeUnit.SECONDS);
            assertThat(literal.lookup().isLiteral()).isTrue();
            assertThat(literal.lookup().largestThreads()).isZero();
            literal.deactivate();
        }
        assertThat(HostLookup.literal("::1")).isNotNull();
        assertThat(HostLookup.literal("[::1]")).isNotNull();
        assertThat(HostLookup.literal("10.0.0.255").getAddress()).containsExactly(10, 0, 0, (byte) 255);
        assertThat(HostLookup.literal("clamd.example")).isNull();
        assertThat(HostLookup.literal("256.1.1.1")).isNull();
        assertThatThrownBy(() -> new ClamavDetector("", "fe80::zz", 3310, 1000, 1, 1))
                .hasMessageContaining("not a valid IP address");
    }

    @Test
    void aPartOverMaxStreamIsAnErrorByDefaultAndAScoredPolicyFindingWithOversizeAlert() {
        ClamavDetector quiet = new ClamavDetector("", "127.0.0.1", 1, 2000, 100, 10);
        assertThat(quiet.inspect(inspection("", attachment("big.bin", new byte[101])))).singleElement()
                .satisfies(x -> {
                    assertThat(x.rule()).isEqualTo("part-too-large");
                    assertThat(x.category()).isEqualTo(Category.ERROR);
                    assertThat(x.score()).isZero();
                    assertThat(x.part()).isEqualTo("big.bin");
                });
        quiet.deactivate();
        ClamavDetector alert = new ClamavDetector("", "127.0.0.1", 1, 2000, 100, 10, true, true, 6.5,
                InetAddress::getByName);
        assertThat(alert.inspect(inspection("", attachment("big.bin", new byte[101])))).singleElement()
                .satisfies(x -> {
                    assertThat(x.rule()).isEqualTo("part-too-large");
                    assertThat(x.category()).isEqualTo(Category.POLICY);
                    assertThat(x.score()).isEqualTo(6.5);
                    assertThat(x.detail()).contains("101 bytes", "max.stream 100", "not scanned");
                });
        alert.deactivate();
    }
}
