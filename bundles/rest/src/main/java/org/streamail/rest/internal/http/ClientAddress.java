package org.streamail.rest.internal.http;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import javax.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.net.IpLiteral;

/**
 * The address of the client that sent a request: the one place the REST API asks for it (login throttle,
 * per-address login queue, lockout log and alert).
 *
 * <p>Normally the TCP peer ({@link HttpServletRequest#getRemoteAddr()}). When, and only when, the peer lies in
 * {@link TrustedProxies}, the configured forwarding header is read: {@code X-Forwarded-For} (default) or the
 * {@code for=} parameters of RFC 7239 {@code Forwarded}. Only that one header is read: a proxy that manages
 * one of them passes the other through from the client untouched, so reading both would let a client choose
 * its address. Several instances of the header form one list, in order. The list is walked from the right,
 * skipping entries that are trusted proxies themselves; the first untrusted entry is the client (when every
 * entry is trusted, the leftmost is). Entries left of the client are never looked at, so whatever a client
 * puts in front of the list its proxy extends changes nothing.
 *
 * <p>Entries may be {@code 192.0.2.1}, {@code 192.0.2.1:5678}, {@code 2001:db8::1}, {@code [2001:db8::1]} or
 * {@code [2001:db8::1]:5678} (in {@code Forwarded} also quoted, and with an obfuscated port {@code _p1}). When
 * the entry the walk reaches is malformed, {@code unknown}, obfuscated ({@code _hidden}) or carries a zone id,
 * when the header is over {@value #MAX_HEADER_LENGTH} characters or {@value #MAX_ENTRIES} entries, or when a
 * {@code Forwarded} header is not well-formed, the peer's address is used (logged at DEBUG) and nothing is
 * thrown. A client can therefore always choose to be counted under its proxy's address, but never under
 * another client's.
 *
 * <p>The answer is canonical ({@code 2001:db8::1}, never {@code 2001:DB8:0:0:0:0:0:1} or {@code [::1]};
 * IPv4-mapped IPv6 as IPv4), so one client has one throttle key however it is written. A peer that is not an
 * IP literal (no TCP peer) is returned unchanged, {@code null} included.
 *
 * <p>Lifecycle: built from the configuration when the servlet context helper activates. Immutable and
 * thread-safe.
 */
public final class ClientAddress {

    private static final Logger LOG = LoggerFactory.getLogger(ClientAddress.class);

    /** The configuration property choosing the header. */
    public static final String HEADER_PROPERTY = "trusted.proxies.header";

    /** Longest header read (all instances together); longer ones are ignored. */
    static final int MAX_HEADER_LENGTH = 4096;
    /** Most entries read (X-Forwarded-For entries or Forwarded elements); more: the header is ignored. */
    static final int MAX_ENTRIES = 32;

    /** The forwarding header a trusted proxy sets. */
    public enum Header {
        X_FORWARDED_FOR("X-Forwarded-For"),
        FORWARDED("Forwarded");

        private final String fieldName;

        Header(String fieldName) {
            this.fieldName = fieldName;
        }

        /** The header field name. */
        public String fieldName() {
            return fieldName;
        }

        /**
         * The header named {@code text} (case-insensitive; {@code null} or blank: {@code X-Forwarded-For}).
         *
         * @throws IllegalArgumentException naming {@value #HEADER_PROPERTY} for any other name
         */
        public static Header parse(String text) {
            if (text == null || text.isBlank()) {
                return X_FORWARDED_FOR;
            }
            for (Header h : values()) {
                if (h.fieldName.equalsIgnoreCase(text.strip())) {
                    return h;
                }
            }
            throw new IllegalArgumentException(HEADER_PROPERTY + " must be X-Forwarded-For or Forwarded, got '"
                    + printable(text) + "'");
        }
    }

    /** Trusts no proxy: always the TCP peer. */
    public static final ClientAddress DIRECT = new ClientAddress(TrustedProxies.NONE, Header.X_FORWARDED_FOR);

    private final TrustedProxies trusted;
    private final Header header;

    public ClientAddress(TrustedProxies trusted, Header header) {
        this.trusted = Objects.requireNonNull(trusted, "trusted");
        this.header = Objects.requireNonNull(header, "header");
    }

