package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The scan client against a real HTTP server (the JDK's) that plays the gateway's /scan endpoint. */
class ScanLoadClientTest {

    private HttpServer server;
    private String base;
    private final Map<String, String> seenQueries = new ConcurrentHashMap<>();
    private final AtomicInteger scans = new AtomicInteger();
    private final Map<String, Integer> bodyBytes = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        String good = "Basic " + Base64.getEncoder().encodeToString("admin:s3cret".getBytes(StandardCharsets.UTF_8));
        server.createContext("/streamail/api/v1/health", ex -> {
            int status = good.equals(ex.getRequestHeaders().getFirst("Authorization")) ? 200 : 401;
            respond(ex, status, "{\"status\":\"UP\"}");
        });
        server.createContext("/streamail/api/v1/scan", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            if (!good.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                respond(ex, 401, "{\"error\":\"unauthorized\"}");
                return;
            }
            if (!"message/rfc822".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                respond(ex, 415, "{\"error\":\"content type\"}");
                return;
            }
            seenQueries.put(ex.getRequestURI().getRawQuery(), "");
            String text = new String(body, StandardCharsets.ISO_8859_1);
            String marker = text.substring(0, text.indexOf("\r\n"));
            bodyBytes.put(marker, body.length);
            int n = scans.incrementAndGet();
            if (n % 10 == 0) {
                respond(ex, 400, "{\"error\":\"malformed message\"}");
            } else {
                respond(ex, 200, "{\"action\" : \"" + (n % 3 == 0 ? "QUARANTINE" : "DELIVER")
                        + "\",\"score\":1.0,\"categories\":[],\"findings\":[]}");
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort() + "/streamail/api/v1/";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private static void respond(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private ScanLoadClient.Target target(String password) {
        return new ScanLoadClient.Target(base, "admin", password, 3, "sender@example.net", "bench@example.com",
                Duration.ofSeconds(10));
    }

    @Test
    void postsEveryMessageOnceAndTalliesStatusesAndActions() throws Exception {
        MessageSet set = MessageSet.generated(9, MessageSet.parseMix(MessageSet.DEFAULT_MIX), 50,
                "sender@example.net", "bench@example.com");
        ScanLoadClient client = new ScanLoadClient(target("s3cret"));
        client.probe();
        ScanLoadClient.Result r = client.run(set, "s1", 50);

        assertThat(r.attempted()).isEqualTo(50);
        assertThat(r.ok()).isEqualTo(45);
        assertThat(r.statuses()).containsEntry(200, 45L).containsEntry(400, 5L);
        assertThat(r.actions().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(45);
        assertThat(r.actions()).containsKeys("DELIVER", "QUARANTINE");
        assertThat(r.errorExamples().get("HTTP 400")).contains("malformed message");
        assertThat(r.latencies().count()).isEqualTo(45);
        assertThat(seenQueries.keySet())
                .containsExactly("sender=sender%40example.net&rcpt=bench%40example.com&client_ip=127.0.0.1");
        assertThat(bodyBytes).hasSize(50);
        assertThat(bodyBytes.get("X-Bench-Run: s1 7"))
                .isEqualTo(set.prefix("s1", 7).length + set.template(7).raw().length);
    }

    @Test
    void aWrongPasswordIsOneClearErrorBeforeTheRun() {
        assertThatThrownBy(() -> new ScanLoadClient(target("wrong")).probe())
                .hasMessageContaining("refused user 'admin' (HTTP 401)")
                .hasMessageContaining("STREAMAIL_ADMIN_PASSWORD");
    }

    @Test
    void aGatewayThatIsNotReadySaysWhyBeforeTheRun() {
        server.removeContext("/streamail/api/v1/health");
        server.createContext("/streamail/api/v1/health",
                ex -> respond(ex, 503, "{\"ready\":false,\"missing\":[\"clamav\"]}"));
        assertThatThrownBy(() -> new ScanLoadClient(target("s3cret")).probe())
                .hasMessageContaining("not ready").hasMessageContaining("HTTP 503").hasMessageContaining("clamav");
    }

    @Test
    void theActionIsReadFromTheVerdictJson() {
        assertThat(ScanLoadClient.action("{\"action\":\"REJECT\",\"score\":9}")).isEqualTo("REJECT");
        assertThat(ScanLoadClient.action("{\"score\":9}")).isEqualTo("?");
    }
}
