package org.streamail.rest.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.streamail.rest.internal.auth.AuthenticatedUser;

/**
 * One API call, independent of the servlet API so routes can be tested directly. The body is read at most
 * once, lazily, and never beyond the limit the handler asks for. Path parameters are set by the router.
 * Not thread-safe: one request, one thread.
 */
public final class ApiRequest {

    /** Longest query string parsed; longer is a 400 (URLs this long are not ours). */
    static final int MAX_QUERY_LENGTH = 8192;
    /** Most query parameters parsed. */
    static final int MAX_QUERY_PARAMS = 200;
    /** Largest body buffer allocated before the bytes arrive, whatever Content-Length says. */
    static final int MAX_PREALLOCATED = 64 * 1024;
    /** How long reading a body may take when the caller does not say ({@code body.read.timeout.seconds}). */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(120);

    private final String method;
    private final String path;
    private final String rawQuery;
    private Map<String, List<String>> query;
    private final Function<String, String> headers;
    private final long contentLength;
    private final InputStream body;
    private final AuthenticatedUser user;
    private final Duration bodyTimeout;
    private Map<String, String> pathParams = Map.of();
    private boolean bodyRead;

    /**
     * @param method        HTTP method, upper case
     * @param path          the path below {@code /api/v1}, decoded, starting with {@code /}
     * @param rawQuery      the undecoded query string, or {@code null}
     * @param headers       header lookup by name (case-insensitive), returning {@code null} when absent
     * @param contentLength declared body length, or -1 when unknown
     * @param body          the body stream (may be empty)
     * @param user          the authenticated caller, or {@code null} when the request passed no gate
     */
    public ApiRequest(String method, String path, String rawQuery, Function<String, String> headers,
            long contentLength, InputStream body, AuthenticatedUser user) {
        this(method, path, rawQuery, headers, contentLength, body, user, DEFAULT_BODY_TIMEOUT);
    }

    /**
     * As above, with the longest time reading the whole body may take.
     *
     * @param bodyTimeout from the first read of the body to its end; positive
     */
    public ApiRequest(String method, String path, String rawQuery, Function<String, String> headers,
            long contentLength, InputStream body, AuthenticatedUser user, Duration bodyTimeout) {
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("body timeout must be positive: " + bodyTimeout);
        }
        this.bodyTimeout = bodyTimeout;
        this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        this.path = path == null || path.isEmpty() ? "/" : path;
        this.rawQuery = rawQuery;
        this.headers = headers;
        this.contentLength = contentLength;
        this.body = body == null ? InputStream.nullInputStream() : body;
        this.user = user;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /** The caller, or {@code null} when unauthenticated. */
    public AuthenticatedUser user() {
        return user;
    }

    /** A header value, or {@code null}. */
    public String header(String name) {
        return headers.apply(name);
    }

    /** The media type of the body without parameters, lower case, or {@code ""} when not given. */
    public String mediaType() {
        String ct = header("Content-Type");
        if (ct == null) {
            return "";
        }
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** A path parameter named in the route template; never {@code null} for a matched route's names. */
    public String pathParam(String name) {
        String v = pathParams.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no path parameter " + name);
        }
        return v;
    }

    void pathParams(Map<String, String> params) {
        this.pathParams = Map.copyOf(params);
    }

    /**
     * The first value of a query parameter, or {@code null}. Empty values count as absent.
     *
     * @throws ApiException 400 when the query string is malformed or too long
     */
    public String query(String name) {
        List<String> values = query().get(name);
        if (values == null) {
            return null;
        }
        for (String v : values) {
            if (!v.isEmpty()) {
                return v;
            }
        }
        return null;
    }

    /** Every non-empty value of a query parameter, in order. */
    public List<String> queryAll(String name) {
        List<String> values = query().getOrDefault(name, List.of());
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            if (!v.isEmpty()) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * An integer query parameter within {@code [min, max]}, or {@code fallback} when absent.
     *
     * @throws ApiException 400 when not a number or out of range
     */
    public int intQuery(String name, int fallback, int min, int max) {
        String v = query(name);
        if (v == null) {
            return fallback;
        }
        int n;
        try {
            n = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be an integer, got '" + abbreviate(v) + "'");
        }
        if (n < min || n > max) {
            throw ApiException.badRequest(name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /**
     * The whole body, at most {@code limit} bytes, read within the body timeout.
     *
     * <p>The web server's idle timeout only bounds the wait for each next byte: a client sending one byte just
     * before each idle timeout would hold the request thread for days. So the whole body must arrive within the
     * body timeout, counted from the first read; it is checked before each read, so a read that blocks across it
     * is cut at the latest by the idle timeout.
     *
     * @throws ApiException 413 when larger, 408 when it does not arrive in time, 400 when it cannot be read
     */
    public byte[] body(int limit) {
        if (bodyRead) {
            throw new IllegalStateException("body already read");
        }
        bodyRead = true;
        if (contentLength > limit) {
            throw new ApiException(413, "request body of " + contentLength + " bytes exceeds the limit of "
                    + limit + " bytes");
        }
        // The buffer grows with the bytes that arrive, not with the length the client declared: a declared 25 MiB
        // and a body that never comes would otherwise cost 25 MiB per request (fuzz finding).
        long initial = contentLength >= 0 ? contentLength : 8192;
        int capacity = (int) Math.min(initial, Math.min(limit, MAX_PREALLOCATED));
        ByteArrayOutputStream out = new ByteArrayOutputStream(capacity + 1);
        byte[] buffer = new byte[8192];
        long total = 0;
        long started = System.nanoTime();
        long timeout = bodyTimeout.toNanos();
        try {
            int n;
            while (true) {
                if (System.nanoTime() - started > timeout) {
                    throw new ApiException(408, "request body not received within " + seconds(bodyTimeout)
                            + " (" + total + " bytes arrived)");
                }
                if ((n = body.read(buffer)) <= 0) {
                    break;
                }
                total += n;
                if (total > limit) {
                    throw new ApiException(413, "request body exceeds the limit of " + limit + " bytes");
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // Not e.getMessage(): the web server wraps its own exceptions, so the text names Java classes
            // ("java.util.concurrent.TimeoutException: Idle timeout expired: 30000/30000 ms").
            throw ApiException.badRequest("could not read the request body: the connection failed or timed out");
        }
        return out.toByteArray();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }

    /** The query parameters, parsed on first use so that a malformed query is a 400 from the route. */
    private Map<String, List<String>> query() {
        if (query == null) {
            query = parseQuery(rawQuery);
        }
        return query;
    }

    private static Map<String, List<String>> parseQuery(String raw) {
        if (raw == null || raw.isEmpty()) {
            return Map.of();
        }
        if (raw.length() > MAX_QUERY_LENGTH) {
            throw ApiException.badRequest("query string longer than " + MAX_QUERY_LENGTH + " characters");
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        int count = 0;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            if (++count > MAX_QUERY_PARAMS) {
                throw ApiException.badRequest("more than " + MAX_QUERY_PARAMS + " query parameters");
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        params.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(params);
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            // URLDecoder's own message names the class; say what is wrong in plain words
            throw ApiException.badRequest("malformed query string: bad percent-encoding in the query string");
        }
    }
}