    /**
     * Parses and checks the two configuration properties.
     *
     * @throws IllegalArgumentException naming the property and the bad entry
     */
    public static ClientAddress configured(String trustedProxies, String headerName) {
        return new ClientAddress(TrustedProxies.parse(trustedProxies), Header.parse(headerName));
    }

    /** The client address of {@code request}; never throws for any header content. */
    public String of(HttpServletRequest request) {
        return resolve(request.getRemoteAddr(), () -> request.getHeaders(header.fieldName()));
    }

    /** As {@link #of}, from a peer and the header's instances in order (for tests). */
    String resolve(String peer, List<String> headerValues) {
        return resolve(peer, () -> Collections.enumeration(headerValues));
    }

    private String resolve(String peer, Supplier<Enumeration<String>> instances) {
        Optional<InetAddress> peerAddress = peerAddress(peer);
        if (peerAddress.isEmpty()) {
            return peer;
        }
        String fallback = IpLiteral.canonical(peerAddress.get());
        if (!trusted.contains(peerAddress.get())) {
            return fallback; // an untrusted peer's headers are not even read
        }
        try {
            Optional<String> joined = join(instances.get());
            if (joined.isEmpty()) {
                return fallback(fallback, "header over " + MAX_HEADER_LENGTH + " characters");
            }
            if (joined.get().isBlank()) {
                return fallback; // no header: the proxy itself (a health check) or a proxy that does not set it
            }
            List<String> entries = header == Header.FORWARDED ? forwardedFor(joined.get())
                    : forwardedList(joined.get());
            if (entries == null) {
                return fallback(fallback, "malformed " + header.fieldName() + " header");
            }
            if (entries.size() > MAX_ENTRIES) {
                return fallback(fallback, "more than " + MAX_ENTRIES + " entries");
            }
            InetAddress client = null;
            for (int i = entries.size() - 1; i >= 0; i--) {
                String entry = entries.get(i);
                Optional<InetAddress> node = entry == null ? Optional.empty() : node(entry);
                if (node.isEmpty()) {
                    return fallback(fallback, entry == null ? "an element without for=" : "unusable entry '"
                            + printable(entry) + "' (malformed, unknown or obfuscated)");
                }
                client = node.get();
                if (!trusted.contains(client)) {
                    break;
                }
            }
            return client == null ? fallback : IpLiteral.canonical(client);
        } catch (RuntimeException e) {
            // Defensive: a bug in the parsing above must cost the client its forwarded address, not the request.
            return fallback(fallback, e.toString());
        }
    }

    private String fallback(String peer, String why) {
        LOG.debug("Ignoring {} from trusted proxy {}: {}", header.fieldName(), peer, why);
        return peer;
    }

    /** All instances joined with commas, or empty when they are longer than the bound together. */
    private static Optional<String> join(Enumeration<String> instances) {
        StringBuilder sb = new StringBuilder();
        // The bound also bounds the loop: every instance adds at least the separator.
        while (instances != null && instances.hasMoreElements()) {
            String value = instances.nextElement();
            if (value == null) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(value);
            if (sb.length() > MAX_HEADER_LENGTH) {
                return Optional.empty();
            }
        }
        return Optional.of(sb.toString());
    }

    /** X-Forwarded-For: the entries, trimmed, left to right (empty ones kept: they are malformed if reached). */
    private static List<String> forwardedList(String joined) {
        List<String> out = new ArrayList<>();
        for (String part : joined.split(",", -1)) {
            out.add(part.strip());
        }
        return out;
    }

