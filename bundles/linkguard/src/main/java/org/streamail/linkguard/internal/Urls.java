package org.streamail.linkguard.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * URL helpers shared by the rewriter and the click endpoint. They follow what browsers do with an
 * {@code href} (WHATWG URL parsing) where it matters for safety: leading and trailing C0 controls and
 * spaces are dropped, tabs and line breaks inside are removed, the scheme is case-insensitive, and a
 * backslash ends the authority of an http(s) URL. Stateless.
 */
final class Urls {

    /** URLs longer than this (after cleaning) are never rewritten. */
    static final int MAX_URL_CHARS = 4096;

    private Urls() {
    }

    /**
     * The http(s) URL a link points to, cleaned the way a browser would and normalised for storage: scheme
     * and host in lower case, everything else as written. Empty when it is not an absolute http(s) URL with
     * a host.
     */
    static Optional<String> httpUrl(String href) {
        if (href == null) {
            return Optional.empty();
        }
        String s = clean(href);
        int colon = s.indexOf(':');
        if (colon < 4 || colon > 5) {
            return Optional.empty();
        }
        String scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.empty();
        }
        String rest = s.substring(colon + 1);
        if (!rest.startsWith("//") && !rest.startsWith("\\\\") && !rest.startsWith("/\\") && !rest.startsWith("\\/")) {
            return Optional.empty();
        }
        int authStart = colon + 3;
        int authEnd = authorityEnd(s, authStart);
        String authority = s.substring(authStart, authEnd);
        int at = authority.lastIndexOf('@');
        String hostPort = authority.substring(at + 1);
        String host = host(hostPort);
        if (host.isEmpty()) {
            return Optional.empty();
        }
        String normalised = scheme + "://" + (at >= 0 ? authority.substring(0, at + 1) : "")
                + hostPort.toLowerCase(Locale.ROOT) + s.substring(authEnd);
        return Optional.of(normalised);
    }

    /** The lower-case host of an http(s) URL (no port, no brackets, no trailing dot), or {@code ""}. */
    static String hostOf(String url) {
        int colon = url.indexOf(':');
        if (colon < 0 || url.length() < colon + 3) {
            return "";
        }
        int authStart = colon + 3;
        String authority = url.substring(authStart, authorityEnd(url, authStart));
        return host(authority.substring(authority.lastIndexOf('@') + 1));
    }

    /** Whether {@code host} is one of {@code domains} or a subdomain of one (all lower case). */
    static boolean inDomains(String host, Set<String> domains) {
        if (host.isEmpty() || domains.isEmpty()) {
            return false;
        }
        String h = host;
        // Walk up the labels: a.b.example.org, b.example.org, example.org, org (bounded by the host's length).
        while (true) {
            if (domains.contains(h)) {
                return true;
            }
            int dot = h.indexOf('.');
            if (dot < 0) {
                return false;
            }
            h = h.substring(dot + 1);
        }
    }

    /**
     * {@code url} made safe for a {@code Location} header: every byte outside printable ASCII, and the
     * characters browsers and proxies treat specially in headers and URLs ({@code " < > \ ^ ` { | }} and
     * space), percent-encoded (non-ASCII as UTF-8). No CR or LF can remain.
     */
    static String forLocation(String url) {
        StringBuilder out = new StringBuilder(url.length() + 16);
        for (byte b : url.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c <= 0x20 || c >= 0x7F || "\"<>\\^`{|}".indexOf(c) >= 0) {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }

    /** Browser-style cleaning: strip C0 controls and spaces at both ends, drop tab, CR and LF anywhere. */
    static String clean(String href) {
        int start = 0;
        int end = href.length();
        while (start < end && href.charAt(start) <= 0x20) {
            start++;
        }
        while (end > start && href.charAt(end - 1) <= 0x20) {
            end--;
        }
        StringBuilder sb = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = href.charAt(i);
            if (c != '\t' && c != '\n' && c != '\r') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int authorityEnd(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' || c == '\\' || c == '?' || c == '#') {
                return i;
            }
        }
        return s.length();
    }

    private static String host(String hostPort) {
        String h;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            h = close < 0 ? "" : hostPort.substring(1, close);
        } else {
            int colon = hostPort.indexOf(':');
            h = colon < 0 ? hostPort : hostPort.substring(0, colon);
        }
        h = h.toLowerCase(Locale.ROOT);
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }
}
