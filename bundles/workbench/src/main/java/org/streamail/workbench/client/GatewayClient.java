package org.streamail.workbench.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;
import org.streamail.workbench.client.GatewayException.Kind;

/**
 * The workbench's client of the gateway REST API ({@code <base>/streamail/api/v1}), over
 * {@code java.net.http} with HTTP Basic authentication.
 *
 * <p>Credentials: {@link #connect} keeps a private copy of the password {@code char[]} in memory only and
 * {@link #disconnect} overwrites it with zeros; nothing is ever written to disk. (The Base64
 * {@code Authorization} header has to be a {@code String} for {@code java.net.http}; it is built per request
 * and not kept.) Redirects are never followed, so credentials are only sent to the configured gateway.
 *
 * <p>Transport ({@link ConnectionSecurity}): {@code http://} is accepted only for a loopback host unless
 * {@code allowPlainHttp} is set, and the refusal happens before any connection is made. {@code https://} uses
 * TLS 1.2 or 1.3 and trusts either exactly the pinned certificate or, without a pin, the JVM's trust store with
 * the host name check. When the gateway's certificate is refused, the {@link Kind#UNTRUSTED} message names its
 * SHA-256 fingerprint, subject, issuer and validity, so that the administrator can compare it with the
 * gateway's and pin it; nothing is ever trusted without that step. The policy given at construction applies to
 * every connection unless {@link #connect(String, String, char[], ConnectionSecurity)} names another one (e.g.
 * a pin the administrator typed), which then applies until the next connect.
 *
 * <p>Threading: thread-safe; every call blocks on the network, so never call it on the UI thread.
 * Lifecycle: usable from construction; {@link #close()} (or {@link #disconnect()}) drops the credentials.
 * Nullability: methods never return {@code null}; arguments must not be {@code null} unless stated.
 */
public final class GatewayClient implements AutoCloseable {

    /** The REST API's path below the gateway's HTTP root. */
    public static final String API_PATH = "/streamail/api/v1";
    /** Largest JSON answer read; the biggest list (1000 log entries) is far below. */
    static final int MAX_JSON_BYTES = 16 * 1024 * 1024;
    /** Largest raw message read: the gateway's default message size limit plus headroom. */
    static final int MAX_RAW_BYTES = 32 * 1024 * 1024;
    /** Deepest JSON nesting accepted; the API's documents are at most four levels deep. */
    static final int MAX_JSON_DEPTH = 32;
    /** Gateway ids (same rule as the REST bundle): anything else is refused before a request is sent. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Characters of an IP literal: checked before anything parses it (so nothing is ever resolved). */
    private static final Pattern IP_CHARS = Pattern.compile("[0-9A-Fa-f.:]{2,45}");

    private final ConnectionSecurity security;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Executor executor;
    private final X509ExtendedTrustManager pkix;
    private final ObjectMapper mapper;

    private final Object lock = new Object();
    private Transport transport; // guarded by lock; the policy of the current (or last) connection
    private URI apiBase; // guarded by lock
    private String user; // guarded by lock
    private char[] password; // guarded by lock; zeroed on disconnect

    /** A client with the secure default {@link ConnectionSecurity#DEFAULT}. */
    public GatewayClient(Duration connectTimeout, Duration requestTimeout, Executor executor) {
        this(connectTimeout, requestTimeout, executor, ConnectionSecurity.DEFAULT);
    }

    /**
     * @param connectTimeout how long to wait for the TCP (and TLS) connection
     * @param requestTimeout how long to wait for a whole answer
     * @param executor       runs the HTTP client's internal work; {@code null} for its default
     * @param security       plain HTTP and certificate policy
     */
    public GatewayClient(Duration connectTimeout, Duration requestTimeout, Executor executor,
            ConnectionSecurity security) {
        this(connectTimeout, requestTimeout, executor, security, null);
    }

