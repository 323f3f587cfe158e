package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.spam.BlockRule;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.auth.AuthenticationUnavailableException;
import org.streamail.rest.internal.auth.Authenticator;
import org.streamail.rest.internal.auth.LoginThrottle;

/**
 * Fuzzes the REST API the way the web server drives it: {@link StreamailContextHelper#handleSecurity} and then
 * {@link ApiServlet#service}, over {@link FakeHttp} requests and the in-memory services of the other tests
 * ({@link InMemoryGateway}, and the recording fakes of {@link SpamRoutesTest}, {@link IncidentRoutesTest} and
 * {@link RetentionRestTest}), with a fresh gateway per input and the default body limits (25 MiB, 64 KiB). In
 * {@code mvn test} the seeds under {@code src/test/resources/.../RestFuzzTestInputs/<method>/} run as regression
 * tests; {@code JAZZER_FUZZ=1 mvn -o test -pl bundles/rest -Dtest='RestFuzzTest#<method>'} fuzzes one target.
 *
 * <p>What must hold for any method, path, query, headers and body: the status is one the README documents (never
 * 500: no fake service fails); every 4xx/5xx is the JSON error {@code {"error": ..., "status": n}}; no library or
 * Java class name reaches a message unless the request itself carried it; every JSON answer parses; the body is read
 * no further than the limit of the route and nothing much larger than what was read is allocated; a refused request
 * (4xx) and any request of a viewer (but a spam report) or of someone not logged in changes nothing; a GET asked
 * twice answers the same. For the JSON bodies of the POST routes, built from fuzzed structures (deep nesting, huge
 * numbers, duplicate keys, wrong types, NUL, lone surrogates, long strings): a 400 names the field (or says the
 * JSON itself is malformed), and an accepted block rule or isolation is exactly what was asked for.
 */
class RestFuzzTest {

    /** The defaults of PID org.streamail.rest: max.message.size and max.json.size. */
    static final RestApi.Limits LIMITS = new RestApi.Limits(26_214_400, 65_536);
    /** ApiRequest reads in chunks of this size, so it may read this far past a limit before it notices. */
    static final int CHUNK = 8192;

    static final String ADMIN_AUTH = basic("root:s3cret");
    static final String VIEWER_AUTH = basic("watcher:pw");

    static final Authenticator USERS = (user, password) -> switch (user + ":" + password) {
        case "root:s3cret" -> Optional.of(new AuthenticatedUser("root", Set.of("admin")));
        case "watcher:pw" -> Optional.of(new AuthenticatedUser("watcher", Set.of("viewer")));
        case "karaf:pw" -> Optional.of(new AuthenticatedUser("karaf", Set.of("manager")));
        case "broken:pw" -> throw new AuthenticationUnavailableException("realm down", null);
        default -> Optional.empty();
    };

    static final Set<Integer> DOCUMENTED = Set.of(200, 201, 400, 401, 403, 404, 405, 408, 409, 413, 415, 503);

    /** Text that would show the stack: a message may hold it only when the request itself did. */
    static final List<String> LEAKS = List.of("Exception", "java.", "javax.", "jakarta.", "com.fasterxml", "ackson",
            "org.eclipse", "org.streamail", "\tat ", "Caused by", "StreamReadConstraints", "JsonNode", "Error:");

    static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** One gateway with a little of everything in it; fresh per input so that every input starts alike. */
    static final class World {
        final InMemoryGateway gateway = new InMemoryGateway();
        final SpamRoutesTest spam = new SpamRoutesTest();
        final IncidentRoutesTest incidents = new IncidentRoutesTest();
        final RetentionRestTest retention = new RetentionRestTest();
        final DkimRestTest dkim = new DkimRestTest();
        final StreamailContextHelper context = new StreamailContextHelper(USERS, new LoginThrottle.Settings(0, 300, 1),
                java.time.Clock.systemUTC());
        final ApiServlet servlet;

