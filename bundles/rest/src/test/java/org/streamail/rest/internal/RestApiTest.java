package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.StoreException;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;

class RestApiTest {

    static final AuthenticatedUser ADMIN = new AuthenticatedUser("root", Set.of("admin"));
    static final AuthenticatedUser VIEWER = new AuthenticatedUser("watcher", Set.of("viewer"));
    static final byte[] MESSAGE = "From: a@evil.example\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    final InMemoryGateway gateway = new InMemoryGateway();
    final RestApi api = new RestApi(gateway.services(), new RestApi.Limits(1024, 256));

    // ---- helpers

    ApiResponse call(AuthenticatedUser user, String method, String pathAndQuery, String contentType, byte[] body) {
        return call(user, method, pathAndQuery, contentType, body, body == null ? -1 : body.length);
    }

    ApiResponse call(AuthenticatedUser user, String method, String pathAndQuery, String contentType, byte[] body,
            long declaredLength) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        Map<String, String> headers = new HashMap<>();
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        InputStream in = body == null ? InputStream.nullInputStream() : new ByteArrayInputStream(body);
        return api.handle(new ApiRequest(method, path, query, n -> headers.get(n.toLowerCase()), declaredLength, in,
                user));
    }

    ApiResponse get(String pathAndQuery) {
        return call(VIEWER, "GET", pathAndQuery, null, null);
    }

    /** The headers of a script posting a raw message: its content type and nothing else. */
    static String rfc822(String header) {
        return header.equalsIgnoreCase("Content-Type") ? "message/rfc822" : null;
    }

    static JsonNode json(ApiResponse r) {
        assertThat(r.json()).as("JSON body").isInstanceOf(JsonNode.class);
        return (JsonNode) r.json();
    }

    static void assertError(ApiResponse r, int status, String messagePart) {
        assertThat(r.status()).isEqualTo(status);
        JsonNode body = json(r);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.get("error").asText()).contains(messagePart);
        assertThat(body.size()).as("only error and status").isEqualTo(2);
    }

    // ---- scan

    @Test
    void scanAnswersTheVerdictWithEveryFindingField() {
        ApiResponse r = call(ADMIN, "POST",
                "/scan?sender=bad%40evil.example&rcpt=alice@corp.example&rcpt=bob@corp.example&rcpt=alice@corp.example"
                        + "&client_ip=192.0.2.10",
                "message/rfc822; charset=us-ascii", MESSAGE);

        assertThat(r.status()).isEqualTo(200);
        JsonNode v = json(r);
        assertThat(v.get("id").asText()).isEqualTo("scan-1");
        assertThat(v.get("messageId").asText()).isEqualTo("<m1@example.org>");
        assertThat(v.get("subject").asText()).isEqualTo("Your account");
        assertThat(v.get("elapsedMs").asDouble()).isEqualTo(1.234);
        assertThat(v.get("action").asText()).isEqualTo("QUARANTINE");
        assertThat(v.get("score").asDouble()).isEqualTo(9.5);
        assertThat(v.get("categories")).hasSize(1);
        assertThat(v.get("categories").get(0).asText()).isEqualTo("PHISHING");
        assertThat(v.get("reason").asText()).isEqualTo("score 9.5 >= quarantine.score 8.0");
        JsonNode f = v.get("findings").get(0);
        assertThat(f.get("detector").asText()).isEqualTo("phishing");
        assertThat(f.get("rule").asText()).isEqualTo("link-text-mismatch");
        assertThat(f.get("score").asDouble()).isEqualTo(4.0);
        assertThat(f.get("category").asText()).isEqualTo("PHISHING");
        assertThat(f.get("detail").asText()).contains("evil.example");
        assertThat(f.get("part").asText()).isEqualTo("1.2");
        assertThat(v.get("findings").get(1).get("part").asText()).isEmpty();

        assertThat(gateway.lastScanBytes).isEqualTo(MESSAGE);
        assertThat(gateway.lastScanEnvelope.sender()).isEqualTo("bad@evil.example");
        assertThat(gateway.lastScanEnvelope.recipients()).containsExactly("alice@corp.example", "bob@corp.example");
        assertThat(gateway.lastScanEnvelope.clientIp()).isEqualTo("192.0.2.10");
    }

    @Test
    void scanAcceptsAnIpv6ClientAndNoEnvelopeAtAll() {
        assertThat(call(ADMIN, "POST", "/scan?client_ip=2001:db8::1", "message/rfc822", MESSAGE).status())
                .isEqualTo(200);
        assertThat(call(ADMIN, "POST", "/scan", "message/rfc822", MESSAGE).status()).isEqualTo(200);
        assertThat(gateway.lastScanEnvelope.sender()).isEmpty();
        assertThat(gateway.lastScanEnvelope.recipients()).isEmpty();
    }

    @Test
    void scanWithAnotherContentTypeIsUnsupportedMediaType() {
        assertError(call(ADMIN, "POST", "/scan", "text/plain", MESSAGE), 415, "message/rfc822");
        assertError(call(ADMIN, "POST", "/scan", null, MESSAGE), 415, "message/rfc822");
        assertThat(gateway.lastScanBytes).isNull();
    }

    @Test
    void scanOfAMessageOverTheLimitIsTooLargeWhetherDeclaredOrNot() {
        byte[] big = new byte[1025];
        assertError(call(ADMIN, "POST", "/scan", "message/rfc822", big), 413, "1024");
        assertError(call(ADMIN, "POST", "/scan", "message/rfc822", big, -1), 413, "1024");
        assertThat(call(ADMIN, "POST", "/scan", "message/rfc822", new byte[1024]).status()).isEqualTo(200);
    }

    @Test
    void aBodyThatCannotBeReadIsABadRequestWithoutTheServersExceptionText() {
        // Fuzz finding: Jetty wraps a stalled upload as new IOException(new TimeoutException(...)), whose message
        // ("java.util.concurrent.TimeoutException: Idle timeout expired: ...") went to the client verbatim.
        InputStream stalled = new InputStream() {
            @Override
            public int read() throws java.io.IOException {
                throw new java.io.IOException(new java.util.concurrent.TimeoutException("Idle timeout expired"));
            }
        };
        for (String[] route : new String[][] {{"/scan", "message/rfc822"}, {"/blocklist", "application/json"},
                {"/directory", "application/json"}}) {
            ApiResponse r = api.handle(new ApiRequest("POST", route[0], null,
                    n -> n.equalsIgnoreCase("content-type") ? route[1] : null, 100, stalled, ADMIN));
            assertError(r, 400, "could not read the request body");
            assertThat(json(r).get("error").asText()).as(route[0]).doesNotContain("Exception").doesNotContain("java.");
        }
        assertThat(gateway.lastScanBytes).isNull();
        assertThat(gateway.addresses).isEmpty();
    }

    @Test
    void aDeclaredLengthIsNotAllocatedBeforeTheBytesArrive() {
        // Fuzz finding: Content-Length 18177058 and a 16-byte body made a viewer's POST /reports/ham allocate 18 MB
        // up front (the buffer was sized by the declared length, up to max.message.size).
        RestApi big = new RestApi(gateway.services(), new RestApi.Limits(26_214_400, 65_536));
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        big.handle(new ApiRequest("POST", "/scan", null, RestApiTest::rfc822, MESSAGE.length,
                new ByteArrayInputStream(MESSAGE), ADMIN)); // loads the classes of the path
        long before = threads.getCurrentThreadAllocatedBytes();
        ApiResponse r = big.handle(new ApiRequest("POST", "/scan", null, RestApiTest::rfc822, 25_000_000,
                new ByteArrayInputStream(MESSAGE), ADMIN));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(r.status()).isEqualTo(200);
        assertThat(gateway.lastScanBytes).isEqualTo(MESSAGE);
        assertThat(allocated).as("bytes allocated for a %d-byte body declared as 25 MB", MESSAGE.length)
                .isLessThan(4L * 1024 * 1024);
    }

    @Test
    @SuppressWarnings("removal") // the security manager is the one place the JDK 17 resolver reports a lookup
    void anIpArgumentIsNeverLookedUpAsAHostName() {
        // Found while writing the fuzz target: ".:" passed the character check, and InetAddress takes text that
        // does not start with a hex digit or a colon for a host name, so client_ip / ip made a DNS query.
        List<String> given = new java.util.ArrayList<>();
        RestApi.AddressParser recording = text -> {
            given.add(text);
            return java.net.InetAddress.getByName(text);
        };
        for (String name : new String[] {".:", ".1:2", "..::1", ".ff:"}) {
            assertThat(RestApi.isIpLiteral(name, recording)).as(name).isFalse();
        }
        assertThat(given).as("texts InetAddress would look up as host names").isEmpty();
        for (String literal : new String[] {"::1", "2001:db8::1", "::ffff:192.0.2.1", "fe80::1"}) {
            assertThat(RestApi.isIpLiteral(literal, recording)).as(literal).isTrue();
        }
        assertThat(given).containsExactly("::1", "2001:db8::1", "::ffff:192.0.2.1", "fe80::1");
        assertError(call(ADMIN, "POST", "/scan?client_ip=.:", "message/rfc822", MESSAGE), 400, "client_ip");
    }

    @Test
    void scanWithBadParametersOrEmptyBodyIsBadRequest() {
        assertError(call(ADMIN, "POST", "/scan?client_ip=mail.example.org", "message/rfc822", MESSAGE), 400,
                "client_ip");
        assertError(call(ADMIN, "POST", "/scan?client_ip=300.1.1.1", "message/rfc822", MESSAGE), 400, "client_ip");
        assertError(call(ADMIN, "POST", "/scan?rcpt=nobody", "message/rfc822", MESSAGE), 400, "rcpt");
        assertError(call(ADMIN, "POST", "/scan?sender=a%20b@c", "message/rfc822", MESSAGE), 400, "sender");
        assertError(call(ADMIN, "POST", "/scan?sender=%zz", "message/rfc822", MESSAGE), 400, "malformed query");
        assertError(call(ADMIN, "POST", "/scan", "message/rfc822", new byte[0]), 400, "empty message");
        assertThat(gateway.lastScanBytes).isNull();
    }

    @Test
    void scanFailureIsAnInternalErrorWithoutDetails() {
        gateway.scanFailure = new IllegalStateException("secret stack detail");
        ApiResponse r = call(ADMIN, "POST", "/scan", "message/rfc822", MESSAGE);
        assertError(r, 500, "internal error");
        assertThat(json(r).toString()).doesNotContain("secret").doesNotContain("Exception");
    }

    @Test
    void viewerMayNotPostAScan() {
        assertError(call(VIEWER, "POST", "/scan", "message/rfc822", MESSAGE), 403, "admin role required");
        assertThat(gateway.lastScanBytes).isNull();
    }

    @Test
    void callerWithoutAuthenticationIsUnauthorized() {
        assertError(call(null, "GET", "/health", null, null), 401, "authentication required");
    }

    // ---- routing

    @Test
    void unknownRouteIsNotFound() {
        assertError(get("/nothing"), 404, "no such resource");
        assertError(get("/quarantine/x/y/z"), 404, "no such resource");
        assertError(get("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s"), 404, "no such resource");
    }

    @Test
    void knownRouteWithWrongMethodIsMethodNotAllowedWithAllowHeader() {
        ApiResponse r = call(ADMIN, "PUT", "/quarantine/q1", null, null);
        assertError(r, 405, "PUT");
        assertThat(r.headers().get("Allow")).isEqualTo("GET, HEAD, DELETE"); // HEAD wherever GET is
    }

    // ---- health

    @Test
    void healthReportsStatusAndIsUnavailableWhenNotReady() {
        ApiResponse up = get("/health");
        assertThat(up.status()).isEqualTo(200);
        assertThat(json(up).get("status").asText()).isEqualTo("UP");
        assertThat(json(up).get("detectors")).hasSize(2);
        assertThat(json(up).get("counters").get("received").asLong()).isEqualTo(10);
        assertThat(json(up).get("startedAt").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(json(up).get("problems")).isEmpty();

        gateway.problems = List.of("org.streamail.spam (org.streamail.detect-spam): bayes.spam.probability must be in (0.5, 1], got 3.0");
        ApiResponse degraded = get("/health");
        assertThat(degraded.status()).isEqualTo(200); // a failed component alone does not stop mail
        assertThat(json(degraded).get("problems")).singleElement()
                .satisfies(p -> assertThat(p.asText()).contains("bayes.spam.probability"));

        gateway.ready = false;
        ApiResponse down = get("/health");
        assertThat(down.status()).isEqualTo(503);
        assertThat(json(down).get("ready").asBoolean()).isFalse();
        assertThat(json(down).get("unavailableReason").asText()).contains("content");
    }

    @Test
    void metricsAreThePrometheusTextOfTheStatusAndStay200WhenNotReady() {
        ApiResponse up = get("/metrics");
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
        String text = new String(up.bytes(), StandardCharsets.UTF_8);
        assertThat(text).contains("streamail_ready 1\n", "streamail_spooled_messages 2\n",
                "streamail_deferred_messages 1\n", "streamail_received_messages_total 10\n",
                "streamail_verdicts_total{action=\"deliver\"} 7\n",
                "streamail_detector_bound{detector=\"content\",mandatory=\"true\"} 1\n",
                "streamail_detector_bound{detector=\"phishing\",mandatory=\"false\"} 1\n",
                "streamail_start_time_seconds " + InMemoryGateway.T0.getEpochSecond() + "\n", "streamail_problems 0\n");

        gateway.ready = false;
        ApiResponse down = get("/metrics");
        assertThat(down.status()).as("a scrape keeps the numbers that say the gateway is down").isEqualTo(200);
        assertThat(new String(down.bytes(), StandardCharsets.UTF_8)).contains("streamail_ready 0\n");
        assertThat(call(null, "GET", "/metrics", null, null).status()).isEqualTo(401);
    }

    @Test
    void missingServiceAnswersServiceUnavailableForItsEndpointsOnly() {
        RestApi partial = new RestApi(new Services(() -> null, () -> gateway.quarantine, () -> null,
                () -> gateway.messageLog, () -> gateway.directory), new RestApi.Limits(1024, 256));
        ApiResponse r = partial.handle(new ApiRequest("POST", "/scan", null, RestApiTest::rfc822, MESSAGE.length,
                new ByteArrayInputStream(MESSAGE), ADMIN));
        assertError(r, 503, "scanner");
        ApiResponse list = partial.handle(new ApiRequest("GET", "/quarantine", null, n -> null, -1, null, ADMIN));
        assertThat(list.status()).isEqualTo(200);
    }

    // ---- messages

    @Test
    void messagesAreNewestFirstWithDefaultLimitAndActionFilter() {
        gateway.logged("m1", Verdict.clean(), 1);
        gateway.logged("m2", InMemoryGateway.PHISHING, 2);
        gateway.logged("m3", null, 3);

        JsonNode all = json(get("/messages"));
        assertThat(all.get("count").asInt()).isEqualTo(3);
        assertThat(all.get("items").get(0).get("id").asText()).isEqualTo("m3");
        assertThat(all.get("items").get(0).get("action").isNull()).isTrue();
        assertThat(all.get("items").get(0).get("verdict").isNull()).isTrue();
        assertThat(gateway.lastLogQuery.limit()).isEqualTo(50);

        JsonNode q = json(get("/messages?action=quarantine&limit=5&sender=S@x.example&recipient=alice@corp.example"));
        assertThat(q.get("count").asInt()).isEqualTo(1);
        JsonNode m2 = q.get("items").get(0);
        assertThat(m2.get("id").asText()).isEqualTo("m2");
        assertThat(m2.get("envelope").get("clientIp").asText()).isEqualTo("198.51.100.7");
        assertThat(m2.get("verdict").get("findings")).hasSize(2);
        assertThat(gateway.lastLogQuery.action()).isEqualTo(Action.QUARANTINE);
        assertThat(gateway.lastLogQuery.limit()).isEqualTo(5);
        assertThat(gateway.lastLogQuery.sender()).isEqualTo("S@x.example");
        assertThat(gateway.lastLogQuery.recipient()).isEqualTo("alice@corp.example");
    }

    @Test
    void messagesWithBadActionOrLimitIsBadRequest() {
        assertError(get("/messages?action=BOUNCE"), 400, "DELIVER, TAG, QUARANTINE, REJECT");
        assertError(get("/messages?limit=0"), 400, "limit");
        assertError(get("/messages?limit=1001"), 400, "limit");
        assertError(get("/messages?limit=ten"), 400, "limit");
        assertThat(get("/messages?limit=1000").status()).isEqualTo(200);
    }

    @Test
    void oneMessageByIdAndUnknownOrBadIdIsNotFound() {
        gateway.logged("m1", Verdict.clean(), 1);
        assertThat(json(get("/messages/m1")).get("subject").asText()).isEqualTo("subject m1");
        assertError(get("/messages/m9"), 404, "m9");
        assertError(get("/messages/..%2Fetc"), 404, "no message");
        assertError(get("/messages/" + "x".repeat(200)), 404, "no message");
    }

    // ---- quarantine

    @Test
    void quarantineListShowsHeldByDefaultAndFiltersByStatusAndCategory() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);
        gateway.hold("q2", "two", InMemoryGateway.PHISHING, MESSAGE);
        gateway.quarantine.release("q2", "root");

        JsonNode held = json(get("/quarantine"));
        assertThat(held.get("count").asInt()).isEqualTo(1);
        JsonNode q1 = held.get("items").get(0);
        assertThat(q1.get("id").asText()).isEqualTo("q1");
        assertThat(q1.get("status").asText()).isEqualTo("HELD");
        assertThat(q1.get("envelope").get("recipients").get(0).asText()).isEqualTo("alice@corp.example");
        assertThat(q1.get("verdict").get("categories").get(0).asText()).isEqualTo("PHISHING");
        assertThat(q1.get("actedAt").isNull()).isTrue();

        assertThat(json(get("/quarantine?status=any")).get("count").asInt()).isEqualTo(2);
        assertThat(json(get("/quarantine?status=released")).get("items").get(0).get("actedBy").asText())
                .isEqualTo("root");
        assertThat(json(get("/quarantine?category=MALWARE")).get("count").asInt()).isZero();
        assertError(get("/quarantine?category=VIRUS"), 400, "category");
        assertError(get("/quarantine?status=GONE"), 400, "status must be one of [HELD, RELEASED, DELETED] or ANY");
        assertError(get("/quarantine?limit=-1"), 400, "limit");
    }

    @Test
    void quarantineEntryAndRawMessageAsAttachment() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);
        assertThat(json(get("/quarantine/q1")).get("subject").asText()).isEqualTo("one");

        ApiResponse raw = get("/quarantine/q1/raw");
        assertThat(raw.status()).isEqualTo(200);
        assertThat(raw.json()).isNull();
        assertThat(raw.contentType()).isEqualTo("message/rfc822");
        assertThat(raw.bytes()).isEqualTo(MESSAGE);
        assertThat(raw.headers().get("Content-Disposition")).isEqualTo("attachment; filename=\"q1.eml\"");

        assertError(get("/quarantine/nope"), 404, "nope");
        assertError(get("/quarantine/nope/raw"), 404, "nope");
        assertError(get("/quarantine/a\"b/raw"), 404, "no quarantined message");
    }

    @Test
    void releaseByAdminRecordsTheActorAndASecondReleaseConflicts() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);

        ApiResponse r = call(ADMIN, "POST", "/quarantine/q1/release", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("status").asText()).isEqualTo("RELEASED");
        assertThat(json(r).get("actedBy").asText()).isEqualTo("root");

        assertError(call(ADMIN, "POST", "/quarantine/q1/release", null, null), 409, "status RELEASED");
        assertError(call(ADMIN, "DELETE", "/quarantine/q1", null, null), 409, "not held");
        assertError(call(ADMIN, "POST", "/quarantine/q9/release", null, null), 404, "q9");
        assertError(call(ADMIN, "DELETE", "/quarantine/q9", null, null), 404, "q9");
    }

    @Test
    void aReleaseThatFailsWhileTheMessageIsStillHeldIsUnavailableNotAConflict() {
        // the core throws IllegalStateException also when it cannot spool the released copy (disk full): that is
        // not "not held", and "not held (status HELD)" sent the administrator looking for a concurrent release
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);
        gateway.releaseFailure = new IllegalStateException(
                "cannot queue q1 for delivery: writing /var/lib/streamail/spool/q1.released failed: No space left");
        ApiResponse r = call(ADMIN, "POST", "/quarantine/q1/release", null, null);
        assertError(r, 503, "still held");
        assertThat(json(r).get("error").asText()).doesNotContain("/var/lib", "No space", "not held");
        assertThat(gateway.held.get("q1").status().name()).isEqualTo("HELD");

        gateway.releaseFailure = null;
        assertThat(call(ADMIN, "POST", "/quarantine/q1/release", null, null).status()).isEqualTo(200);
        assertError(call(ADMIN, "POST", "/quarantine/q1/release", null, null), 409, "status RELEASED");
    }

    ApiResponse releaseTo(String id, String contentType, String body) {
        return call(ADMIN, "POST", "/quarantine/" + id + "/release", contentType, utf8(body));
    }

    @Test
    void releaseWithARecipientReleasesToThemAloneAndTheEntryShowsWhoItWasReleasedTo() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE, "alice@corp.example", "bob@corp.example");
        assertThat(json(get("/quarantine/q1")).get("releasedTo")).isEmpty();

        ApiResponse r = releaseTo("q1", "application/json", "{\"recipient\": \"Bob@Corp.Example\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("status").asText()).isEqualTo("HELD");
        assertThat(json(r).get("releasedTo")).extracting(JsonNode::asText).containsExactly("bob@corp.example");
        assertThat(json(get("/quarantine/q1")).get("releasedTo")).extracting(JsonNode::asText)
                .containsExactly("bob@corp.example");

        assertError(releaseTo("q1", "application/json", "{\"recipient\": \"bob@corp.example\"}"), 409,
                "released to them already (status HELD)");
        assertError(releaseTo("q1", null, "{\"recipient\": \"mallory@evil.example\"}"), 400,
                "mallory@evil.example is not a recipient of message q1");
        assertError(releaseTo("q9", "application/json", "{\"recipient\": \"bob@corp.example\"}"), 404, "q9");

        // the last recipient: RELEASED, by whoever released the last copy
        r = releaseTo("q1", "application/json", "{\"recipient\": \"<alice@corp.example>\"}");
        assertThat(json(r).get("status").asText()).isEqualTo("RELEASED");
        assertThat(json(r).get("actedBy").asText()).isEqualTo("root");
        assertThat(json(r).get("releasedTo")).extracting(JsonNode::asText)
                .containsExactly("alice@corp.example", "bob@corp.example");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": \"alice@corp.example\"}"), 409,
                "released to them already (status RELEASED)");

        // released to everyone: a recipient of it has no release of their own left either
        gateway.hold("q2", "two", InMemoryGateway.PHISHING, MESSAGE, "alice@corp.example", "bob@corp.example");
        assertThat(call(ADMIN, "POST", "/quarantine/q2/release", "application/json", new byte[0]).status())
                .isEqualTo(200);
        assertError(releaseTo("q2", "application/json", "{\"recipient\": \"bob@corp.example\"}"), 409,
                "not held (status RELEASED)");
        assertError(releaseTo("q2", "application/json", "{\"recipient\": \"nobody@corp.example\"}"), 409,
                "not held (status RELEASED)");
    }

    @Test
    void aReleaseBodyThatIsNotARecipientIsRefusedAndReleasesNothing() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE, "alice@corp.example", "bob@corp.example");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": "), 400, "");
        assertError(releaseTo("q1", "application/json", "[\"bob@corp.example\"]"), 400, "JSON object");
        assertError(releaseTo("q1", "application/json", "\"bob@corp.example\""), 400, "JSON object");
        assertError(releaseTo("q1", "application/json", " "), 400, "JSON object");
        assertError(releaseTo("q1", "application/json", "{}"), 400, "\"recipient\" (an address) is required");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": null}"), 400, "is required");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": 7}"), 400, "is required");
        assertError(releaseTo("q1", "application/json", "{\"recipients\": [\"bob@corp.example\"]}"), 400,
                "unknown field \"recipients\"");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": \"bob\"}"), 400,
                "recipient must be an address");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": \"bob@corp.example\\u001b[2J\"}"), 400,
                "recipient must be an address");
        assertError(releaseTo("q1", "message/rfc822", "{\"recipient\": \"bob@corp.example\"}"), 415,
                "application/json");
        assertError(releaseTo("q1", "application/json", "{\"recipient\": \"" + "b".repeat(300) + "\"}"), 413, "");
        QuarantineEntry still = gateway.held.get("q1");
        assertThat(still.status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(still.releasedTo()).isEmpty();
        assertError(call(VIEWER, "POST", "/quarantine/q1/release", "application/json",
                utf8("{\"recipient\": \"bob@corp.example\"}")), 403, "watcher");
        assertThat(gateway.held.get("q1").releasedTo()).isEmpty();
    }

    @Test
    void aReleaseToARecipientThatFailsWhileStillHeldForThemIsUnavailable() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE, "alice@corp.example", "bob@corp.example");
        gateway.releaseFailure = new IllegalStateException(
                "cannot queue q1 for delivery: writing /var/lib/streamail/spool/q1-released-1 failed: No space left");
        ApiResponse r = releaseTo("q1", "application/json", "{\"recipient\": \"bob@corp.example\"}");
        assertError(r, 503, "still held for them");
        assertThat(json(r).get("error").asText()).doesNotContain("/var/lib", "No space");
        gateway.releaseFailure = null;
        assertThat(releaseTo("q1", "application/json", "{\"recipient\": \"bob@corp.example\"}").status())
                .isEqualTo(200);
    }

    @Test
    void deleteByAdminDropsTheRawMessage() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);
        ApiResponse r = call(ADMIN, "DELETE", "/quarantine/q1", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("status").asText()).isEqualTo("DELETED");
        assertError(get("/quarantine/q1/raw"), 404, "deleted");
    }

    @Test
    void viewerMayNotReleaseOrDelete() {
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);
        assertError(call(VIEWER, "POST", "/quarantine/q1/release", null, null), 403, "watcher");
        assertError(call(VIEWER, "DELETE", "/quarantine/q1", null, null), 403, "watcher");
        assertThat(gateway.held.get("q1").status().name()).isEqualTo("HELD");
    }

    ApiResponse withHeaders(AuthenticatedUser user, String method, String path, Map<String, String> given) {
        Map<String, String> headers = new HashMap<>();
        given.forEach((k, v) -> headers.put(k.toLowerCase(), v));
        return api.handle(new ApiRequest(method, path, null, n -> headers.get(n.toLowerCase()), 0,
                InputStream.nullInputStream(), user));
    }

    @Test
    void aBrowserSentCrossSiteCannotActWithTheAdministratorsRememberedLogin() {
        // a page on another site makes the admin's browser (which remembers the Basic login) post a form or a
        // no-cors fetch: release needs no body, so nothing but these headers tells it from a script
        gateway.hold("q1", "one", InMemoryGateway.PHISHING, MESSAGE);
        assertError(withHeaders(ADMIN, "POST", "/quarantine/q1/release",
                Map.of("Host", "gateway.corp:8181", "Origin", "https://evil.example")), 403, "cross-site");
        assertError(withHeaders(ADMIN, "POST", "/quarantine/q1/release",
                Map.of("Host", "gateway.corp:8181", "Origin", "null")), 403, "cross-site");
        assertError(withHeaders(ADMIN, "DELETE", "/quarantine/q1",
                Map.of("Host", "gateway.corp:8181", "Sec-Fetch-Site", "cross-site")), 403, "cross-site");
        assertError(withHeaders(ADMIN, "POST", "/quarantine/q1/release",
                Map.of("Host", "gateway.corp:8181", "Sec-Fetch-Site", "same-site")), 403, "cross-site");
        for (String form : List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "text/plain;charset=UTF-8")) {
            assertError(withHeaders(ADMIN, "POST", "/quarantine/q1/release", Map.of("Content-Type", form)), 415,
                    "browser form");
        }
        assertThat(gateway.held.get("q1").status().name()).isEqualTo("HELD");

        // reads, the page's own origin, and scripts (no such headers) are unaffected
        assertThat(withHeaders(VIEWER, "GET", "/quarantine/q1", Map.of("Origin", "https://evil.example",
                "Sec-Fetch-Site", "cross-site")).status()).isEqualTo(200);
        assertThat(withHeaders(ADMIN, "POST", "/quarantine/q1/release", Map.of("Host", "gateway.corp:8181",
                "Origin", "https://gateway.corp:8181", "Sec-Fetch-Site", "same-origin")).status()).isEqualTo(200);
        gateway.hold("q2", "two", InMemoryGateway.PHISHING, MESSAGE);
        assertThat(call(ADMIN, "POST", "/quarantine/q2/release", null, null).status()).isEqualTo(200);
    }

    // ---- directory

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void directoryAddCreatesThenUpdatesAndListShowsDomains() {
        ApiResponse created = call(ADMIN, "POST", "/directory", "application/json",
                utf8("{\"address\":\"Alice@Corp.Example\",\"displayName\":\"Alice Ä\"}"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(json(created).get("address").asText()).isEqualTo("alice@corp.example");
        assertThat(json(created).get("displayName").asText()).isEqualTo("Alice Ä");

        ApiResponse updated = call(ADMIN, "POST", "/directory", "application/json; charset=utf-8",
                utf8("{\"address\":\"alice@corp.example\"}"));
        assertThat(updated.status()).isEqualTo(200);

        JsonNode list = json(get("/directory"));
        assertThat(list.get("count").asInt()).isEqualTo(1);
        assertThat(list.get("items").get(0).get("createdAt").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(list.get("domains").toString()).isEqualTo("[\"b.example\",\"corp.example\"]");
    }

    @Test
    void directoryAddOfForeignOrInvalidAddressIsBadRequestWithTheReason() {
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("{\"address\":\"x@other.example\"}")),
                400, "domain other.example is not protected");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("{\"address\":\"a@b@corp.example\"}")),
                400, "not a plain local@domain");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("{\"address\":\"no-at\"}")), 400,
                "address");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("{\"displayName\":\"x\"}")), 400,
                "\"address\"");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("{\"address\":7}")), 400,
                "\"address\"");
        assertError(call(ADMIN, "POST", "/directory", "application/json",
                utf8("{\"address\":\"a@corp.example\",\"displayName\":[1]}")), 400, "displayName");
        assertThat(gateway.addresses).isEmpty();
    }

    @Test
    void directoryAddWithMalformedBodyIsBadRequestAndOversizedIsTooLarge() {
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("{\"address\":")), 400,
                "malformed JSON");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("[\"a@corp.example\"]")), 400,
                "JSON object");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("")), 400, "empty body");
        assertError(call(ADMIN, "POST", "/directory", "application/json", utf8("[".repeat(40) + "]".repeat(40))),
                400, "malformed JSON");
        assertError(call(ADMIN, "POST", "/directory", "application/json",
                utf8("{\"address\":\"a@corp.example\",\"address\":\"b@corp.example\"}")), 400, "malformed JSON: duplicate field");
        assertError(call(ADMIN, "POST", "/directory", "application/json",
                utf8("{\"address\":\"a@corp.example\"} {}")), 400, "malformed JSON");
        assertError(call(ADMIN, "POST", "/directory", "application/json", new byte[300]), 413, "256");
        assertError(call(ADMIN, "POST", "/directory", "application/xml", utf8("<a/>")), 415, "application/json");
        assertThat(gateway.addresses).isEmpty();
    }

    @Test
    void directoryRemoveAndRemoveOfAbsentAddressIsNotFound() {
        gateway.directory.add("bob@corp.example", "Bob");
        assertError(call(VIEWER, "DELETE", "/directory/bob@corp.example", null, null), 403, "admin");
        ApiResponse r = call(ADMIN, "DELETE", "/directory/Bob@corp.example", null, null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("removed").asBoolean()).isTrue();
        assertThat(gateway.addresses).isEmpty();
        assertError(call(ADMIN, "DELETE", "/directory/bob@corp.example", null, null), 404, "bob@corp.example");
    }

    @Test
    void storeFailureIsServiceUnavailableWithoutTheDatabaseMessage() {
        RestApi failing = new RestApi(new Services(() -> gateway.scanner, () -> gateway.quarantine,
                () -> gateway.status, () -> gateway.messageLog, () -> new DelegatingDirectory(gateway.directory) {
                    @Override
                    public List<org.streamail.api.store.DirectoryEntry> list() {
                        throw new StoreException("connection refused: jdbc:postgresql://db/secret");
                    }
                }), new RestApi.Limits(1024, 256));
        ApiResponse r = failing.handle(new ApiRequest("GET", "/directory", null, n -> null, -1, null, VIEWER));
        assertError(r, 503, "store");
        assertThat(json(r).toString()).doesNotContain("secret");
    }

    @Test
    void malformedJsonIsExplainedInPlainWordsWithoutLibraryNames() {
        String[][] cases = {
                {"{\"address\":\"a@corp.example\"} {\"address\":\"b@corp.example\"}",
                        "malformed JSON: trailing content after the JSON value"},
                {"[".repeat(30_000), "malformed JSON: nested too deeply"},
                {"{\"address\" \"a@corp.example\"}", "malformed JSON: unexpected character at line 1 column 12"},
                {"{\"address\":", "malformed JSON: unexpected end of input"},
                {"{\"address\":\"a\",\n\"address\":\"b\"}", "malformed JSON: duplicate field at line 2"},
        };
        // a body limit that lets 30,000 '[' reach the parser
        RestApi roomy = new RestApi(gateway.services(), new RestApi.Limits(1024, 1 << 16));
        for (String[] c : cases) {
            byte[] body = utf8(c[0]);
            ApiResponse r = roomy.handle(new ApiRequest("POST", "/directory", null,
                    n -> n.equalsIgnoreCase("content-type") ? "application/json" : null, body.length,
                    new ByteArrayInputStream(body), ADMIN));
            assertThat(r.status()).as(c[1]).isEqualTo(400);
            String error = json(r).get("error").asText();
            assertThat(error).as(c[1]).startsWith(c[1]).doesNotContainIgnoringCase("jackson")
                    .doesNotContain("JsonNode").doesNotContain("FAIL_ON").doesNotContain("StreamRead")
                    .doesNotContain("com.").doesNotContain("java.").doesNotContain("Exception");
        }
        assertThat(gateway.addresses).isEmpty();
    }

    @Test
    void badPercentEncodingInTheQueryIsAPlainBadRequest() {
        ApiResponse r = call(VIEWER, "GET", "/messages?sender=%zz", null, null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).isEqualTo(
                "malformed query string: bad percent-encoding in the query string");
    }
}
