package org.streamail.detect.phishing.internal;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Host names: extraction from hrefs, registrable domain, IP literals, IDN decoding. Stateless.
 *
 * <p>The registrable domain is a heuristic (the last two labels, three under a known two-level public
 * suffix such as {@code co.uk} or {@code gouv.fr}); a full public-suffix list would be better but is not
 * worth a dependency for what it decides here (which labels to compare).
 */
final class Hosts {

    private static final Set<String> TWO_LEVEL_SUFFIXES = Set.of(
            "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk",
            "com.au", "net.au", "org.au", "edu.au", "gov.au",
            "co.nz", "org.nz", "co.jp", "ne.jp", "or.jp", "co.kr", "co.in", "co.za", "co.il",
            "com.br", "com.mx", "com.ar", "com.cn", "com.tw", "com.hk", "com.sg", "com.tr", "com.ua",
            "gouv.fr", "asso.fr", "nom.fr", "com.fr", "gc.ca", "qc.ca", "ac.be", "co.at", "or.at");

    private static final int MAX_HOST = 253;

    private Hosts() {
    }

    /**
     * The host of a hierarchical URL ({@code scheme://[userinfo@]host[:port]/...}), lower case, without a
     * trailing dot or IPv6 brackets; empty when the href has no authority. Unlike {@link java.net.URI} this
     * accepts raw Unicode hosts and never throws.
     */
    static Optional<String> hostOf(String href) {
        if (href == null) {
            return Optional.empty();
        }
        String h = href.strip();
        int scheme = h.indexOf("://");
        if (scheme <= 0 || scheme > 32) {
            if (h.regionMatches(true, 0, "www.", 0, 4)) {
                scheme = -3; // text URL without a scheme
            } else {
                return Optional.empty();
            }
        }
        int start = scheme + 3;
        int end = h.length();
        for (int i = start; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c == '/' || c == '?' || c == '#' || c == '\\') {
                end = i;
                break;
            }
        }
        String authority = h.substring(start, end);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        String host;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            host = close < 0 ? authority.substring(1) : authority.substring(1, close);
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
        }
        host = host.toLowerCase(Locale.ROOT);
        while (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || host.length() > MAX_HOST) {
            return Optional.empty();
        }
        return Optional.of(host);
    }

    /** Whether the href's authority carries a user-info part ({@code https://paypal.com@evil.example/}). */
    static boolean hasUserInfo(String href) {
        int scheme = href.indexOf("://");
        if (scheme <= 0) {
            return false;
        }
        for (int i = scheme + 3; i < href.length(); i++) {
            char c = href.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return false;
            }
            if (c == '@') {
                return true;
            }
        }
        return false;
    }

    /** A host written as an IP address: dotted IPv4 (decimal, octal or hex parts), one integer, or IPv6. */
    static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return true; // only IPv6 literals keep a colon after hostOf
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length > 4) {
            return false;
        }
        for (String p : parts) {
            if (!isNumber(p)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isNumber(String p) {
        if (p.isEmpty() || p.length() > 12) {
            return false;
        }
        if (p.startsWith("0x")) {
            if (p.length() == 2) {
                return false;
            }
            for (int i = 2; i < p.length(); i++) {
                if (Character.digit(p.charAt(i), 16) < 0) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** The last label ({@code "xyz"} for {@code a.b.xyz}). */
    static String tld(String host) {
        int dot = host.lastIndexOf('.');
        return dot < 0 ? host : host.substring(dot + 1);
    }

    /** The registrable domain (see the class comment); the host itself for IP literals and single labels. */
    static String registrable(String host) {
        if (isIpLiteral(host)) {
            return host;
        }
        int last = host.lastIndexOf('.');
        if (last <= 0) {
            return host;
        }
        int second = host.lastIndexOf('.', last - 1);
        if (second < 0) {
            return host;
        }
        String lastTwo = host.substring(second + 1);
        if (TWO_LEVEL_SUFFIXES.contains(lastTwo)) {
            int third = host.lastIndexOf('.', second - 1);
            return third < 0 ? host : host.substring(third + 1);
        }
        return lastTwo;
    }

    /** The registrable domain without its public suffix: {@code "paypal"} for {@code www.paypal.co.uk}. */
    static String label(String registrable) {
        int dot = registrable.indexOf('.');
        return dot < 0 ? registrable : registrable.substring(0, dot);
    }

    /** Whether {@code host} is {@code domain} or a subdomain of it. */
    static boolean within(String host, String domain) {
        return host.equals(domain) || (host.endsWith(domain) && host.length() > domain.length()
                && host.charAt(host.length() - domain.length() - 1) == '.');
    }

    /** The Unicode form of a host (punycode labels decoded); the input when it cannot be decoded. */
    static String toUnicode(String host) {
        try {
            return IDN.toUnicode(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return host;
        }
    }

    /** The ASCII (punycode) form of a host; the input when it cannot be encoded. */
    static String toAscii(String host) {
        try {
            return IDN.toASCII(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return host;
        }
    }

    /** Whether the string has a character outside ASCII. */
    static boolean nonAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7f) {
                return true;
            }
        }
        return false;
    }
}
