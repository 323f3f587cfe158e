package org.streamail.isolation.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.isolation.Enforcer;
import org.streamail.api.isolation.Isolation;

/**
 * The {@code webhook} enforcer (PID {@value WebhookConfig#PID}): POSTs
 * {@code {"action":..,"ip":..,"mac":..,"reason":..,"until":..}} for every isolate, release and expire,
 * signed with {@code X-Streamail-Signature: sha256=<hex HMAC-SHA256 of the body>}. A non-2xx answer, a
 * timeout or a connection failure is a failure (the service rolls back).
 *
 * <p>{@code sync}: at start-up it posts nothing (the EDR keeps its own state). After that it remembers
 * which hosts it last told the hook about, so a rollback {@code sync} posts the releases and isolations that
 * undo a change another enforcer refused, or one whose post failed (the hook may have acted all the same).
 *
 * <p>Lifecycle: needs a configuration; the key is read once at activation. Threading: the isolation
 * service serialises calls. The key never appears in logs or {@link #toString()}.
 */
@Component(service = Enforcer.class, configurationPid = WebhookConfig.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = "name=" + WebhookEnforcer.NAME)
@Designate(ocd = WebhookConfig.class)
public final class WebhookEnforcer implements Enforcer {

    static final String NAME = "webhook";
    static final String SIGNATURE_HEADER = "X-Streamail-Signature";
    private static final int MAX_KEY_FILE = 4096;
    private static final Logger LOG = LoggerFactory.getLogger(WebhookEnforcer.class);

    private final URI url;
    private final SecretKeySpec key;
    private final Duration timeout;
    private final HttpClient client;
    /** The isolated hosts as last confirmed by the hook; {@code null} until the first change. */
    private Map<String, Isolation> confirmed;

    @Activate
    public WebhookEnforcer(WebhookConfig config, Map<String, Object> properties) throws IOException {
        this(checked(config, properties).url(), readKey(config.secret_file()),
                Duration.ofSeconds(config.timeout_seconds()));
    }

    /** Checks the raw properties before any config method is read; logs each key nothing reads. */
    private static WebhookConfig checked(WebhookConfig config, Map<String, Object> properties) {
        ConfigCheck.check(WebhookConfig.PID, WebhookConfig.class, properties, Set.of("name"))
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", WebhookConfig.PID, k));
        return config;
    }

