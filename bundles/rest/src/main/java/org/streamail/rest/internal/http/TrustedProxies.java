package org.streamail.rest.internal.http;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reverse proxies whose forwarding headers are believed: property {@value #PROPERTY} of PID
 * {@code org.streamail.rest}, a comma- or space-separated list of IPv4/IPv6 addresses and CIDR ranges. Empty
 * (the default) trusts nobody.
 *
 * <p>Validation (each failure is an {@link IllegalArgumentException} naming the property and the entry, so the
 * component does not activate): literals only (no host names, no zone ids), a prefix within 0..32 or 0..128,
 * no host bits set after the prefix ({@code 10.1.2.3/8} is most likely a typo), at most {@value #MAX_ENTRIES}
 * entries, and no range wider than /{@value #MIN_IPV4_PREFIX} (IPv4) or /{@value #MIN_IPV6_PREFIX} (IPv6):
 * trusting everyone would let any client choose the address it is throttled and reported under.
 *
 * <p>Immutable and thread-safe.
 */
public final class TrustedProxies {

    /** The configuration property. */
    public static final String PROPERTY = "trusted.proxies";

    static final int MAX_ENTRIES = 256;
    static final int MIN_IPV4_PREFIX = 8;
    static final int MIN_IPV6_PREFIX = 16;

    /** Trusts nobody. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    /** A network (host bits clear) and its prefix length. */
    private record Range(byte[] network, int prefix) {

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
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }

        @Override
        public String toString() {
            return IpLiterals.canonical(IpLiterals.byAddress(network)) + "/" + prefix;
        }
    }

    private final List<Range> ranges;

    private TrustedProxies(List<Range> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Parses the property value.
     *
     * @param text the value; {@code null} or blank trusts nobody
     * @throws IllegalArgumentException naming {@value #PROPERTY} and the bad entry
     */
    public static TrustedProxies parse(String text) {
        if (text == null || text.isBlank()) {
            return NONE;
        }
        List<Range> ranges = new ArrayList<>();
        for (String entry : text.strip().split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            if (ranges.size() >= MAX_ENTRIES) {
                throw new IllegalArgumentException(PROPERTY + ": more than " + MAX_ENTRIES + " entries");
            }
            ranges.add(range(entry));
        }
        return new TrustedProxies(ranges);
    }

    private static Range range(String entry) {
        String shown = "'" + IpLiterals.printable(entry) + "'";
        int slash = entry.indexOf('/');
        String addressText = slash < 0 ? entry : entry.substring(0, slash);
        InetAddress address = IpLiterals.parse(addressText).orElseThrow(() -> new IllegalArgumentException(
                PROPERTY + ": " + shown + " is not an IPv4/IPv6 address or CIDR range (host names and zone ids"
                        + " are not accepted)"));
        boolean v4 = address instanceof Inet4Address;
        if (v4 && slash >= 0 && addressText.indexOf(':') >= 0) {
            throw new IllegalArgumentException(PROPERTY + ": " + shown + " is an IPv4-mapped IPv6 range; write"
                    + " the IPv4 range instead");
        }
        int max = v4 ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            String p = entry.substring(slash + 1);
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > max) {
                throw new IllegalArgumentException(PROPERTY + ": " + shown + " has a bad prefix length (0.." + max
                        + ")");
            }
            prefix = Integer.parseInt(p);
        }
        int min = v4 ? MIN_IPV4_PREFIX : MIN_IPV6_PREFIX;
        if (prefix < min) {
            throw new IllegalArgumentException(PROPERTY + ": " + shown + " is too wide (at most /" + min + " for "
                    + (v4 ? "IPv4" : "IPv6") + "): trusting that many addresses would let any client choose its"
                    + " own address");
        }
        byte[] b = address.getAddress();
        byte[] network = b.clone();
        for (int bit = prefix; bit < network.length * 8; bit++) {
            network[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        Range range = new Range(network, prefix);
        if (!Arrays.equals(b, network)) {
            throw new IllegalArgumentException(PROPERTY + ": " + shown + " has host bits set after the prefix;"
                    + " did you mean " + range + "?");
        }
        return range;
    }

    /** Whether nobody is trusted. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} lies in one of the ranges. */
    public boolean contains(InetAddress address) {
        byte[] b = address.getAddress();
        for (Range r : ranges) {
            if (r.contains(b)) {
                return true;
            }
        }
        return false;
    }

    /** The ranges in canonical form, comma-separated, for logs. */
    @Override
    public String toString() {
        return String.join(", ", ranges.stream().map(Range::toString).toList());
    }
}
