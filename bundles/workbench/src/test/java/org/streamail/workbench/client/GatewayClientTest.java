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

    // ------------------------------------------------------------------ release to one recipient

    @Test
    void releasingToOneRecipientPostsItAsJsonAndTheEntryThenListsWhomItWasReleasedTo() throws Exception {
        login();
        QuarantineItem before = client.quarantineEntry("q-2c8e04");
        assertThat(before.releasedTo()).isEmpty();
        assertThat(before.heldFor()).containsExactly("bob@acme.example", "hr@acme.example");

        QuarantineItem after = client.release("q-2c8e04", " Bob@ACME.example ");
        FakeGateway.Recorded post = gateway.recorded().get(gateway.recorded().size() - 1);
        assertThat(post.line()).isEqualTo("POST " + API + "/quarantine/q-2c8e04/release");
        assertThat(post.contentType()).startsWith("application/json");
        assertThat(post.body()).isEqualTo("{\"recipient\":\"Bob@ACME.example\"}");
        assertThat(after.status()).as("still held for the other one").isEqualTo("HELD");
        assertThat(after.releasedTo()).containsExactly("bob@acme.example");
        assertThat(after.heldFor()).containsExactly("hr@acme.example");
        assertThat(client.quarantine(QuarantineFilter.held(50))).filteredOn(q -> q.id().equals("q-2c8e04"))
                .singleElement().satisfies(q -> assertThat(q.releasedTo()).containsExactly("bob@acme.example"));

        assertThatThrownBy(() -> client.release("q-2c8e04", "bob@acme.example"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
                    assertThat(e.getMessage()).contains("released to them already");
                });
        assertThatThrownBy(() -> client.release("q-2c8e04", "eve@evil.example"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
                    assertThat(e.getMessage()).isEqualTo("eve@evil.example is not a recipient of message q-2c8e04");
                });

        QuarantineItem last = client.release("q-2c8e04", "hr@acme.example");
        assertThat(last.status()).as("released to the last one: released").isEqualTo("RELEASED");
        assertThat(last.releasedTo()).containsExactly("bob@acme.example", "hr@acme.example");
        assertThat(last.heldFor()).isEmpty();
    }

    @Test
    void releasingToEveryoneStillPostsNoBody() throws Exception {
        login();
        QuarantineItem released = client.release("q-7f3a91");
        assertThat(released.status()).isEqualTo("RELEASED");
        assertThat(released.releasedTo()).isEmpty();
        assertThat(gateway.recorded()).filteredOn(r -> r.line().equals("POST " + API + "/quarantine/q-7f3a91/release"))
                .singleElement().satisfies(r -> assertThat(r.body()).isEmpty());
    }

    @Test
    void anOlderGatewaySendsNoReleasedToSoTheListIsEmptyAndNoReleaseToOneIsPosted() throws Exception {
        gateway.olderGateway(true);
        login();
        List<QuarantineItem> held = client.quarantine(QuarantineFilter.held(50));
        assertThat(held).hasSize(4).allSatisfy(q -> assertThat(q.releasedTo()).isEmpty());
        assertThat(held.get(1).heldFor()).containsExactly("bob@acme.example", "hr@acme.example");
        // that gateway would ignore the body and release to both: refused before the POST
        assertThatThrownBy(() -> client.release("q-2c8e04", "bob@acme.example"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("cannot release a message to one recipient")
                            .contains("Nothing was released");
                });
        assertThat(gateway.requests()).contains("GET " + API + "/quarantine/q-2c8e04")
                .noneMatch(r -> r.startsWith("POST "));
        assertThat(client.quarantineEntry("q-2c8e04").status()).isEqualTo("HELD");
    }

    @Test
    void releasedToIsParsedLenientlyLikeTheOtherFields() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        String base = "{\"id\":\"q-1\",\"status\":\"HELD\",\"envelope\":{\"recipients\":[\"A@x.example\",\"b@x.example\"]}";
        assertThat(GatewayClient.parseQuarantineItem(m.readTree(base + "}")).releasedTo()).isEmpty();
        assertThat(GatewayClient.parseQuarantineItem(m.readTree(base + ",\"releasedTo\":null}")).releasedTo()).isEmpty();
        assertThat(GatewayClient.parseQuarantineItem(m.readTree(base + ",\"releasedTo\":\"a@x.example\"}")).releasedTo())
                .isEmpty();
        QuarantineItem q = GatewayClient.parseQuarantineItem(m.readTree(base + ",\"releasedTo\":[\"a@x.example\",null]}"));
        assertThat(q.releasedTo()).containsExactly("a@x.example");
        assertThat(q.heldFor()).as("compared without regard to case").containsExactly("b@x.example");
    }

    @Test
    void recipientsThatCannotBeAddressesNeverReachTheNetwork() throws Exception {
        login();
        int before = gateway.requests().size();
        for (String r : java.util.Arrays.asList(null, "", "  ", "bob", "@acme.example", "bob@", "bob smith@acme.example",
                "bob@acme.example\r\nX: y", "b".repeat(GatewayClient.MAX_ADDRESS_LENGTH) + "@acme.example")) {
            assertThatThrownBy(() -> client.release("q-2c8e04", r)).as(String.valueOf(r))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
                        assertThat(e.getMessage()).startsWith("Not a recipient address");
                    });
        }
        assertThatThrownBy(() -> client.release("../q-2c8e04", "bob@acme.example"))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
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

    /** The error text of an answer reaches status lines and dialogs: it may neither break a line nor reorder one. */
    @Test
    void anErrorTextCannotBreakOrReorderTheLineItIsShownIn() throws Exception {
        HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = "{\"error\": \"refused \\u202efdp.exe\\r\\nFrom: admin@corp.example\", \"status\": 503}"
                .getBytes(StandardCharsets.UTF_8);
        other.createContext("/", ex -> {
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(503, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        other.start();
        try {
            String url = "http://127.0.0.1:" + other.getAddress().getPort();
            assertThatThrownBy(() -> client.connect(url, "admin", "x".toCharArray()))
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.getMessage())
                            .contains("refused [U+202E]fdp.exe[U+000D][U+000A]From: admin@corp.example")
                            .doesNotContain("\u202e").doesNotContain("\n"));
        } finally {
            other.stop(0);
        }
    }

    @Test
    void aGatewayThatSendsHeadersButStallsInTheBodyTimesOutInsteadOfHangingTheCall() throws Exception {
        // the request timeout of java.net.http ends with the response headers: the body needs its own deadline,
        // or one stalled answer holds a pool thread (and with it the workbench) for good
        GatewayClient quick = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(1), null);
        try (ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (var s = stalling.accept()) {
                    var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                            StandardCharsets.ISO_8859_1));
                    for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                        // the request's headers
                    }
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            + "Content-Length: 1000\r\n\r\n{\"status\":").getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    Thread.sleep(60_000); // and then nothing
                } catch (Exception e) {
                    // closed by the test
                }
            }, "stalling-gateway");
            server.setDaemon(true);
            server.start();
            String url = "http://127.0.0.1:" + stalling.getLocalPort();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    assertThatThrownBy(() -> quick.connect(url, "admin", "x".toCharArray()))
                            .isInstanceOfSatisfying(GatewayException.class, e -> {
                                assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
                                assertThat(e.getMessage()).contains("did not answer").contains("/health");
                            }));
            server.interrupt();
        } finally {
            quick.close();
        }
    }

    @Test
    void aSweepOutlastsTheOrdinaryRequestTimeoutBecauseTheGatewayAnswersWhenItIsDone() throws Exception {
        // a sweep over many mailboxes takes minutes; giving up after request.timeout.seconds said "failed" while
        // the gateway went on deleting mail
        GatewayClient quick = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(1), null);
        try {
            quick.connect(gateway.url(), FakeGateway.ADMIN, FakeGateway.ADMIN_PASSWORD.toCharArray());
            gateway.delay(2500);
            assertThatThrownBy(quick::retentionPolicy).as("ordinary calls keep the request timeout")
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TIMEOUT));
            assertThat(quick.retentionSweep().mailboxes()).isPositive();
        } finally {
            gateway.delay(0);
            quick.close();
        }
        assertThat(GatewayClient.SWEEP_TIMEOUT).isGreaterThanOrEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void anEndpointTheGatewayLacksIsNotFoundSoViewsCanShowAPlaceholder() throws Exception {
        login();
        assertThat(client.getJson("/alerts?limit=2").path("count").asInt()).isEqualTo(2);
        assertThatThrownBy(() -> client.getJson("/not-here?limit=20")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        assertThatThrownBy(() -> client.getJson("/../../etc/passwd")).isInstanceOfSatisfying(
                GatewayException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST));
    }

    // ------------------------------------------------------------------ incidents, retention, spam

    private static final String API = "/streamail/api/v1";

    @Test
    void alertsAreParsedAndFilteredOnTheGatewayBySeverityKindAndAge() throws Exception {
        login();
        List<Alert> all = client.alerts(new AlertFilter(100, null, null, null));
        assertThat(all).hasSize(5);
        Alert first = all.get(0);
        assertThat(first.id()).isEqualTo("al-5c01");
        assertThat(first.severity()).isEqualTo("CRITICAL");
        assertThat(first.severityRank()).isEqualTo(4);
        assertThat(first.occurrences()).isEqualTo(3);
        assertThat(first.detail()).contains("isolated automatically");
        assertThat(first.createdAt()).isNotNull();
        List<Alert> high = client.alerts(new AlertFilter(10, "HIGH", "click-blocked", java.time.Duration.ofHours(24)));
        assertThat(high).extracting(Alert::id).containsExactly("al-5c01");
        assertThat(gateway.requests()).contains("GET " + API + "/alerts?limit=10&severity=HIGH&kind=click-blocked&since=PT24H");
        assertThatThrownBy(() -> new AlertFilter(10, "SEVERE", null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AlertFilter(0, null, null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isolatingPostsJsonWithTheTtlAndReleasingPostsToTheHost() throws Exception {
        login();
        assertThat(client.isolated()).extracting(Isolation::ip).containsExactly("10.20.0.57", "fd00:20::8");
        Isolation done = client.isolate(" 10.20.0.99 ", "ransomware beacon", java.time.Duration.ofHours(4));
        assertThat(done.ip()).isEqualTo("10.20.0.99");
        assertThat(done.until()).isAfter(done.since());
        assertThat(gateway.recorded()).anySatisfy(r -> {
            assertThat(r.line()).isEqualTo("POST " + API + "/isolation");
            assertThat(r.contentType()).startsWith("application/json");
        });
        var body = gateway.lastBody("POST " + API + "/isolation");
        assertThat(body.path("ip").asText()).isEqualTo("10.20.0.99");
        assertThat(body.path("reason").asText()).isEqualTo("ransomware beacon");
        assertThat(body.path("ttl").asText()).isEqualTo("PT4H");
        client.releaseIsolation("fd00:20::8");
        assertThat(gateway.requests()).contains("POST " + API + "/isolation/fd00:20::8/release");
        assertThat(gateway.isolatedHosts()).containsExactlyInAnyOrder("10.20.0.57", "10.20.0.99");
        assertThatThrownBy(() -> client.releaseIsolation("10.1.2.3")).isInstanceOfSatisfying(GatewayException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
                    assertThat(e.getMessage()).contains("10.1.2.3 is not isolated");
                });
        assertThat(client.isolationAudit(null, 10)).extracting(IsolationAuditEntry::action)
                .startsWith("release", "isolate");
    }

    @Test
    void aProtectedHostIsAConflictAndAFailedEnforcerIsReportedWithItsCause() throws Exception {
        login();
        assertThatThrownBy(() -> client.isolate(FakeGateway.PROTECTED_HOST, "test", null))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
                    assertThat(e.getMessage()).contains("protected");
                });
        assertThatThrownBy(() -> client.isolate(FakeGateway.FAILING_HOST, "test", null))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE);
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.getMessage()).contains("enforcer failed").contains("nothing was changed");
                });
        assertThat(gateway.lastBody("POST " + API + "/isolation").has("ttl")).as("no ttl: gateway default").isFalse();
    }

    @Test
    void badIsolationInputIsRefusedBeforeAnyRequest() throws Exception {
        login();
        int before = gateway.requests().size();
        for (String ip : List.of("", "host.example", "10.0.0.256", "10.0.0", "1.2.3.4/24", "::g", "10.0.0.1;rm")) {
            assertThatThrownBy(() -> client.isolate(ip, "why", null)).as(ip)
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST));
            assertThatThrownBy(() -> client.releaseIsolation(ip)).as(ip).isInstanceOf(GatewayException.class);
        }
        assertThatThrownBy(() -> client.isolate("10.1.1.1", "  ", null)).hasMessageContaining("reason");
        assertThatThrownBy(() -> client.isolate("10.1.1.1", "x".repeat(501), null)).hasMessageContaining("500");
        assertThatThrownBy(() -> client.isolate("10.1.1.1", "why", java.time.Duration.ZERO)).hasMessageContaining("positive");
        assertThatThrownBy(() -> client.isolate("10.1.1.1", "why", java.time.Duration.ofDays(400)))
                .hasMessageContaining("366 days");
        assertThatThrownBy(() -> client.isolationAudit("nope", 10)).isInstanceOf(GatewayException.class);
        assertThatThrownBy(() -> client.clicks(0, true)).hasMessageContaining("limit");
        assertThat(gateway.requests()).hasSize(before);
        assertThat(GatewayClient.isIpLiteral("2001:db8::1")).isTrue();
        assertThat(GatewayClient.isIpLiteral("255.255.255.255")).isTrue();
        for (String notIp : List.of("ab.1.1.1", "1.2.3.4f", ".:", ".1:2", "..::1")) {
            assertThat(GatewayClient.isIpLiteral(notIp)).as(notIp).isFalse(); // "ab.1.1.1" threw before
        }
    }

    @Test
    void aViewerIsToldThatIsolationNeedsTheAdminRole() throws Exception {
        client.connect(gateway.url(), "viewer", "viewer".toCharArray());
        assertThatThrownBy(client::isolated).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN);
            assertThat(e.status()).isEqualTo(403);
            assertThat(e.getMessage()).contains("'viewer'").contains("admin role");
        });
        assertThat(client.clicks(10, true)).as("clicks are readable by viewers").hasSize(2);
    }

    @Test
    void blockedClicksAndACampaignRecallAreParsed() throws Exception {
        login();
        List<Click> clicks = client.clicks(20, true);
        assertThat(clicks).hasSize(2).allSatisfy(c -> assertThat(c.blocked()).isTrue());
        assertThat(clicks.get(0).clientIp()).isEqualTo("10.20.0.57");
        assertThat(clicks.get(0).mac()).isEqualTo("3c:52:82:1a:77:e0");
        assertThat(gateway.requests()).contains("GET " + API + "/clicks?limit=20&blocked=true");
        RecallReport r = client.recall("q-7f3a91", "phishing campaign");
        assertThat(r.campaignId()).isEqualTo("cmp-q-7f3a91");
        assertThat(r.messages()).contains("q-7f3a91");
        assertThat(r.pulled()).isEqualTo(2);
        assertThat(r.mailboxes()).extracting(RecallReport.Outcome::mailbox).contains("finance@acme.example");
        assertThat(r.mailboxes().get(0).error()).isEmpty();
        assertThat(gateway.lastBody("POST " + API + "/messages/q-7f3a91/recall").path("reason").asText())
                .isEqualTo("phishing campaign");
        client.recall("q-2c8e04", null);
        assertThat(gateway.lastBody("POST " + API + "/messages/q-2c8e04/recall").isNull()).as("no body").isTrue();
        assertThatThrownBy(() -> client.recall("m-unknown", null)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        int before = gateway.requests().size();
        assertThatThrownBy(() -> client.recall("../health", null)).isInstanceOf(GatewayException.class);
        assertThat(gateway.requests()).hasSize(before);
    }

    @Test
    void theRetentionPolicySweepAndAuditAreParsed() throws Exception {
        login();
        RetentionPolicy p = client.retentionPolicy();
        assertThat(p.maxAge()).isEqualTo("P3650D");
        assertThat(p.action()).isEqualTo("move:Expired");
        assertThat(p.mailboxes()).hasSize(3);
        assertThat(p.lastSweep()).isNotNull();
        assertThat(p.lastSweep().scanned()).isEqualTo(1840);
        SweepReport s = client.retentionSweep();
        assertThat(s.scanned()).isEqualTo(1852);
        assertThat(s.moved()).isEqualTo(6);
        assertThat(s.errors()).isEqualTo(1);
        assertThat(s.problems()).singleElement().asString().contains("UID 4411");
        assertThat(gateway.requests()).contains("POST " + API + "/retention/sweep");
        assertThat(client.retentionAudit(100, "sales@acme.example")).extracting(RetentionAuditEntry::action)
                .contains("MOVE", "EXTEND", "EXTEND_REFUSED");
        assertThat(gateway.requests()).contains("GET " + API + "/retention/audit?limit=100&mailbox=sales%40acme.example");
        assertThatThrownBy(() -> client.retentionAudit(10, "two words")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST));
    }

    @Test
    void blockRulesAreAddedAsJsonAndRemovedById() throws Exception {
        login();
        assertThat(client.blockList()).extracting(BlockRule::type).containsExactly("URL_DOMAIN", "SENDER", "CLIENT_IP");
        assertThat(client.blockList().get(2).active()).isFalse();
        assertThat(client.blockList().get(0).expiresAt()).isNull();
        BlockRule added = client.addBlockRule("sender_domain", " spam.example ", "bulk spam", java.time.Duration.ofDays(7));
        assertThat(added.type()).isEqualTo("SENDER_DOMAIN");
        assertThat(added.expiresAt()).isNotNull();
        var body = gateway.lastBody("POST " + API + "/blocklist");
        assertThat(body.path("type").asText()).isEqualTo("SENDER_DOMAIN");
        assertThat(body.path("value").asText()).isEqualTo("spam.example");
        assertThat(body.path("reason").asText()).isEqualTo("bulk spam");
        assertThat(body.path("expires").asText()).isEqualTo("PT168H");
        client.removeBlockRule(added.id());
        assertThat(gateway.requests()).contains("DELETE " + API + "/blocklist/" + added.id());
        assertThat(client.blockList()).extracting(BlockRule::id).doesNotContain(added.id());
        int before = gateway.requests().size();
        assertThatThrownBy(() -> client.addBlockRule("COUNTRY", "xx", "", null)).hasMessageContaining("SENDER");
        assertThatThrownBy(() -> client.addBlockRule("SENDER", " ", "", null)).hasMessageContaining("value");
        assertThatThrownBy(() -> client.removeBlockRule("a/../b")).isInstanceOf(GatewayException.class);
        assertThat(gateway.requests()).hasSize(before);
    }

    @Test
    void reportsSendTheQuarantineIdAsJsonAndReturnTheReference() throws Exception {
        login();
        ReportResult spam = client.reportSpam("q-7f3a91");
        assertThat(spam.reference()).isEqualTo("R-7F3A91");
        assertThat(spam.kind()).isEqualTo("SPAM");
        assertThat(spam.blocking()).isTrue();
        assertThat(gateway.lastBody("POST " + API + "/reports/spam").path("quarantineId").asText()).isEqualTo("q-7f3a91");
        ReportResult ham = client.reportNotSpam("q-2c8e04");
        assertThat(ham.kind()).isEqualTo("HAM");
        assertThat(ham.hamReporters()).isEqualTo(1);
        assertThat(ham.blocking()).isFalse();
        assertThatThrownBy(() -> client.reportSpam("q-unknown")).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        int before = gateway.requests().size();
        assertThatThrownBy(() -> client.reportSpam("x?y")).isInstanceOf(GatewayException.class);
        assertThat(gateway.requests()).hasSize(before);
    }

    // ------------------------------------------------------------------ URLs marked bad by campaign recalls

    private static final String ODD_URL = "https://evil.example/pay?invoice=7&to=café #top";

    @Test
    void urlsMarkedBadAreListedNewestFirstAndAMarkIsLiftedByItsPercentEncodedUrl() throws Exception {
        login();
        List<BadUrl> bad = client.badUrls(10);
        assertThat(gateway.requests()).contains("GET " + API + "/bad-urls?limit=10");
        assertThat(bad).extracting(BadUrl::url)
                .containsExactly("http://paypa1-secure.example/login", ODD_URL, "http://bad.example/x");
        assertThat(bad.get(0).reason()).isEqualTo("campaign cmp-q-7f3a91: phishing campaign, pulled by the admin");
        java.time.Instant now = java.time.Instant.now();
        assertThat(bad.get(0).markedAt()).isBetween(now.minus(Duration.ofMinutes(6)), now);
        assertThat(bad.get(2).markedAt()).isBefore(bad.get(1).markedAt());
        assertThat(client.badUrls(1)).hasSize(1);

        client.unmarkBadUrl(ODD_URL);
        // every reserved character, the space and the UTF-8 of é are percent-encoded: the URL stays one value
        assertThat(gateway.requests()).contains("DELETE " + API
                + "/bad-urls?url=https%3A%2F%2Fevil.example%2Fpay%3Finvoice%3D7%26to%3Dcaf%C3%A9%20%23top");
        assertThat(gateway.badUrls()).doesNotContain(ODD_URL).hasSize(2);
        assertThat(client.badUrls(50)).extracting(BadUrl::url).doesNotContain(ODD_URL);

        assertThatThrownBy(() -> client.unmarkBadUrl(ODD_URL)).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND);
            assertThat(e.status()).isEqualTo(404);
            assertThat(e.getMessage()).isEqualTo("that URL is not marked bad");
        });
    }

    @Test
    void badUrlInputIsRefusedBeforeAnyRequest() throws Exception {
        login();
        int before = gateway.requests().size();
        for (String url : java.util.Arrays.asList(null, "", "   ", "http://x.example/\nHost: y", "http://x/\u0000",
                "http://x.example/" + "a".repeat(GatewayClient.MAX_URL_LENGTH))) {
            assertThatThrownBy(() -> client.unmarkBadUrl(url)).as(String.valueOf(url))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
                        assertThat(e.getMessage()).contains("control characters");
                    });
        }
        assertThatThrownBy(() -> client.badUrls(0)).hasMessageContaining("limit must be 1..1000");
        assertThatThrownBy(() -> client.badUrls(1001)).hasMessageContaining("limit must be 1..1000");
        assertThat(gateway.requests()).hasSize(before);
        assertThat(gateway.badUrls()).hasSize(3);
    }

    @Test
    void aViewerListsTheUrlsMarkedBadButMayNotLiftAMark() throws Exception {
        client.connect(gateway.url(), "viewer", "viewer".toCharArray());
        assertThat(client.badUrls(50)).hasSize(3);
        assertThatThrownBy(() -> client.unmarkBadUrl("http://bad.example/x"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN);
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("'viewer'").contains("admin role");
                });
        assertThat(gateway.requests()).contains("DELETE " + API + "/bad-urls?url=http%3A%2F%2Fbad.example%2Fx");
        assertThat(gateway.badUrls()).contains("http://bad.example/x");
    }

    // ------------------------------------------------------------------ DKIM signing keys

    @Test
    void theDkimStatusIsParsedWithEveryKeyItsRecordAndWhatDnsPublishes() throws Exception {
        login();
        DkimStatus status = client.dkimStatus(true);
        assertThat(gateway.requests()).contains("GET " + API + "/dkim");
        assertThat(status.enabled()).isTrue();
        assertThat(status.dns()).isEqualTo("asked 192.0.2.53:53 (dns.servers of org.streamail.detect.auth)");
        assertThat(status.keys()).extracting(DkimKey::domain).containsExactly("acme.example", "shop.acme.example");

        DkimKey good = status.keys().get(0);
        assertThat(good.selector()).isEqualTo("s2026");
        assertThat(good.algorithm()).isEqualTo("RSA");
        assertThat(good.signatureAlgorithm()).isEqualTo("rsa-sha256");
        assertThat(good.bits()).isEqualTo(2048);
        assertThat(good.file()).isEqualTo(FakeGateway.DKIM_DIR + "acme.example.s2026.pem");
        assertThat(good.usable()).isTrue();
        assertThat(good.problem()).isEmpty();
        assertThat(good.published()).isTrue();
        DkimRecord record = good.record();
        assertThat(record.name()).isEqualTo("s2026._domainkey.acme.example");
        assertThat(record.strings()).hasSize(2).allSatisfy(x -> assertThat(x.length()).isLessThanOrEqualTo(255));
        assertThat(record.text()).isEqualTo(String.join("", record.strings())).startsWith("v=DKIM1; k=rsa; p=MII");
        assertThat(record.zoneLine()).startsWith("s2026._domainkey.acme.example IN TXT \"v=DKIM1; k=rsa; p=MII")
                .endsWith("\"");

        DkimKey broken = status.keys().get(1);
        assertThat(broken.usable()).isFalse();
        assertThat(broken.problem()).contains("is open to group or others").contains("chmod 600");
        assertThat(broken.record()).isNull();
        assertThat(broken.algorithm()).isEmpty();
        assertThat(broken.signatureAlgorithm()).isEmpty();
        assertThat(broken.bits()).isZero();
        assertThat(broken.published()).isFalse();

        DkimStatus quick = client.dkimStatus(false);
        assertThat(gateway.requests()).contains("GET " + API + "/dkim?dns=false");
        assertThat(quick.dns()).isEmpty();
        assertThat(quick.keys()).extracting(DkimKey::dns).containsOnly("NOT_CHECKED");
    }

    @Test
    void aNewDkimKeyIsPostedAsJsonAndTheRecordAndTheKeysLineComeBack() throws Exception {
        login();
        NewDkimKey rsa = client.newDkimKey(" acme.example ", "s2027", "rsa", 3072);
        assertThat(gateway.recorded()).anySatisfy(r -> {
            assertThat(r.line()).isEqualTo("POST " + API + "/dkim/keys");
            assertThat(r.contentType()).startsWith("application/json");
        });
        var body = gateway.lastBody("POST " + API + "/dkim/keys");
        assertThat(body.path("domain").asText()).isEqualTo("acme.example");
        assertThat(body.path("selector").asText()).isEqualTo("s2027");
        assertThat(body.path("algorithm").asText()).isEqualTo("RSA");
        assertThat(body.path("bits").asInt()).isEqualTo(3072);
        assertThat(rsa.signatureAlgorithm()).isEqualTo("rsa-sha256");
        assertThat(rsa.bits()).isEqualTo(3072);
        assertThat(rsa.file()).isEqualTo(FakeGateway.DKIM_DIR + "acme.example.s2027.pem");
        assertThat(rsa.record().name()).isEqualTo("s2027._domainkey.acme.example");
        assertThat(rsa.record().zoneLine()).startsWith("s2027._domainkey.acme.example IN TXT \"v=DKIM1; k=rsa; p=");
        assertThat(rsa.keysEntry()).isEqualTo("acme.example:s2027:" + rsa.file());
        assertThat(rsa.keys()).isEqualTo("shop.acme.example:e1:" + FakeGateway.DKIM_DIR + "shop.acme.example.e1.pem, "
                + rsa.keysEntry());
        assertThat(rsa.replaces()).isEqualTo("s2026");

        NewDkimKey ed = client.newDkimKey("new.example", "e2026", "ED25519", 0);
        assertThat(gateway.lastBody("POST " + API + "/dkim/keys").has("bits")).as("no size for Ed25519").isFalse();
        assertThat(ed.algorithm()).isEqualTo("ED25519");
        assertThat(ed.bits()).isEqualTo(256);
        assertThat(ed.replaces()).as("no earlier key of new.example").isEmpty();
        assertThat(client.newDkimKey("default.example", "s1", "RSA", 0).bits()).as("the gateway's default")
                .isEqualTo(2048);
        assertThat(gateway.lastBody("POST " + API + "/dkim/keys").has("bits")).isFalse();

        assertThatThrownBy(() -> client.newDkimKey("new.example", "e2026", "ED25519", 0))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("new.example.e2026.pem exists already");
                });
        assertThatThrownBy(() -> client.newDkimKey("localhost", "s1", "RSA", 0))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
                    assertThat(e.getMessage()).isEqualTo("'localhost' is not a domain name");
                });
        assertThat(gateway.dkimKeysMade()).containsExactly("acme.example.s2027.pem", "new.example.e2026.pem",
                "default.example.s1.pem");
    }

    @Test
    void dkimKeyInputThatCannotBeSentIsRefusedBeforeAnyRequest() throws Exception {
        login();
        int before = gateway.requests().size();
        for (String domain : java.util.Arrays.asList(null, "", "  ", "a b.example", "x\n.example", "a".repeat(254))) {
            assertThatThrownBy(() -> client.newDkimKey(domain, "s1", "RSA", 0)).as(String.valueOf(domain))
                    .isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.kind()).isEqualTo(Kind.BAD_REQUEST);
                        assertThat(e.getMessage()).startsWith("Not a domain name");
                    });
        }
        assertThatThrownBy(() -> client.newDkimKey("example.org", "s 1", "RSA", 0)).hasMessageStartingWith(
                "Not a selector");
        assertThatThrownBy(() -> client.newDkimKey("example.org", "s1", "DSA", 0))
                .hasMessageContaining("must be one of [RSA, ED25519]");
        assertThatThrownBy(() -> client.newDkimKey("example.org", "s1", null, 0))
                .hasMessageContaining("must be one of [RSA, ED25519]");
        assertThatThrownBy(() -> client.newDkimKey("example.org", "s1", "ED25519", 256))
                .hasMessageContaining("An Ed25519 key has no size to choose");
        assertThatThrownBy(() -> client.newDkimKey("example.org", "s1", "RSA", 1024))
                .hasMessageContaining("An RSA key has one of [2048, 3072, 4096] bits, not 1024");
        assertThat(gateway.requests()).hasSize(before);
        assertThat(gateway.dkimKeysMade()).isEmpty();
    }

    @Test
    void aViewerReadsTheDkimKeysButMayNotMakeOne() throws Exception {
        client.connect(gateway.url(), "viewer", "viewer".toCharArray());
        assertThat(client.dkimStatus(true).keys()).hasSize(2);
        assertThatThrownBy(() -> client.newDkimKey("acme.example", "s2027", "RSA", 0))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN);
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("'viewer'").contains("admin role");
                });
        assertThat(gateway.dkimKeysMade()).isEmpty();
    }

    @Test
    void makingAKeyOutlastsTheOrdinaryRequestTimeoutBecauseTheGatewayAnswersWhenItIsWritten() throws Exception {
        // a 4096-bit RSA key takes a busy gateway seconds; giving up early would say "failed" for a key that was made
        GatewayClient quick = new GatewayClient(Duration.ofSeconds(2), Duration.ofSeconds(1), null);
        try {
            quick.connect(gateway.url(), FakeGateway.ADMIN, FakeGateway.ADMIN_PASSWORD.toCharArray());
            gateway.delay(2500);
            assertThatThrownBy(() -> quick.dkimStatus(false)).as("reading keeps the request timeout")
                    .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.kind()).isEqualTo(Kind.TIMEOUT));
            assertThat(quick.newDkimKey("slow.example", "s1", "RSA", 4096).bits()).isEqualTo(4096);
        } finally {
            gateway.delay(0);
            quick.close();
        }
        assertThat(GatewayClient.KEYGEN_TIMEOUT).isGreaterThanOrEqualTo(Duration.ofMinutes(1));
    }
}
