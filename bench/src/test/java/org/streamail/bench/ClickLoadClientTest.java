package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The click client against the JDK's own HTTP server playing the gateway's click endpoint. */
class ClickLoadClientTest {

    private HttpServer server;
    private ExecutorService pool;
    private final AtomicInteger clicks = new AtomicInteger();
    private final AtomicInteger landings = new AtomicInteger();
    private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
    private final Set<String> forwardedFor = ConcurrentHashMap.newKeySet();
    private volatile int clickStatus = 302;
    private String base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        pool = Executors.newFixedThreadPool(8);
        server.setExecutor(pool);
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/streamail/click/", ex -> {
            clicks.incrementAndGet();
            clientPorts.add(ex.getRemoteAddress().getPort());
            ex.getRequestHeaders().getOrDefault("X-Forwarded-For", List.of()).forEach(forwardedFor::add);
            if (clickStatus == 302) {
                ex.getResponseHeaders().set("Location", base + "/landing");
                reply(ex, 302, "");
            } else {
                reply(ex, clickStatus, "<html><body>Blocked: this link is dangerous</body></html>");
            }
        });
        // Where the redirect points: a client following redirects would end up here.
        server.createContext("/landing", ex -> {
            landings.incrementAndGet();
            reply(ex, 200, "landed");
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }

    private ClickLoadClient.Target target(int concurrency, int expect, List<Map.Entry<String, String>> headers) {
        return new ClickLoadClient.Target(URI.create(base + "/streamail/click/AAAA.BBBB"), headers, concurrency,
                expect, Duration.ofSeconds(10));
    }

    @Test
    void everyRequestIsAnsweredWith302AndTheRedirectIsNotFollowed() throws Exception {
        ClickLoadClient.Result r = new ClickLoadClient(target(4, 302,
                List.of(Map.entry("X-Forwarded-For", "192.0.2.7")))).run(200);

        assertThat(r.attempted()).isEqualTo(200);
        assertThat(r.answered()).isEqualTo(200);
        assertThat(r.errors()).isZero();
        assertThat(r.unexpected()).isZero();
        assertThat(r.statuses()).containsExactly(Map.entry(302, 200L));
        assertThat(r.locations()).containsExactly(Map.entry(base + "/landing", 200L));
        assertThat(clicks.get()).isEqualTo(200);
        assertThat(landings.get()).as("redirects followed").isZero();
        assertThat(forwardedFor).containsExactly("192.0.2.7");
        assertThat(r.latencies().count()).isEqualTo(200);
        assertThat(r.latencies().percentile(50)).isPositive();
        assertThat(r.latencies().max()).isGreaterThanOrEqualTo(r.latencies().percentile(99))
                .isLessThan(r.endNanos() - r.startNanos() + 1);
        assertThat(r.ratePerSecond()).isPositive();
        // keep-alive: 200 requests over no more connections than clients
        assertThat(clientPorts).hasSizeBetween(1, 4);
    }

    @Test
    void statusesOtherThanTheExpectedOneAreCountedWithAnExample() throws Exception {
        clickStatus = 403;
        ClickLoadClient.Result r = new ClickLoadClient(target(3, 302, List.of())).run(30);

        assertThat(r.answered()).isEqualTo(30);
        assertThat(r.unexpected()).isEqualTo(30);
        assertThat(r.statuses()).containsExactly(Map.entry(403, 30L));
        assertThat(r.locations()).isEmpty();
        assertThat(r.latencies().count()).isEqualTo(30);
        assertThat(r.errorExamples()).containsEntry("HTTP 403",
                "<html><body>Blocked: this link is dangerous</body></html>");
    }

    @Test
    void withoutAnExpectedStatusA403IsAnAnswerButA5xxIsNot() throws Exception {
        clickStatus = 403;
        assertThat(new ClickLoadClient(target(2, 0, List.of())).run(10).unexpected()).isZero();
        clickStatus = 503;
        assertThat(new ClickLoadClient(target(2, 0, List.of())).run(10).unexpected()).isEqualTo(10);
    }

    // ---- through the command line

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BenchMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theClickModePrintsTheReportBlockAndCountsNeitherWarmUpNorProbe() {
        int rc = run("click", "--url", base + "/streamail/click/AAAA.BBBB", "-n", "60", "-c", "5", "--warmup", "7",
                "--expect", "302", "--header", "X-Forwarded-For: 192.0.2.9");
        String text = out.toString(StandardCharsets.UTF_8);

        assertThat(rc).as(text + err).isEqualTo(BenchMain.EXIT_OK);
        assertThat(clicks.get()).isEqualTo(60 + 7 + 1);
        assertThat(landings.get()).isZero();
        assertThat(text).contains("----- streamail-bench click -----")
                .contains("(redirects not followed, X-Forwarded-For: 192.0.2.9)")
                .contains("clients         5 concurrent (java.net.http, HTTP/1.1 keep-alive), warm-up 7 + 1 probe "
                        + "(HTTP 302)")
                .contains("requests        60 / 60 answered  (I/O errors 0, not 302: 0)")
                .contains("statuses        {302=60}")
                .contains("redirects       60 -> " + base + "/landing")
                .containsPattern("rate            \\d+\\.\\d req/s")
                .containsPattern("latency         p50 [\\d.]+ ms  p95 [\\d.]+ ms  p99 [\\d.]+ ms  max [\\d.]+ ms")
                .doesNotContain("WARNING");
    }

    @Test
    void anUnexpectedStatusStillPrintsTheFiguresButExitsWith1() {
        clickStatus = 403;
        int rc = run("click", "--url", base + "/streamail/click/x", "-n", "20", "-c", "2", "--warmup", "0",
                "--expect", "302");
        String text = out.toString(StandardCharsets.UTF_8);

        assertThat(rc).as(text + err).isEqualTo(BenchMain.EXIT_INCOMPLETE);
        assertThat(text).contains("statuses        {403=20}")
                .contains("failure         HTTP 403: <html><body>Blocked")
                .contains("WARNING         20 answer(s) were not HTTP 302");
    }

    @Test
    void noClickEndpointOrNoServerExitsWith3() throws Exception {
        assertThat(run("click", "--url", base + "/elsewhere/x", "-n", "5")).isEqualTo(BenchMain.EXIT_UNREACHABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("HTTP 404 for the click URL");

        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThat(run("click", "--url", "http://127.0.0.1:" + port + "/streamail/click/x", "-n", "5"))
                .isEqualTo(BenchMain.EXIT_UNREACHABLE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("nothing answers at http://127.0.0.1:" + port);
    }
}
