package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.isolation.Enforcer.EnforcementChange;
import org.streamail.api.isolation.Isolation;

class WebhookEnforcerTest {

    private static final byte[] KEY = "0123456789abcdef-test-key".getBytes(StandardCharsets.UTF_8);

    record Received(String body, String signature, String contentType) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 204;
    private HttpServer server;
    private final java.util.concurrent.CountDownLatch answered = new java.util.concurrent.CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readNBytes(65536);
            received.add(new Received(new String(body, StandardCharsets.UTF_8),
                    ex.getRequestHeaders().getFirst("X-Streamail-Signature"),
                    ex.getRequestHeaders().getFirst("Content-Type")));
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        answered.countDown();
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook?token=abc";
    }

    private static Isolation iso(String ip, String reason) {
        return new Isolation(ip, "aa:bb:cc:dd:ee:ff", reason, "linkguard", Instant.parse("2026-03-01T10:00:00Z"),
                Instant.parse("2026-03-01T14:00:00Z"), 1);
    }

    private static String hmac(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void everyChangeShouldBePostedAsSignedJson() throws Exception {
        WebhookEnforcer e = new WebhookEnforcer(url(), KEY, Duration.ofSeconds(5));
        Isolation i = iso("10.0.1.2", "clicked \"bad\" \\ link\n\u0001");
        e.apply(new EnforcementChange("isolate", i, List.of(i), List.of()));
        e.apply(new EnforcementChange("release", i, List.of(), List.of()));

        assertThat(received).hasSize(2);
        Received r = received.get(0);
        assertThat(r.body()).isEqualTo("{\"action\":\"isolate\",\"ip\":\"10.0.1.2\",\"mac\":\"aa:bb:cc:dd:ee:ff\","
                + "\"reason\":\"clicked \\\"bad\\\" \\\\ link\\n\\u0001\",\"until\":\"2026-03-01T14:00:00Z\"}");
        assertThat(r.signature()).isEqualTo("sha256=" + hmac(r.body()));
        assertThat(r.contentType()).startsWith("application/json");
        assertThat(received.get(1).body()).startsWith("{\"action\":\"release\",\"ip\":\"10.0.1.2\"");
        assertThat(received.get(1).signature()).isEqualTo("sha256=" + hmac(received.get(1).body()));
        assertThat(e.toString()).doesNotContain("token").doesNotContain("0123456789");
    }

    @Test
    void aSetAnotherGatewayChangedShouldBeAdoptedWithoutPostingAndCountForALaterRollback() throws Exception {
        WebhookEnforcer e = new WebhookEnforcer(url(), KEY, Duration.ofSeconds(5));
        Isolation i = iso("10.0.1.2", "r");
        Isolation j = iso("10.0.1.3", "r");
        e.apply(new EnforcementChange("sync", null, List.of(), List.of())); // start-up
        e.apply(new EnforcementChange(IsolationServiceImpl.ADOPT, null, List.of(i), List.of()));
        assertThat(received).as("the other gateway told the hook").isEmpty();
        // this node isolates j, another enforcer refuses, the rollback goes back to {i}: only j is undone
        e.apply(new EnforcementChange("isolate", j, List.of(i, j), List.of()));
        e.apply(new EnforcementChange("sync", null, List.of(i), List.of()));
        assertThat(received).extracting(Received::body).hasSize(2);
        assertThat(received.get(1).body()).startsWith("{\"action\":\"release\",\"ip\":\"10.0.1.3\"");
    }

    @Test
    void aNon2xxAnswerShouldFail() {
        status = 500;
        WebhookEnforcer e = new WebhookEnforcer(url(), KEY, Duration.ofSeconds(5));
        Isolation i = iso("10.0.1.2", "r");
        assertThatThrownBy(() -> e.apply(new EnforcementChange("isolate", i, List.of(i), List.of())))
                .hasMessageContaining("HTTP 500").hasMessageNotContaining("token=abc");
        status = 302;
        assertThatThrownBy(() -> e.apply(new EnforcementChange("isolate", i, List.of(i), List.of())))
                .hasMessageContaining("HTTP 302");
    }

    @Test
    void anUnreachableHookShouldFail() throws Exception {
        int port = server.getAddress().getPort();
        server.stop(0);
        WebhookEnforcer e = new WebhookEnforcer("http://127.0.0.1:" + port + "/hook", KEY, Duration.ofSeconds(2));
        Isolation i = iso("10.0.1.2", "r");
        assertThatThrownBy(() -> e.apply(new EnforcementChange("isolate", i, List.of(i), List.of())))
                .hasMessageContaining("unreachable");
    }

    @Test
    void aHookThatNeverFinishesItsAnswerShouldNotHangTheCaller() throws Exception {
        server.createContext("/slow", ex -> {
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, 0); // chunked: the body never ends
            try {
                ex.getResponseBody().write('{');
                ex.getResponseBody().flush();
                answered.await(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        });
        WebhookEnforcer e = new WebhookEnforcer("http://127.0.0.1:" + server.getAddress().getPort() + "/slow", KEY,
                Duration.ofSeconds(1));
        Isolation i = iso("10.0.1.2", "r");
        long start = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> e.apply(new EnforcementChange("isolate", i, List.of(i), List.of())));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        answered.countDown();
    }

    @Test
    void aRollbackShouldUndoAChangeTheHookMayHaveMadeWithoutAnsweringInTime() throws Exception {
        server.createContext("/late", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(new Received(body, null, null));
            try {
                if (body.contains("\"isolate\"")) {
                    answered.await(30, java.util.concurrent.TimeUnit.SECONDS); // acts, but answers too late
                }
                ex.sendResponseHeaders(204, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        });
        WebhookEnforcer e = new WebhookEnforcer("http://127.0.0.1:" + server.getAddress().getPort() + "/late", KEY,
                Duration.ofSeconds(1));
        Isolation a = iso("10.0.1.2", "a");
        Isolation b = iso("10.0.1.3", "b");
        e.apply(new EnforcementChange("sync", null, List.of(a), List.of()));
        assertThatThrownBy(() -> e.apply(new EnforcementChange("isolate", b, List.of(a, b), List.of())))
                .hasMessageContaining("10.0.1.3");
        answered.countDown();

        e.apply(new EnforcementChange("sync", null, List.of(a), List.of())); // the rollback
        assertThat(received).extracting(Received::body).satisfiesExactly(
                x -> assertThat(x).startsWith("{\"action\":\"isolate\",\"ip\":\"10.0.1.3\""),
                x -> assertThat(x).startsWith("{\"action\":\"release\",\"ip\":\"10.0.1.3\""));
    }

    @Test
    void anUndoThatFailedShouldStillBePostedByALaterSyncAfterAnotherChange() throws Exception {
        WebhookEnforcer e = new WebhookEnforcer(url(), KEY, Duration.ofSeconds(5));
        Isolation a = iso("10.0.1.2", "a");
        Isolation b = iso("10.0.1.3", "b");
        Isolation c = iso("10.0.1.4", "c");
        e.apply(new EnforcementChange("sync", null, List.of(a), List.of()));
        e.apply(new EnforcementChange("isolate", b, List.of(a, b), List.of()));
        status = 503; // the hook goes down: the rollback (another enforcer failed) cannot release b
        assertThatThrownBy(() -> e.apply(new EnforcementChange("sync", null, List.of(a), List.of())))
                .hasMessageContaining("HTTP 503");
        status = 204; // back before the service synced it again; the next change works
        e.apply(new EnforcementChange("isolate", c, List.of(a, c), List.of()));
        received.clear();

        e.apply(new EnforcementChange("sync", null, List.of(a, c), List.of())); // the service's re-sync
        assertThat(received).extracting(Received::body).singleElement()
                .satisfies(x -> assertThat(x).startsWith("{\"action\":\"release\",\"ip\":\"10.0.1.3\""));
    }

    @Test
    void startUpSyncShouldPostNothingButARollbackSyncShouldUndoTheChange() throws Exception {
        WebhookEnforcer e = new WebhookEnforcer(url(), KEY, Duration.ofSeconds(5));
        Isolation a = iso("10.0.1.2", "a");
        Isolation b = iso("10.0.1.3", "b");
        e.apply(new EnforcementChange("sync", null, List.of(a), List.of()));
        assertThat(received).isEmpty();

        e.apply(new EnforcementChange("isolate", b, List.of(a, b), List.of()));
        e.apply(new EnforcementChange("sync", null, List.of(a), List.of())); // another enforcer failed
        assertThat(received).extracting(Received::body).satisfiesExactly(
                x -> assertThat(x).startsWith("{\"action\":\"isolate\",\"ip\":\"10.0.1.3\""),
                x -> assertThat(x).startsWith("{\"action\":\"release\",\"ip\":\"10.0.1.3\""));
        e.apply(new EnforcementChange("sync", null, List.of(a), List.of()));
        assertThat(received).hasSize(2);
    }

    @Test
    void configurationShouldRequireHttpsAKeyFileAndNoCredentialsInTheUrl(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> WebhookEnforcer.checkUrl("http://edr.example/hook")).hasMessageContaining("https");
        assertThatThrownBy(() -> WebhookEnforcer.checkUrl("https://user:pw@edr.example/hook"))
                .hasMessageContaining("credentials");
        assertThatThrownBy(() -> WebhookEnforcer.checkUrl("ftp://edr.example/")).hasMessageContaining("http");
        assertThatThrownBy(() -> WebhookEnforcer.checkUrl("")).hasMessageContaining("url is required");
        assertThat(WebhookEnforcer.checkUrl("https://edr.example/hook")).hasHost("edr.example");
        assertThat(WebhookEnforcer.checkUrl("http://[::1]:8080/hook")).hasPort(8080);
        assertThat(WebhookEnforcer.checkUrl("http://localhost/hook")).hasHost("localhost");

        Path key = dir.resolve("key");
        Files.writeString(key, "0123456789abcdef-test-key\n");
        assertThat(WebhookEnforcer.readKey(key.toString())).isEqualTo(KEY);
        Files.writeString(key, "short\n");
        byte[] shortKey = WebhookEnforcer.readKey(key.toString());
        assertThatThrownBy(() -> new WebhookEnforcer(url(), shortKey, Duration.ofSeconds(5)))
                .hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> WebhookEnforcer.readKey(dir.resolve("missing").toString()))
                .hasMessageContaining("regular file");
        assertThatThrownBy(() -> WebhookEnforcer.readKey(" ")).hasMessageContaining("secret.file is required");
    }
}
