package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.testsupport.MutableClock;

/** The webhook against a real HTTP server on loopback (the JDK's com.sun.net.httpserver). */
class AlertWebhookTest {

    record Hit(String signature, String contentType, byte[] body) {
    }

    @TempDir
    Path dir;

    HttpServer server;
    final List<Hit> hits = new CopyOnWriteArrayList<>();
    final AtomicInteger status = new AtomicInteger(204);
    volatile long delayMillis;
    final MemoryAlertStore store = new MemoryAlertStore();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            hits.add(new Hit(exchange.getRequestHeaders().getFirst("X-Streamail-Signature"),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    AlertServiceImpl service(Map<String, Object> props) {
        return new AlertServiceImpl(Configs.of(ReportingConfig.class, props), store,
                new MutableClock(Instant.parse("2025-03-10T09:00:00Z")), Runnable::run);
    }

    static String hmac(byte[] key, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    }

    @Test
    void everyAlertIsPostedAsJsonWithAnHmacSignatureOverTheExactBody() throws Exception {
        Path secret = Files.writeString(dir.resolve("hook.secret"), "s3cr3t-shared-with-the-edr\n");
        AlertServiceImpl s = service(Map.of("webhook.url", url(), "webhook.secret.file", secret.toString()));

        Alert a = s.raise(new AlertRequest("click-blocked", Severity.LOW, "10.0.0.5", "g1", "",
                "Blocked \"click\" on \\ link", "line1\nline2\u0001"));

        assertThat(hits).hasSize(1);
        Hit hit = hits.get(0);
        assertThat(hit.contentType()).startsWith("application/json");
        assertThat(hit.signature()).isEqualTo(hmac("s3cr3t-shared-with-the-edr".getBytes(StandardCharsets.UTF_8),
                hit.body()));
        assertThat(hit.signature()).isNotEqualTo(hmac("other-key".getBytes(StandardCharsets.UTF_8), hit.body()));
        String json = new String(hit.body(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"id\":\"" + a.id() + "\"", "\"severity\":\"LOW\"", "\"kind\":\"click-blocked\"",
                "\"subject\":\"10.0.0.5\"", "\"title\":\"Blocked \\\"click\\\" on \\\\ link\"",
                "\"detail\":\"line1\\nline2\\u0001\"", "\"occurrences\":1", "\"createdAt\":\"2025-03-10T09:00:00Z\"");
        assertThat(json).startsWith("{").endsWith("}");
    }

    @Test
    void alertsWhoseMailIsFoldedAreStillEachPosted() {
        AlertServiceImpl s = service(Map.of("webhook.url", url(), "admin.address", "secops@corp.example"));
        CapturingIntake intake = new CapturingIntake();
        s.intake = intake;
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(s.raise(new AlertRequest("click-blocked", Severity.CRITICAL, "10.0.0.5", "", "", "t", "")).id());
        }
        assertThat(intake.received).as("one mail, four folded").hasSize(1);
        assertThat(hits).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(new String(hits.get(i).body(), StandardCharsets.UTF_8)).contains("\"id\":\"" + ids.get(i) + "\"");
        }
    }

    @Test
    void withoutASecretFileTheRequestIsUnsigned() {
        AlertServiceImpl s = service(Map.of("webhook.url", url()));
        s.raise(new AlertRequest("host-isolated", Severity.HIGH, "10.0.0.7", "", "", "t", ""));
        assertThat(hits).singleElement().satisfies(h -> assertThat(h.signature()).isNull());
    }

    @Test
    void aFailingOrSlowHookNeverFailsRaise() throws Exception {
        status.set(500);
        AlertServiceImpl s = service(Map.of("webhook.url", url()));
        Alert a = s.raise(new AlertRequest("host-isolated", Severity.HIGH, "x", "", "", "t", ""));
        assertThat(store.get(a.id())).isPresent();

        delayMillis = 3000;
        status.set(200);
        AlertServiceImpl slow = service(Map.of("webhook.url", url(), "webhook.timeout.seconds", 1));
        long t0 = System.nanoTime();
        Alert b = slow.raise(new AlertRequest("host-isolated", Severity.HIGH, "y", "", "", "t", ""));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(store.get(b.id())).isPresent();
        assertThat(millis).as("bounded by webhook.timeout.seconds").isLessThan(2500);
    }

    @Test
    void unsafeWebhookSettingsAreRefused() throws Exception {
        assertThatThrownBy(() -> service(Map.of("webhook.url", "http://10.1.2.3/hook")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
        assertThatThrownBy(() -> service(Map.of("webhook.url", "ftp://127.0.0.1/hook")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> service(Map.of("webhook.url", url(), "webhook.secret.file",
                dir.resolve("missing").toString()))).hasMessageContaining("webhook.secret.file");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        assertThatThrownBy(() -> service(Map.of("webhook.url", url(), "webhook.secret.file", empty.toString())))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> service(Map.of("webhook.url", url(), "webhook.timeout.seconds", 0)))
                .hasMessageContaining("webhook.timeout.seconds");
        assertThat(service(Map.of("webhook.url", "https://edr.example.org/hooks/streamail"))).isNotNull();
    }

    /**
     * Chat and SOAR webhooks carry their secret in the path (Slack {@code /services/T/B/<token>}, Discord
     * {@code /api/webhooks/<id>/<token>}): the URL as logged (activation, every failed post) and a refused URL's
     * message must not show it.
     */
    @Test
    void theWebhookPathWhichMayHoldItsTokenIsNeverLogged() {
        String token = "Xq7sEcReTtOkEn42";
        AlertWebhook hook = AlertWebhook.from("https://hooks.example.com:8443/services/T0001/B0002/" + token
                + "?x=" + token, null, 5);
        assertThat(hook.toString()).doesNotContain(token).contains("https://hooks.example.com:8443");
        assertThatThrownBy(() -> AlertWebhook.from("https://hooks.example.com/services/" + token + " x", null, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(token);
    }

    /** A webhook that is down or slow must not hold back the mail of the alerts (both ran in one job on two threads). */
    @Test
    void aSlowHookDoesNotDelayTheAlertMail() throws Exception {
        delayMillis = 3000;
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class, Map.of("webhook.url", url(),
                "webhook.timeout.seconds", 1, "admin.address", "secops@corp.example")), store,
                new MutableClock(Instant.parse("2025-03-10T09:00:00Z")), null);
        CapturingIntake intake = new CapturingIntake();
        s.intake = intake;
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < 6; i++) {
                s.raise(new AlertRequest("host-isolated", Severity.CRITICAL, "10.0.0." + i, "", "", "t", ""));
            }
            while (intake.received.size() < 6 && System.nanoTime() - t0 < 5_000_000_000L) {
                Thread.sleep(10);
            }
            assertThat(intake.received).hasSize(6);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("mail not behind the hook").isLessThan(1500);
        } finally {
            s.deactivate();
        }
    }

    /** The timeout bounds the whole exchange: a hook that sends its headers and then trickles the body is cut off. */
    @Test
    void aHookThatStallsInItsReplyBodyIsCutOffAtTheTimeout() {
        server.createContext("/stall", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, 100);
            exchange.getResponseBody().write('x');
            exchange.getResponseBody().flush();
            try {
                Thread.sleep(6000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        AlertServiceImpl s = service(Map.of("webhook.url", url().replace("/hook", "/stall"),
                "webhook.timeout.seconds", 1));
        long t0 = System.nanoTime();
        Alert a = s.raise(new AlertRequest("host-isolated", Severity.HIGH, "z", "", "", "t", ""));
        assertThat(store.get(a.id())).isPresent();
        assertThat((System.nanoTime() - t0) / 1_000_000).as("bounded by webhook.timeout.seconds").isLessThan(2500);
    }
}
