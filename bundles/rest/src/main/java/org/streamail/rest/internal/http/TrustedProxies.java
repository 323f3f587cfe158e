package org.streamail.rest.internal.http;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;

/**
 * The reverse proxies whose forwarding headers are believed: property {@value #PROPERTY} of PID
 * {@code org.streamail.rest}, a comma- or space-separated list of IPv4/IPv6 addresses and CIDR ranges. Empty
 * (the default) trusts nobody.
 *
 * <p>Validation (each failure is an {@link IllegalArgumentException} naming the property and the entry, so the
 * component does not activate): {@link IpBlock#parse}'s rules (literals only, no host names, no zone ids, a
 * prefix within 0..32 or 0..128, no host bits set after the prefix), at most {@value #MAX_ENTRIES} entries, no
 * range written in IPv4-mapped IPv6 form, and no range wider than /{@value #MIN_IPV4_PREFIX} (IPv4) or
 * /{@value #MIN_IPV6_PREFIX} (IPv6): trusting everyone would let any client choose the address it is throttled
 * and reported under.
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

    private final List<IpBlock> ranges;

    private TrustedProxies(List<IpBlock> ranges) {
        this.ranges = List.copyOf(ranges);
    }

    /**
     * Parses the property value.
     *
     * @param text the value; {@code null} or blank trusts nobody
     * @throws IllegalArgumentException naming {@value #PROPERTY} and the bad entry
     */
    public static TrustedProxies parse(String text) {
        List<IpBlock> ranges;
        try {
            ranges = IpBlocks.parse(text, MAX_ENTRIES);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + ": " + e.getMessage(), e);
        }
        if (ranges.isEmpty()) {
            return NONE;
        }
        // the same split as IpBlocks': entry i is range i
        List<String> entries = Arrays.stream(text.strip().split("[,\\s]+")).filter(e -> !e.isEmpty()).toList();
        for (int i = 0; i < entries.size(); i++) {
            check(entries.get(i), ranges.get(i));
        }
        return new TrustedProxies(ranges);
    }

    /** This bundle's own limits, beyond what {@link IpBlock} refuses everywhere. */
    private static void check(String entry, IpBlock range) {
        String shown = "'" + ClientAddress.printable(entry) + "'";
        if (range.isIpv4() && entry.indexOf('/') >= 0 && entry.indexOf(':') >= 0) {
            // ::ffff:a.b.c.d/n counts IPv6 bits: refused rather than read one way while meant the other
            throw new IllegalArgumentException(PROPERTY + ": " + shown + " is an IPv4-mapped IPv6 range; write"
                    + " the IPv4 range instead");
        }
        int min = range.isIpv4() ? MIN_IPV4_PREFIX : MIN_IPV6_PREFIX;
        if (range.prefix() < min) {
            throw new IllegalArgumentException(PROPERTY + ": " + shown + " is too wide (at most /" + min + " for "
                    + (range.isIpv4() ? "IPv4" : "IPv6") + "): trusting that many addresses would let any client"
                    + " choose its own address");
        }
    }

    /** Whether nobody is trusted. */
    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether {@code address} lies in one of the ranges (an IPv4-mapped address as its IPv4 address). */
    public boolean contains(InetAddress address) {
        return IpBlocks.anyContains(ranges, address);
    }

    /** The ranges in canonical form, comma-separated, for logs. */
    @Override
    public String toString() {
        return String.join(", ", ranges.stream().map(IpBlock::toString).toList());
    }
}
