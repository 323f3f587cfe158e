package org.streamail.workbench.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * An in-JVM stand-in for the gateway's REST API (com.sun.net.httpserver) serving the JSON shapes the rest
 * bundle writes (fixtures under {@code /gateway}, recorded from its JsonMapping; timestamps
 * {@code MINUTES_AGO:n} are made relative to now so the dashboard has recent data). HTTP Basic: {@code admin}
 * / {@code secret} may do everything; {@code viewer} / {@code viewer} may GET (except {@code /isolation*},
 * admin-only as on the real router) and report spam, so a viewer lists the URLs marked bad but gets 403 on
 * {@code DELETE /bad-urls}. Records every request line, with its Content-Type and
 * body; keeps released/deleted ids, the recipients a held message was released to one by one
 * ({@code POST /quarantine/{id}/release} with {@code {"recipient":…}}, answered like the REST bundle: 400, 409,
 * {@code releasedTo}), isolated hosts, block rules and URLs marked bad as state, so an action shows in the next
 * list like on a real gateway; {@link #olderGateway} answers as a gateway before per-recipient release did. DKIM:
 * {@code GET /dkim} (fixture {@code dkim.json}: a usable key published in DNS and one whose file is open to others)
 * and {@code POST /dkim/keys}, which remembers the key files made and refuses one that exists (409). {@link #PROTECTED_HOST} is refused (409) and {@link #FAILING_HOST} fails in
 * the enforcer (502). Thread-safe.
 */
public final class FakeGateway implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "secret";
    private static final String API = "/streamail/api/v1";

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> acted = new ConcurrentHashMap<>(); // id -> RELEASED / DELETED
    /** id -> the recipients released to one by one, lower case, sorted; guarded by {@code this}. */
    private final Map<String, java.util.SortedSet<String>> releasedTo = new java.util.HashMap<>();
    private volatile boolean olderGateway;
    private final Set<String> extraDirectory = ConcurrentHashMap.newKeySet();
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    /** Incident and spam state the views change: guarded by {@code this}. */
    private final Map<String, ObjectNode> isolated = new java.util.LinkedHashMap<>();
    private final List<ObjectNode> isolationAudit = new ArrayList<>();
    private final Map<String, ObjectNode> blockRules = new java.util.LinkedHashMap<>();
    /** URLs marked bad (url -> entry), newest first. */
    private final Map<String, ObjectNode> badUrls = new java.util.LinkedHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger ruleIds = new java.util.concurrent.atomic.AtomicInteger();
    /** DKIM key files made by {@code POST /dkim/keys}: guarded by {@code this}. */
    private final List<String> dkimKeysMade = new ArrayList<>();

    /** One request with its body, as the gateway received it. */
    public record Recorded(String line, String contentType, String body) {
    }

    /** Hosts the fake refuses to isolate (409), like an allow-list. */
    public static final String PROTECTED_HOST = "10.0.0.1";
    /** A host whose isolation fails in the enforcer (502). */
    public static final String FAILING_HOST = "10.66.6.6";
    private volatile long delayMillis;

    public FakeGateway() throws IOException {
        this(InetAddress.getLoopbackAddress(), null);
    }

    /**
     * @param address where to listen (tests stay on this host: loopback, or this host's own interface address)
     * @param tls     {@code null} for plain HTTP, else HTTPS ({@link HttpsServer}) with this context's key
     */
    public FakeGateway(InetAddress address, SSLContext tls) throws IOException {
        if (tls == null) {
            server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        } else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress(address, 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            server = https;
        }
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-gateway");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        for (JsonNode n : fixture("isolation.json").path("items")) {
            isolated.put(n.path("ip").asText(), (ObjectNode) n);
        }
        fixture("isolation-audit.json").path("items").forEach(n -> isolationAudit.add((ObjectNode) n));
        for (JsonNode n : fixture("bad-urls.json").path("items")) {
            badUrls.put(n.path("url").asText(), (ObjectNode) n);
        }
        for (JsonNode n : fixture("blocklist.json").path("items")) {
            blockRules.put(n.path("id").asText(), (ObjectNode) n);
        }
        server.start();
    }

    /** The gateway's HTTP root, as a user types it into the Connection view. */
    public String url() {
        InetAddress a = server.getAddress().getAddress();
        String host = a instanceof java.net.Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return (server instanceof HttpsServer ? "https://" : "http://") + host + ":" + server.getAddress().getPort();
    }

    /** The port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Every request seen, as {@code "METHOD /path?query"}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** Every request seen, with its Content-Type and body (empty when none). */
    public List<Recorded> recorded() {
        return List.copyOf(recorded);
    }

    /** The body of the last request with this request line, e.g. {@code "POST /streamail/api/v1/isolation"}. */
    public JsonNode lastBody(String line) {
        for (int i = recorded.size() - 1; i >= 0; i--) {
            Recorded r = recorded.get(i);
            if (r.line().equals(line)) {
                try {
                    return r.body().isEmpty() ? mapper.nullNode() : mapper.readTree(r.body());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new AssertionError("no request " + line + " among " + requests());
    }

    /** The IPs isolated now. */
    public synchronized Set<String> isolatedHosts() {
        return Set.copyOf(isolated.keySet());
    }

    /** The URLs marked bad now, newest first. */
    public synchronized List<String> badUrls() {
        return List.copyOf(badUrls.keySet());
    }

    /**
     * Answers as a gateway before per-recipient release: quarantine entries without {@code releasedTo}, and a
     * release's body ignored (the message is released to every recipient), as that gateway's router did.
     */
    public void olderGateway(boolean older) {
        this.olderGateway = older;
    }

    /** Makes every answer wait, to observe the UI while a call is in flight. */
    public void delay(long millis) {
        this.delayMillis = millis;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getRawPath();
            String query = ex.getRequestURI().getRawQuery();
            String line = method + " " + path + (query == null ? "" : "?" + query);
            requests.add(line);
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(1024 * 1024);
            }
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            recorded.add(new Recorded(line, type == null ? "" : type, new String(body, StandardCharsets.UTF_8)));
            if (delayMillis > 0) {
                Thread.sleep(delayMillis);
            }
            String user = user(ex);
            if (user == null) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"streamail\"");
                error(ex, 401, "authentication required");
                return;
            }
            if (!path.startsWith(API + "/")) {
                error(ex, 404, "no such endpoint");
                return;
            }
            String sub = path.substring(API.length());
            // as the real router: isolation is admin-only even to read; reports are open to every user
            boolean adminOnly = sub.startsWith("/isolation") || !method.equals("GET") && !sub.startsWith("/reports/");
            if (adminOnly && !user.equals(ADMIN)) {
                error(ex, 403, "user '" + user + "' may not " + method + " " + sub + " (admin role required)");
                return;
            }
            route(ex, method, sub, query == null ? "" : query, body, type == null ? "" : type);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            error(ex, 500, "internal error; see the gateway log");
        }
    }

    private void route(HttpExchange ex, String method, String path, String query, byte[] requestBody,
            String contentType) throws IOException {
        String[] seg = path.substring(1).split("/");
        switch (method + " " + seg[0] + "/" + seg.length) {
            case "GET health/1" -> json(ex, 200, fixture("health.json"));
            case "GET messages/1" -> {
                ObjectNode list = (ObjectNode) fixture("messages.json");
                String action = param(query, "action");
                if (action != null) {
                    filter(list, n -> n.path("action").asText().equals(action));
                }
                json(ex, 200, list);
            }
            case "GET messages/2" -> find(ex, fixture("messages.json"), seg[1]);
            case "GET quarantine/1" -> {
                ObjectNode list = (ObjectNode) fixture("quarantine.json");
                String status = param(query, "status");
                String wanted = status == null ? "HELD" : status;
                for (JsonNode n : list.withArray("items")) {
                    current((ObjectNode) n);
                }
                if (!wanted.equals("ANY")) {
                    filter(list, n -> n.path("status").asText().equals(wanted));
                }
                json(ex, 200, list);
            }
            case "GET quarantine/2" -> {
                JsonNode n = byId(fixture("quarantine.json"), seg[1]);
                if (n == null) {
                    error(ex, 404, "no quarantined message with id " + seg[1]);
                } else {
                    json(ex, 200, current((ObjectNode) n));
                }
            }
            case "GET quarantine/3" -> {
                InputStream in = getClass().getResourceAsStream("/gateway/" + seg[1] + ".eml");
                if (in == null || !seg[2].equals("raw")) {
                    error(ex, 404, "no raw message for id " + seg[1] + " (unknown or deleted)");
                    return;
                }
                byte[] raw;
                try (in) {
                    raw = in.readAllBytes();
                }
                ex.getResponseHeaders().add("Content-Type", "message/rfc822");
                ex.sendResponseHeaders(200, raw.length);
                ex.getResponseBody().write(raw);
            }
            case "POST quarantine/3" -> {
                if (seg[2].equals("release") && (requestBody.length == 0 || olderGateway)) {
                    act(ex, seg[1], "RELEASED");
                } else if (seg[2].equals("release")) {
                    releaseTo(ex, seg[1], requestBody, contentType);
                } else {
                    error(ex, 404, "no route for " + method + " " + path);
                }
            }
            case "DELETE quarantine/2" -> act(ex, seg[1], "DELETED");
            case "GET directory/1" -> {
                ObjectNode d = (ObjectNode) fixture("directory.json");
                for (String a : extraDirectory) {
                    ObjectNode e = d.withArray("items").addObject();
                    e.put("address", a).put("displayName", "").put("createdAt", Instant.now().toString());
                }
                json(ex, 200, d);
            }
            case "POST directory/1" -> {
                JsonNode body = mapper.readTree(requestBody);
                String a = body.path("address").asText();
                if (!a.endsWith("@acme.example")) {
                    error(ex, 400, "address " + a + " is not in a protected domain");
                    return;
                }
                extraDirectory.add(a);
                ObjectNode e = mapper.createObjectNode();
                e.put("address", a).put("displayName", body.path("displayName").asText()).put("createdAt",
                        Instant.now().toString());
                json(ex, 201, e);
            }
            case "GET alerts/1" -> {
                ObjectNode list = (ObjectNode) fixture("alerts.json");
                String min = param(query, "severity");
                if (min != null) {
                    int rank = SEVERITIES.indexOf(min);
                    if (rank < 0) {
                        error(ex, 400, "severity must be one of " + SEVERITIES + ", got '" + min + "'");
                        return;
                    }
                    filter(list, n -> SEVERITIES.indexOf(n.path("severity").asText()) >= rank);
                }
                String kind = param(query, "kind");
                if (kind != null && !kind.isBlank()) {
                    filter(list, n -> n.path("kind").asText().equals(kind));
                }
                limit(list, param(query, "limit"));
                json(ex, 200, list);
            }
            case "GET isolation/1" -> {
                synchronized (this) {
                    json(ex, 200, list(isolated.values()));
                }
            }
            case "GET isolation/2" -> {
                if (!seg[1].equals("audit")) {
                    error(ex, 404, "no route for " + method + " " + path);
                    return;
                }
                synchronized (this) {
                    ObjectNode list = list(isolationAudit);
                    limit(list, param(query, "limit"));
                    json(ex, 200, list);
                }
            }
            case "POST isolation/1" -> isolate(ex, requestBody, contentType);
            case "POST isolation/3" -> {
                if (!seg[2].equals("release")) {
                    error(ex, 404, "no route for " + method + " " + path);
                    return;
                }
                String ip = seg[1];
                synchronized (this) {
                    ObjectNode gone = isolated.remove(ip);
                    if (gone == null) {
                        error(ex, 404, ip + " is not isolated");
                        return;
                    }
                    audit("release", ip, gone.path("reason").asText());
                }
                ObjectNode n = mapper.createObjectNode();
                n.put("ip", ip).put("released", true);
                json(ex, 200, n);
            }
            case "GET clicks/1" -> {
                ObjectNode list = (ObjectNode) fixture("clicks.json");
                if ("true".equals(param(query, "blocked"))) {
                    filter(list, n -> n.path("blocked").asBoolean());
                }
                limit(list, param(query, "limit"));
                json(ex, 200, list);
            }
            case "POST messages/3" -> {
                if (!seg[2].equals("recall") || byId(fixture("messages.json"), seg[1]) == null
                        && byId(fixture("quarantine.json"), seg[1]) == null) {
                    error(ex, 404, "no message with id " + seg[1] + " in the message log");
                    return;
                }
                ObjectNode r = mapper.createObjectNode();
                r.put("campaignId", "cmp-" + seg[1]);
                r.putArray("messages").add(seg[1]).add("m-55aa01");
                r.putArray("warned").add("finance@acme.example").add("sales@acme.example");
                r.put("pulled", 2);
                ArrayNode boxes = r.putArray("mailboxes");
                boxes.addObject().put("mailbox", "finance@acme.example").put("found", 1).put("moved", 1)
                        .put("deleted", 0).putNull("error");
                boxes.addObject().put("mailbox", "sales@acme.example").put("found", 1).put("moved", 1)
                        .put("deleted", 0).putNull("error");
                json(ex, 200, r);
            }
            case "GET retention/2" -> {
                switch (seg[1]) {
                    case "policy" -> json(ex, 200, fixture("retention-policy.json"));
                    case "audit" -> {
                        ObjectNode list = (ObjectNode) fixture("retention-audit.json");
                        limit(list, param(query, "limit"));
                        json(ex, 200, list);
                    }
                    default -> error(ex, 404, "no route for " + method + " " + path);
                }
            }
            case "POST retention/2" -> {
                if (seg[1].equals("sweep")) {
                    json(ex, 200, fixture("retention-sweep.json"));
                } else {
                    error(ex, 404, "no route for " + method + " " + path);
                }
            }
            case "GET blocklist/1" -> {
                synchronized (this) {
                    json(ex, 200, list(blockRules.values()));
                }
            }
            case "POST blocklist/1" -> addRule(ex, requestBody, contentType);
            case "DELETE blocklist/2" -> {
                synchronized (this) {
                    if (blockRules.remove(seg[1]) == null) {
                        error(ex, 404, "no block rule " + seg[1]);
                        return;
                    }
                }
                ObjectNode n = mapper.createObjectNode();
                n.put("id", seg[1]).put("removed", true);
                json(ex, 200, n);
            }
            case "POST reports/2" -> report(ex, seg[1], requestBody, contentType);
            case "GET dkim/1" -> {
                String dns = param(query, "dns");
                if (dns != null && !dns.equals("true") && !dns.equals("false")) {
                    error(ex, 400, "dns must be true or false, got '" + dns + "'");
                    return;
                }
                ObjectNode status = (ObjectNode) fixture("dkim.json");
                if ("false".equals(dns)) {
                    status.put("dns", "");
                    status.withArray("keys").forEach(k -> ((ObjectNode) k).put("dns", "NOT_CHECKED")
                            .put("dnsDetail", ""));
                }
                json(ex, 200, status);
            }
            case "POST dkim/2" -> {
                if (seg[1].equals("keys")) {
                    makeDkimKey(ex, requestBody, contentType);
                } else {
                    error(ex, 404, "no route for " + method + " " + path);
                }
            }
            case "GET bad-urls/1" -> {
                String limit = param(query, "limit");
                int max = limit == null ? 50 : limit.matches("[0-9]{1,4}") ? Integer.parseInt(limit) : -1;
                if (max < 1 || max > 1000) {
                    error(ex, 400, "limit must be 1..1000, got '" + limit + "'");
                    return;
                }
                synchronized (this) {
                    ObjectNode list = list(badUrls.values());
                    limit(list, String.valueOf(max));
                    json(ex, 200, list);
                }
            }
            case "DELETE bad-urls/1" -> {
                String url = param(query, "url");
                if (url == null || url.isBlank()) {
                    error(ex, 400, "url is required: DELETE /bad-urls?url=<the URL as GET /bad-urls shows it>");
                    return;
                }
                synchronized (this) {
                    if (badUrls.remove(url) == null) {
                        error(ex, 404, "that URL is not marked bad");
                        return;
                    }
                }
                ObjectNode n = mapper.createObjectNode();
                n.put("url", url).put("unmarked", true);
                json(ex, 200, n);
            }
            default -> error(ex, 404, "no route for " + method + " " + path);
        }
    }

    private static final List<String> SEVERITIES = List.of("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL");
    private static final java.util.regex.Pattern IP = java.util.regex.Pattern.compile(
            "(\\d{1,3}\\.){3}\\d{1,3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    private void isolate(HttpExchange ex, byte[] requestBody, String contentType) throws IOException {
        if (!contentType.startsWith("application/json")) {
            error(ex, 415, "POST /isolation needs Content-Type: application/json, got " + contentType);
            return;
        }
        JsonNode body = mapper.readTree(requestBody);
        String ip = body.path("ip").asText("");
        String reason = body.path("reason").asText("");
        if (!IP.matcher(ip).matches()) {
            error(ex, 400, "\"ip\" must be an IPv4 or IPv6 address, got '" + ip + "'");
            return;
        }
        if (reason.isBlank()) {
            error(ex, 400, "\"reason\" is required: say why the host is cut off");
            return;
        }
        java.time.Duration ttl = java.time.Duration.ofHours(4);
        if (body.hasNonNull("ttl")) {
            try {
                ttl = java.time.Duration.parse(body.get("ttl").asText());
            } catch (java.time.format.DateTimeParseException e) {
                error(ex, 400, "\"ttl\" must be an ISO-8601 duration such as PT4H");
                return;
            }
        }
        if (ip.equals(PROTECTED_HOST)) {
            error(ex, 409, ip + " is protected (allow-list) and is never isolated");
            return;
        }
        if (ip.equals(FAILING_HOST)) {
            error(ex, 502, "an enforcer failed; nothing was changed: nft: Operation not permitted");
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ObjectNode n = mapper.createObjectNode();
        synchronized (this) {
            ObjectNode before = isolated.get(ip);
            n.put("ip", ip).put("mac", "").put("reason", reason).put("actor", ADMIN).put("since", now.toString())
                    .put("until", now.plus(ttl).toString())
                    .put("offences", before == null ? 1 : before.path("offences").asInt() + 1);
            isolated.put(ip, n);
            audit("isolate", ip, reason);
        }
        json(ex, 201, n);
    }

    /** Adds an audit entry, newest first. Caller holds {@code this}. */
    private void audit(String action, String ip, String reason) {
        ObjectNode a = mapper.createObjectNode();
        a.put("time", Instant.now().toString()).put("actor", ADMIN).put("action", action).put("ip", ip)
                .put("reason", reason).put("before", "").put("after", String.join(",", isolated.keySet()));
        isolationAudit.add(0, a);
    }

    private void addRule(HttpExchange ex, byte[] requestBody, String contentType) throws IOException {
        if (!contentType.startsWith("application/json")) {
            error(ex, 415, "POST /blocklist needs Content-Type: application/json, got " + contentType);
            return;
        }
        JsonNode body = mapper.readTree(requestBody);
        String type = body.path("type").asText("");
        if (!List.of("SENDER", "SENDER_DOMAIN", "CLIENT_IP", "HELO", "URL_DOMAIN", "ATTACHMENT_HASH").contains(type)) {
            error(ex, 400, "unknown \"type\" '" + type + "'");
            return;
        }
        String value = body.path("value").asText("");
        if (value.isBlank()) {
            error(ex, 400, "\"value\" (a string) is required");
            return;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ObjectNode n = mapper.createObjectNode();
        n.put("id", String.format("00000000-0000-4000-8000-%012d", ruleIds.incrementAndGet())).put("type", type)
                .put("value", value).put("reason", body.path("reason").asText("")).put("createdBy", ADMIN)
                .put("createdAt", now.toString());
        if (body.hasNonNull("expires")) {
            n.put("expiresAt", now.plus(java.time.Duration.parse(body.get("expires").asText())).toString());
        } else {
            n.putNull("expiresAt");
        }
        n.put("source", "ADMIN").put("active", true);
        synchronized (this) {
            blockRules.put(n.path("id").asText(), n);
        }
        json(ex, 201, n);
    }

    /** Where the fake gateway's key files are, as its answers name them. */
    public static final String DKIM_DIR = "/opt/streamail/etc/dkim/";

    /** The DKIM key files made ({@code domain.selector.pem}), in order. */
    public synchronized List<String> dkimKeysMade() {
        return List.copyOf(dkimKeysMade);
    }

    /**
     * {@code POST /dkim/keys}, answered as the REST bundle does: 415, 400 (unknown field, no domain or selector, bits
     * for Ed25519, a name the gateway refuses: {@code localhost}), 409 when the file exists (the configured key of
     * the fixture, or one made before), else 201 with the record and the keys line.
     */
    private void makeDkimKey(HttpExchange ex, byte[] requestBody, String contentType) throws IOException {
        if (!contentType.startsWith("application/json")) {
            error(ex, 415, "POST /dkim/keys needs Content-Type: application/json, got " + contentType);
            return;
        }
        JsonNode body = mapper.readTree(requestBody);
        for (Iterator<String> names = body.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!List.of("domain", "selector", "algorithm", "bits").contains(name)) {
                error(ex, 400, "unknown field \"" + name + "\": this request takes \"domain\", \"selector\", "
                        + "\"algorithm\", \"bits\"");
                return;
            }
        }
        String domain = body.path("domain").asText("").strip().toLowerCase(java.util.Locale.ROOT);
        String selector = body.path("selector").asText("").strip().toLowerCase(java.util.Locale.ROOT);
        String algorithm = body.path("algorithm").asText("RSA");
        if (domain.isEmpty() || selector.isEmpty()) {
            error(ex, 400, "\"domain\" and \"selector\" (strings) are required");
            return;
        }
        boolean ed = algorithm.equals("ED25519");
        if (ed && body.has("bits")) {
            error(ex, 400, "\"bits\" is for RSA keys: an Ed25519 key has no size to choose (leave \"bits\" out)");
            return;
        }
        if (domain.equals("localhost")) {
            error(ex, 400, "'localhost' is not a domain name");
            return;
        }
        String file = DKIM_DIR + domain + "." + selector + ".pem";
        JsonNode configured = fixture("dkim.json").path("keys");
        synchronized (this) {
            boolean exists = dkimKeysMade.contains(domain + "." + selector + ".pem");
            for (JsonNode k : configured) {
                exists |= k.path("file").asText().equals(file);
            }
            if (exists) {
                error(ex, 409, file + " exists already; a key file is never replaced (choose another selector, or"
                        + " move the old file away first)");
                return;
            }
            dkimKeysMade.add(domain + "." + selector + ".pem");
        }
        int bits = ed ? 256 : body.path("bits").asInt(2048);
        String text = "v=DKIM1; k=" + (ed ? "ed25519" : "rsa") + "; p=" + (ed ? "MCowBQYDK2VwAyEA" + "Q".repeat(28)
                : "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "N".repeat(bits / 8));
        ObjectNode record = mapper.createObjectNode();
        String name = selector + "._domainkey." + domain;
        record.put("name", name).put("text", text);
        ArrayNode strings = record.putArray("strings");
        StringBuilder zone = new StringBuilder(name).append(" IN TXT");
        for (int i = 0; i < text.length(); i += 255) {
            String part = text.substring(i, Math.min(text.length(), i + 255));
            strings.add(part);
            zone.append(" \"").append(part).append('"');
        }
        record.put("zoneLine", zone.toString());
        List<String> entries = new ArrayList<>();
        String replaces = null;
        for (JsonNode k : configured) {
            // the gateway's rule (api DkimKeysEntries): one RSA and one Ed25519 key per domain
            String its = k.path("algorithm").asText("");
            if (k.path("domain").asText().equals(domain) && (its.isEmpty() || its.equals(ed ? "ED25519" : "RSA"))) {
                replaces = k.path("selector").asText();
            } else {
                entries.add(k.path("domain").asText() + ":" + k.path("selector").asText() + ":"
                        + k.path("file").asText());
            }
        }
        String entry = domain + ":" + selector + ":" + file;
        entries.add(entry);
        ObjectNode n = mapper.createObjectNode();
        n.put("domain", domain).put("selector", selector).put("algorithm", ed ? "ED25519" : "RSA")
                .put("signatureAlgorithm", ed ? "ed25519-sha256" : "rsa-sha256").put("bits", bits).put("file", file);
        n.set("record", record);
        n.put("keysEntry", entry).put("keys", String.join(", ", entries)).put("replaces", replaces);
        json(ex, 201, n);
    }

    private void report(HttpExchange ex, String kind, byte[] requestBody, String contentType) throws IOException {
        if (!kind.equals("spam") && !kind.equals("ham")) {
            error(ex, 404, "no route for POST /reports/" + kind);
            return;
        }
        if (!contentType.startsWith("application/json")) {
            error(ex, 415, "POST /reports/" + kind + " needs Content-Type: message/rfc822 or application/json");
            return;
        }
        String id = mapper.readTree(requestBody).path("quarantineId").asText("");
        if (byId(fixture("quarantine.json"), id) == null) {
            error(ex, 404, "no quarantined message " + id);
            return;
        }
        boolean spam = kind.equals("spam");
        ObjectNode n = mapper.createObjectNode();
        // an admin's spam report blocks at once, as on the real gateway
        n.put("reference", "R-" + id.substring(2).toUpperCase(java.util.Locale.ROOT)).put("kind", spam ? "SPAM" : "HAM")
                .put("counted", true).put("spamReporters", spam ? 1 : 0).put("hamReporters", spam ? 0 : 1)
                .put("blocking", spam);
        json(ex, 200, n);
    }

    private ObjectNode list(java.util.Collection<ObjectNode> items) {
        ObjectNode n = mapper.createObjectNode();
        n.put("count", items.size());
        ArrayNode a = n.putArray("items");
        items.forEach(i -> a.add(i.deepCopy()));
        return n;
    }

    private static void limit(ObjectNode list, String limit) {
        int max = limit == null ? 50 : Integer.parseInt(limit);
        ArrayNode items = list.withArray("items");
        while (items.size() > max) {
            items.remove(items.size() - 1);
        }
        list.put("count", items.size());
    }

    private void act(HttpExchange ex, String id, String status) throws IOException {
        JsonNode entry = byId(fixture("quarantine.json"), id);
        if (entry == null) {
            error(ex, 404, "no quarantined message with id " + id);
            return;
        }
        if (acted.putIfAbsent(id, status) != null) {
            error(ex, 409, "cannot act on message " + id + ": it is not held (status " + acted.get(id) + ")");
            return;
        }
        ObjectNode n = current((ObjectNode) entry);
        n.put("actedBy", ADMIN).put("actedAt", Instant.now().toString());
        json(ex, 200, n);
    }

    /** A release to one recipient, checked as the REST bundle does; the last one releases the message. */
    private void releaseTo(HttpExchange ex, String id, byte[] requestBody, String contentType) throws IOException {
        if (!contentType.isEmpty() && !contentType.startsWith("application/json")) {
            error(ex, 415, "POST /quarantine/{id}/release takes no body, or Content-Type: application/json, got "
                    + contentType);
            return;
        }
        JsonNode body;
        try {
            body = mapper.readTree(requestBody);
        } catch (IOException e) {
            error(ex, 400, "malformed JSON");
            return;
        }
        if (body == null || !body.isObject() || body.size() != 1 || !body.path("recipient").isTextual()) {
            error(ex, 400, "\"recipient\" (an address) is required; send no body to release the message to every"
                    + " recipient");
            return;
        }
        String recipient = body.get("recipient").asText().strip();
        JsonNode entry = byId(fixture("quarantine.json"), id);
        if (entry == null) {
            error(ex, 404, "no quarantined message with id " + id);
            return;
        }
        List<String> recipients = new ArrayList<>();
        entry.path("envelope").path("recipients").forEach(r -> recipients.add(r.asText().toLowerCase(java.util.Locale.ROOT)));
        String lower = recipient.toLowerCase(java.util.Locale.ROOT);
        if (!recipients.contains(lower)) {
            error(ex, 400, recipient + " is not a recipient of message " + id);
            return;
        }
        synchronized (this) {
            if (acted.containsKey(id)) {
                error(ex, 409, "cannot release message " + id + " to " + recipient + ": it is not held (status "
                        + acted.get(id) + ")");
                return;
            }
            java.util.SortedSet<String> done = releasedTo.computeIfAbsent(id, k -> new java.util.TreeSet<>());
            if (!done.add(lower)) {
                error(ex, 409, "cannot release message " + id + " to " + recipient + ": it was released to them"
                        + " already (status HELD)");
                return;
            }
            if (done.containsAll(recipients)) {
                acted.put(id, "RELEASED");
            }
        }
        ObjectNode n = current((ObjectNode) entry);
        if (!n.path("status").asText().equals("HELD")) {
            n.put("actedBy", ADMIN).put("actedAt", Instant.now().toString());
        }
        json(ex, 200, n);
    }

    /** The entry as it stands: its status and (unless {@link #olderGateway}) whom it was released to. */
    private synchronized ObjectNode current(ObjectNode n) {
        String id = n.path("id").asText();
        n.put("status", acted.getOrDefault(id, "HELD"));
        if (olderGateway) {
            n.remove("releasedTo");
        } else {
            ArrayNode a = n.putArray("releasedTo");
            releasedTo.getOrDefault(id, new java.util.TreeSet<>()).forEach(a::add);
        }
        return n;
    }

    private void find(HttpExchange ex, JsonNode list, String id) throws IOException {
        JsonNode n = byId(list, id);
        if (n == null) {
            error(ex, 404, "no message with id " + id);
        } else {
            json(ex, 200, n);
        }
    }

    private static JsonNode byId(JsonNode list, String id) {
        for (JsonNode n : list.path("items")) {
            if (n.path("id").asText().equals(id)) {
                return n;
            }
        }
        return null;
    }

    private static void filter(ObjectNode list, java.util.function.Predicate<JsonNode> keep) {
        ArrayNode items = list.withArray("items");
        for (Iterator<JsonNode> it = items.elements(); it.hasNext();) {
            if (!keep.test(it.next())) {
                it.remove();
            }
        }
        list.put("count", items.size());
    }

    private static String param(String query, String name) {
        for (String p : query.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).equals(name)) {
                return URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** A fixture with every {@code MINUTES_AGO:n} string replaced by an ISO instant n minutes before now. */
    private JsonNode fixture(String name) {
        try (InputStream in = getClass().getResourceAsStream("/gateway/" + name)) {
            JsonNode n = mapper.readTree(in);
            relativeTimes(n, Instant.now().truncatedTo(ChronoUnit.SECONDS));
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void relativeTimes(JsonNode n, Instant now) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            for (String f : names) {
                JsonNode v = o.get(f);
                if (v.isTextual() && v.asText().startsWith("MINUTES_AGO:")) {
                    long m = Long.parseLong(v.asText().substring("MINUTES_AGO:".length()));
                    o.set(f, TextNode.valueOf(now.minus(m, ChronoUnit.MINUTES).toString()));
                } else {
                    relativeTimes(v, now);
                }
            }
        } else if (n.isArray()) {
            n.forEach(x -> relativeTimes(x, now));
        }
    }

    private static String user(HttpExchange ex) {
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.startsWith("Basic ")) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return switch (decoded) {
            case ADMIN + ":" + ADMIN_PASSWORD -> ADMIN;
            case "viewer:viewer" -> "viewer";
            default -> null;
        };
    }

    private void json(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = mapper.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private void error(HttpExchange ex, int status, String message) {
        try {
            ObjectNode n = mapper.createObjectNode();
            n.put("error", message).put("status", status);
            json(ex, status, n);
        } catch (IOException e) {
            // client went away
        }
    }
}
