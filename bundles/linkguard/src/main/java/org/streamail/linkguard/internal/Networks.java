package org.streamail.linkguard.internal;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;
import org.streamail.api.net.IpLiteral;

/**
 * IP literals without any name lookup ({@link IpLiteral}, with brackets allowed), and the client address
 * behind trusted proxies ({@link IpBlock}s). Stateless.
 */
final class Networks {

    /** X-Forwarded-For entries looked at, at most (right to left). */
    static final int MAX_FORWARDED = 64;
    /** X-Forwarded-For characters looked at, at most (right to left). */
    static final int MAX_HEADER_CHARS = 8192;

    private Networks() {
    }

    /**
     * An IPv4 or IPv6 literal (brackets and surrounding white space allowed), never resolving a name
     * ({@link IpLiteral#parse}).
     *
     * @return empty when {@code text} is not an IP literal
     */
    static Optional<InetAddress> parseIp(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        return IpLiteral.parse(s);
    }

    /** The canonical text of an IP literal (IPv4 dotted, IPv6 as RFC 5952), or empty. */
    static Optional<String> canonicalIp(String text) {
        return parseIp(text).map(IpLiteral::canonical);
    }

    /**
     * The clicking host: {@code remote} itself unless it is a trusted proxy; then the right-most
     * X-Forwarded-For entry that is not a trusted proxy. A malformed entry on the way stops the walk and the
     * last trusted hop is answered (what a proxy we trust saw); empty entries are skipped. The walk starts at
     * the right-most entry of the last header and reads at most {@value #MAX_FORWARDED} entries and
     * {@value #MAX_HEADER_CHARS} characters leftwards (audit: it used to read from the left and stop there,
     * so a long client-supplied header hid the entry the trusted proxy appended).
     *
     * @param remote       the TCP peer address
     * @param forwardedFor every X-Forwarded-For header value in order (may be empty)
     * @param trusted      the trusted proxies
     * @return a canonical IP literal, or {@code remote} as given when it is not one
     */
    static String clientAddress(String remote, List<String> forwardedFor, List<IpBlock> trusted) {
        Optional<InetAddress> remoteAddress = parseIp(remote);
        String current = canonicalIp(remote).orElse(remote == null ? "" : remote);
        if (remoteAddress.isEmpty() || !IpBlocks.anyContains(trusted, remoteAddress.get())) {
            return current;
        }
        int chars = 0;
        int seen = 0;
        for (int h = forwardedFor.size() - 1; h >= 0; h--) {
            String v = forwardedFor.get(h);
            if (v == null) {
                continue;
            }
            int end = v.length();
            while (end >= 0) {
                int comma = v.lastIndexOf(',', end - 1);
                chars += end - comma;
                if (chars > MAX_HEADER_CHARS) {
                    return current;
                }
                String entry = v.substring(comma + 1, end).trim();
                end = comma; // -1 after the first entry: this header is done
                if (entry.isEmpty()) {
                    continue;
                }
                if (++seen > MAX_FORWARDED) {
                    return current;
                }
                Optional<InetAddress> hop = parseIp(stripPort(entry));
                if (hop.isEmpty()) {
                    return current;
                }
                current = IpLiteral.canonical(hop.get());
                if (!IpBlocks.anyContains(trusted, hop.get())) {
                    return current;
                }
            }
        }
        return current;
    }

    /** Whether {@code ip} (a literal) is one of the trusted proxies. */
    static boolean isTrusted(String ip, List<IpBlock> trusted) {
        Optional<InetAddress> a = parseIp(ip);
        return a.isPresent() && IpBlocks.anyContains(trusted, a.get());
    }

    /** {@code 192.0.2.1:8080} → {@code 192.0.2.1}; {@code [2001:db8::1]:443} → {@code 2001:db8::1}. */
    private static String stripPort(String entry) {
        if (entry.startsWith("[")) {
            int close = entry.indexOf(']');
            return close < 0 ? entry : entry.substring(1, close);
        }
        int colon = entry.indexOf(':');
        if (colon > 0 && colon == entry.lastIndexOf(':')) {
            return entry.substring(0, colon);
        }
        return entry;
    }
}
