package org.streamail.rest.internal.http;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict IPv4/IPv6 literals without DNS, and their canonical text. A text must pass a shape check before the
 * JDK's {@link InetAddress} parser sees it, and IPv6 texts are handed to it in brackets, which makes the JDK
 * treat them as literals only: a host name (or anything else) can never cause a name lookup. Zone ids
 * ({@code fe80::1%eth0}), short IPv4 forms ({@code 10.1}) and leading zeros ({@code 010.0.0.1}, octal elsewhere)
 * are refused. Stateless and thread-safe; nothing here accepts or returns {@code null} unless stated.
 */
final class IpLiterals {

    /** Longest IPv6 text: eight groups, or six and a dotted quad (45 characters). */
    static final int MAX_LENGTH = 45;

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    /** Hex digits and colons, possibly ending in a dotted quad; must start with a hex digit or a colon. */
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]{1,44}");

    private IpLiterals() {
    }

    /** The address an IPv4 or IPv6 literal denotes, or empty when {@code text} is anything else. */
    static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] b = new byte[4];
            for (int g = 1; g <= 4; g++) {
                String octet = v4.group(g);
                int value = Integer.parseInt(octet);
                if (value > 255 || (octet.length() > 1 && octet.charAt(0) == '0')) {
                    return Optional.empty();
                }
                b[g - 1] = (byte) value;
            }
            return Optional.of(byAddress(b));
        }
        if (text.indexOf(':') < 0 || !IPV6.matcher(text).matches()) {
            return Optional.empty();
        }
        try {
            // In brackets the JDK expects an IPv6 literal and throws rather than resolving a name.
            return Optional.of(InetAddress.getByName("[" + text + "]"));
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Canonical text: dotted quad for IPv4 (an IPv4-mapped IPv6 literal is parsed as IPv4 already), RFC 5952
     * for IPv6 (lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}, the
     * first on a tie). One address, one text: the login throttle keys on it.
     */
    static String canonical(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return (b[0] & 0xff) + "." + (b[1] & 0xff) + "." + (b[2] & 0xff) + "." + (b[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int runStart = -1;
        int runLength = 1; // a single zero group is not shortened (RFC 5952 4.2.2)
        int i = 0;
        while (i < 8) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int end = i;
            while (end < 8 && groups[end] == 0) {
                end++;
            }
            if (end - i > runLength) {
                runStart = i;
                runLength = end - i;
            }
            i = end;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g == runStart) {
                sb.append("::");
                g += runLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[g]));
        }
        return sb.toString();
    }

    /** The text shortened to 64 characters with control characters replaced, for error messages and logs. */
    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return sb.toString();
    }

    static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not 4 or 16 bytes: " + b.length, e); // callers pass 4 or 16
        }
    }
}
