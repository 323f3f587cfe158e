package org.streamail.linkguard.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP literals and CIDR blocks without any name lookup, and the client address behind trusted proxies.
 * Stateless; {@link Block} is immutable.
 */
final class Networks {

    private static final Pattern IPV4 =
            Pattern.compile("((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]{2,45}");
    /** X-Forwarded-For entries looked at, at most (right to left). */
    static final int MAX_FORWARDED = 64;
    private static final int MAX_HEADER_CHARS = 8192;

    private Networks() {
    }

    /** An address block, e.g. {@code 10.0.0.0/8}, {@code 192.0.2.7} (/32) or {@code fd00::/8}. */
    record Block(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int bits = prefix % 8;
            if (bits == 0) {
                return true;
            }
            int mask = 0xFF << (8 - bits) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    /**
     * The bytes of an IPv4 or IPv6 literal (brackets allowed), never resolving a name.
     *
     * @return empty when {@code text} is not an IP literal
     */
    static Optional<byte[]> parseIp(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (IPV4.matcher(s).matches()) {
            String[] p = s.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) Integer.parseInt(p[i]);
            }
            return Optional.of(b);
        }
        if (s.indexOf(':') >= 0 && IPV6_CHARS.matcher(s).matches()) {
            try {
                // With a ':' and only hex digits, dots and colons, this parses a literal and never looks a name up.
                byte[] b = InetAddress.getByName(s).getAddress();
                return Optional.of(b);
            } catch (UnknownHostException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The canonical text of an IP literal (IPv4 dotted, IPv6 compressed lower case), or empty. */
    static Optional<String> canonicalIp(String text) {
        return parseIp(text).map(b -> {
            try {
                String s = InetAddress.getByAddress(b).getHostAddress().toLowerCase(Locale.ROOT);
                return b.length == 16 ? compress(s) : s;
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // cannot happen for 4 or 16 bytes
            }
        });
    }

    /** Java writes {@code 0:0:0:0:0:0:0:1}; people and the isolation service expect {@code ::1}. */
    private static String compress(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLen = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLen && j - i > 1) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String left = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String right = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return left + "::" + right;
    }

    /**
     * Parses {@code a.b.c.d}, {@code a.b.c.d/n}, an IPv6 literal or {@code v6/n}.
     *
     * @throws IllegalArgumentException naming the entry when it is not one
     */
    static Block parseBlock(String text) {
        String s = text.trim();
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = parseIp(addr).orElseThrow(() -> new IllegalArgumentException("'" + text + "' is not an IP "
                + "address or CIDR block"));
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0.." + max);
            }
        }
        return new Block(bytes, prefix);
    }

    static boolean inAny(byte[] address, List<Block> blocks) {
        for (Block b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The clicking host: {@code remote} itself unless it is a trusted proxy; then the right-most
     * X-Forwarded-For entry that is not a trusted proxy. A malformed entry on the way stops the walk and the
     * last trusted hop is answered (what a proxy we trust saw). Bounded to {@value #MAX_FORWARDED} entries.
     *
     * @param remote       the TCP peer address
     * @param forwardedFor every X-Forwarded-For header value in order (may be empty)
     * @param trusted      the trusted proxies
     * @return a canonical IP literal, or {@code remote} as given when it is not one
     */
    static String clientAddress(String remote, List<String> forwardedFor, List<Block> trusted) {
        Optional<byte[]> remoteBytes = parseIp(remote);
        String current = canonicalIp(remote).orElse(remote == null ? "" : remote);
        if (remoteBytes.isEmpty() || trusted.isEmpty() || !inAny(remoteBytes.get(), trusted)) {
            return current;
        }
        List<String> entries = new ArrayList<>();
        int chars = 0;
        for (String v : forwardedFor) {
            if (v == null) {
                continue;
            }
            chars += v.length();
            if (chars > MAX_HEADER_CHARS) {
                break;
            }
            for (String e : v.split(",")) {
                entries.add(e.trim());
            }
        }
        int seen = 0;
        for (int i = entries.size() - 1; i >= 0 && seen < MAX_FORWARDED; i--, seen++) {
            Optional<byte[]> b = parseIp(stripPort(entries.get(i)));
            if (b.isEmpty()) {
                return current;
            }
            current = canonicalIp(stripPort(entries.get(i))).orElseThrow();
            if (!inAny(b.get(), trusted)) {
                return current;
            }
        }
        return current;
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
