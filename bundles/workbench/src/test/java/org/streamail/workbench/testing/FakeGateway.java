package org.streamail.workbench.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
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

/**
 * An in-JVM stand-in for the gateway's REST API (com.sun.net.httpserver) serving the JSON shapes the rest
 * bundle writes (fixtures under {@code /gateway}, recorded from its JsonMapping; timestamps
 * {@code MINUTES_AGO:n} are made relative to now so the dashboard has recent data). HTTP Basic: {@code admin}
 * / {@code secret} may do everything, {@code viewer} / {@code viewer} only GET. Records every request line
 * and keeps released/deleted ids, so a released message leaves the HELD list like on a real gateway.
 */
public final class FakeGateway implements AutoCloseable {

    public static final String ADMIN = "admin";
    public static final String ADMIN_PASSWORD = "secret";
    private static final String API = "/streamail/api/v1";

    private final ObjectMapper mapper = new ObjectMapper();
    private final HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, String> acted = new ConcurrentHashMap<>(); // id -> RELEASED / DELETED
    private final Set<String> extraDirectory = ConcurrentHashMap.newKeySet();
    private volatile long delayMillis;

    public FakeGateway() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-gateway");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The gateway's HTTP root, as a user types it into the Connection view. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request seen, as {@code "METHOD /path?query"}. */
    public List<String> requests() {
        return List.copyOf(requests);
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
            requests.add(method + " " + path + (query == null ? "" : "?" + query));
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
            if (!method.equals("GET") && !user.equals(ADMIN)) {
                error(ex, 403, "user " + user + " may only read");
                return;
            }
            route(ex, method, path.substring(API.length()), query == null ? "" : query);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            error(ex, 500, "internal error; see the gateway log");
        }
    }

    private void route(HttpExchange ex, String method, String path, String query) throws IOException {
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
                    ((ObjectNode) n).put("status", acted.getOrDefault(n.path("id").asText(), "HELD"));
                }
                if (!wanted.equals("ANY")) {
                    filter(list, n -> n.path("status").asText().equals(wanted));
                }
                json(ex, 200, list);
            }
            case "GET quarantine/2" -> find(ex, fixture("quarantine.json"), seg[1]);
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
                if (seg[2].equals("release")) {
                    act(ex, seg[1], "RELEASED");
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
                JsonNode body = mapper.readTree(ex.getRequestBody());
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
            default -> error(ex, 404, "no route for " + method + " " + path);
        }
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
        ObjectNode n = (ObjectNode) entry;
        n.put("status", status).put("actedBy", ADMIN).put("actedAt", Instant.now().toString());
        json(ex, 200, n);
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
