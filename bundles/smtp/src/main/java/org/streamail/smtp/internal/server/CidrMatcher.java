package org.streamail.smtp.internal.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A list of IP networks in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}, a bare address for one host)
 * and the question "is this client address inside one of them?". Every address is held as 16 bytes: an IPv4
 * address as its IPv4-mapped IPv6 form ({@code ::ffff:a.b.c.d}, prefix + 96), so a client that reaches a
 * dual-stack socket as {@code ::ffff:10.1.2.3} matches {@code 10.0.0.0/8} exactly as {@code 10.1.2.3} does.
 *
 * <p>Immutable and thread-safe. Parsing never asks DNS: IPv4 is parsed here, and IPv6 text reaches
 * {@link InetAddress#getByName} only after it was checked to be made of hex digits, colons and dots only
 * (a literal the JDK parses without a lookup). Input is bounded ({@link #MAX_ENTRIES} entries of at most
 * {@link #MAX_ENTRY_LENGTH} characters); every bad entry is an {@link IllegalArgumentException} naming the
 * configuration property. Networks wider than {@code /}{@value #MIN_IPV4_PREFIX} (IPv4) or
 * {@code /}{@value #MIN_IPV6_PREFIX} (IPv6), and IPv6 networks taking in the whole IPv4-mapped block, are
 * refused: the list says who may relay through the gateway, and such an entry would let the Internet in.
 */
public final class CidrMatcher {

    /** More networks than this is a configuration mistake, not a network plan. */
    public static final int MAX_ENTRIES = 256;
    /** The longest IPv6 text (45 characters) plus {@code /128}, with room to spare. */
    public static final int MAX_ENTRY_LENGTH = 64;

    /**
     * Shortest IPv4 prefix accepted: anything wider takes in a large part of the public Internet, which for the
     * outbound listener's {@code internal.networks} means an open relay (the widest private block is /8).
     */
    public static final int MIN_IPV4_PREFIX = 8;
    /** Shortest IPv6 prefix accepted: {@code fc00::/7} (unique local addresses) is the widest internal range. */
    public static final int MIN_IPV6_PREFIX = 7;

    private static final byte[] MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff};
    /** {@code 0.0.0.0}: as 16 bytes, the start of the IPv4-mapped block. */
    private static final byte[] MAPPED_PREFIX_V4_ZERO = {0, 0, 0, 0};

    private final String property;
    private final List<Network> networks;

    private record Network(byte[] address, int prefix, String text) {
        boolean contains(byte[] candidate) {
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != candidate[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (candidate[full] & mask);
        }
    }

    private CidrMatcher(String property, List<Network> networks) {
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
        List<Network> networks = new ArrayList<>();
        if (values != null) {
            for (String value : values) {
                if (value == null) {
                    continue;
                }
                if (value.length() > MAX_ENTRIES * (MAX_ENTRY_LENGTH + 2)) {
                    throw new IllegalArgumentException(property + " is too long (" + value.length() + " characters)");
                }
                for (String entry : value.split("[,\\s]+")) {
                    if (entry.isEmpty()) {
                        continue;
                    }
                    if (networks.size() == MAX_ENTRIES) {
                        throw new IllegalArgumentException(property + " has more than " + MAX_ENTRIES + " entries");
                    }
                    networks.add(parseEntry(property, entry));
                }
            }
        }
        if (networks.isEmpty()) {
            throw new IllegalArgumentException(property + " names no network");
        }
        return new CidrMatcher(property, List.copyOf(networks));
    }

    /** Whether the address lies inside one of the networks; {@code false} for {@code null}. */
    public boolean contains(InetAddress address) {
        if (address == null) {
            return false;
        }
        byte[] candidate = sixteen(address.getAddress());
        for (Network n : networks) {
            if (n.contains(candidate)) {
                return true;
            }
        }
        return false;
    }

    /** The networks as configured (normalised), for logs and equality. */
    public List<String> entries() {
        return networks.stream().map(Network::text).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CidrMatcher m && m.property.equals(property) && m.entries().equals(entries());
    }

    @Override
    public int hashCode() {
        return entries().hashCode();
    }

    @Override
    public String toString() {
        return property + "=" + String.join(", ", entries());
    }

    private static Network parseEntry(String property, String entry) {
        if (entry.length() > MAX_ENTRY_LENGTH) {
            throw bad(property, entry.substring(0, MAX_ENTRY_LENGTH) + "...", "too long");
        }
        int slash = entry.indexOf('/');
        String host = slash < 0 ? entry : entry.substring(0, slash);
        boolean v4 = host.indexOf(':') < 0;
        byte[] address = v4 ? parseV4(property, entry, host) : parseV6(property, entry, host);
        // An IPv4 network and an IPv6-mapped one share the 16-byte space: /n of IPv4 is /(96+n) there.
        int max = v4 ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            String p = entry.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > max) {
                throw bad(property, entry, "the prefix length must be a number from 0 to " + max);
            }
            prefix = Integer.parseInt(p);
        }
        int prefix16 = v4 ? prefix + 96 : prefix;
        byte[] masked = address.clone();
        for (int bit = prefix16; bit < 128; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        if (!Arrays.equals(masked, address)) {
            throw bad(property, entry, "host bits are set after the prefix (did you mean "
                    + text(masked, v4) + "/" + prefix + "?)");
        }
        Network network = new Network(masked, prefix16, text(masked, v4) + "/" + prefix);
        boolean mappedV4 = prefix16 >= 96 && Arrays.equals(Arrays.copyOf(masked, 12), MAPPED_PREFIX);
        if ((v4 || mappedV4) && prefix16 - 96 < MIN_IPV4_PREFIX) {
            throw bad(property, entry, "an IPv4 prefix shorter than /" + MIN_IPV4_PREFIX + " (here /"
                    + (prefix16 - 96) + ") takes in a large part of the Internet; with a public bind address the"
                    + " outbound listener would be an open relay. Name the internal networks themselves");
        }
        if (!v4 && !mappedV4) {
            if (prefix < MIN_IPV6_PREFIX) {
                throw bad(property, entry, "an IPv6 prefix shorter than /" + MIN_IPV6_PREFIX + " takes in a large"
                        + " part of the Internet (fc00::/7, the unique local addresses, is the widest internal"
                        + " range); the outbound listener would be an open relay. Name the internal networks"
                        + " themselves");
            }
            if (network.contains(sixteen(MAPPED_PREFIX_V4_ZERO))) {
                throw bad(property, entry, "it takes in every IPv4-mapped address (::ffff:0:0/96), so every IPv4"
                        + " client; the outbound listener would be an open relay");
            }
        }
        return network;
    }

    /** Dotted quad, four decimal numbers 0..255 without leading zeros (some tools read those as octal). */
    private static byte[] parseV4(String property, String entry, String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            throw bad(property, entry, "not an IPv4 address (a.b.c.d) or IPv6 address");
        }
        byte[] b = new byte[16];
        System.arraycopy(MAPPED_PREFIX, 0, b, 0, 12);
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (!part.matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(part) > 255) {
                throw bad(property, entry, "not an IPv4 address (a.b.c.d with numbers 0 to 255, no leading zeros)");
            }
            b[12 + i] = (byte) Integer.parseInt(part);
        }
        return b;
    }

    private static byte[] parseV6(String property, String entry, String host) {
        // Hex digits, colons and dots only (no zone id, no brackets): the JDK parses this as a literal and
        // never turns it into a DNS lookup.
        if (host.length() > 45 || !host.matches("[0-9A-Fa-f:.]+")) {
            throw bad(property, entry, "not an IPv6 address");
        }
        try {
            return sixteen(InetAddress.getByName(host).getAddress());
        } catch (UnknownHostException e) {
            throw bad(property, entry, "not an IPv6 address");
        }
    }

    private static byte[] sixteen(byte[] raw) {
        if (raw.length == 16) {
            return raw;
        }
        byte[] b = new byte[16];
        System.arraycopy(MAPPED_PREFIX, 0, b, 0, 12);
        System.arraycopy(raw, 0, b, 12, 4);
        return b;
    }

    /** The normal text of a network address: dotted for IPv4, {@code ::ffff:a.b.c.d} for a mapped IPv6 entry. */
    private static String text(byte[] sixteen, boolean v4) {
        try {
            String dotted = InetAddress.getByAddress(Arrays.copyOfRange(sixteen, 12, 16)).getHostAddress();
            if (v4) {
                return dotted;
            }
            // getByAddress turns a mapped address into an Inet4Address; keep the IPv6 form the entry was written in
            return Arrays.equals(Arrays.copyOf(sixteen, 12), MAPPED_PREFIX) ? "::ffff:" + dotted
                    : InetAddress.getByAddress(sixteen).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: 4 or 16 bytes
        }
    }

    private static IllegalArgumentException bad(String property, String entry, String why) {
        return new IllegalArgumentException(property + ": bad entry '" + entry + "': " + why);
    }
}