        World() {
            byte[] raw = "From: a@evil.example\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
            gateway.hold("q1", "Your account", InMemoryGateway.PHISHING, raw);
            gateway.hold("q2", "Invoice", InMemoryGateway.PHISHING, raw);
            gateway.quarantine.release("q2", "root");
            gateway.logged("m1", InMemoryGateway.PHISHING, 1);
            gateway.logged("m2", null, 2);
            gateway.directory.add("alice@corp.example", "Alice");
            spam.blockList.add(BlockRule.Type.HELO, "h.example", "seed", null, "root");
            incidents.isolation.isolate("192.0.2.50", null, "seed", null, "root");
            incidents.calls.clear();
            servlet = new ApiServlet(new RestApi(new Services(() -> gateway.scanner, () -> gateway.quarantine,
                    () -> gateway.status, () -> gateway.messageLog, () -> gateway.directory,
                    () -> retention.retention, () -> retention.audit), LIMITS,
                    new IncidentRoutes.Access(ServiceAccess.of(() -> incidents.alertStore, "alert store"),
                            ServiceAccess.of(() -> incidents.isolation, "isolation service"),
                            ServiceAccess.of(() -> incidents.isolationStore, "isolation store"),
                            ServiceAccess.of(() -> incidents.links, "link store"),
                            ServiceAccess.of(() -> incidents.campaigns, "campaign service")),
                    ServiceAccess.of(() -> spam.reportService, "report service"),
                    ServiceAccess.of(() -> spam.blockList, "block list"),
                    ServiceAccess.registry(QuarantineDigest.class, "quarantine digest (digest bundle)"),
                    ServiceAccess.of(() -> dkim.service, "DKIM signing")));
        }

        /** Everything a request may change, as text. */
        String state() {
            return new TreeMap<>(spam.rules) + "\n" + spam.reports + "\n" + incidents.isolated + "\n"
                    + incidents.calls.stream().filter(c -> c.startsWith("recall ")).toList() + "\n"
                    + incidents.links.badUrls(1000) + "\n" + gateway.addresses + "\n" + gateway.held + "\n"
                    + gateway.raws.keySet() + "\n"
                    + retention.calls.stream().filter(c -> c.startsWith("sweep") || c.startsWith("extend")).toList()
                    + "\n" + dkim.made;
        }
    }

    /** How the body reaches the servlet. */
    enum BodyKind { BYTES, ENDLESS, FAILING }

    /** A request as the fuzzer built it, runnable more than once. */
    static final class Call {
        String method = "GET";
        String path;
        String query;
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byte[] body = new byte[0];
        BodyKind kind = BodyKind.BYTES;
        long streamLength;
        long contentLength = -1;
        CountingStream lastStream;

        FakeHttp.Request request() {
            FakeHttp.Request r = new FakeHttp.Request();
            r.method = method;
            r.pathInfo = path;
            r.query = query;
            r.headers.putAll(headers);
            r.contentLength = contentLength;
            lastStream = new CountingStream(body, kind, streamLength);
            r.bodyStream = lastStream;
            return r;
        }

        /** What the request itself carried: a message may repeat it. */
        String echoable() {
            StringBuilder b = new StringBuilder();
            b.append(method).append('\n').append(path).append('\n').append(query).append('\n');
            if (query != null) {
                try {
                    b.append(URLDecoder.decode(query, StandardCharsets.UTF_8)).append('\n');
                } catch (IllegalArgumentException e) {
                    // not decodable: the raw query is there already
                }
            }
            headers.values().forEach(v -> b.append(v).append('\n'));
            b.append(new String(body, StandardCharsets.UTF_8)).append('\n');
            b.append(new String(body, StandardCharsets.ISO_8859_1));
            return b.toString();
        }

        @Override
        public String toString() {
            return method + " " + abbreviate(String.valueOf(path)) + "?" + abbreviate(String.valueOf(query)) + " "
                    + headers + " " + kind + " declared " + contentLength + " body "
                    + abbreviate(new String(body, StandardCharsets.UTF_8));
        }
    }

    /** The body: given bytes, then (ENDLESS) filler up to a length or (FAILING) an I/O error like Jetty's. */
    static final class CountingStream extends InputStream {
        private final byte[] head;
        private final BodyKind kind;
        private final long length;
        long read;

