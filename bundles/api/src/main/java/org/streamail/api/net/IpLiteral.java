package org.streamail.api.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict IPv4/IPv6 literals without DNS, and their canonical text.
 *
 * <p>{@link InetAddress#getByName} looks a name up when the text is not a literal, so a text must pass a shape
 * check here first, and an IPv6 text is then handed to the JDK in brackets, where it only ever parses a
 * literal. Accepted: a dotted quad of four decimal numbers 0..255 without leading zeros ({@code 010.0.0.1} is
 * octal to some tools, {@code 10.1} is {@code 10.0.0.1} to others: both refused), and IPv6 in any RFC 4291 text
 * form, including a trailing dotted quad. Refused: host names, zone ids ({@code fe80::1%eth0}), brackets,
 * surrounding white space, ports, and anything longer than {@value #MAX_LENGTH} characters.
 *
 * <p>IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) are IPv4: {@link #parse} returns an
 * {@link Inet4Address} for them (as the JDK does) and {@link #unmapped} turns an {@link Inet6Address} holding
 * one (a dual-stack socket reports IPv4 peers that way) into its IPv4 address. IPv4-compatible ({@code ::a.b.c.d})
 * and NAT64 addresses stay IPv6.
 *
 * <p>Stateless and thread-safe. No method accepts {@code null} unless it says so.
 */
public final class IpLiteral {

    /** The longest literal: six IPv6 groups and a dotted quad, 45 characters. */
    public static final int MAX_LENGTH = 45;

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    /** Hex digits and colons, optionally ending in a dotted quad (checked again with {@link #IPV4}). */
    private static final Pattern IPV6 = Pattern.compile("([0-9A-Fa-f:]*:)([0-9A-Fa-f]{0,4}|[0-9.]{7,15})");

    private IpLiteral() {
    }

    /**
     * The address an IPv4 or IPv6 literal denotes; never resolves a name.
     *
     * @param text the literal; {@code null} gives empty
     * @return the address ({@link Inet4Address} for IPv4 and IPv4-mapped IPv6), or empty when {@code text} is
     *         anything else
     */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        if (text.indexOf(':') < 0) {
            return ipv4(text).map(IpLiteral::byAddress);
        }
        Matcher m = IPV6.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        String tail = m.group(2);
        if (tail.indexOf('.') >= 0 && ipv4(tail).isEmpty()) {
            return Optional.empty(); // the embedded quad follows the IPv4 rules too (no leading zeros)
        }
        try {
            // In brackets the JDK expects an IPv6 literal and throws rather than resolving a name.
            return Optional.of(InetAddress.getByName("[" + text + "]"));
        } catch (UnknownHostException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * {@link #parse}, failing with a message that names the text.
     *
     * @throws IllegalArgumentException when {@code text} is not an IP literal (the text is shown shortened and
     *                                  without control characters)
     */
    public static InetAddress require(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an IP address is required");
        }
        return parse(text).orElseThrow(() -> new IllegalArgumentException("'" + printable(text)
                + "' is not an IP address literal (host names and zone ids are not accepted)"));
    }

    /**
     * The address itself, or the IPv4 address an IPv4-mapped {@link Inet6Address} ({@code ::ffff:a.b.c.d})
     * holds. The scope of an IPv6 address is dropped only in the mapped case.
     *
     * @param address an address, not {@code null}
     */
    public static InetAddress unmapped(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 16 && isMapped(b)) {
            return byAddress(new byte[] {b[12], b[13], b[14], b[15]});
        }
        return address;
    }

    /**
     * The canonical text of an address: a dotted quad for IPv4 (an IPv4-mapped IPv6 address included), RFC 5952
     * for IPv6 (lower case, no leading zeros, the longest run of two or more zero groups as {@code ::}, the first
     * on a tie; no zone id). One address, one text: suitable as a map key, a throttle key or a firewall entry.
     */
    public static String canonical(InetAddress address) {
        byte[] b = unmapped(address).getAddress();
        if (b.length == 4) {
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

    /** {@link #require} then {@link #canonical}: {@code 2001:DB8:0:0::1} gives {@code 2001:db8::1}. */
    public static String canonical(String text) {
        return canonical(require(text));
    }

    /** Dotted quad, 0..255 each, no leading zeros. */
    private static Optional<byte[]> ipv4(String text) {
        Matcher m = IPV4.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        byte[] b = new byte[4];
        for (int g = 1; g <= 4; g++) {
            String octet = m.group(g);
            int value = Integer.parseInt(octet);
            if (value > 255 || (octet.length() > 1 && octet.charAt(0) == '0')) {
                return Optional.empty();
            }
            b[g - 1] = (byte) value;
        }
        return Optional.of(b);
    }

    static boolean isMapped(byte[] sixteen) {
        for (int i = 0; i < 10; i++) {
            if (sixteen[i] != 0) {
                return false;
            }
        }
        return sixteen[10] == (byte) 0xff && sixteen[11] == (byte) 0xff;
    }

    static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not 4 or 16 bytes: " + b.length, e); // callers pass 4 or 16
        }
    }

    /** The text shortened to 64 characters with control characters replaced, for error messages. */
    static String printable(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder sb = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return sb.toString();
    }
}
