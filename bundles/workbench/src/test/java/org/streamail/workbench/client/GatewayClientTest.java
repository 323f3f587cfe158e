package org.streamail.workbench.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.workbench.client.GatewayException.Kind;
import org.streamail.workbench.testing.FakeGateway;

class GatewayClientTest {

    private FakeGateway gateway;
    private GatewayClient client;

    @BeforeEach
    void start() throws Exception {
        gateway = new FakeGateway();
        client = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(5), null);
    }

    @AfterEach
    void stop() {
        client.close();
        gateway.close();
    }

    private void login() throws GatewayException {
        client.connect(gateway.url(), FakeGateway.ADMIN, FakeGateway.ADMIN_PASSWORD.toCharArray());
    }

    @Test
    void connectChecksTheCredentialsWithHealthAndParsesIt() throws Exception {
        Health h = client.connect(gateway.url() + "/", "admin", "secret".toCharArray());
        assertThat(h.ready()).isTrue();
        assertThat(h.status()).isEqualTo("UP");
        assertThat(h.detectors()).containsExactly("content", "phishing", "clamav");
        assertThat(h.counters()).containsEntry("messages.quarantined", 87L);
        assertThat(client.isConnected()).isTrue();
        assertThat(client.apiBase()).isEqualTo(gateway.url() + "/streamail/api/v1");
        assertThat(gateway.requests()).containsExactly("GET /streamail/api/v1/health");
    }

    @Test
    void aWrongPasswordIsUnauthorizedAndLeavesTheClientDisconnected() {
        assertThatThrownBy(() -> client.connect(gateway.url(), "admin", "nope".toCharArray()))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.UNAUTHORIZED);
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("Login failed").contains("'admin'");
                });
        assertThat(client.isConnected()).isFalse();
    }

    @Test
    void aClosedPortIsReportedAsUnreachableWithTheAddress() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closed = port;
        assertThatThrownBy(() -> client.connect("http://127.0.0.1:" + closed, "admin", "x".toCharArray()))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
                    assertThat(e.getMessage()).contains("127.0.0.1:" + closed).contains("connection refused");
                });
    }

    @Test
    void badUrlsAreRefusedBeforeAnyRequest() {
        for (String url : List.of("", "ftp://host", "http://", "http://user:pw@host:8181", "not a url",
                "http://host/?q=1")) {
            assertThatThrownBy(() -> client.connect(url, "admin", "x".toCharArray()))
                    .as(url).isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST));
        }
        assertThat(gateway.requests()).isEmpty();
    }

    @Test
    void disconnectOverwritesThePasswordAndLaterCallsSayNotConnected() throws Exception {
        char[] mine = "secret".toCharArray();
        client.connect(gateway.url(), "admin", mine);
        char[] kept = passwordField(client);
        assertThat(kept).isNotSameAs(mine).containsExactly('s', 'e', 'c', 'r', 'e', 't');
        client.disconnect();
        assertThat(kept).containsOnly('\0');
        assertThat(mine).as("the caller's array is the caller's").containsExactly('s', 'e', 'c', 'r', 'e', 't');
        assertThatThrownBy(client::health).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.NOT_CONNECTED));
    }

    private static char[] passwordField(GatewayClient c) throws Exception {
        var f = GatewayClient.class.getDeclaredField("password");
        f.setAccessible(true);
        return (char[]) f.get(c);
    }

    @Test
    void listsAreParsedFieldByFieldWithTheirNestedEnvelopeAndVerdict() throws Exception {
        login();
        List<QuarantineItem> q = client.quarantine(QuarantineFilter.held(50));
        assertThat(q).hasSize(4);
        QuarantineItem first = q.get(0);
        assertThat(first.id()).isEqualTo("q-7f3a91");
        assertThat(first.envelope().recipients()).containsExactly("finance@acme.example");
        assertThat(first.verdict().findings()).extracting(Finding::rule)
                .containsExactly("link-text-mismatch", "credential-request", "html-script");
        assertThat(first.quarantinedAt()).isNotNull();
        List<LogItem> log = client.messages(new MessageFilter(100, "REJECT", null, null));
        assertThat(log).isNotEmpty().allSatisfy(m -> assertThat(m.action()).isEqualTo("REJECT"));
        assertThat(log.get(0).receivedChain()).hasSize(2);
        assertThat(gateway.requests()).contains("GET /streamail/api/v1/messages?limit=100&action=REJECT");
    }

    @Test
    void releaseAndDeletePostToTheEntryAndAConflictIsReportedAsSuch() throws Exception {
        login();
        assertThat(client.release("q-7f3a91").status()).isEqualTo("RELEASED");
        assertThat(gateway.requests()).contains("POST /streamail/api/v1/quarantine/q-7f3a91/release");
        assertThatThrownBy(() -> client.delete("q-7f3a91")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
            assertThat(e.getMessage()).contains("not held");
        });
    }

    @Test
    void aViewerIsToldThatReleasingNeedsTheAdminRole() throws Exception {
        client.connect(gateway.url(), "viewer", "viewer".toCharArray());
        assertThatThrownBy(() -> client.release("q-7f3a91")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN);
            assertThat(e.getMessage()).contains("admin role");
        });
    }

    @Test
    void idsThatCannotBeGatewayIdsNeverReachTheNetwork() throws Exception {
        login();
        int before = gateway.requests().size();
        for (String id : List.of("../health", "a/b", "", "x".repeat(200), "id?x=1")) {
            assertThatThrownBy(() -> client.release(id)).isInstanceOfSatisfying(GatewayException.class,
                    e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        }
        assertThat(gateway.requests()).hasSize(before);
    }

    @Test
    void theRawMessageIsReturnedAsBytesAndAnUnknownIdIsNotFound() throws Exception {
        login();
        assertThat(new String(client.quarantineRaw("q-2c8e04"), StandardCharsets.ISO_8859_1))
                .contains("Subject: Invoice 4471 overdue");
        assertThatThrownBy(() -> client.quarantineRaw("q-unknown")).isInstanceOfSatisfying(
                GatewayException.class, e -> assertThat(e.getMessage()).contains("q-unknown"));
    }

    @Test
    void aServerThatIsNotStreamailIsReportedClearlyAndAHugeAnswerIsRefused() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicReference<byte[]> body = new AtomicReference<>("<html>hello</html>".getBytes(StandardCharsets.UTF_8));
        AtomicReference<String> type = new AtomicReference<>("text/html");
        other.createContext("/", ex -> {
            ex.getResponseHeaders().add("Content-Type", type.get());
            ex.sendResponseHeaders(200, body.get().length);
            ex.getResponseBody().write(body.get());
            ex.close();
        });
        other.start();
        try {
            String url = "http://127.0.0.1:" + other.getAddress().getPort();
            assertThatThrownBy(() -> client.connect(url, "admin", "x".toCharArray()))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.MALFORMED);
                        assertThat(e.getMessage()).contains("not JSON").contains("Streamail gateway");
                    });
            type.set("application/json");
            body.set(new byte[GatewayClient.MAX_JSON_BYTES + 10]);
            assertThatThrownBy(() -> client.connect(url, "admin", "x".toCharArray()))
                    .isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.getMessage()).contains("larger than 16 MiB"));
            body.set("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                    .getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> client.connect(url, "admin", "x".toCharArray()))
                    .isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED));
        } finally {
            other.stop(0);
        }
    }

    @Test
    void anEndpointTheGatewayLacksIsNotFoundSoViewsCanShowAPlaceholder() throws Exception {
        login();
        assertThatThrownBy(() -> client.getJson("/alerts?limit=20")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        assertThatThrownBy(() -> client.getJson("/../../etc/passwd")).isInstanceOfSatisfying(
                GatewayException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST));
    }
}
