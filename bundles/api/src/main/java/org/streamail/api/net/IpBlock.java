package org.streamail.api.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address block in CIDR notation: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a bare address
 * for a single host ({@code 192.0.2.7} is {@code 192.0.2.7/32}).
 *
 * <p>Parsing ({@link #parse}) never asks DNS (see {@link IpLiteral}) and refuses, with an
 * {@link IllegalArgumentException} naming the text:
 * <ul>
 *   <li>anything but an IP literal with an optional {@code /prefix} of 1 to 3 digits within 0..32 or 0..128;</li>
 *   <li>host bits set after the prefix ({@code 10.1.2.3/8}): most likely a typo, and guessing either
 *       {@code 10.0.0.0/8} or {@code 10.1.2.3/32} could widen a trust list; the message names the block
 *       that was probably meant;</li>
 *   <li>texts longer than {@value #MAX_LENGTH} characters.</li>
 * </ul>
 *
 * <p>IPv4-mapped IPv6: an address {@code ::ffff:a.b.c.d} is the IPv4 address {@code a.b.c.d}, both when a block
 * is matched ({@link #contains} unmaps it) and when a block is written: {@code ::ffff:10.0.0.0/104} is the IPv4
 * block {@code 10.0.0.0/8} (the prefix counts IPv6 bits, so it must be 96..128; a shorter one is refused).
 * IPv4 addresses match IPv4 blocks only and IPv6 addresses IPv6 blocks only: an IPv6 block such as {@code ::/0}
 * holds no IPv4 client, so no IPv6 entry can silently take in every IPv4 address. Callers that want to refuse
 * mapped notation altogether can tell it by an {@link #isIpv4() IPv4} block parsed from a text with a colon.
 *
 * <p>Immutable and thread-safe; equal blocks (same family, network and prefix) are {@link #equals equal}
 * whatever their text was.
 */
public final class IpBlock {

    /** The longest text accepted: an IPv6 literal of 45 characters, {@code /128}, and room to spare. */
    public static final int MAX_LENGTH = 64;

    /** Network address, 4 or 16 bytes, host bits clear. */
    private final byte[] network;
    private final int prefix;

    private IpBlock(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses {@code a.b.c.d}, {@code a.b.c.d/n}, an IPv6 literal or {@code v6/n}; surrounding white space is
     * ignored.
     *
     * @param text the block, not {@code null}
     * @return the block
     * @throws IllegalArgumentException naming the text when it is not a block as described in the class comment
     */
    public static IpBlock parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.strip();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("an IP address or CIDR range is required");
        }
        String shown = "'" + IpLiteral.printable(s) + "'";
        if (s.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(shown + " is too long for an IP address or CIDR range (at most "
                    + MAX_LENGTH + " characters)");
        }
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        InetAddress address = IpLiteral.parse(addressText).orElseThrow(() -> new IllegalArgumentException(
                shown + " is not an IPv4/IPv6 address or CIDR range (host names and zone ids are not accepted)"));
        boolean v4 = address instanceof Inet4Address;
        boolean mapped = v4 && addressText.indexOf(':') >= 0;
        int max = v4 && !mapped ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || Integer.parseInt(p) > max) {
                throw new IllegalArgumentException(shown + " has a bad prefix length (0.." + max + ")");
            }
            prefix = Integer.parseInt(p);
        }
        if (mapped) {
            if (prefix < 96) {
                throw new IllegalArgumentException(shown + " is written as an IPv4-mapped IPv6 range with a prefix"
                        + " shorter than /96; write the IPv4 range (a.b.c.d/n) or the IPv6 range without the"
                        + " mapped form");
            }
            prefix -= 96; // ::ffff:a.b.c.d/(96+n) holds exactly the addresses a.b.c.d/n
        }
        byte[] bytes = address.getAddress();
        byte[] net = mask(bytes, prefix);
        if (!Arrays.equals(bytes, net)) {
            String meant = IpLiteral.canonical(IpLiteral.byAddress(net)) + "/" + (mapped ? prefix + 96 : prefix);
            if (mapped) {
                meant = "::ffff:" + meant;
            }
            throw new IllegalArgumentException(shown + " has host bits set after the prefix; did you mean "
                    + meant + "?");
        }
        return new IpBlock(net, prefix);
    }

    /**
     * The block holding just {@code address} ({@code /32} or {@code /128}); an IPv4-mapped address gives an
     * IPv4 block.
     */
    public static IpBlock of(InetAddress address) {
        byte[] b = IpLiteral.unmapped(address).getAddress();
        return new IpBlock(b, b.length * 8);
    }

    /**
     * Whether {@code address} lies in this block. An IPv4-mapped IPv6 address is compared as its IPv4 address;
     * otherwise the families must agree.
     *
     * @param address the address; {@code null} gives {@code false}
     */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] a = IpLiteral.unmapped(address).getAddress();
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = (0xff << (8 - rest)) & 0xff;
        return (a[full] & m) == (network[full] & m);
    }

    /** Whether every address of {@code other} lies in this block (same family, at least as long a prefix). */
    public boolean contains(IpBlock other) {
        return other.network.length == network.length && other.prefix >= prefix
                && contains(IpLiteral.byAddress(other.network));
    }

    /** Whether this is an IPv4 block (written as IPv4 or as IPv4-mapped IPv6). */
    public boolean isIpv4() {
        return network.length == 4;
    }

    /** The prefix length: 0..32 for IPv4, 0..128 for IPv6. */
    public int prefix() {
        return prefix;
    }

    /** The network address (host bits clear); a new object on every call. */
    public InetAddress network() {
        return IpLiteral.byAddress(network.clone());
    }

    /** Whether the block is one address ({@code /32} or {@code /128}). */
    public boolean isSingleAddress() {
        return prefix == network.length * 8;
    }

    /**
     * The canonical text {@code network/prefix}, the network as {@link IpLiteral#canonical} writes it; always
     * with the prefix, also for a single address ({@code 192.0.2.7/32}).
     */
    @Override
    public String toString() {
        return IpLiteral.canonical(IpLiteral.byAddress(network)) + "/" + prefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpBlock b && b.prefix == prefix && Arrays.equals(b.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] b = address.clone();
        for (int bit = prefix; bit < b.length * 8; bit++) {
            b[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return b;
    }
}
