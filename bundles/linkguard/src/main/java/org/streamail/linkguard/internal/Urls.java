package org.streamail.linkguard.internal;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * URL helpers shared by the rewriter and the click endpoint. They follow what browsers do with an
 * {@code href} (WHATWG URL parsing) where it matters for safety: leading and trailing C0 controls and
 * spaces are dropped, tabs and line breaks inside are removed, the scheme is case-insensitive, a backslash
 * counts as a slash in an http(s) URL, any number of slashes may follow the scheme, and a scheme-relative
 * link leads to a host. Stateless.
 */
final class Urls {

    /** URLs longer than this (after cleaning) are never rewritten. */
    static final int MAX_URL_CHARS = 4096;

    private Urls() {
    }

    /**
     * The http(s) URL a link points to, cleaned the way a browser would and normalised for storage: scheme
     * and host in lower case, exactly two slashes after the scheme, backslashes in the path turned into
     * slashes, everything else as written. A scheme-relative link ({@code //host}, {@code \\host},
     * {@code /\host}, {@code \/host}) is taken as {@code https:}. Empty when it does not lead to an http(s)
     * host.
     */
    static Optional<String> httpUrl(String href) {
        return httpUrl(href, "https");
    }

    /**
     * As {@link #httpUrl(String)}, with the scheme a scheme-relative link gets (that of the page or its
     * {@code <base>}; {@code http} or {@code https}).
     *
     * <p>WHATWG URL parsing, which browsers follow: for the special schemes http and https a backslash is a
     * slash, and any number of slashes (none, one, three …) after {@code http:} / {@code https:} is skipped
     * before the host. Two or more slashes at the start of a link without a scheme make it scheme-relative.
     * One caveat is taken on the safe side: a browser showing an {@code https} page resolves
     * {@code https:host/x} (no slash) against that page as a relative path, while every other context (a mail
     * client, an {@code http} page) goes to {@code host}; the gateway cannot know which, so it is guarded.
     */
    static Optional<String> httpUrl(String href, String relativeScheme) {
        if (href == null) {
            return Optional.empty();
        }
        String s = clean(href);
        String scheme;
        int rest;
        if (isSchemeRelative(s)) {
            scheme = relativeScheme.toLowerCase(Locale.ROOT);
            rest = 0;
        } else {
            int colon = s.indexOf(':');
            if (colon < 4 || colon > 5) {
                return Optional.empty();
            }
            scheme = s.substring(0, colon).toLowerCase(Locale.ROOT);
            rest = colon + 1;
        }
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.empty();
        }
        int authStart = rest;
        // Any run of slashes and backslashes before the host is skipped (bounded by the string's length).
        while (authStart < s.length() && isSlash(s.charAt(authStart))) {
            authStart++;
        }
        int authEnd = authorityEnd(s, authStart);
        String authority = s.substring(authStart, authEnd);
        int at = authority.lastIndexOf('@');
        String hostPort = authority.substring(at + 1);
        String host = host(hostPort);
        if (host.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder(s.length() + 8).append(scheme).append("://");
        if (at >= 0) {
            out.append(authority, 0, at + 1);
        }
        out.append(hostPort.toLowerCase(Locale.ROOT));
        // In the path a backslash is a slash to the browser; the query and fragment keep theirs.
        int i = authEnd;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '?' || c == '#') {
                break;
            }
            out.append(c == '\\' ? '/' : c);
        }
        out.append(s, i, s.length());
        return Optional.of(out.toString());
    }

    /** Whether a cleaned link starts with two slashes or backslashes in any mix: scheme-relative. */
    static boolean isSchemeRelative(String cleaned) {
        return cleaned.length() >= 2 && isSlash(cleaned.charAt(0)) && isSlash(cleaned.charAt(1));
    }

    private static boolean isSlash(char c) {
        return c == '/' || c == '\\';
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

    /**
     * The origin of a normalised http(s) URL, {@code scheme://host[:port]/}, without user information, path, query
     * or fragment; {@code ""} when it has no host.
     */
    static String originOf(String url) {
        int colon = url.indexOf(':');
        if (colon < 0 || url.length() < colon + 3 || hostOf(url).isEmpty()) {
            return "";
        }
        int authStart = colon + 3;
        String authority = url.substring(authStart, authorityEnd(url, authStart));
        return url.substring(0, colon).toLowerCase(Locale.ROOT) + "://"
                + authority.substring(authority.lastIndexOf('@') + 1) + "/";
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
