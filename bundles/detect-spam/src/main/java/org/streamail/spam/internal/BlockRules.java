package org.streamail.spam.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.streamail.api.spam.BlockRule;

/**
 * An immutable, indexed snapshot of the block rules: exact values in hash maps (addresses, HELO names,
 * hashes; domains looked up label by label so a rule on {@code example.com} also covers
 * {@code mail.example.com}), CIDR blocks in a list. Lookups cost a few hash probes, cheap enough for every
 * SMTP command. Thread-safe (immutable); the engine swaps in a new snapshot when rules change.
 */
final class BlockRules {

    static final int MAX_VALUE_LENGTH = 320;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern IP_CHARS = Pattern.compile("[0-9a-fA-F.:]{2,45}");
    private static final Pattern HOST = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*");

    private record Cidr(byte[] network, int prefix, BlockRule rule) {
    }

    private final Map<BlockRule.Type, Map<String, List<BlockRule>>> exact = new EnumMap<>(BlockRule.Type.class);
    private final List<Cidr> cidrs = new ArrayList<>();

    BlockRules(List<BlockRule> rules) {
        for (BlockRule r : rules) {
            if (r.type() == BlockRule.Type.CLIENT_IP && r.value().indexOf('/') > 0) {
                int slash = r.value().indexOf('/');
                byte[] net = ip(r.value().substring(0, slash));
                int prefix = -1;
                try {
                    prefix = Integer.parseInt(r.value().substring(slash + 1));
                } catch (NumberFormatException e) {
                    // a damaged row is skipped, not fatal: the other rules must keep applying
                }
                if (net != null && prefix >= 0 && prefix <= net.length * 8) {
                    cidrs.add(new Cidr(net, prefix, r));
                }
                continue;
            }
            exact.computeIfAbsent(r.type(), t -> new HashMap<>()).computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r);
        }
    }

    static BlockRules empty() {
        return new BlockRules(List.of());
    }

    /** The first rule of the type that matches {@code value} and is active at {@code now}. */
    Optional<BlockRule> match(BlockRule.Type type, String value, Instant now) {
        if (value == null || value.isBlank() || value.length() > 1000) {
            return Optional.empty();
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        switch (type) {
            case SENDER, HELO, ATTACHMENT_HASH -> {
                return first(type, trimDot(stripBrackets(v)), now);
            }
            case SENDER_DOMAIN, URL_DOMAIN -> {
                String d = type == BlockRule.Type.SENDER_DOMAIN && v.lastIndexOf('@') >= 0
                        ? v.substring(v.lastIndexOf('@') + 1) : v;
                d = trimDot(d);
                for (int i = 0; i < 127 && !d.isEmpty(); i++) {
                    Optional<BlockRule> r = first(type, d, now);
                    if (r.isPresent()) {
                        return r;
                    }
                    int dot = d.indexOf('.');
                    if (dot < 0) {
                        break;
                    }
                    d = d.substring(dot + 1);
                }
                return Optional.empty();
            }
            case CLIENT_IP -> {
                byte[] addr = ip(v);
                if (addr == null) {
                    return Optional.empty();
                }
                String canonical = canonical(addr);
                Optional<BlockRule> r = first(type, canonical, now);
                if (r.isPresent()) {
                    return r;
                }
                for (Cidr c : cidrs) {
                    if (c.rule().activeAt(now) && contains(c.network(), c.prefix(), addr)) {
                        return Optional.of(c.rule());
                    }
                }
                return Optional.empty();
            }
            default -> {
                return Optional.empty();
            }
        }
    }

    private Optional<BlockRule> first(BlockRule.Type type, String value, Instant now) {
        Map<String, List<BlockRule>> byValue = exact.get(type);
        if (byValue == null) {
            return Optional.empty();
        }
        List<BlockRule> rules = byValue.get(value);
        if (rules == null) {
            return Optional.empty();
        }
        for (BlockRule r : rules) {
            if (r.activeAt(now)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The stored form of a value, or an IllegalArgumentException that says what is wrong. IPs are
     * canonicalised ({@code 2001:DB8::1} and {@code 2001:db8:0:0:0:0:0:1} are one rule), CIDR host bits
     * must be zero, domains lose a trailing dot, and nothing is ever resolved through DNS.
     */
    static String normalize(BlockRule.Type type, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("the value is empty");
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.length() > MAX_VALUE_LENGTH) {
            throw new IllegalArgumentException("the value is longer than " + MAX_VALUE_LENGTH + " characters");
        }
        if (v.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new IllegalArgumentException("the value contains spaces or control characters");
        }
        switch (type) {
            case SENDER -> {
                v = trimDot(stripBrackets(v));
                int at = v.lastIndexOf('@');
                if (at <= 0 || at == v.length() - 1 || !HOST.matcher(v.substring(at + 1)).matches()) {
                    throw new IllegalArgumentException("'" + value + "' is not an address local@domain");
                }
                return v;
            }
            case SENDER_DOMAIN, URL_DOMAIN, HELO -> {
                v = trimDot(v);
                if (type == BlockRule.Type.HELO && v.startsWith("[") && v.endsWith("]")) {
                    return v; // address literal HELO, matched as written
                }
                if (!HOST.matcher(v).matches() || v.length() > 253) {
                    throw new IllegalArgumentException("'" + value + "' is not a domain name");
                }
                if (type != BlockRule.Type.HELO && v.indexOf('.') < 0) {
                    throw new IllegalArgumentException("'" + value + "' is a top-level domain alone: too broad");
                }
                if (type != BlockRule.Type.HELO) {
                    // parents match too: a rule for co.uk would block every domain registered under it
                    Optional<String> broad = PublicSuffixes.tooBroad(v);
                    if (broad.isPresent()) {
                        throw new IllegalArgumentException(broad.get());
                    }
                }
                return v;
            }
            case CLIENT_IP -> {
                int slash = v.indexOf('/');
                byte[] addr = ip(slash < 0 ? v : v.substring(0, slash));
                if (addr == null) {
                    throw new IllegalArgumentException("'" + value + "' is not an IPv4/IPv6 address or CIDR block");
                }
                if (slash < 0) {
                    return canonical(addr);
                }
                if (addr.length == 4 && v.substring(0, slash).indexOf(':') >= 0) {
                    // An IPv4-mapped IPv6 block (::ffff:a.b.c.d/n): its prefix counts IPv6 bits, which would be
                    // read against the IPv4 address it is matched as.
                    throw new IllegalArgumentException("'" + value + "' is an IPv4-mapped IPv6 block: write the "
                            + "IPv4 block instead (a.b.c.d/n)");
                }
                int prefix;
                try {
                    prefix = Integer.parseInt(v.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + value + "': the prefix length is not a number");
                }
                int max = addr.length * 8;
                if (prefix < 8 || prefix > max) {
                    throw new IllegalArgumentException("'" + value + "': the prefix length must be 8.." + max
                            + " (shorter blocks are too broad)");
                }
                if (!contains(addr, prefix, addr) || hasHostBits(addr, prefix)) {
                    throw new IllegalArgumentException("'" + value + "': host bits are set after /" + prefix);
                }
                return prefix == max ? canonical(addr) : canonical(addr) + "/" + prefix;
            }
            case ATTACHMENT_HASH -> {
                if (!HEX64.matcher(v).matches()) {
                    throw new IllegalArgumentException("'" + value + "' is not a SHA-256 in hex (64 characters 0-9a-f)");
                }
                return v;
            }
            default -> throw new IllegalArgumentException("unknown rule type " + type);
        }
    }

    private static String stripBrackets(String v) {
        return v.startsWith("<") && v.endsWith(">") ? v.substring(1, v.length() - 1) : v;
    }

    private static String trimDot(String v) {
        String s = v;
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** Parses an IP literal without ever touching DNS (only digits, hex, dots and colons reach InetAddress). */
    static byte[] ip(String text) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (t.regionMatches(true, 0, "ipv6:", 0, 5)) {
            t = t.substring(5);
        }
        if (!IP_CHARS.matcher(t).matches() || (t.indexOf(':') < 0 && t.chars().filter(c -> c == '.').count() != 3)) {
            return null;
        }
        try {
            byte[] a = InetAddress.getByName(t).getAddress();
            if (a.length == 16 && isMappedV4(a)) {
                return new byte[] {a[12], a[13], a[14], a[15]};
            }
            return a;
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private static boolean isMappedV4(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    static String canonical(byte[] addr) {
        try {
            String s = InetAddress.getByAddress(addr).getHostAddress();
            return s.toLowerCase(Locale.ROOT);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean contains(byte[] network, int prefix, byte[] addr) {
        if (network.length != addr.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (network[i] != addr[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (network[full] & mask) == (addr[full] & mask);
    }

    private static boolean hasHostBits(byte[] addr, int prefix) {
        for (int bit = prefix; bit < addr.length * 8; bit++) {
            if ((addr[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                return true;
            }
        }
        return false;
    }
}
