package org.streamail.isolation.internal;

import java.net.InetAddress;
import java.util.List;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;
import org.streamail.api.net.IpLiteral;

/**
 * This bundle's wording around {@link IpLiteral} and {@link IpBlock}: strict IP literals without DNS, so a host
 * name can never trigger a lookup and nothing but an address can reach an enforcer (a firewall script, a webhook
 * body). Stateless and thread-safe.
 */
final class IpAddresses {

    /** Entries in {@code protected} or {@code management}, at most. */
    static final int MAX_LIST = 1024;

    private IpAddresses() {
    }

    /**
     * Parses an IPv4 or IPv6 literal; surrounding white space is ignored. An IPv4-mapped IPv6 literal gives the
     * IPv4 address.
     *
     * @throws IllegalArgumentException for anything else (host names, zone ids, CIDRs, garbage)
     */
    static InetAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an IP address is required");
        }
        String s = text.strip();
        return IpLiteral.parse(s).orElseThrow(() -> new IllegalArgumentException(
                "not an IP address literal (host names are not accepted): " + printable(s)));
    }

    /** Canonical text: IPv4 dotted quad, IPv6 lower-case and compressed as RFC 5952 says. */
    static String canonical(InetAddress a) {
        return IpLiteral.canonical(a);
    }

    /** {@link #parse} then {@link #canonical}. */
    static String canonical(String text) {
        return canonical(parse(text));
    }

    /**
     * Comma- (or space-) separated CIDRs and addresses; blank gives an empty list. Host bits after a prefix are
     * refused ({@code 10.1.2.3/8}), as everywhere ({@link IpBlock#parse}).
     *
     * @throws IllegalArgumentException starting with {@code property: }
     */
    static List<IpBlock> parseList(String property, String text) {
        try {
            return IpBlocks.parse(text, MAX_LIST);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
        }
    }

    /** The text enforcers get: {@code addr/prefix}, or the bare address for a single host. */
    static String rangeText(IpBlock block) {
        return block.isSingleAddress() ? canonical(block.network()) : block.toString();
    }

    /** The text, shortened and with control characters replaced, for error messages and logs. */
    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return sb.toString();
    }
}