        CountingStream(byte[] head, BodyKind kind, long length) {
            this.head = head;
            this.kind = kind;
            this.length = kind == BodyKind.ENDLESS ? Math.max(length, head.length) : head.length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (read >= length) {
                if (kind == BodyKind.FAILING) {
                    // what Jetty 9.4's HttpInput throws when the client stalls (ErrorState: new IOException(cause))
                    throw new IOException(new TimeoutException("Idle timeout expired: 30000/30000 ms"));
                }
                return -1;
            }
            int n = (int) Math.min(len, length - read);
            for (int i = 0; i < n; i++) {
                long at = read + i;
                b[off + i] = at < head.length ? head[(int) at] : (byte) 'x';
            }
            read += n;
            return n;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, length - read);
        }
    }

    /** What one exchange answered. */
    record Answer(int status, String contentType, Map<String, String> headers, byte[] body, int contentLength,
            AuthenticatedUser user, long read, long allocated) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    static Answer exchange(World w, Call call) throws IOException {
        FakeHttp.Request request = call.request();
        FakeHttp.Response response = new FakeHttp.Response();
        var req = request.proxy();
        var resp = response.proxy();
        long before = allocatedBytes();
        if (w.context.handleSecurity(req, resp)) {
            w.servlet.service(req, resp);
        }
        long allocated = allocatedBytes() - before;
        return new Answer(response.status, response.contentType, new TreeMap<>(response.headers),
                response.body.toByteArray(), response.contentLength,
                (AuthenticatedUser) request.attributes.get(StreamailContextHelper.USER_ATTRIBUTE),
                call.lastStream.read, allocated);
    }

    /** Bytes an exchange may allocate: proportional to what was read, not to what the client declared. */
    static long allocationBound(Answer a) {
        return 12 * a.read() + 8 * 1024 * 1024;
    }

    /**
     * The first time a code path runs, loading and instrumenting its classes allocates far more than the request
     * itself: an answer over the allocation bound is measured once more, on a fresh world, and that counts.
     */
    static Answer remeasured(Call call, Answer a) throws IOException {
        if (a.allocated() <= allocationBound(a)) {
            return a;
        }
        Answer again = exchange(new World(), call);
        return new Answer(a.status(), a.contentType(), a.headers(), a.body(), a.contentLength(), a.user(), a.read(),
                again.allocated());
    }

    static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    // ------------------------------------------------------------------------------------------------ target (a)

    static final String[][] ROUTES = {
        {"GET", "/health"}, {"POST", "/scan"}, {"GET", "/messages"}, {"GET", "/messages/{id}"},
        {"GET", "/quarantine"}, {"GET", "/quarantine/{id}"}, {"GET", "/quarantine/{id}/raw"},
        {"POST", "/quarantine/{id}/release"}, {"DELETE", "/quarantine/{id}"}, {"GET", "/directory"},
        {"POST", "/directory"}, {"DELETE", "/directory/{address}"}, {"POST", "/retention/sweep"},
        {"GET", "/retention/audit"}, {"POST", "/retention/extend"}, {"GET", "/retention/policy"},
        {"POST", "/reports/spam"}, {"POST", "/reports/ham"}, {"GET", "/blocklist"}, {"POST", "/blocklist"},
        {"DELETE", "/blocklist/{id}"}, {"GET", "/alerts"}, {"GET", "/isolation"}, {"POST", "/isolation"},
        {"GET", "/isolation/audit"}, {"POST", "/isolation/{ip}/release"}, {"GET", "/clicks"}, {"GET", "/bad-urls"},
        {"DELETE", "/bad-urls"}, {"POST", "/messages/{id}/recall"}, {"GET", "/dkim"}, {"POST", "/dkim/keys"},
        {"GET", "/metrics"},
    };
    static final String[] METHODS = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS", "get", "TRACE"};
    static final String[] IDS = {"q1", "q2", "m1", "m2", "r0", "r1", "nope", "a".repeat(129), "..", "-", "q1.eml"};
    static final String[] IPS = {"192.0.2.50", "192.0.2.7", "10.0.0.1", "2001:db8::99", "::1", "1.2.3", ".:",
        "ff::ff::1", "999.1.1.1", "::ffff:1.2.3.4"};
    static final String[] ADDRESSES = {"alice@corp.example", "ALICE@corp.example", "bob@b.example", "x", "@", "a@"};
    static final String[] PARAMS = {"limit", "offset", "action", "sender", "recipient", "status", "category", "rcpt",
        "client_ip", "mailbox", "messageId", "severity", "kind", "subject", "since", "blocked", "ip", "url"};
    static final String[] VALUES = {"1", "0", "-1", "1000", "1001", "2147483648", "abc", "DELIVER", "quarantine",
        "ANY", "HELD", "PHISHING", "HIGH", "true", "false", "PT24H", "-P1D", "P99999999D", "2026-01-01T00:00:00Z",
        "+999999999-12-31T23:59:59Z", "alice@corp.example", "<>", "192.0.2.7", "%zz", "%", "http://bad.example/login",
        "down@corp.example", "\u0000", "\u202e", "١٠"};
    static final String[] CONTENT_TYPES = {"application/json", "application/json; charset=utf-8", "message/rfc822",
        "text/plain", "", "APPLICATION/JSON", "application/json;", " message/rfc822 ; x=y", "multipart/form-data"};

    @FuzzTest(maxDuration = "60s")
    void anyRequest(FuzzedDataProvider in) throws IOException {
        Call call = new Call();
        String auth = authorization(in);
        if (auth != null) {
            call.headers.put("Authorization", auth);
        }
        String routeMethod;
        if (in.consumeBoolean()) {
            String[] route = ROUTES[in.consumeInt(0, ROUTES.length - 1)];
            routeMethod = route[0];
            call.method = in.consumeInt(0, 7) == 0 ? in.pickValue(METHODS) : route[0];
            call.path = fill(in, route[1]);
        } else {
            routeMethod = null;
            call.method = in.consumeBoolean() ? in.pickValue(METHODS) : in.consumeString(10);
            call.path = in.consumeInt(0, 15) == 0 ? null : in.consumeString(200);
        }
        if (call.method.isEmpty()) {
            call.method = "GET";
        }
        call.query = query(in);
        if (in.consumeBoolean()) {
            call.headers.put("Content-Type", in.consumeBoolean() ? in.pickValue(CONTENT_TYPES) : in.consumeString(60));
        }
        if (in.consumeInt(0, 3) == 0) {
            call.headers.put("Accept", in.pickValue(new String[] {"application/json", "text/html", "*/*", ""}));
        }
        body(in, call, routeMethod);

        World w = new World();
        String before = w.state();
        Answer a = exchange(w, call);
        a = remeasured(call, a);
        if (call.method.equalsIgnoreCase("HEAD")) {
            a = headLikeGet(call, a);
        }
        checkAnswer(call, a);
        String after = w.state();
        boolean reportByViewer = a.user() != null && !a.user().isAdmin() && call.method.equalsIgnoreCase("POST")
                && call.path != null && call.path.replace("/", "").matches("reports(spam|ham)");
        // 4xx: refused before anything was done. (A 5xx may come after the service was asked: a sweep that failed
        // half-way is recorded by the fake, as by the real service.)
        boolean refused = a.status() >= 400 && a.status() < 500;
        if (refused || a.user() == null || (!a.user().isAdmin() && !reportByViewer)) {
            assertThat(after).as("state after %s (status %d, user %s)", call, a.status(), a.user()).isEqualTo(before);
        }
        if (a.user() == null) {
            assertThat(a.status()).as("refused at the gate: %s", call).isIn(401, 403, 503);
        } else if (!a.user().isAdmin() && a.status() < 300) {
            assertThat(call.method.toUpperCase(Locale.ROOT).matches("GET|HEAD") || reportByViewer)
                    .as("a viewer only reads (and reports): %s answered %d", call, a.status()).isTrue();
            assertThat(call.path.replace("/", "")).as("admin-only GET for a viewer").doesNotStartWith("isolation");
        }
        if (call.method.equals("GET")) {
            Answer again = exchange(w, call);
            assertThat(again.status()).as("same GET twice: %s", call).isEqualTo(a.status());
            if (a.status() >= 400) {
                assertThat(again.text()).as("same error twice: %s", call).isEqualTo(a.text());
            }
        }
    }

    /**
     * A HEAD answer is the GET answer of the same request (asked of a fresh world) without the body: same status,
     * headers, content type and length. The servlet writes no body; what the context helper writes for a refused
     * login Jetty drops for HEAD. Returns the answer with the GET body, for the checks every answer gets.
     */
    static Answer headLikeGet(Call call, Answer head) throws IOException {
        String method = call.method;
        Answer get;
        call.method = "GET";
        try {
            get = exchange(new World(), call);
        } finally {
            call.method = method;
        }
        assertThat(head.status()).as("HEAD status as GET's: %s", call).isEqualTo(get.status());
        assertThat(head.headers()).as("HEAD headers as GET's: %s", call).isEqualTo(get.headers());
        assertThat(head.contentType()).as("HEAD type as GET's: %s", call).isEqualTo(get.contentType());
        assertThat(head.contentLength()).as("HEAD length as GET's: %s", call).isEqualTo(get.contentLength());
        if (head.body().length > 0) {
            assertThat(head.body()).as("HEAD body at the gate: %s", call).isEqualTo(get.body());
        }
        return new Answer(head.status(), head.contentType(), head.headers(), get.body(), head.contentLength(),
                head.user(), head.read(), head.allocated());
    }

    static String authorization(FuzzedDataProvider in) {
        return switch (in.consumeInt(0, 11)) {
            case 0 -> null;
            case 1, 2, 3 -> ADMIN_AUTH;
            case 4, 5 -> VIEWER_AUTH;
            case 6 -> basic("karaf:pw");
            case 7 -> basic("broken:pw");
            case 8 -> basic("root:wrong");
            case 9 -> "bAsIc   " + Base64.getEncoder().encodeToString("root:s3cret".getBytes(StandardCharsets.UTF_8))
                    + "  ";
            case 10 -> "Basic " + Base64.getEncoder().encodeToString(in.consumeBytes(80));
            default -> in.consumeString(120);
        };
    }

    static String fill(FuzzedDataProvider in, String template) {
        StringBuilder b = new StringBuilder();
        for (String seg : template.substring(1).split("/")) {
            b.append('/');
            if (in.consumeInt(0, 15) == 0) {
                b.append('/'); // an empty segment
            }
            b.append(switch (seg) {
                case "{id}" -> in.consumeBoolean() ? in.pickValue(IDS) : in.consumeString(40);
                case "{ip}" -> in.consumeBoolean() ? in.pickValue(IPS) : in.consumeString(50);
                case "{address}" -> in.consumeBoolean() ? in.pickValue(ADDRESSES) : in.consumeString(80);
                default -> seg;
            });
        }
        if (in.consumeInt(0, 7) == 0) {
            b.append('/');
        }
        return b.toString();
    }

    static String query(FuzzedDataProvider in) {
        switch (in.consumeInt(0, 5)) {
            case 0:
                return null;
            case 1:
                return in.consumeString(300);
            case 2:
                return "x".repeat(in.consumeInt(8000, 8300));
            default:
                StringBuilder b = new StringBuilder();
                int n = in.consumeInt(1, 4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        b.append('&');
                    }
                    b.append(in.consumeInt(0, 7) == 0 ? in.consumeString(10) : in.pickValue(PARAMS)).append('=');
                    String v = in.consumeBoolean() ? in.pickValue(VALUES) : in.consumeString(60);
                    b.append(in.consumeBoolean() ? URLEncoder.encode(v, StandardCharsets.UTF_8) : v);
                }
                return b.toString();
        }
    }

    static void body(FuzzedDataProvider in, Call call, String routeMethod) {
        switch (in.consumeInt(0, 9)) {
            case 0, 1 -> call.body = in.consumeBytes(2000);
            case 2, 3, 4, 5 -> call.body = new Json(in).document(fieldsOf(call.path));
            case 6 -> {
                call.kind = BodyKind.ENDLESS;
                call.body = in.consumeBytes(100);
                call.streamLength = (1L << in.consumeInt(0, 25)) + in.consumeInt(0, 2 * CHUNK);
            }
            case 7 -> {
                call.kind = BodyKind.FAILING;
                call.body = new Json(in).document(fieldsOf(call.path));
            }
            default -> call.body = new byte[0];
        }
        long actual = call.kind == BodyKind.ENDLESS ? Math.max(call.streamLength, call.body.length) : call.body.length;
        call.contentLength = switch (in.consumeInt(0, 7)) {
            case 0, 1, 2 -> actual;
            case 3 -> -1;
            case 4 -> in.consumeLong(-2, 1L << 40);
            case 5 -> in.consumeLong(0, LIMITS.maxMessageSize());
            case 6 -> LIMITS.maxMessageSize() + 1L;
            default -> Math.max(0, actual + in.consumeInt(-10, 10));
        };
    }

    /** The JSON fields each POST route takes, found from the path; empty when the path has none. */
    static String[] fieldsOf(String path) {
        String p = path == null ? "" : path.replaceAll("/+", "/");
        if (p.startsWith("/blocklist")) {
            return new String[] {"type", "value", "reason", "expires", "expiresAt"};
        }
        if (p.startsWith("/isolation")) {
            return new String[] {"ip", "reason", "ttl"};
        }
        if (p.startsWith("/directory")) {
            return new String[] {"address", "displayName"};
        }
        if (p.startsWith("/retention")) {
            return new String[] {"mailbox", "messageId", "expiry"};
        }
        if (p.startsWith("/reports")) {
            return new String[] {"quarantineId", "messageId"};
        }
        if (p.startsWith("/messages")) {
            return new String[] {"reason"};
        }
        if (p.startsWith("/quarantine")) {
            return new String[] {"recipient"};
        }
        if (p.startsWith("/dkim")) {
            return new String[] {"domain", "selector", "algorithm", "bits"};
        }
        return new String[0];
    }

    static void checkAnswer(Call call, Answer a) {
        assertThat(a.status()).as("status of %s: %s", call, a.text()).isIn(DOCUMENTED);
        if (a.status() == 503) {
            boolean retention = call.path != null && call.path.replace("/", "").startsWith("retentionsweep");
            boolean broken = "Basic YnJva2VuOnB3".equals(call.headers.get("Authorization"));
            assertThat(retention || broken).as("503 from a service that is there: %s: %s", call, a.text()).isTrue();
        }
        assertThat(a.headers().get("Cache-Control")).as("no-store: %s", call).isEqualTo("no-store");
        if (a.contentLength() >= 0) {
            assertThat(a.contentLength()).as("Content-Length of %s", call).isEqualTo(a.body().length);
        }
        if ("application/json".equals(a.contentType())) {
            JsonNode n = parse(a, call);
            assertThat(n.isObject()).as("a JSON object: %s", call).isTrue();
        }
        if (a.status() >= 400) {
            assertThat(a.contentType()).as("error type of %s", call).isEqualTo("application/json");
            JsonNode n = parse(a, call);
            assertThat(n.size()).as("only error and status: %s", a.text()).isEqualTo(2);
            assertThat(n.path("status").isInt() && n.path("status").asInt() == a.status()).as("status field: %s",
                    a.text()).isTrue();
            assertThat(n.path("error").isTextual() && !n.path("error").asText().isBlank()).as("error field: %s",
                    a.text()).isTrue();
            String message = n.get("error").asText();
            String echoable = call.echoable();
            for (String leak : LEAKS) {
                if (message.contains(leak) && !echoable.contains(leak)) {
                    fail("the error of %s shows '%s': %s", call, leak, message);
                }
            }
            assertThat(a.status() == 401).as("challenge only with 401: %s", a.headers())
                    .isEqualTo(a.headers().containsKey("WWW-Authenticate"));
        }
        // the body is read no further than the route's limit (plus the chunk in which the limit was crossed)
        assertThat(a.read()).as("bytes read of %s", call).isLessThanOrEqualTo(LIMITS.maxMessageSize() + (long) CHUNK);
        if (a.read() > LIMITS.maxJsonSize() + (long) CHUNK) {
            String p = String.valueOf(call.path).replace("/", "");
            assertThat(p.equals("scan") || p.startsWith("reports")).as("read %d bytes of %s", a.read(), call).isTrue();
        }
        // memory: proportional to what was read, not to what the client declared
        assertThat(a.allocated()).as("bytes allocated for %s, %d read", call, a.read())
                .isLessThanOrEqualTo(allocationBound(a));
    }

    static JsonNode parse(Answer a, Call call) {
        try {
            return STRICT.readTree(a.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + a.text() + " for " + call, e);
        }
    }

    // ------------------------------------------------------------------------------------------------ target (b)

    /** The POST routes with a JSON body, and the fields each takes. */
    static final String[][] JSON_ROUTES = {
        {"/blocklist", "type", "value", "reason", "expires", "expiresAt"},
        {"/isolation", "ip", "reason", "ttl"},
        {"/directory", "address", "displayName"},
        {"/retention/extend", "mailbox", "messageId", "expiry"},
        {"/reports/spam", "quarantineId", "messageId"},
        {"/reports/ham", "quarantineId", "messageId"},
        {"/messages/m1/recall", "reason"},
        {"/messages/zz/recall", "reason"},
        {"/quarantine/q1/release", "recipient"},
        {"/dkim/keys", "domain", "selector", "algorithm", "bits"},
    };

    /** What the fake services themselves refuse with (their own words, not the API's). */
    static final Pattern SERVICE_WORDS = Pattern.compile("is not a domain name|not a plain local@domain address|"
            + "is not protected");

    @FuzzTest(maxDuration = "60s")
    void jsonBodies(FuzzedDataProvider in) throws IOException {
        String[] route = JSON_ROUTES[in.consumeInt(0, JSON_ROUTES.length - 1)];
        String[] fields = java.util.Arrays.copyOfRange(route, 1, route.length);
        Call call = new Call();
        call.method = "POST";
        call.path = route[0];
        boolean viewer = in.consumeInt(0, 5) == 0;
        call.headers.put("Authorization", viewer ? VIEWER_AUTH : ADMIN_AUTH);
        call.headers.put("Content-Type", in.consumeInt(0, 7) == 0 ? in.pickValue(CONTENT_TYPES) : "application/json");
        call.body = new Json(in).document(fields);
        call.contentLength = in.consumeBoolean() ? call.body.length : -1;

        World w = new World();
        String before = w.state();
        int rulesBefore = w.spam.rules.size();
        Answer a = exchange(w, call);
        a = remeasured(call, a);
        if (call.method.equalsIgnoreCase("HEAD")) {
            a = headLikeGet(call, a);
        }
        checkAnswer(call, a);
        assertThat(a.status()).as("%s: %s", call, a.text()).isIn(200, 201, 400, 403, 404, 409, 413, 415);
        String after = w.state();
        if (a.status() >= 400) {
            assertThat(after).as("state after %s (status %d: %s)", call, a.status(), a.text()).isEqualTo(before);
        }
        String type = call.headers.get("Content-Type");
        boolean json = type.isEmpty() || type.split(";")[0].strip().equalsIgnoreCase("application/json");
        if (a.status() == 400 && json) { // a raw message (message/rfc822) has no fields to name
            String message = parse(a, call).get("error").asText();
            boolean general = message.startsWith("malformed JSON") || message.startsWith("empty body")
                    || message.contains("JSON object") || message.startsWith("unknown field")
                    || SERVICE_WORDS.matcher(message).find();
            boolean named = java.util.Arrays.stream(fields)
                    .anyMatch(f -> Pattern.compile("(^|[^A-Za-z])" + f + "([^A-Za-z]|$)").matcher(message).find());
            assertThat(general || named).as("400 for %s names the field: %s", call, message).isTrue();
        }
        if (a.status() == 201 && route[0].equals("/blocklist")) {
            JsonNode sent = STRICT.readTree(call.body);
            assertThat(w.spam.rules).hasSize(rulesBefore + 1);
            BlockRule added = w.spam.rules.values().stream().filter(r -> !r.reason().equals("seed")).findFirst()
                    .orElseThrow();
            assertThat(added.value()).isEqualTo(sent.get("value").asText());
            assertThat(added.type().name()).isEqualTo(sent.get("type").asText().strip().toUpperCase(Locale.ROOT));
            boolean expiring = sent.hasNonNull("expires") || sent.hasNonNull("expiresAt");
            assertThat(added.expiresAt() != null).as("expiry of %s", call).isEqualTo(expiring);
        }
        if (a.status() == 201 && route[0].equals("/isolation")) {
            JsonNode sent = STRICT.readTree(call.body);
            assertThat(w.incidents.isolated).containsKey(sent.get("ip").asText().strip());
        }
    }

    /**
     * Writes a JSON document from fuzzer choices: an object whose keys are mostly the route's fields (sometimes
     * twice, sometimes unknown) and whose values are mostly plausible for the field, mutated (NUL, lone surrogates,
     * padding, very long) or of the wrong type, nested up to past the parser's depth limit; now and then broken.
     */
    static final class Json {
        private final FuzzedDataProvider in;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Json(FuzzedDataProvider in) {
            this.in = in;
        }

        static final Map<String, String[]> PLAUSIBLE = Map.ofEntries(
                Map.entry("type", new String[] {"SENDER", "sender_domain", " CLIENT_IP ", "HELO", "URL_DOMAIN",
                    "ATTACHMENT_HASH", "bogus", ""}),
                Map.entry("value", new String[] {"spam.example", "a b", "10.0.0.0/8", "x@spam.example", ""}),
                Map.entry("reason", new String[] {"clicked a phishing link", "", "  ", "seed"}),
                Map.entry("expires", new String[] {"PT24H", "P7D", "PT0S", "-PT1H", "P36500D", "P36501D",
                    "PT9999999999999H", "4h", "p1d", "PT1H"}),
                Map.entry("expiresAt", new String[] {"2030-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
                    "+10000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2030-01-01"}),
                Map.entry("ip", new String[] {"192.0.2.7", "10.0.0.1", "2001:db8::99", "2001:db8::1", "::1",
                    "192.0.2.256", "1.2.3", ".:", "::ffff:192.0.2.1"}),
                Map.entry("ttl", new String[] {"PT4H", "P1D", "4h", "PT0S", "", "P99999D"}),
                Map.entry("address", new String[] {"alice@corp.example", "bob@b.example", "x@other.example", "noat",
                    "<carol@corp.example>"}),
                Map.entry("displayName", new String[] {"Alice", "", "Bob Example"}),
                Map.entry("mailbox", new String[] {"alice@corp.example", "down@corp.example", "a b", ""}),
                Map.entry("messageId", new String[] {"<m1@x>", "m1", "missing", ""}),
                Map.entry("expiry", new String[] {"2026-12-31T00:00:00Z", "+999999999-12-31T23:59:59Z",
                    "0000-01-01T00:00:00Z"}),
                Map.entry("quarantineId", new String[] {"q1", "missing", "q2"}));

        byte[] document(String[] fields) {
            switch (in.consumeInt(0, 15)) {
                case 0 -> value(null, 0); // a document that is not an object
                case 1 -> raw(in.consumeString(200));
                default -> object(fields, 0);
            }
            if (in.consumeInt(0, 15) == 0) {
                raw(in.pickValue(new String[] {"}", " x", "\u0000", "{}", ","}));
            }
            byte[] bytes = out.toByteArray();
            if (in.consumeInt(0, 15) == 0 && bytes.length > 0) {
                bytes = java.util.Arrays.copyOf(bytes, in.consumeInt(0, bytes.length - 1)); // cut short
            }
            return bytes;
        }

        private void object(String[] fields, int depth) {
            raw("{");
            int n = in.consumeInt(0, 6);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    raw(",");
                }
                String key = fields.length > 0 && in.consumeInt(0, 4) > 0 ? in.pickValue(fields)
                        : in.consumeBoolean() ? in.pickValue(PLAUSIBLE.keySet().toArray(String[]::new))
                        : in.consumeString(20);
                string(key);
                raw(in.consumeInt(0, 7) == 0 ? " : " : ":");
                value(key, depth);
            }
            raw("}");
        }

        private void value(String field, int depth) {
            int kind = in.consumeInt(0, 11);
            if (depth > 40) {
                kind = 9;
            }
            switch (kind) {
                case 0, 1, 2, 3, 4 -> string(mutated(field));
                case 5 -> raw(number());
                case 6 -> raw(in.pickValue(new String[] {"true", "false", "null"}));
                case 7 -> {
                    int nesting = in.consumeInt(1, 40);
                    for (int i = 0; i < nesting; i++) {
                        raw("[");
                    }
                    value(field, depth + nesting);
                    for (int i = 0; i < nesting; i++) {
                        raw("]");
                    }
                }
                case 8 -> object(new String[] {field == null ? "x" : field}, depth + 1);
                case 9 -> string(in.consumeString(100));
                default -> raw("[" + number() + "," + "\"" + "a".repeat(in.consumeInt(0, 3)) + "\"]");
            }
        }

        private String mutated(String field) {
            String[] options = field == null ? null : PLAUSIBLE.get(field);
            String base = options != null && in.consumeInt(0, 3) > 0 ? in.pickValue(options) : in.consumeString(40);
            return switch (in.consumeInt(0, 12)) {
                case 0 -> base + "\u0000";
                case 1 -> "\u0000" + base;
                case 2 -> base + "\ud800";
                case 3 -> "\udc00" + base;
                case 4 -> "  \t" + base + " \n";
                case 5 -> base.repeat(Math.max(1, in.consumeInt(0, 70_000) / Math.max(1, base.length())));
                case 6 -> base + "\u2028";
                case 7 -> "\u202e" + base;
                case 8 -> base.toLowerCase(Locale.ROOT);
                default -> base;
            };
        }

        private String number() {
            return switch (in.consumeInt(0, 10)) {
                case 0 -> Long.toString(in.consumeLong());
                case 1 -> "1" + "0".repeat(in.consumeInt(0, 1200));
                case 2 -> "-0";
                case 3 -> "1.5e308";
                case 4 -> "1e" + in.consumeLong();
                case 5 -> "1e-400";
                case 6 -> "0." + "9".repeat(in.consumeInt(0, 1200));
                case 7 -> "NaN";
                case 8 -> "01";
                case 9 -> Double.toString(in.consumeDouble());
                default -> Integer.toString(in.consumeInt());
            };
        }

        /** A JSON string; control characters escaped (now and then raw), surrogates always as escapes. */
        private void string(String s) {
            boolean rawControls = in.consumeInt(0, 15) == 0;
            StringBuilder b = new StringBuilder(s.length() + 2).append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') {
                    b.append('\\').append(c);
                } else if ((c < 0x20 && !rawControls) || Character.isSurrogate(c)) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
            raw(b.append('"').toString());
        }

        private void raw(String s) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...(" + s.length() + " chars)";
    }
}
