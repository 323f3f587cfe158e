package org.streamail.detect.phishing.internal;

import com.google.common.net.InternetDomainName;
import java.net.IDN;
import java.util.Locale;
import java.util.Optional;

/**
 * Host names: extraction from hrefs, registrable domain, IP literals, IDN decoding. Stateless.
 *
 * <p>The registrable domain comes from the Public Suffix List compiled into Guava, private entries included:
 * {@code www.paypal.co.uk} → {@code paypal.co.uk}, and {@code evil.github.io} → {@code evil.github.io}, because a
 * page on a shared hosting suffix belongs to whoever registered that name, not to the hosting company (two
 * {@code github.io} sites are different sites). A name under no listed suffix (an internal or a reserved TLD such
 * as {@code corp.internal}) falls back to its last two labels.
 */
final class Hosts {

    private static final int MAX_HOST = 253;

    private Hosts() {
    }

    /** Schemes whose URLs a browser reads with {@code \\} as {@code /} and any number of slashes after the colon. */
    private static final java.util.Set<String> SPECIAL = java.util.Set.of("http", "https", "ftp", "ws", "wss");

    /**
     * An href as a browser's URL parser reads it: ASCII tabs and line breaks removed anywhere, leading and
     * trailing control characters and spaces dropped ({@code "ht\ttps://"} is {@code https://},
     * {@code "java\nscript:"} runs).
     */
    static String clean(String href) {
        StringBuilder b = new StringBuilder(href.length());
        for (int i = 0; i < href.length(); i++) {
            char c = href.charAt(i);
            if (c != '\t' && c != '\n' && c != '\r') {
                b.append(c);
            }
        }
        int from = 0;
        int to = b.length();
        while (from < to && b.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && b.charAt(to - 1) <= ' ') {
            to--;
        }
        return b.substring(from, to);
    }

    /** The scheme of a cleaned href in lower case, or {@code ""} (as {@code Link.scheme()}). */
    static String scheme(String href) {
        int colon = href.indexOf(':');
        if (colon <= 0 || colon > 32 || !Character.isLetter(href.charAt(0))) {
            return "";
        }
        for (int i = 0; i < colon; i++) {
            char c = href.charAt(i);
            if (!(c < 0x80 && Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return "";
            }
        }
        return href.substring(0, colon).toLowerCase(Locale.ROOT);
    }

    /**
     * The authority ({@code [userinfo@]host[:port]}) of an href as a browser finds it: for http(s)/ftp any
     * run of {@code /} and {@code \} after the colon ({@code https:\\host}, {@code https:host}); for other
     * schemes after {@code ://}; without a scheme after {@code //} or {@code \\} (a network-path reference or a
     * Windows share); a text URL starting {@code www.}; else {@code null}.
     */
    static String authority(String href) {
        String h = clean(href);
        String scheme = scheme(h);
        int start;
        boolean special = SPECIAL.contains(scheme);
        if (special) {
            start = scheme.length() + 1;
            while (start < h.length() && (h.charAt(start) == '/' || h.charAt(start) == '\\')) {
                start++;
            }
        } else if (scheme.isEmpty() && h.length() > 2 && slash(h.charAt(0)) && slash(h.charAt(1))) {
            // a network-path reference ("//host/x"): webmail opens it with the page's scheme (https), and
            // \\host\share is a Windows file share a desktop client opens (and sends the user's credentials to)
            start = 2;
            while (start < h.length() && slash(h.charAt(start))) {
                start++;
            }
            special = true;
        } else {
            int sep = h.indexOf("://");
            if (sep > 0 && sep <= 32) {
                start = sep + 3;
            } else if (h.regionMatches(true, 0, "www.", 0, 4)) {
                start = 0; // text URL without a scheme
                special = true;
            } else {
                return null;
            }
        }
        int end = h.length();
        for (int i = start; i < h.length(); i++) {
            char c = h.charAt(i);
            if (c == '/' || c == '?' || c == '#' || c == '\\' && special) {
                end = i;
                break;
            }
        }
        return h.substring(start, end);
    }

    private static boolean slash(char c) {
        return c == '/' || c == '\\';
    }

    /**
     * The host of a hierarchical URL ({@code scheme://[userinfo@]host[:port]/...}), lower case, percent-escapes
     * decoded, without a trailing dot or IPv6 brackets; empty when the href has no authority. Unlike
     * {@link java.net.URI} this accepts raw Unicode hosts and never throws.
     */
    static Optional<String> hostOf(String href) {
        if (href == null) {
            return Optional.empty();
        }
        String authority = authority(href);
        if (authority == null) {
            return Optional.empty();
        }
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
        host = percentDecoded(host).toLowerCase(Locale.ROOT);
        while (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || host.length() > MAX_HOST) {
            return Optional.empty();
        }
        return Optional.of(host);
    }

    /** {@code %70aypal.com} is paypal.com to a browser; a broken escape leaves the host as written. */
    private static String percentDecoded(String host) {
        if (host.indexOf('%') < 0 || host.length() > 3 * MAX_HOST) {
            return host;
        }
        try {
            return java.net.URLDecoder.decode(host.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return host;
        }
    }

    /** Whether the href's authority carries a user-info part ({@code https://paypal.com@evil.example/}). */
    static boolean hasUserInfo(String href) {
        String authority = authority(href);
        return authority != null && authority.indexOf('@') >= 0;
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
        if (isIpLiteral(host) || host.indexOf('.') <= 0) {
            return host;
        }
        if (InternetDomainName.isValid(host)) {
            InternetDomainName name = InternetDomainName.from(host);
            if (name.isPublicSuffix()) {
                return host; // nobody's own domain: compared as a whole
            }
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
        }
        int last = host.lastIndexOf('.');
        int second = host.lastIndexOf('.', last - 1);
        return second < 0 ? host : host.substring(second + 1);
    }

    /**
     * Whether {@code host} ends in a suffix of the Public Suffix List or is one ({@code paypal.co.uk}, {@code github.io});
     * not {@code node.js} or {@code intranet.corp}.
     */
    static boolean hasPublicSuffix(String host) {
        return InternetDomainName.isValid(host) && InternetDomainName.from(host).hasPublicSuffix();
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
