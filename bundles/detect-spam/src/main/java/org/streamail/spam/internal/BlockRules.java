package org.streamail.spam.internal;

import java.net.IDN;
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
import org.streamail.api.net.IpBlock;
import org.streamail.api.net.IpLiteral;
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
    private static final Pattern HOST = Pattern.compile("[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*");

    private record Cidr(IpBlock block, BlockRule rule) {
    }

    private final Map<BlockRule.Type, Map<String, List<BlockRule>>> exact = new EnumMap<>(BlockRule.Type.class);
    private final List<Cidr> cidrs = new ArrayList<>();

    BlockRules(List<BlockRule> rules) {
        for (BlockRule r : rules) {
            if (r.type() == BlockRule.Type.CLIENT_IP && r.value().indexOf('/') > 0) {
                try {
                    cidrs.add(new Cidr(IpBlock.parse(r.value()), r));
                } catch (IllegalArgumentException e) {
                    // a damaged row is skipped, not fatal: the other rules must keep applying
                }
                continue;
            }
            String key = r.type() == BlockRule.Type.CLIENT_IP ? storedAddress(r.value()) : r.value();
            exact.computeIfAbsent(r.type(), t -> new HashMap<>()).computeIfAbsent(key, v -> new ArrayList<>()).add(r);
        }
    }

    /**
     * A stored single address in today's form: rules added before 2026-12-06 hold the JDK's long IPv6 form
     * ({@code 2001:db8:0:0:0:0:0:1}), newer ones RFC 5952's ({@code 2001:db8::1}); both are looked up by the latter.
     */
    private static String storedAddress(String value) {
        return IpLiteral.parse(value).map(a -> canonical(a.getAddress())).orElse(value);
    }

    /**
     * The active rule of this type whose stored value is {@code normalized} once read in today's form (a
     * {@link #normalize} result), if any: a rule stored before the IPv6 form changed has a different text, which
     * the store's own check for a second rule with one value cannot see.
     */
    Optional<BlockRule> sameValue(BlockRule.Type type, String normalized, Instant now) {
        if (type == BlockRule.Type.CLIENT_IP && normalized.indexOf('/') > 0) {
            IpBlock block = IpBlock.parse(normalized);
            for (Cidr c : cidrs) {
                if (c.rule().activeAt(now) && c.block().equals(block)) {
                    return Optional.of(c.rule());
                }
            }
            return Optional.empty();
        }
        return first(type, normalized, now);
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
                String s = trimDot(stripBrackets(v));
                if (type == BlockRule.Type.SENDER && s.lastIndexOf('@') > 0) {
                    int at = s.lastIndexOf('@');
                    s = s.substring(0, at + 1) + asciiDomain(s.substring(at + 1));
                } else if (type == BlockRule.Type.HELO) {
                    s = asciiDomain(s);
                }
                return first(type, s, now);
            }
            case SENDER_DOMAIN, URL_DOMAIN -> {
                String d = type == BlockRule.Type.SENDER_DOMAIN && v.lastIndexOf('@') >= 0
                        ? v.substring(v.lastIndexOf('@') + 1) : v;
                d = asciiDomain(trimDot(d));
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
                Optional<InetAddress> addr = address(v);
                if (addr.isEmpty()) {
                    return Optional.empty();
                }
                Optional<BlockRule> r = first(type, canonical(addr.get().getAddress()), now);
                if (r.isPresent()) {
                    return r;
                }
                for (Cidr c : cidrs) {
                    if (c.rule().activeAt(now) && c.block().contains(addr.get())) {
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
                if (at <= 0 || at == v.length() - 1) {
                    throw new IllegalArgumentException("'" + value + "' is not an address local@domain");
                }
                String local = v.substring(0, at);
                if (local.indexOf('*') >= 0) {
                    throw new IllegalArgumentException("'" + value + "': a SENDER rule is one address, without "
                            + "wildcards; to block every sender of a domain add a SENDER_DOMAIN rule");
                }
                if (local.chars().anyMatch(c -> "@<>()[],;:\\".indexOf(c) >= 0)) {
                    throw new IllegalArgumentException("'" + value + "' is not an address local@domain");
                }
                String domain = asciiDomain(v.substring(at + 1));
                if (!HOST.matcher(domain).matches() || domain.length() > 253 || numericTld(domain)) {
                    throw new IllegalArgumentException("'" + value + "' is not an address local@domain");
                }
                return local + "@" + domain;
            }
            case SENDER_DOMAIN, URL_DOMAIN, HELO -> {
                v = trimDot(v);
                if (type == BlockRule.Type.HELO && v.startsWith("[") && v.endsWith("]")) {
                    if (ip(v) == null) {
                        throw new IllegalArgumentException("'" + value + "' is not an address literal such as "
                                + "[192.0.2.1] or [IPv6:2001:db8::1]");
                    }
                    return v; // address literal HELO, matched as written
                }
                if (v.indexOf('*') >= 0) {
                    throw new IllegalArgumentException("'" + value + "': wildcards are not needed"
                            + (type == BlockRule.Type.HELO ? " (a HELO rule matches one name exactly)"
                                    : ": a rule on a domain also covers every name below it"));
                }
                v = asciiDomain(v);
                if (!HOST.matcher(v).matches() || v.length() > 253) {
                    throw new IllegalArgumentException("'" + value + "' is not a domain name");
                }
                if (type != BlockRule.Type.HELO && numericTld(v)) {
                    // a dotted IPv4 address is a link host of its own (http://192.0.2.7/); anything else ending in
                    // digits is no name: "2.3.4" would cover the link host 1.2.3.4 label by label
                    if (type == BlockRule.Type.SENDER_DOMAIN || ip(v) == null) {
                        throw new IllegalArgumentException("'" + value + "' is not a domain name"
                                + (ip(v) != null ? " but an IP address: use a CLIENT_IP rule for a sending host" : ""));
                    }
                    return v;
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
                    if (unroutableSource(addr)) {
                        throw new IllegalArgumentException("'" + value + "' is an unspecified, broadcast or multicast "
                                + "address: no SMTP client connects from it");
                    }
                    return canonical(addr);
                }
                if (addr.length == 4 && v.substring(0, slash).indexOf(':') >= 0) {
                    // An IPv4-mapped IPv6 block (::ffff:a.b.c.d/n): IpBlock would read it as the IPv4 block
                    // a.b.c.d/(n-96), but a rule is shown and stored as written, so it must say what it blocks.
                    throw new IllegalArgumentException("'" + value + "' is an IPv4-mapped IPv6 block: write the "
                            + "IPv4 block instead (a.b.c.d/n)");
                }
                int max = addr.length * 8;
                String p = v.substring(slash + 1);
                if (!p.matches("[0-9]{1,3}")) {
                    throw new IllegalArgumentException("'" + value + "': the prefix length is not a number");
                }
                if (Integer.parseInt(p) < 8 || Integer.parseInt(p) > max) {
                    // said before any host bits: widening 10.0.0.0/4 to 0.0.0.0/4 is not the fix
                    throw new IllegalArgumentException("'" + value + "': the prefix length must be 8.." + max
                            + " (shorter blocks are too broad)");
                }
                // prefix syntax and range, host bits: IpBlock's rules (the address part was already accepted,
                // brackets and "ipv6:" included, so it is handed on in plain form)
                IpBlock block = IpBlock.parse(canonical(addr) + "/" + p);
                return block.isSingleAddress() ? canonical(addr) : canonical(addr) + "/" + block.prefix();
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

    /** An address no TCP client can have: 0.0.0.0, ::, 255.255.255.255 or multicast. */
    private static boolean unroutableSource(byte[] addr) {
        try {
            InetAddress a = InetAddress.getByAddress(addr);
            boolean broadcast = addr.length == 4 && (addr[0] & addr[1] & addr[2] & addr[3]) == (byte) 0xff;
            return a.isAnyLocalAddress() || a.isMulticastAddress() || broadcast;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Whether the last label is all digits: no top-level domain is, so the name is an IP address or garbage. */
    private static boolean numericTld(String domain) {
        String tld = domain.substring(domain.lastIndexOf('.') + 1);
        return !tld.isEmpty() && tld.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /**
     * The ASCII (punycode) form of an internationalised domain name, lower case ({@code münchen.de} is
     * {@code xn--mnchen-3ya.de}), so a rule written either way matches a name seen either way; an ASCII name,
     * or one IDNA cannot convert, is returned unchanged (and then fails the host syntax check).
     */
    static String asciiDomain(String domain) {
        if (domain.chars().allMatch(c -> c < 0x80)) {
            return domain;
        }
        try {
            return IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return domain;
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

    /**
     * The bytes of an IP literal (4 for IPv4 and IPv4-mapped IPv6, else 16), or {@code null}; brackets and an
     * {@code IPv6:} tag (SMTP address literals) are allowed. Never touches DNS ({@link IpLiteral#parse}).
     */
    static byte[] ip(String text) {
        return address(text).map(InetAddress::getAddress).orElse(null);
    }

    private static Optional<InetAddress> address(String text) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (t.regionMatches(true, 0, "ipv6:", 0, 5)) {
            t = t.substring(5);
        }
        return IpLiteral.parse(t);
    }

    /**
     * The stored text of an address: a dotted quad, or IPv6 compressed and in lower case as RFC 5952 says
     * ({@code 2001:db8::1}), as the rest of the gateway shows addresses (until 2026-12-06 the JDK's long form
     * {@code 2001:db8:0:0:0:0:0:1} was stored; such rows still match, see {@link #storedAddress}).
     */
    static String canonical(byte[] addr) {
        try {
            return IpLiteral.canonical(InetAddress.getByAddress(addr));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
