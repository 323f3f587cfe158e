package org.streamail.detect.auth.internal.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test records held in memory. It answers as a {@link Dns} directly (for the evaluators' unit tests) and is what
 * the test DNS server serves over UDP and TCP (for the resolver and the detector's tests), so both read one zone.
 * Names are compared case-insensitively, without a trailing dot. {@link #servfail} makes a name fail temporarily.
 */
public final class Zone implements Dns {

    /** One MX record. */
    public record Mx(int preference, String exchange) {
    }

    private final Map<String, List<String>> txt = new LinkedHashMap<>();
    private final Map<String, List<InetAddress>> a = new LinkedHashMap<>();
    private final Map<String, List<InetAddress>> aaaa = new LinkedHashMap<>();
    private final Map<String, List<Mx>> mx = new LinkedHashMap<>();
    private final Map<String, List<String>> ptr = new LinkedHashMap<>();
    private final Set<String> servfail = new HashSet<>();
    private final Map<String, String> cname = new LinkedHashMap<>();
    private int ttl = 300;
    private final AtomicInteger queries = new AtomicInteger();

    private static String key(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    public synchronized Zone txt(String name, String value) {
        txt.computeIfAbsent(key(name), k -> new ArrayList<>()).add(value);
        return this;
    }

    public synchronized Zone a(String name, String... addresses) {
        for (String s : addresses) {
            a.computeIfAbsent(key(name), k -> new ArrayList<>()).add(parse(s));
        }
        return this;
    }

    public synchronized Zone aaaa(String name, String... addresses) {
        for (String s : addresses) {
            aaaa.computeIfAbsent(key(name), k -> new ArrayList<>()).add(parse(s));
        }
        return this;
    }

    public synchronized Zone mx(String name, int preference, String exchange) {
        mx.computeIfAbsent(key(name), k -> new ArrayList<>()).add(new Mx(preference, key(exchange)));
        return this;
    }

    public synchronized Zone ptr(String address, String name) {
        ptr.computeIfAbsent(reverse(parse(address)), k -> new ArrayList<>()).add(key(name));
        return this;
    }

    /** Every query for {@code name} (any type) fails with SERVFAIL. */
    public synchronized Zone servfail(String name) {
        servfail.add(key(name));
        return this;
    }

    /**
     * {@code name} is an alias of {@code target} (a CNAME). Only the test server follows it; the zone's own
     * {@link Dns} methods do not.
     */
    public synchronized Zone cname(String name, String target) {
        cname.put(key(name), key(target));
        return this;
    }

    /** The TTL (seconds) the test server gives every record, and the SOA minimum of its negative answers. */
    public synchronized Zone ttl(int seconds) {
        ttl = seconds;
        return this;
    }

    /** How many look-ups this zone answered as a {@link Dns} (the server counts its own queries). */
    public int queries() {
        return queries.get();
    }

    // --- what the test server reads ---

    public synchronized boolean isServfail(String name) {
        return servfail.contains(key(name));
    }

    public synchronized boolean exists(String name) {
        String k = key(name);
        return txt.containsKey(k) || a.containsKey(k) || aaaa.containsKey(k) || mx.containsKey(k)
                || ptr.containsKey(k);
    }

    /** The target of {@code name}'s CNAME, or null. */
    public synchronized String cnameTarget(String name) {
        return cname.get(key(name));
    }

    public synchronized int ttl() {
        return ttl;
    }

    public synchronized List<String> txtRecords(String name) {
        return List.copyOf(txt.getOrDefault(key(name), List.of()));
    }

    public synchronized List<InetAddress> aRecords(String name) {
        return List.copyOf(a.getOrDefault(key(name), List.of()));
    }

    public synchronized List<InetAddress> aaaaRecords(String name) {
        return List.copyOf(aaaa.getOrDefault(key(name), List.of()));
    }

    public synchronized List<Mx> mxRecords(String name) {
        return List.copyOf(mx.getOrDefault(key(name), List.of()));
    }

    /** PTR records of a reverse name ({@code 4.3.2.1.in-addr.arpa}, nibbles under {@code ip6.arpa}). */
    public synchronized List<String> ptrRecords(String reverseName) {
        return List.copyOf(ptr.getOrDefault(key(reverseName), List.of()));
    }

    // --- Dns ---

    private void count(String name) throws DnsTemporaryException {
        queries.incrementAndGet();
        if (isServfail(name)) {
            throw new DnsTemporaryException("SERVFAIL for " + name);
        }
    }

    @Override
    public List<String> txt(String name) throws DnsTemporaryException {
        count(name);
        return txtRecords(name);
    }

    @Override
    public List<InetAddress> a(String name) throws DnsTemporaryException {
        count(name);
        return aRecords(name);
    }

    @Override
    public List<InetAddress> aaaa(String name) throws DnsTemporaryException {
        count(name);
        return aaaaRecords(name);
    }

    @Override
    public List<String> mx(String name) throws DnsTemporaryException {
        count(name);
        return mxRecords(name).stream().sorted(Comparator.comparingInt(Mx::preference)).map(Mx::exchange).toList();
    }

    @Override
    public List<String> ptr(InetAddress address) throws DnsTemporaryException {
        String name = reverse(address);
        count(name);
        return ptrRecords(name);
    }

    /** The reverse-look-up name of an address. */
    public static String reverse(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder();
        if (b.length == 4) {
            for (int i = 3; i >= 0; i--) {
                sb.append(b[i] & 0xff).append('.');
            }
            return sb.append("in-addr.arpa").toString();
        }
        for (int i = b.length - 1; i >= 0; i--) {
            sb.append(Character.forDigit(b[i] & 0xf, 16)).append('.');
            sb.append(Character.forDigit((b[i] >> 4) & 0xf, 16)).append('.');
        }
        return sb.append("ip6.arpa").toString();
    }

    private static InetAddress parse(String literal) {
        try {
            if (!literal.matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("not an IP address literal: " + literal);
            }
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }
}
