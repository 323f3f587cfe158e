package org.streamail.isolation.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Strict IP literal handling without DNS: a text must pass a character and shape check before
 * {@link InetAddress} sees it, so a host name can never trigger a lookup and nothing but an address can
 * reach an enforcer (a firewall script, a webhook body). Stateless and thread-safe.
 */
final class IpAddresses {

    /** Dotted quad, 1-3 digits each; leading zeros are refused below (010 could mean octal elsewhere). */
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    /** Hex groups and colons, optionally ending in a dotted quad; no zone id, no brackets. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:]{2,39}(?:\\d{1,3}(?:\\.\\d{1,3}){3})?");
    private static final int MAX_LIST = 1024;

    private IpAddresses() {
    }

    /**
     * Parses an IPv4 or IPv6 literal.
     *
     * @throws IllegalArgumentException for anything else (host names, zone ids, CIDRs, garbage)
     */
    static InetAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an IP address is required");
        }
        String s = text.strip();
        if (s.length() > 45) {
            throw new IllegalArgumentException("not an IP address literal: " + printable(s));
        }
        var m4 = IPV4.matcher(s);
        if (m4.matches()) {
            for (int g = 1; g <= 4; g++) {
                String octet = m4.group(g);
                if (Integer.parseInt(octet) > 255 || (octet.length() > 1 && octet.charAt(0) == '0')) {
                    throw new IllegalArgumentException("not an IPv4 address literal: " + printable(s));
                }
            }
        } else if (!(s.indexOf(':') >= 0 && IPV6.matcher(s).matches())) {
            throw new IllegalArgumentException("not an IP address literal (host names are not accepted): "
                    + printable(s));
        }
        try {
            // Safe: the text is a literal by shape, so InetAddress parses it and never resolves a name.
            return InetAddress.getByName(s);
        } catch (UnknownHostException | RuntimeException e) {
            throw new IllegalArgumentException("not an IP address literal: " + printable(s));
        }
    }

    /** Canonical text: IPv4 dotted quad, IPv6 lower-case and compressed as RFC 5952 says. */
    static String canonical(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // longest run of at least two zero groups, the first one on a tie
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /** {@link #parse} then {@link #canonical}. */
    static String canonical(String text) {
        return canonical(parse(text));
    }

    /** Comma- (or space-) separated CIDRs and addresses; blank gives an empty list. */
    static List<Cidr> parseList(String property, String text) {
        List<Cidr> out = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String part : text.split("[,\\s]+")) {
            if (part.isEmpty()) {
                continue;
            }
            if (out.size() >= MAX_LIST) {
                throw new IllegalArgumentException(property + ": more than " + MAX_LIST + " entries");
            }
            try {
                out.add(Cidr.parse(part));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
            }
        }
        return out;
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

    /**
     * An address range: network address and prefix length. Host bits are cleared, so {@code 10.1.2.3/8}
     * means {@code 10.0.0.0/8}. Immutable.
     */
    record Cidr(InetAddress network, int prefix) {

        static Cidr parse(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("an address or CIDR range is required");
            }
            String s = text.strip();
            int slash = s.indexOf('/');
            InetAddress a = IpAddresses.parse(slash < 0 ? s : s.substring(0, slash));
            int max = a instanceof Inet4Address ? 32 : 128;
            int prefix = max;
            if (slash >= 0) {
                String p = s.substring(slash + 1);
                if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
                    throw new IllegalArgumentException("bad prefix length in " + printable(s) + " (0.." + max + ")");
                }
                prefix = Integer.parseInt(p);
            }
            byte[] b = a.getAddress();
            for (int bit = prefix; bit < b.length * 8; bit++) {
                b[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
            }
            try {
                return new Cidr(InetAddress.getByAddress(b), prefix);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // cannot happen: 4 or 16 bytes
            }
        }

        boolean isIpv4() {
            return network instanceof Inet4Address;
        }

        boolean contains(InetAddress a) {
            if (a instanceof Inet6Address != network instanceof Inet6Address) {
                return false;
            }
            byte[] x = a.getAddress();
            byte[] n = network.getAddress();
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (x[i] != n[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (x[full] & mask) == (n[full] & mask);
        }

        /** {@code addr/prefix}, or the bare address for a single host. */
        @Override
        public String toString() {
            String c = canonical(network);
            return prefix == (isIpv4() ? 32 : 128) ? c : c + "/" + prefix;
        }
    }
}
