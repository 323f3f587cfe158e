package org.streamail.smtp.internal.server;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpBlocks;

/**
 * The outbound listener's {@code internal.networks}: a list of IP networks in CIDR notation
 * ({@code 10.0.0.0/8}, {@code fd00::/8}, a bare address for one host) and the question "is this client address
 * inside one of them?". Parsing and matching are {@link IpBlock}'s: no DNS, no host bits after the prefix, and a
 * client that reaches a dual-stack socket as {@code ::ffff:10.1.2.3} matches {@code 10.0.0.0/8} exactly as
 * {@code 10.1.2.3} does (a network written {@code ::ffff:10.0.0.0/104} is {@code 10.0.0.0/8}).
 *
 * <p>This class adds the relay policy: networks wider than {@code /}{@value #MIN_IPV4_PREFIX} (IPv4) or
 * {@code /}{@value #MIN_IPV6_PREFIX} (IPv6), and IPv6 networks taking in the whole IPv4-mapped block, are
 * refused (the list says who may relay through the gateway, and such an entry would let the Internet in), as is
 * an empty list. Input is bounded ({@value #MAX_ENTRIES} entries); every bad entry is an
 * {@link IllegalArgumentException} naming the configuration property. Immutable and thread-safe.
 */
public final class CidrMatcher {

    /** More networks than this is a configuration mistake, not a network plan. */
    public static final int MAX_ENTRIES = 256;

    /**
     * Shortest IPv4 prefix accepted: anything wider takes in a large part of the public Internet, which for the
     * outbound listener's {@code internal.networks} means an open relay (the widest private block is /8).
     */
    public static final int MIN_IPV4_PREFIX = 8;
    /** Shortest IPv6 prefix accepted: {@code fc00::/7} (unique local addresses) is the widest internal range. */
    public static final int MIN_IPV6_PREFIX = 7;

    /** {@code ::ffff:0:0}, the start of the IPv4-mapped block, as 16 bytes. */
    private static final byte[] MAPPED_BLOCK = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0};

    private final String property;
    private final List<IpBlock> networks;

    private CidrMatcher(String property, List<IpBlock> networks) {
        this.property = property;
        this.networks = networks;
    }

    /**
     * Parses a list of networks. Each value may itself hold several entries separated by commas or white space
     * (a {@code .cfg} file gives one string, Configuration Admin may give an array).
     *
     * @param property the configuration property the values come from, named in every error
     * @param values   the entries, e.g. {@code "127.0.0.0/8, ::1/128"}
     * @return the matcher; never empty
     * @throws IllegalArgumentException if an entry is not an address or network, has host bits set, the
     *                                  prefix is out of range or too short (see the class comment), there
     *                                  are too many entries, or there is none
     */
    public static CidrMatcher parse(String property, String... values) {
        Objects.requireNonNull(property, "property");
        List<String> texts = values == null ? List.of() : Arrays.asList(values);
        List<IpBlock> networks;
        try {
            networks = IpBlocks.parse(texts, MAX_ENTRIES);
        } catch (IllegalArgumentException e) {
            // IpBlock's messages start with the entry in quotes: "'10.1.2.3/8' has host bits set ..."
            String m = e.getMessage();
            throw new IllegalArgumentException(property + (m.startsWith("'") ? ": bad entry " : ": ") + m, e);
        }
        if (networks.isEmpty()) {
            throw new IllegalArgumentException(property + " names no network");
        }
        int i = 0;
        for (String value : texts) {
            for (String entry : value == null ? new String[0] : value.split("[,\\s]+")) {
                if (!entry.isEmpty()) {
                    checkRelayPolicy(property, entry, networks.get(i++));
                }
            }
        }
        return new CidrMatcher(property, networks);
    }

    /** Whether the address lies inside one of the networks; {@code false} for {@code null}. */
    public boolean contains(InetAddress address) {
        return IpBlocks.anyContains(networks, address);
    }

    /** The networks as configured (canonical, always with the prefix), for logs and equality. */
    public List<String> entries() {
        return networks.stream().map(IpBlock::toString).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrMatcher m && m.property.equals(property) && m.networks.equals(networks);
    }

    @Override
    public int hashCode() {
        return networks.hashCode();
    }

    @Override
    public String toString() {
        return property + "=" + String.join(", ", entries());
    }

    private static void checkRelayPolicy(String property, String entry, IpBlock network) {
        if (network.isIpv4() && network.prefix() < MIN_IPV4_PREFIX) {
            throw bad(property, entry, "an IPv4 prefix shorter than /" + MIN_IPV4_PREFIX + " (here /"
                    + network.prefix() + ") takes in a large part of the Internet; with a public bind address the"
                    + " outbound listener would be an open relay. Name the internal networks themselves");
        }
        if (!network.isIpv4()) {
            if (network.prefix() < MIN_IPV6_PREFIX) {
                throw bad(property, entry, "an IPv6 prefix shorter than /" + MIN_IPV6_PREFIX + " takes in a large"
                        + " part of the Internet (fc00::/7, the unique local addresses, is the widest internal"
                        + " range); the outbound listener would be an open relay. Name the internal networks"
                        + " themselves");
            }
            if (holdsMappedBlock(network)) {
                // IpBlock never lets it match an IPv4 client, but the entry says "every IPv4 client" to a reader
                // and to any peer that compares 16-byte addresses: refused as before
                throw bad(property, entry, "it takes in every IPv4-mapped address (::ffff:0:0/96), so every IPv4"
                        + " client; the outbound listener would be an open relay");
            }
        }
    }

    /** Whether an IPv6 network's first {@code prefix} bits (at most 96) are those of {@code ::ffff:0:0/96}. */
    private static boolean holdsMappedBlock(IpBlock network) {
        if (network.prefix() > 96) {
            return false;
        }
        byte[] n = network.network().getAddress();
        for (int bit = 0; bit < network.prefix(); bit++) {
            int m = 0x80 >>> (bit % 8);
            if ((n[bit / 8] & m) != (MAPPED_BLOCK[bit / 8] & m)) {
                return false;
            }
        }
        return true;
    }

    private static IllegalArgumentException bad(String property, String entry, String why) {
        return new IllegalArgumentException(property + ": bad entry '" + entry + "': " + why);
    }
}