    /** As above; {@code pkix} replaces the JVM's trust store when there is no pin (tests only). */
    GatewayClient(Duration connectTimeout, Duration requestTimeout, Executor executor, ConnectionSecurity security,
            X509ExtendedTrustManager pkix) {
        this.security = Objects.requireNonNull(security, "security");
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.requestTimeout = Objects.requireNonNull(requestTimeout, "requestTimeout");
        this.executor = executor;
        this.pkix = pkix != null ? pkix : GatewayCertificates.jvmTrustManager();
        this.transport = transport(security);
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_JSON_DEPTH).build())
                .build();
        this.mapper = new ObjectMapper(factory);
    }

    /** An HTTP client and the policy its one trust manager enforces. */
    private record Transport(ConnectionSecurity security, HttpClient http) {
    }

    /**
     * A new HTTP client for {@code policy}. Each policy gets its own SSL context, so neither a pooled connection
     * nor a resumed TLS session of another policy (which would skip the certificate check) is ever reused.
     */
    private Transport transport(ConnectionSecurity policy) {
        SSLParameters tls = new SSLParameters();
        tls.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(GatewayCertificates.sslContext(policy, pkix))
                .sslParameters(tls);
        if (executor != null) {
            b.executor(executor);
        }
        return new Transport(policy, b.build());
    }

    /** The transport policy this client was built with (the configured one). */
    public ConnectionSecurity security() {
        return security;
    }

    /**
     * The transport policy of the current connection: the configured one, or the one the last
     * {@link #connect(String, String, char[], ConnectionSecurity)} named.
     */
    public ConnectionSecurity connectionSecurity() {
        synchronized (lock) {
            return transport.security();
        }
    }

    /** A client with 5 s connect and 30 s request timeouts. */
    public GatewayClient() {
        this(Duration.ofSeconds(5), Duration.ofSeconds(30), null);
    }

    // ------------------------------------------------------------------ connection

    /**
     * Checks {@code gatewayUrl} and the credentials with {@code GET /health} and, if the gateway accepts
     * them, keeps them for the following calls. On failure nothing is kept and the previous connection (if
     * any) is dropped.
     *
     * @param gatewayUrl the gateway's HTTP root, e.g. {@code http://127.0.0.1:8181}; a URL that already ends
     *                   in {@value #API_PATH} is accepted too
     * @param password   copied; the caller should clear its own array
     * @return the gateway's health (it may be up but not ready)
     */
    public Health connect(String gatewayUrl, String user, char[] password) throws GatewayException {
        return connect(gatewayUrl, user, password, security);
    }

    /**
     * As {@link #connect(String, String, char[])}, with {@code policy} instead of the configured
     * {@link #security()} for this connection and the calls that follow it, until the next connect: e.g. the
     * configured policy {@link ConnectionSecurity#withPin with a pin} the administrator typed. The certificate is
     * checked exactly as for the configured policy.
     */
    public Health connect(String gatewayUrl, String user, char[] password, ConnectionSecurity policy)
            throws GatewayException {
        Objects.requireNonNull(policy, "policy");
        URI base = apiBase(gatewayUrl);
        checkTransport(base, policy);
        if (user == null || user.isBlank() || user.indexOf(':') >= 0
                || user.chars().anyMatch(Character::isISOControl)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Enter a user name (without ':').");
        }
        if (password == null || password.length == 0) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Enter the password.");
        }
        synchronized (lock) {
            clearLocked();
            if (!transport.security().equals(policy)) {
                transport = transport(policy);
            }
            this.apiBase = base;
            this.user = user.strip();
            this.password = password.clone();
        }
        try {
            return health();
        } catch (GatewayException e) {
            disconnect();
            throw e;
        }
    }

    /** Forgets the credentials, overwriting the password in memory. Idempotent. */
    public void disconnect() {
        synchronized (lock) {
            clearLocked();
        }
    }

    @Override
    public void close() {
        disconnect();
    }

    private void clearLocked() {
        if (password != null) {
            Arrays.fill(password, '\0');
        }
        password = null;
        user = null;
        apiBase = null;
    }

    public boolean isConnected() {
        synchronized (lock) {
            return password != null;
        }
    }

    /** The user of the current connection, or empty when disconnected. */
    public String user() {
        synchronized (lock) {
            return user == null ? "" : user;
        }
    }

    /** The API base of the current connection (ends in {@value #API_PATH}), or empty when disconnected. */
    public String apiBase() {
        synchronized (lock) {
            return apiBase == null ? "" : apiBase.toString();
        }
    }

    /** Parses and checks a gateway URL given by the user; the result ends in {@value #API_PATH}. */
    static URI apiBase(String gatewayUrl) throws GatewayException {
        String s = gatewayUrl == null ? "" : gatewayUrl.strip();
        if (s.isEmpty()) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Enter the gateway URL, e.g. http://127.0.0.1:8181");
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not a URL: " + abbrev(s) + " (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new GatewayException(Kind.BAD_REQUEST, 0,
                    "The gateway URL must start with http:// or https://, got " + abbrev(s));
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "The gateway URL has no host: " + abbrev(s));
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // credentials in the URL would end up in logs and history: they belong in the fields
            throw new GatewayException(Kind.BAD_REQUEST, 0,
                    "The gateway URL must not contain a user, a query or a fragment.");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.endsWith(API_PATH)) {
            path = path + API_PATH;
        }
        try {
            return new URI(scheme, null, uri.getHost(), uri.getPort(), path, null, null);
        } catch (URISyntaxException e) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not a URL: " + abbrev(s));
        }
    }

    /**
     * Refuses {@code http://} to a host that is not loopback (unless allowed): the password would cross the
     * network in clear. Decided on the URL alone; nothing is resolved or sent.
     */
    static void checkTransport(URI base, ConnectionSecurity security) throws GatewayException {
        if (base.getScheme().equals("http") && !security.allowPlainHttp()
                && !GatewayCertificates.isLoopback(base.getHost())) {
            String https = "https://" + base.getHost() + ":<the gateway's HTTPS port>";
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Refusing " + hostOf(base) + ": the password would "
                    + "cross the network unencrypted: use " + https + " (turn HTTPS on at the gateway, see its "
                    + "README). Plain http:// is only used for localhost, 127.0.0.0/8 and [::1], unless "
                    + "allow.plain.http = true is set in the workbench's configuration.");
        }
    }

    // ------------------------------------------------------------------ endpoints

    /** {@code GET /health}. A 503 with a health body (gateway up, not ready) is returned, not thrown. */
    public Health health() throws GatewayException {
        Answer a = send("GET", "/health", null, MAX_JSON_BYTES, 503);
        JsonNode n = json(a);
        if (!n.has("ready")) {
            // a 503 error body: the gateway's status service itself is missing (e.g. core being updated)
            throw new GatewayException(Kind.UNAVAILABLE, a.status(), "The gateway is not available: "
                    + abbrev(n.path("error").asText("no status service")));
        }
        return parseHealth(n);
    }

    /** {@code GET /messages}, newest first. */
    public List<LogItem> messages(MessageFilter filter) throws GatewayException {
        StringBuilder q = new StringBuilder("/messages?limit=").append(filter.limit());
        param(q, "action", filter.action());
        param(q, "sender", filter.sender());
        param(q, "recipient", filter.recipient());
        return items(json(send("GET", q.toString(), null, MAX_JSON_BYTES)), GatewayClient::parseLogItem);
    }

    /** {@code GET /messages/{id}}. */
    public LogItem message(String id) throws GatewayException {
        return parseLogItem(json(send("GET", "/messages/" + checkId(id), null, MAX_JSON_BYTES)));
    }

    /** {@code GET /quarantine}, newest first. */
    public List<QuarantineItem> quarantine(QuarantineFilter filter) throws GatewayException {
        StringBuilder q = new StringBuilder("/quarantine?limit=").append(filter.limit());
        param(q, "status", filter.status());
        param(q, "category", filter.category());
        param(q, "sender", filter.sender());
        param(q, "recipient", filter.recipient());
        return items(json(send("GET", q.toString(), null, MAX_JSON_BYTES)), GatewayClient::parseQuarantineItem);
    }

    /** {@code GET /quarantine/{id}}. */
    public QuarantineItem quarantineEntry(String id) throws GatewayException {
        return parseQuarantineItem(json(send("GET", "/quarantine/" + checkId(id), null, MAX_JSON_BYTES)));
    }

    /** {@code GET /quarantine/{id}/raw}: the message as received, at most {@value #MAX_RAW_BYTES} bytes. */
    public byte[] quarantineRaw(String id) throws GatewayException {
        return send("GET", "/quarantine/" + checkId(id) + "/raw", null, MAX_RAW_BYTES).body();
    }

    /**
     * {@code POST /quarantine/{id}/release} (admin), no body: the gateway re-delivers the message to every
     * recipient it is still held for (those not released to one by one before) and marks it {@code RELEASED}.
     */
    public QuarantineItem release(String id) throws GatewayException {
        return parseQuarantineItem(json(send("POST", "/quarantine/" + checkId(id) + "/release",
                new byte[0], MAX_JSON_BYTES)));
    }

    /** Longest address sent as a recipient (same bound as the REST bundle). */
    public static final int MAX_ADDRESS_LENGTH = 320;

    /**
     * {@code POST /quarantine/{id}/release} (admin) with {@code {"recipient": recipient}}: the gateway delivers a
     * copy to that envelope recipient alone and adds them to {@link QuarantineItem#releasedTo()}; the message stays
     * {@code HELD} for the others and becomes {@code RELEASED} with the last one. An address that is not one of
     * its recipients is {@link Kind#BAD_REQUEST} (400), one released to already or a message not held
     * {@link Kind#CONFLICT} (409).
     *
     * <p>A gateway older than per-recipient release would ignore the body and release the message to every
     * recipient. So the entry is read first ({@code GET /quarantine/{id}}), and without its {@code releasedTo}
     * array (which every gateway that understands the body sends) nothing is posted: {@link Kind#UNAVAILABLE}.
     *
     * @param recipient one of the message's envelope recipients (any case); checked before any request
     */
    public QuarantineItem release(String id, String recipient) throws GatewayException {
        String checked = checkId(id);
        String r = recipient == null ? "" : recipient.strip();
        if (r.isEmpty() || r.length() > MAX_ADDRESS_LENGTH || r.indexOf('@') <= 0 || r.endsWith("@")
                || r.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not a recipient address: '" + abbrev(r) + "'");
        }
        JsonNode entry = json(send("GET", "/quarantine/" + checked, null, MAX_JSON_BYTES));
        if (!entry.path("releasedTo").isArray()) {
            throw new GatewayException(Kind.UNAVAILABLE, 0, "This gateway cannot release a message to one recipient"
                    + " (its quarantine entries have no \"releasedTo\": it is older than per-recipient release), and"
                    + " would release it to every recipient instead. Nothing was released: update the gateway, or"
                    + " release the message to all its recipients.");
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("recipient", r);
        return parseQuarantineItem(json(send("POST", "/quarantine/" + checked + "/release", encode(body),
                MAX_JSON_BYTES)));
    }

    /** {@code DELETE /quarantine/{id}} (admin). */
    public QuarantineItem delete(String id) throws GatewayException {
        return parseQuarantineItem(json(send("DELETE", "/quarantine/" + checkId(id), null, MAX_JSON_BYTES)));
    }

    /** {@code GET /directory}. */
    public DirectoryListing directory() throws GatewayException {
        JsonNode n = json(send("GET", "/directory", null, MAX_JSON_BYTES));
        return new DirectoryListing(items(n, GatewayClient::parseDirectoryItem), strings(n.get("domains")));
    }

    /** {@code POST /directory} (admin): registers an address or renames it. */
    public DirectoryItem addDirectoryEntry(String address, String displayName) throws GatewayException {
        ObjectNode body = mapper.createObjectNode();
        body.put("address", Objects.requireNonNull(address, "address").strip());
        body.put("displayName", displayName == null ? "" : displayName.strip());
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new GatewayException(Kind.BAD_REQUEST, "cannot encode the request", e);
        }
        return parseDirectoryItem(json(send("POST", "/directory", bytes, MAX_JSON_BYTES)));
    }

    /** {@code DELETE /directory/{address}} (admin). */
    public void removeDirectoryEntry(String address) throws GatewayException {
        String a = Objects.requireNonNull(address, "address").strip();
        if (a.isEmpty() || a.length() > 320) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not an address: " + abbrev(a));
        }
        send("DELETE", "/directory/" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20"), null,
                MAX_JSON_BYTES);
    }

    // ------------------------------------------------------------------ incidents (alerts, isolation, clicks)

    /** Longest reason the gateway accepts for an isolation or a recall. */
    public static final int MAX_REASON_LENGTH = 500;
    /** Longest isolation or block-rule duration this workbench sends: a year; longer is a typo. */
    public static final Duration MAX_DURATION = Duration.ofDays(366);

    /** {@code GET /alerts}, newest first. */
    public List<Alert> alerts(AlertFilter filter) throws GatewayException {
        StringBuilder q = new StringBuilder("/alerts?limit=").append(filter.limit());
        param(q, "severity", filter.minSeverity());
        param(q, "kind", filter.kind());
        if (filter.since() != null) {
            param(q, "since", filter.since().toString());
        }
        return items(json(send("GET", q.toString(), null, MAX_JSON_BYTES)), GatewayClient::parseAlert);
    }

    /** {@code GET /isolation} (admin): the hosts isolated now. */
    public List<Isolation> isolated() throws GatewayException {
        return items(json(send("GET", "/isolation", null, MAX_JSON_BYTES)), GatewayClient::parseIsolation);
    }

    /**
     * {@code POST /isolation} (admin): cuts {@code ip} off the network. The gateway answers 409 for a protected
     * (allow-listed) host and 502 when an enforcer failed (then nothing changed).
     *
     * @param ttl how long, or {@code null} for the gateway's default (longer for repeated offenders)
     */
    public Isolation isolate(String ip, String reason, Duration ttl) throws GatewayException {
        String host = checkIp(ip);
        ObjectNode body = mapper.createObjectNode();
        body.put("ip", host);
        body.put("reason", checkReason(reason, true));
        if (ttl != null) {
            body.put("ttl", checkDuration(ttl, "isolation time").toString());
        }
        return parseIsolation(json(send("POST", "/isolation", encode(body), MAX_JSON_BYTES)));
    }

    /** {@code POST /isolation/{ip}/release} (admin). A host that is not isolated is {@link Kind#NOT_FOUND}. */
    public void releaseIsolation(String ip) throws GatewayException {
        // a checked literal holds only hex digits, dots and colons: safe in a path segment as it is
        send("POST", "/isolation/" + checkIp(ip) + "/release", new byte[0], MAX_JSON_BYTES);
    }

    /** {@code GET /isolation/audit} (admin), newest first; {@code ip} {@code null} for every host. */
    public List<IsolationAuditEntry> isolationAudit(String ip, int limit) throws GatewayException {
        StringBuilder q = new StringBuilder("/isolation/audit?limit=").append(checkLimit(limit));
        if (ip != null && !ip.isBlank()) {
            param(q, "ip", checkIp(ip));
        }
        return items(json(send("GET", q.toString(), null, MAX_JSON_BYTES)), GatewayClient::parseIsolationAudit);
    }

    /** {@code GET /clicks}, newest first; {@code blockedOnly} lists only refused clicks. */
    public List<Click> clicks(int limit, boolean blockedOnly) throws GatewayException {
        String q = "/clicks?limit=" + checkLimit(limit) + (blockedOnly ? "&blocked=true" : "");
        return items(json(send("GET", q, null, MAX_JSON_BYTES)), GatewayClient::parseClick);
    }

    /**
     * {@code POST /messages/{id}/recall} (admin): treats the message's campaign as bad, pulls delivered copies
     * from the mailboxes and warns the recipients.
     *
     * @param reason why, or {@code null}/empty for the gateway's default reason
     */
    public RecallReport recall(String messageId, String reason) throws GatewayException {
        String id = checkId(messageId);
        String why = checkReason(reason, false);
        byte[] body = new byte[0];
        if (!why.isEmpty()) {
            ObjectNode n = mapper.createObjectNode();
            n.put("reason", why);
            body = encode(n);
        }
        return parseRecall(json(send("POST", "/messages/" + id + "/recall", body, MAX_JSON_BYTES)));
    }

    /** Longest URL the gateway accepts when lifting a bad mark (same bound as the REST bundle). */
    public static final int MAX_URL_LENGTH = 8192;

    /** {@code GET /bad-urls} (any user): the URLs campaign recalls marked bad, newest first. */
    public List<BadUrl> badUrls(int limit) throws GatewayException {
        return items(json(send("GET", "/bad-urls?limit=" + checkLimit(limit), null, MAX_JSON_BYTES)),
                GatewayClient::parseBadUrl);
    }

    /**
     * {@code DELETE /bad-urls?url=…} (admin): lifts the bad mark of {@code url}, so clicks on it are no longer
     * blocked for that reason. A URL that is not marked is {@link Kind#NOT_FOUND}.
     *
     * @param url exactly as {@link #badUrls} returned it (not stripped: the gateway matches it exactly)
     */
    public void unmarkBadUrl(String url) throws GatewayException {
        if (url == null || url.isBlank() || url.length() > MAX_URL_LENGTH
                || url.chars().anyMatch(Character::isISOControl)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not a URL to lift: it must be 1.." + MAX_URL_LENGTH
                    + " characters without control characters, got '" + abbrev(String.valueOf(url)) + "'");
        }
        // %20 rather than '+' for a space: unambiguous to any query decoder
        send("DELETE", "/bad-urls?url=" + URLEncoder.encode(url, StandardCharsets.UTF_8).replace("+", "%20"), null,
                MAX_JSON_BYTES);
    }

    // ------------------------------------------------------------------ retention

    /** {@code GET /retention/policy}. */
    public RetentionPolicy retentionPolicy() throws GatewayException {
        return parsePolicy(json(send("GET", "/retention/policy", null, MAX_JSON_BYTES)));
    }

    /**
     * How long {@link #retentionSweep()} waits: the gateway answers only when the sweep is done, which over many
     * mailboxes takes far longer than an ordinary request, and a sweep is not stopped by the client giving up.
     */
    public static final Duration SWEEP_TIMEOUT = Duration.ofMinutes(30);

    /**
     * {@code POST /retention/sweep} (admin): one sweep of every mailbox now; blocks until it is done, up to
     * {@link #SWEEP_TIMEOUT} (or the request timeout if that is longer).
     */
    public SweepReport retentionSweep() throws GatewayException {
        Duration wait = requestTimeout.compareTo(SWEEP_TIMEOUT) > 0 ? requestTimeout : SWEEP_TIMEOUT;
        try {
            return parseSweep(json(send("POST", "/retention/sweep", new byte[0], MAX_JSON_BYTES, wait)));
        } catch (GatewayException e) {
            if (e.kind() != Kind.TIMEOUT) {
                throw e;
            }
            throw new GatewayException(Kind.TIMEOUT, e.getMessage() + " The sweep may still be running on the "
                    + "gateway: its retention audit shows what it did.", e);
        }
    }

    /** {@code GET /retention/audit}, newest first; {@code mailbox} {@code null} for every mailbox. */
    public List<RetentionAuditEntry> retentionAudit(int limit, String mailbox) throws GatewayException {
        StringBuilder q = new StringBuilder("/retention/audit?limit=").append(checkLimit(limit));
        if (mailbox != null && !mailbox.isBlank()) {
            param(q, "mailbox", checkMailbox(mailbox));
        }
        return items(json(send("GET", q.toString(), null, MAX_JSON_BYTES)), GatewayClient::parseRetentionAudit);
    }

    /** {@code POST /retention/extend} (admin): gives one message in a mailbox a new expiry. */
    public RetentionExtension extendRetention(String mailbox, String messageId, Instant expiry)
            throws GatewayException {
        String m = checkMailbox(mailbox);
        String id = messageId == null ? "" : messageId.strip();
        if (id.isEmpty() || id.length() > 998 || id.chars().anyMatch(Character::isISOControl)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not a Message-ID: " + abbrev(id));
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("mailbox", m);
        body.put("messageId", id);
        body.put("expiry", Objects.requireNonNull(expiry, "expiry").toString());
        JsonNode n = json(send("POST", "/retention/extend", encode(body), MAX_JSON_BYTES));
        return new RetentionExtension(text(n, "mailbox"), text(n, "folder"), text(n, "messageId"),
                instant(n, "previousExpiry"), instant(n, "expiry"));
    }

    // ------------------------------------------------------------------ spam: block list and reports

    /** {@code GET /blocklist}. */
    public List<BlockRule> blockList() throws GatewayException {
        return items(json(send("GET", "/blocklist", null, MAX_JSON_BYTES)), GatewayClient::parseBlockRule);
    }

    /**
     * {@code POST /blocklist} (admin).
     *
     * @param type    one of {@link BlockRule#TYPES}
     * @param expires how long it applies, or {@code null} for never
     */
    public BlockRule addBlockRule(String type, String value, String reason, Duration expires)
            throws GatewayException {
        String t = type == null ? "" : type.strip().toUpperCase(java.util.Locale.ROOT);
        if (!BlockRule.TYPES.contains(t)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "The rule type must be one of " + BlockRule.TYPES
                    + ", got " + abbrev(String.valueOf(type)));
        }
        String v = value == null ? "" : value.strip();
        if (v.isEmpty() || v.length() > 512 || v.chars().anyMatch(Character::isISOControl)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Enter the value to block (at most 512 characters).");
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("type", t);
        body.put("value", v);
        body.put("reason", checkReason(reason, false));
        if (expires != null) {
            body.put("expires", checkDuration(expires, "expiry").toString());
        }
        return parseBlockRule(json(send("POST", "/blocklist", encode(body), MAX_JSON_BYTES)));
    }

    /** {@code DELETE /blocklist/{id}} (admin). */
    public void removeBlockRule(String id) throws GatewayException {
        send("DELETE", "/blocklist/" + checkId(id), null, MAX_JSON_BYTES);
    }

    /** {@code POST /reports/spam} with {@code {"quarantineId": id}}: the user says this message is spam. */
    public ReportResult reportSpam(String quarantineId) throws GatewayException {
        return report("spam", quarantineId);
    }

    /** {@code POST /reports/ham} with {@code {"quarantineId": id}}: the user says this message is not spam. */
    public ReportResult reportNotSpam(String quarantineId) throws GatewayException {
        return report("ham", quarantineId);
    }

    private ReportResult report(String kind, String quarantineId) throws GatewayException {
        ObjectNode body = mapper.createObjectNode();
        body.put("quarantineId", checkId(quarantineId));
        JsonNode n = json(send("POST", "/reports/" + kind, encode(body), MAX_JSON_BYTES));
        return new ReportResult(text(n, "reference"), text(n, "kind"), n.path("counted").asBoolean(false),
                n.path("spamReporters").asInt(), n.path("hamReporters").asInt(), n.path("blocking").asBoolean(false));
    }

    // ------------------------------------------------------------------ DKIM signing keys of outbound mail

    /** The algorithms {@link #newDkimKey} takes, as the gateway names them. */
    public static final List<String> DKIM_ALGORITHMS = List.of("RSA", "ED25519");
    /** The RSA key sizes the gateway makes; the first is its default. */
    public static final List<Integer> DKIM_RSA_BITS = List.of(2048, 3072, 4096);
    /** Longest domain or selector sent (a DNS name has at most 253 characters). */
    public static final int MAX_DKIM_NAME_LENGTH = 253;
    /**
     * How long {@link #newDkimKey} waits at least: the gateway answers when the key is made and written, and an RSA
     * key of 4096 bits takes a busy machine seconds, more than an ordinary request is given.
     */
    public static final Duration KEYGEN_TIMEOUT = Duration.ofMinutes(2);

    /**
     * {@code GET /dkim} (any user): whether outbound mail is signed, and every configured key with the DNS record to
     * publish for it.
     *
     * @param checkDns also have the gateway look each record up in DNS (at most about 20 s for all keys)
     */
    public DkimStatus dkimStatus(boolean checkDns) throws GatewayException {
        return parseDkimStatus(json(send("GET", checkDns ? "/dkim" : "/dkim?dns=false", null, MAX_JSON_BYTES)));
    }

    /**
     * {@code POST /dkim/keys} (admin): the gateway makes a key pair, writes the private key as a file of mode 600 in
     * its {@code etc/dkim} and answers the DNS record to publish and the {@code keys} line to configure. A key file
     * that exists already is {@link Kind#CONFLICT} (409): a key is never replaced. Waits up to
     * {@link #KEYGEN_TIMEOUT} (or the request timeout if that is longer).
     *
     * @param domain    the domain the key signs for (a Unicode name is converted by the gateway)
     * @param selector  the selector it is published under
     * @param algorithm one of {@link #DKIM_ALGORITHMS} (any case)
     * @param bits      one of {@link #DKIM_RSA_BITS} for RSA, or 0 for the gateway's default; 0 for Ed25519
     */
    public NewDkimKey newDkimKey(String domain, String selector, String algorithm, int bits) throws GatewayException {
        String d = checkDkimName(domain, "a domain name");
        String s = checkDkimName(selector, "a selector");
        String a = algorithm == null ? "" : algorithm.strip().toUpperCase(java.util.Locale.ROOT);
        if (!DKIM_ALGORITHMS.contains(a)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "The key algorithm must be one of " + DKIM_ALGORITHMS
                    + ", got " + abbrev(String.valueOf(algorithm)));
        }
        if (a.equals("ED25519") && bits != 0) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "An Ed25519 key has no size to choose (bits is for RSA).");
        }
        if (a.equals("RSA") && bits != 0 && !DKIM_RSA_BITS.contains(bits)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "An RSA key has one of " + DKIM_RSA_BITS + " bits, not "
                    + bits + ".");
        }
        ObjectNode body = mapper.createObjectNode();
        body.put("domain", d);
        body.put("selector", s);
        body.put("algorithm", a);
        if (bits != 0) {
            body.put("bits", bits);
        }
        Duration wait = requestTimeout.compareTo(KEYGEN_TIMEOUT) > 0 ? requestTimeout : KEYGEN_TIMEOUT;
        try {
            return parseNewDkimKey(json(send("POST", "/dkim/keys", encode(body), MAX_JSON_BYTES, wait)));
        } catch (GatewayException e) {
            if (e.kind() != Kind.TIMEOUT) {
                throw e;
            }
            throw new GatewayException(Kind.TIMEOUT, e.getMessage() + " The gateway may still have made the key:"
                    + " asking for the same domain and selector again says so (the file exists already).", e);
        }
    }

    private static String checkDkimName(String name, String what) throws GatewayException {
        String n = name == null ? "" : name.strip();
        if (n.isEmpty() || n.length() > MAX_DKIM_NAME_LENGTH
                || n.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not " + what + ": '" + abbrev(n) + "' (1.."
                    + MAX_DKIM_NAME_LENGTH + " characters, no spaces or control characters)");
        }
        return n;
    }

    // ------------------------------------------------------------------ checks shared by the new endpoints

    /**
     * Whether {@code s} is an IPv4 dotted quad or an IPv6 literal (same rule as the gateway). Never resolves a
     * name: only hex digits, dots and colons are ever parsed.
     */
    public static boolean isIpLiteral(String s) {
        if (s == null || !IP_CHARS.matcher(s).matches()) {
            return false;
        }
        if (s.indexOf(':') < 0) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                // IP_CHARS lets hex letters through: "ab.1.1.1" is not decimal
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                        || Integer.parseInt(p) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (s.charAt(0) != ':' && Character.digit(s.charAt(0), 16) < 0) {
            // InetAddress parses text as an IPv6 literal only when it starts with a hex digit or a colon; ".:" it
            // would look up as a host name (the REST bundle's fuzzing found the same in its own check)
            return false;
        }
        try {
            return java.net.InetAddress.getByName(s) instanceof java.net.Inet6Address;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String checkIp(String ip) throws GatewayException {
        String s = ip == null ? "" : ip.strip();
        if (!isIpLiteral(s)) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not an IPv4 or IPv6 address: '" + abbrev(s) + "'");
        }
        return s;
    }

    private static String checkReason(String reason, boolean required) throws GatewayException {
        String r = reason == null ? "" : reason.strip();
        if (required && r.isEmpty()) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Enter a reason: say why.");
        }
        if (r.length() > MAX_REASON_LENGTH || r.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n')) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "The reason must be at most " + MAX_REASON_LENGTH
                    + " characters without control characters.");
        }
        return r;
    }

    private static Duration checkDuration(Duration d, String what) throws GatewayException {
        if (d.isNegative() || d.isZero() || d.compareTo(MAX_DURATION) > 0) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "The " + what + " must be positive and at most 366 days, got "
                    + d);
        }
        return d;
    }

    private static int checkLimit(int limit) throws GatewayException {
        if (limit < 1 || limit > 1000) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "limit must be 1..1000, got " + limit);
        }
        return limit;
    }

    private static String checkMailbox(String mailbox) throws GatewayException {
        String m = mailbox == null ? "" : mailbox.strip();
        if (m.isEmpty() || m.length() > 320 || m.chars().anyMatch(c -> Character.isISOControl(c)
                || Character.isWhitespace(c))) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "Not a mailbox name: '" + abbrev(m) + "'");
        }
        return m;
    }

    private byte[] encode(ObjectNode body) throws GatewayException {
        try {
            return mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new GatewayException(Kind.BAD_REQUEST, "cannot encode the request", e);
        }
    }

    /**
     * {@code GET} of any endpoint below the API base, for views (in other bundles) of capabilities this
     * client has no typed method for.
     *
     * @param pathAndQuery starts with {@code /}, already URL-encoded, e.g. {@code /alerts?limit=20}
     */
    public JsonNode getJson(String pathAndQuery) throws GatewayException {
        if (pathAndQuery == null || !pathAndQuery.startsWith("/") || pathAndQuery.contains("..")
                || pathAndQuery.startsWith("//")) {
            throw new GatewayException(Kind.BAD_REQUEST, 0, "not an API path: " + pathAndQuery);
        }
        return json(send("GET", pathAndQuery, null, MAX_JSON_BYTES));
    }

    // ------------------------------------------------------------------ HTTP

    private record Answer(int status, String contentType, byte[] body, String url) {
    }

    private Answer send(String method, String pathAndQuery, byte[] body, int maxBytes, int... alsoOk)
            throws GatewayException {
        return send(method, pathAndQuery, body, maxBytes, requestTimeout, alsoOk);
    }

    private Answer send(String method, String pathAndQuery, byte[] body, int maxBytes, Duration timeout,
            int... alsoOk) throws GatewayException {
        URI base;
        String header;
        String who;
        Transport via;
        synchronized (lock) {
            if (password == null) {
                throw new GatewayException(Kind.NOT_CONNECTED, 0, "Not connected: open Connection and log in.");
            }
            via = transport;
            base = apiBase;
            who = user;
            header = basic(user, password);
        }
        URI uri = URI.create(base + pathAndQuery);
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", header)
                .header("Accept", "application/json, message/rfc822");
        if (body == null) {
            rb.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            rb.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        }
        HttpResponse<InputStream> response;
        long started = System.nanoTime();
        try {
            response = via.http().send(rb.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new GatewayException(Kind.UNREACHABLE, "Cannot reach the gateway at " + hostOf(base)
                    + ": no connection within the timeout (host down or a firewall?"
                    + (base.getScheme().equals("https") ? " Or not an HTTPS port?" : "") + ").", e);
        } catch (HttpTimeoutException e) {
            throw new GatewayException(Kind.TIMEOUT, "The gateway at " + hostOf(base) + " did not answer "
                    + method + " " + pathOf(pathAndQuery) + " within " + timeout.toSeconds() + " s.", e);
        } catch (ConnectException e) {
            if (sslCause(e) != null) {
                throw tlsFailure(base, sslCause(e), via.security());
            }
            throw new GatewayException(Kind.UNREACHABLE, "Cannot reach the gateway at " + hostOf(base)
                    + ": connection refused (is it running, and are host and port right?).", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(Kind.CANCELLED, "Cancelled.", e);
        } catch (SSLException e) {
            throw tlsFailure(base, e, via.security());
        } catch (IOException | IllegalArgumentException e) {
            if (sslCause(e) != null) {
                throw tlsFailure(base, sslCause(e), via.security());
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String what = root instanceof UnresolvedAddressException || root instanceof java.net.UnknownHostException
                    ? "unknown host" : String.valueOf(root.getMessage() == null ? root.getClass().getSimpleName()
                    : root.getMessage());
            throw new GatewayException(Kind.UNREACHABLE, "Cannot reach the gateway at " + hostOf(base) + ": "
                    + what + ".", e);
        }
        byte[] bytes = readBody(response.body(), maxBytes, uri, started, timeout, method, pathAndQuery, base);
        String type = response.headers().firstValue("Content-Type").orElse("");
        int status = response.statusCode();
        Answer answer = new Answer(status, type, bytes, uri.toString());
        if (status >= 200 && status < 300) {
            return answer;
        }
        for (int ok : alsoOk) {
            if (status == ok && type.startsWith("application/json")) {
                return answer;
            }
        }
        throw failure(answer, who, method, pathOf(pathAndQuery));
    }

    private static SSLException sslCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    /** A failed TLS handshake: the refused certificate described for pinning, or what else went wrong. */
    private static GatewayException tlsFailure(URI base, SSLException e, ConnectionSecurity security) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof GatewayCertificates.Untrusted u && u.leaf() != null) {
                PresentedCertificate presented = GatewayCertificates.presented(u.leaf(), u.why());
                String pinHint = security.pinnedSha256() == null
                        ? "If they are the same, pin it: gateway.certificate.sha256 = "
                                + presented.sha256Fingerprint() + " in the workbench's configuration "
                                + "(etc/org.streamail.workbench.cfg, or "
                                + "STREAMAIL_GATEWAY_CERT_SHA256 for bin/streamail-workbench)."
                        : "If the gateway's certificate was replaced, compare it as above and pin the new one.";
                return new GatewayException(Kind.UNTRUSTED, "The gateway at " + hostOf(base)
                        + " presented a certificate that is not trusted: " + u.why() + ". Nothing was sent.\n"
                        + presented.describe() + "\n"
                        + "Compare it with the gateway's own certificate (on the gateway: keytool -list -v "
                        + "-keystore <its keystore>). " + pinHint, e, presented);
            }
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new GatewayException(Kind.UNREACHABLE, "The TLS handshake with the gateway at " + hostOf(base)
                + " failed: " + abbrev(m) + " (is this the gateway's HTTPS port?)", e);
    }

    private GatewayException failure(Answer a, String who, String method, String path) {
        String message = errorMessage(a);
        return switch (a.status()) {
            case 401 -> new GatewayException(Kind.UNAUTHORIZED, 401, "Login failed: the gateway refused user '"
                    + who + "' (wrong user name or password).");
            case 403 -> new GatewayException(Kind.FORBIDDEN, 403, "Not allowed for user '" + who + "'"
                    + (message.isEmpty() ? "" : ": " + message)
                    + (message.contains("admin role") ? "." : " (this needs the admin role)."));
            case 404 -> new GatewayException(Kind.NOT_FOUND, 404, message.isEmpty()
                    ? "Not found: " + method + " " + path + " (is the URL the gateway's HTTP root?)" : message);
            case 409 -> new GatewayException(Kind.CONFLICT, 409, message.isEmpty() ? "Conflict." : message);
            case 400, 413, 415 -> new GatewayException(Kind.BAD_REQUEST, a.status(),
                    message.isEmpty() ? "The gateway refused the request (HTTP " + a.status() + ")." : message);
            default -> new GatewayException(a.status() >= 500 ? Kind.UNAVAILABLE : Kind.MALFORMED, a.status(),
                    "The gateway answered " + method + " " + path + " with HTTP " + a.status()
                            + (message.isEmpty() ? "." : ": " + message));
        };
    }

    /** The {@code error} field of a JSON error answer, or empty. */
    private String errorMessage(Answer a) {
        if (!a.contentType().startsWith("application/json") || a.body().length == 0) {
            return "";
        }
        try {
            JsonNode n = mapper.readTree(a.body());
            JsonNode e = n == null ? null : n.get("error");
            return e != null && e.isTextual() ? abbrev(e.asText()) : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private JsonNode json(Answer a) throws GatewayException {
        if (!a.contentType().startsWith("application/json")) {
            throw new GatewayException(Kind.MALFORMED, a.status(), "The answer from " + a.url()
                    + " is not JSON (" + (a.contentType().isEmpty() ? "no content type" : abbrev(a.contentType()))
                    + "): is this URL a Streamail gateway?");
        }
        try {
            JsonNode n = mapper.readTree(a.body());
            if (n == null || !n.isObject()) {
                throw new GatewayException(Kind.MALFORMED, a.status(), "The answer from " + a.url()
                        + " is not a JSON object.");
            }
            return n;
        } catch (IOException | RuntimeException e) {
            throw new GatewayException(Kind.MALFORMED, "The answer from " + a.url() + " is malformed JSON: "
                    + abbrev(String.valueOf(e.getMessage())), e);
        }
    }

    /**
     * Reads the body within what is left of the request timeout: {@code java.net.http}'s own timeout ends with
     * the response headers, so a gateway that stalls in the body would otherwise hold the calling thread for
     * good. At the deadline the stream is closed, which ends a blocked read.
     */
    private static byte[] readBody(InputStream in, int max, URI uri, long started, Duration timeout, String method,
            String pathAndQuery, URI base) throws GatewayException {
        long left = Math.max(1, timeout.toNanos() - (System.nanoTime() - started));
        CompletableFuture<Void> deadline = new CompletableFuture<>();
        deadline.orTimeout(left, TimeUnit.NANOSECONDS).whenComplete((v, t) -> {
            if (t != null) {
                try {
                    in.close();
                } catch (IOException | RuntimeException e) {
                    // closing is all that is wanted
                }
            }
        });
        GatewayException failure = null;
        byte[] bytes = null;
        try {
            bytes = readBounded(in, max, uri);
        } catch (GatewayException e) {
            failure = e;
        } finally {
            deadline.complete(null);
        }
        if (deadline.isCompletedExceptionally()) {
            // what was read may be cut short: never use it
            throw new GatewayException(Kind.TIMEOUT, "The gateway at " + hostOf(base) + " did not answer "
                    + method + " " + pathOf(pathAndQuery) + " within " + timeout.toSeconds()
                    + " s (the answer stalled).", failure);
        }
        if (failure != null) {
            throw failure;
        }
        return bytes;
    }

    private static byte[] readBounded(InputStream in, int max, URI uri) throws GatewayException {
        try (in) {
            byte[] bytes = in.readNBytes(max);
            if (in.read() != -1) {
                throw new GatewayException(Kind.MALFORMED, 0, "The answer from " + uri + " is larger than "
                        + (max / (1024 * 1024)) + " MiB; refusing to read it.");
            }
            return bytes;
        } catch (IOException e) {
            throw new GatewayException(Kind.UNREACHABLE, "The connection to the gateway broke while reading "
                    + uri + ": " + e.getMessage(), e);
        }
    }

    /** {@code Basic base64(user:password)}; the intermediate arrays are zeroed. */
    private static String basic(String user, char[] password) {
        char[] joined = new char[user.length() + 1 + password.length];
        user.getChars(0, user.length(), joined, 0);
        joined[user.length()] = ':';
        System.arraycopy(password, 0, joined, user.length() + 1, password.length);
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(joined));
        byte[] raw = new byte[encoded.remaining()];
        encoded.get(raw);
        try {
            return "Basic " + Base64.getEncoder().encodeToString(raw);
        } finally {
            Arrays.fill(joined, '\0');
            Arrays.fill(raw, (byte) 0);
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
        }
    }

    private static String checkId(String id) throws GatewayException {
        if (id == null || !ID.matcher(id).matches()) {
            throw new GatewayException(Kind.NOT_FOUND, 0, "Not a gateway id: " + abbrev(String.valueOf(id)));
        }
        return id;
    }

    private static void param(StringBuilder q, String name, String value) {
        if (value != null && !value.isBlank()) {
            q.append('&').append(name).append('=').append(URLEncoder.encode(value.strip(), StandardCharsets.UTF_8));
        }
    }

    private static String hostOf(URI base) {
        return base.getScheme() + "://" + base.getHost() + (base.getPort() < 0 ? "" : ":" + base.getPort());
    }

    private static String pathOf(String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
    }

    /**
     * A text the gateway (or whatever answers at its URL) sent, as it may go into a message the views show in
     * status lines and dialogs: control characters and the bidi controls that reorder text (U+202A..U+202E,
     * U+2066..U+2069) as {@code [U+202E]}-style code points ({@link ScreenText}), so an answer cannot break a line
     * or reverse what follows it; at most 200 characters.
     */
    private static String abbrev(String s) {
        String cut = s.length() <= 200 ? s
                : s.substring(0, Character.isHighSurrogate(s.charAt(199)) ? 199 : 200);
        String shown = ScreenText.shown(cut);
        return cut.length() < s.length() ? shown + "..." : shown;
    }

    // ------------------------------------------------------------------ JSON -> records (lenient per field)

    private static <T> List<T> items(JsonNode n, Function<JsonNode, T> parse) throws GatewayException {
        JsonNode items = n.get("items");
        if (items == null || !items.isArray()) {
            throw new GatewayException(Kind.MALFORMED, 0, "The gateway's list has no \"items\" array.");
        }
        List<T> out = new ArrayList<>(items.size());
        for (JsonNode item : items) {
            if (item.isObject()) {
                out.add(parse.apply(item));
            }
        }
        return out;
    }

    static Health parseHealth(JsonNode n) {
        Map<String, Long> counters = new LinkedHashMap<>();
        JsonNode c = n.get("counters");
        if (c != null && c.isObject()) {
            c.fields().forEachRemaining(e -> counters.put(e.getKey(), e.getValue().asLong()));
        }
        return new Health(text(n, "status"), n.path("ready").asBoolean(false), text(n, "unavailableReason"),
                strings(n.get("detectors")), strings(n.get("mandatory")), n.path("spooled").asLong(),
                n.path("deferred").asLong(), counters, instant(n, "startedAt"));
    }

    static LogItem parseLogItem(JsonNode n) {
        JsonNode v = n.get("verdict");
        return new LogItem(text(n, "id"), text(n, "messageId"), text(n, "subject"), text(n, "action"),
                n.path("score").asDouble(0), text(n, "status"), text(n, "statusDetail"), n.path("size").asLong(),
                instant(n, "receivedAt"), instant(n, "updatedAt"), parseEnvelope(n.path("envelope")),
                strings(n.get("receivedChain")), v == null || !v.isObject() ? null : parseVerdict(v));
    }

    static QuarantineItem parseQuarantineItem(JsonNode n) {
        return new QuarantineItem(text(n, "id"), text(n, "messageId"), text(n, "subject"), text(n, "status"),
                text(n, "action"), n.path("score").asDouble(0), n.path("size").asLong(), instant(n, "quarantinedAt"),
                text(n, "actedBy"), instant(n, "actedAt"), parseEnvelope(n.path("envelope")),
                parseVerdict(n.path("verdict")), strings(n.get("releasedTo"))); // absent from older gateways: []
    }

    static DirectoryItem parseDirectoryItem(JsonNode n) {
        return new DirectoryItem(text(n, "address"), text(n, "displayName"), instant(n, "createdAt"));
    }

    static Alert parseAlert(JsonNode n) {
        return new Alert(text(n, "id"), instant(n, "createdAt"), text(n, "severity"), text(n, "kind"),
                text(n, "subject"), text(n, "messageId"), text(n, "recipient"), text(n, "title"), text(n, "detail"),
                n.path("occurrences").asInt(1));
    }

    static Isolation parseIsolation(JsonNode n) {
        return new Isolation(text(n, "ip"), text(n, "mac"), text(n, "reason"), text(n, "actor"), instant(n, "since"),
                instant(n, "until"), n.path("offences").asInt());
    }

    static IsolationAuditEntry parseIsolationAudit(JsonNode n) {
        return new IsolationAuditEntry(instant(n, "time"), text(n, "actor"), text(n, "action"), text(n, "ip"),
                text(n, "reason"), text(n, "before"), text(n, "after"));
    }

    static Click parseClick(JsonNode n) {
        return new Click(text(n, "id"), instant(n, "time"), text(n, "messageId"), text(n, "recipient"), text(n, "url"),
                text(n, "clientIp"), text(n, "mac"), n.path("blocked").asBoolean(false), text(n, "reason"));
    }

    static BadUrl parseBadUrl(JsonNode n) {
        return new BadUrl(text(n, "url"), text(n, "reason"), instant(n, "markedAt"));
    }

    static RecallReport parseRecall(JsonNode n) {
        List<RecallReport.Outcome> out = new ArrayList<>();
        JsonNode m = n.get("mailboxes");
        if (m != null && m.isArray()) {
            for (JsonNode o : m) {
                out.add(new RecallReport.Outcome(text(o, "mailbox"), o.path("found").asInt(), o.path("moved").asInt(),
                        o.path("deleted").asInt(), text(o, "error")));
            }
        }
        return new RecallReport(text(n, "campaignId"), strings(n.get("messages")), strings(n.get("warned")),
                n.path("pulled").asInt(), out);
    }

    static SweepReport parseSweep(JsonNode n) {
        return new SweepReport(instant(n, "startedAt"), n.path("elapsedMs").asLong(), n.path("dryRun").asBoolean(false),
                n.path("mailboxes").asInt(), n.path("scanned").asInt(), n.path("expired").asInt(),
                n.path("deleted").asInt(), n.path("moved").asInt(), n.path("flagged").asInt(), n.path("exempt").asInt(),
                n.path("errors").asInt(), strings(n.get("problems")));
    }

    static RetentionPolicy parsePolicy(JsonNode n) {
        JsonNode last = n.get("lastSweep");
        return new RetentionPolicy(strings(n.get("trustedDomains")), strings(n.get("internalDomains")),
                text(n, "minAge"), text(n, "maxAge"), strings(n.get("defaultRules")), text(n, "action"),
                strings(n.get("exemptFolders")), strings(n.get("optoutMailboxes")), strings(n.get("mailboxes")),
                text(n, "sweepInterval"), n.path("dryRun").asBoolean(false), text(n, "imapServer"),
                last == null || !last.isObject() ? null : parseSweep(last));
    }

    static RetentionAuditEntry parseRetentionAudit(JsonNode n) {
        return new RetentionAuditEntry(instant(n, "time"), text(n, "mailbox"), text(n, "folder"), text(n, "messageId"),
                text(n, "contentHash"), instant(n, "expiry"), text(n, "rule"), text(n, "action"), text(n, "actor"),
                n.path("dryRun").asBoolean(false), text(n, "detail"));
    }

    static BlockRule parseBlockRule(JsonNode n) {
        return new BlockRule(text(n, "id"), text(n, "type"), text(n, "value"), text(n, "reason"), text(n, "createdBy"),
                instant(n, "createdAt"), instant(n, "expiresAt"), text(n, "source"), n.path("active").asBoolean(true));
    }

    static DkimStatus parseDkimStatus(JsonNode n) {
        List<DkimKey> keys = new ArrayList<>();
        JsonNode k = n.get("keys");
        if (k != null && k.isArray()) {
            for (JsonNode key : k) {
                if (key.isObject()) {
                    keys.add(parseDkimKey(key));
                }
            }
        }
        return new DkimStatus(n.path("enabled").asBoolean(false), text(n, "dns"), keys);
    }

    static DkimKey parseDkimKey(JsonNode n) {
        return new DkimKey(text(n, "domain"), text(n, "selector"), text(n, "algorithm"), text(n, "signatureAlgorithm"),
                n.path("bits").asInt(), text(n, "file"), n.path("usable").asBoolean(false), text(n, "problem"),
                parseDkimRecord(n.get("record")), text(n, "dns"), text(n, "dnsDetail"));
    }

    /** {@code null} when there is none (a key whose file cannot be read). */
    static DkimRecord parseDkimRecord(JsonNode n) {
        if (n == null || !n.isObject()) {
            return null;
        }
        return new DkimRecord(text(n, "name"), text(n, "text"), strings(n.get("strings")), text(n, "zoneLine"));
    }

    static NewDkimKey parseNewDkimKey(JsonNode n) throws GatewayException {
        DkimRecord record = parseDkimRecord(n.get("record"));
        if (record == null) {
            throw new GatewayException(Kind.MALFORMED, 0, "The gateway's answer has no DNS record for the new key.");
        }
        return new NewDkimKey(text(n, "domain"), text(n, "selector"), text(n, "algorithm"),
                text(n, "signatureAlgorithm"), n.path("bits").asInt(), text(n, "file"), record, text(n, "keysEntry"),
                text(n, "keys"), text(n, "replaces"));
    }

    static Envelope parseEnvelope(JsonNode n) {
        return new Envelope(text(n, "sender"), strings(n.get("recipients")), text(n, "clientIp"), text(n, "helo"),
                n.path("tls").asBoolean(false), instant(n, "receivedAt"), text(n, "direction"),
                text(n, "authenticatedUser"));
    }

    static Verdict parseVerdict(JsonNode n) {
        List<Finding> findings = new ArrayList<>();
        JsonNode f = n.get("findings");
        if (f != null && f.isArray()) {
            for (JsonNode x : f) {
                findings.add(new Finding(text(x, "detector"), text(x, "rule"), x.path("score").asDouble(0),
                        text(x, "category"), text(x, "detail"), text(x, "part")));
            }
        }
        return new Verdict(text(n, "action"), n.path("score").asDouble(0), strings(n.get("categories")), findings,
                text(n, "reason"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? "" : v.asText();
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            for (JsonNode x : n) {
                if (!x.isNull()) {
                    out.add(x.asText());
                }
            }
        }
        return out;
    }

    private static Instant instant(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            return null; // one odd timestamp must not hide the whole list
        }
    }
}