    WebhookEnforcer(String url, byte[] key, Duration timeout) {
        this.url = checkUrl(url);
        if (key == null || key.length < 16) {
            throw new IllegalArgumentException("the webhook HMAC key must be at least 16 bytes");
        }
        if (timeout.toSeconds() < 1 || timeout.toSeconds() > 120) {
            throw new IllegalArgumentException("timeout.seconds must be 1..120, was " + timeout.toSeconds());
        }
        this.key = new SecretKeySpec(key, "HmacSHA256");
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public synchronized void apply(EnforcementChange change) throws IOException, InterruptedException {
        Map<String, Isolation> wanted = new HashMap<>();
        change.isolated().forEach(i -> wanted.put(i.ip(), i));
        if (IsolationServiceImpl.ADOPT.equals(change.action())) {
            confirmed = wanted; // another gateway changed the set and told the hook itself
            return;
        }
        if (!"sync".equals(change.action())) {
            // Only the target moves: a difference left by an earlier failed post stays for the next sync to
            // post. Also on failure: a hook that timed out (or a proxy's 502/504) may have acted anyway, so the
            // rollback sync that follows must post the undo; undoing what did not happen is harmless.
            Map<String, Isolation> next = confirmed == null ? wanted : new HashMap<>(confirmed);
            if (confirmed != null) {
                if (wanted.containsKey(change.target().ip())) {
                    next.put(change.target().ip(), change.target());
                } else {
                    next.remove(change.target().ip());
                }
            }
            try {
                post(change.action(), change.target());
            } finally {
                confirmed = next;
            }
            return;
        }
        if (confirmed == null) {
            confirmed = wanted; // start-up: nothing changed, nothing to tell
            return;
        }
        // rollback: undo what the hook was told since; at most MAX_ISOLATED posts each way
        Map<String, Isolation> now = new HashMap<>(confirmed);
        try {
            for (String ip : new LinkedHashSet<>(confirmed.keySet())) {
                if (!wanted.containsKey(ip)) {
                    Isolation old = confirmed.get(ip);
                    post("release", new Isolation(ip, old.mac(), "rollback", old.actor(), old.since(), null,
                            old.offences()));
                    now.remove(ip);
                }
            }
            for (Isolation i : change.isolated()) {
                if (!confirmed.containsKey(i.ip())) {
                    post("isolate", i);
                    now.put(i.ip(), i);
                }
            }
        } finally {
            confirmed = now;
        }
    }

    private void post(String action, Isolation target) throws IOException, InterruptedException {
        String body = json(action, target);
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header(SIGNATURE_HEADER, "sha256=" + sign(body.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        HttpResponse<java.io.InputStream> response;
        try {
            // The request timeout ends when the headers arrive; the body is closed unread, so a hook that never
            // finishes its answer cannot hold the caller (and the isolation lock) beyond the timeout.
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new IOException("webhook " + where() + " unreachable for " + action + " " + target.ip() + ": " + e, e);
        }
        response.body().close();
        int status = response.statusCode();
        if (status < 200 || status > 299) {
            throw new IOException("webhook " + where() + " answered HTTP " + status + " to " + action + " " + target.ip());
        }
        LOG.info("webhook enforcer: {} {} accepted by {} (HTTP {})", action, target.ip(), where(), status);
    }

    /** The JSON body; every string escaped, so a reason cannot break out of its field. */
    static String json(String action, Isolation t) {
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"action\":").append(quote(action));
        sb.append(",\"ip\":").append(quote(t.ip()));
        sb.append(",\"mac\":").append(quote(t.mac()));
        sb.append(",\"reason\":").append(quote(t.reason()));
        sb.append(",\"until\":").append(t.until() == null ? "null" : quote(t.until().toString()));
        return sb.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    // control characters, and U+2028/9 which break JavaScript consumers
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    String sign(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Scheme, host, port and path only: a query may carry a token. */
    private String where() {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + (url.getPath() == null ? "" : url.getPath());
    }

    @Override
    public String toString() {
        return "WebhookEnforcer[" + where() + "]";
    }

    static URI checkUrl(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("url is required (PID " + WebhookConfig.PID + ")");
        }
        URI u;
        try {
            u = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("url is not a URI: " + e.getMessage());
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (u.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException("url must be an absolute http(s) URL with a host");
        }
        if (u.getRawUserInfo() != null) {
            throw new IllegalArgumentException("url must not carry credentials (user info); the HMAC signs requests");
        }
        if (scheme.equals("http") && !isLoopback(u.getHost())) {
            throw new IllegalArgumentException("url must use https unless the host is loopback: " + u.getHost());
        }
        return u;
    }

    private static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            InetAddress a = IpAddresses.parse(h); // a literal only: no DNS
            return a.isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static byte[] readKey(String file) throws IOException {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("secret.file is required (PID " + WebhookConfig.PID + ")");
        }
        Path p = Path.of(file.strip());
        if (!Files.isRegularFile(p) || Files.size(p) > MAX_KEY_FILE) {
            throw new IllegalArgumentException("secret.file " + p + " must be a regular file of at most "
                    + MAX_KEY_FILE + " bytes");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                LOG.warn("webhook enforcer: secret.file {} is readable by group or others; chmod 600 it", p);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        byte[] raw = Files.readAllBytes(p);
        int end = raw.length;
        while (end > 0 && (raw[end - 1] == '\n' || raw[end - 1] == '\r')) {
            end--;
        }
        byte[] key = java.util.Arrays.copyOf(raw, end);
        java.util.Arrays.fill(raw, (byte) 0);
        return key;
    }
}