    /**
     * RFC 7239 {@code Forwarded}: the {@code for=} value of each element, left to right ({@code null} for an
     * element without one; empty elements are skipped as RFC 7230 lists require), or {@code null} when the
     * header is not well-formed (a parameter twice in one element, an open quote, a stray character).
     * Unquoted values may contain {@code : [ ]} as well as token characters: some proxies send
     * {@code for=[2001:db8::1]} unquoted, and those characters are not separators here.
     */
    static List<String> forwardedFor(String h) {
        List<String> out = new ArrayList<>();
        int n = h.length();
        int i = 0;
        String forValue = null;
        boolean pairs = false;
        List<String> names = new ArrayList<>();
        while (true) { // every pass consumes at least one character or ends the loop
            i = skipWhitespace(h, i);
            if (i == n || h.charAt(i) == ',') {
                if (pairs) {
                    out.add(forValue);
                    if (out.size() > MAX_ENTRIES) {
                        return out; // the caller refuses it by size
                    }
                }
                forValue = null;
                pairs = false;
                names.clear();
                if (i == n) {
                    return out;
                }
                i++;
                continue;
            }
            if (h.charAt(i) == ';') {
                i++;
                continue;
            }
            int start = i;
            while (i < n && isTokenChar(h.charAt(i))) {
                i++;
            }
            if (i == start || i == n || h.charAt(i) != '=') {
                return null;
            }
            String name = h.substring(start, i).toLowerCase(Locale.ROOT);
            if (names.contains(name)) {
                return null;
            }
            names.add(name);
            i++;
            String value;
            if (i < n && h.charAt(i) == '"') {
                StringBuilder sb = new StringBuilder();
                i++;
                while (true) {
                    if (i >= n) {
                        return null;
                    }
                    char c = h.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        if (i >= n) {
                            return null;
                        }
                        c = h.charAt(i++);
                    }
                    sb.append(c);
                }
                value = sb.toString();
            } else {
                start = i;
                while (i < n && (isTokenChar(h.charAt(i)) || "[]:".indexOf(h.charAt(i)) >= 0)) {
                    i++;
                }
                if (i == start) {
                    return null;
                }
                value = h.substring(start, i);
            }
            if (name.equals("for")) {
                forValue = value;
            }
            pairs = true;
            i = skipWhitespace(h, i);
            if (i < n && h.charAt(i) != ';' && h.charAt(i) != ',') {
                return null;
            }
        }
    }

    private static int skipWhitespace(String h, int i) {
        while (i < h.length() && (h.charAt(i) == ' ' || h.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** RFC 7230 tchar. */
    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /**
     * One forwarded node: {@code IPv4}, {@code IPv4:port}, {@code IPv6}, {@code [IPv6]} or {@code [IPv6]:port};
     * the port is 0..65535 or obfuscated ({@code _x}). Empty for anything else: {@code unknown}, {@code _hidden},
     * host names, zone ids, bracketed IPv4.
     */
    static Optional<InetAddress> node(String text) {
        String s = text.strip();
        if (s.length() > IpLiteral.MAX_LENGTH + 8) {
            return Optional.empty();
        }
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) {
                return Optional.empty();
            }
            String inner = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (inner.indexOf(':') < 0 || !(rest.isEmpty() || (rest.charAt(0) == ':' && isPort(rest.substring(1))))) {
                return Optional.empty();
            }
            return IpLiteral.parse(inner);
        }
        int colon = s.indexOf(':');
        if (colon >= 0 && colon == s.lastIndexOf(':')) {
            // exactly one colon: IPv4 with a port (an IPv6 literal has at least two)
            return isPort(s.substring(colon + 1)) ? IpLiteral.parse(s.substring(0, colon)) : Optional.empty();
        }
        return IpLiteral.parse(s);
    }

    private static boolean isPort(String p) {
        if (p.matches("\\d{1,5}")) {
            return Integer.parseInt(p) <= 65535;
        }
        return p.matches("_[A-Za-z0-9._-]{1,32}");
    }

    /** The TCP peer as an address: brackets and a zone id (a link-local peer) are accepted here, nowhere else. */
    static Optional<InetAddress> peerAddress(String peer) {
        if (peer == null) {
            return Optional.empty();
        }
        String s = peer.strip();
        if (s.length() > 2 && s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        int zone = s.indexOf('%');
        if (zone > 0 && s.indexOf(':') >= 0) {
            s = s.substring(0, zone);
        }
        return IpLiteral.parse(s);
    }

    /** The text shortened to 64 characters with control characters replaced, for error messages and logs. */
    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return sb.toString();
    }

    /** The configuration, for the log line at activation. */
    @Override
    public String toString() {
        return trusted.isEmpty() ? "no trusted proxies (the TCP peer is the client)"
                : "trusted proxies " + trusted + ", client from " + header.fieldName();
    }
}
