package org.streamail.detect.auth.internal.dns;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A {@link Dns} that asks real DNS servers through dnsjava ({@link SimpleResolver} per server, one
 * {@link Message} per look-up), with a bounded cache of its own: dnsjava's {@code Lookup} and its global cache are
 * not used, so two instances share nothing. A UDP answer with TC set is asked again over TCP (dnsjava does that).
 *
 * <p>A look-up asks the servers in order, in up to {@value #ROUNDS} rounds, and gives up on a try sooner than on the
 * next: an eighth of the time-out (at least {@value #MIN_FIRST_TRY_MS} ms) in the first round, twice that in each
 * later one, the last round what is left. UDP loses packets (seen here: 7 of 400 queries to a resolver that
 * answers the rest in a millisecond), and a lost query should cost a few hundred milliseconds, not half the
 * time-out. A server that answered SERVFAIL, REFUSED or another error code is not asked again. NXDOMAIN and NODATA are both an empty list; every failure is a {@link DnsTemporaryException} naming the
 * name, the type and the server. CNAMEs inside an answer are followed ({@value #MAX_CNAMES} at most); a chain the
 * answer leaves unfinished is an empty list (no new query). At most {@value #MAX_RECORDS} records are kept per
 * answer and a TXT record longer than {@value #MAX_TXT_BYTES} bytes is dropped. Thread-safe.
 */
public final class DnsJavaResolver implements Dns {

    static final int MAX_CNAMES = 8;
    static final int MAX_RECORDS = 100;
    static final int MAX_TXT_BYTES = 8 * 1024;
    static final int ROUNDS = 4;
    static final long MIN_FIRST_TRY_MS = 100;
    static final long NEGATIVE_WITHOUT_SOA_SECONDS = 60;

    private final List<SimpleResolver> resolvers;
    private final long timeoutNanos;
    private final long firstTryNanos;
    private final long maxTtlSeconds;
    private final Cache cache;

    /**
     * @param servers DNS servers to ask, in order (host:port as InetSocketAddress); empty = the system's
     *        (dnsjava's ResolverConfig: /etc/resolv.conf)
     * @param timeout per query, all retries included
     * @param cacheEntries answers cached (LRU, bounded; 0 = no cache)
     * @param maxTtl longest time an answer is kept (the record TTL otherwise; negative answers per RFC 2308 SOA
     *        minimum, 60 s without an SOA; at most maxTtl, at least 0)
     */
    public DnsJavaResolver(List<InetSocketAddress> servers, Duration timeout, int cacheEntries, Duration maxTtl) {
        Objects.requireNonNull(servers, "servers");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (cacheEntries < 0) {
            throw new IllegalArgumentException("cacheEntries must be >= 0: " + cacheEntries);
        }
        if (maxTtl == null || maxTtl.isNegative()) {
            throw new IllegalArgumentException("maxTtl must be >= 0: " + maxTtl);
        }
        List<InetSocketAddress> use = servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers;
        if (use.isEmpty()) {
            throw new IllegalArgumentException("no DNS server given and none configured by the system");
        }
        List<SimpleResolver> list = new ArrayList<>();
        for (InetSocketAddress server : use) {
            SimpleResolver r = new SimpleResolver(Objects.requireNonNull(server, "server"));
            r.setTimeout(timeout);
            list.add(r);
        }
        this.resolvers = List.copyOf(list);
        this.timeoutNanos = timeout.toNanos();
        this.firstTryNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(MIN_FIRST_TRY_MS), timeoutNanos / 8);
        this.maxTtlSeconds = maxTtl.getSeconds();
        this.cache = new Cache(cacheEntries);
    }

    @Override
    public List<String> txt(String name) throws DnsTemporaryException {
        return lookup(name, Type.TXT, records -> {
            List<String> out = new ArrayList<>();
            for (Record r : records) {
                String s = txtValue((TXTRecord) r);
                if (s != null) {
                    out.add(s);
                }
            }
            return out;
        });
    }

    @Override
    public List<InetAddress> a(String name) throws DnsTemporaryException {
        return lookup(name, Type.A, records -> records.stream().map(r -> ((ARecord) r).getAddress()).toList());
    }

    @Override
    public List<InetAddress> aaaa(String name) throws DnsTemporaryException {
        return lookup(name, Type.AAAA, records -> records.stream().map(r -> ((AAAARecord) r).getAddress()).toList());
    }

    @Override
    public List<String> mx(String name) throws DnsTemporaryException {
        return lookup(name, Type.MX, records -> records.stream().map(r -> (MXRecord) r)
                .sorted(Comparator.comparingInt(MXRecord::getPriority))
                .map(r -> plain(r.getTarget())).toList());
    }

    @Override
    public List<String> ptr(InetAddress address) throws DnsTemporaryException {
        String name = ReverseMap.fromAddress(Objects.requireNonNull(address, "address")).toString(true);
        return lookup(name, Type.PTR, records -> records.stream().map(r -> plain(((PTRRecord) r).getTarget()))
                .toList());
    }

    private static String plain(Name name) {
        return name.toString(true);
    }

    /** The record's character-strings joined, or null when longer than {@link #MAX_TXT_BYTES}. */
    private static String txtValue(TXTRecord record) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (byte[] part : record.getStringsAsByteArrays()) {
            if (buf.size() + part.length > MAX_TXT_BYTES) {
                return null;
            }
            buf.write(part, 0, part.length);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    private <T> List<T> lookup(String name, int type, Function<List<Record>, List<T>> convert)
            throws DnsTemporaryException {
        Name qname = parseName(name);
        if (qname == null) {
            return List.of();
        }
        String key = Type.string(type) + ' ' + qname.toString().toLowerCase(Locale.ROOT);
        List<Record> records = cache.get(key);
        if (records == null) {
            Message response = ask(qname, type);
            records = answers(response, qname, type);
            long ttl = records.isEmpty() ? negativeTtl(response) : positiveTtl(response, records);
            cache.put(key, records, Math.min(ttl, maxTtlSeconds));
        }
        return List.copyOf(convert.apply(records));
    }

    /** The absolute name, or null when {@code name} is not a valid domain name (no query is then sent). */
    static Name parseName(String name) {
        if (name == null) {
            return null;
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        // printable ASCII only; a backslash would be read by dnsjava as an escape, changing the name asked
        if (!Names.valid(n, c -> c > ' ' && c < 0x7f && c != '\\')) {
            return null;
        }
        try {
            return Name.fromString(n + '.');
        } catch (TextParseException e) {
            return null;
        }
    }

    private Message ask(Name qname, int type) throws DnsTemporaryException {
        Message query = Message.newQuery(Record.newRecord(qname, type, DClass.IN));
        long deadline = System.nanoTime() + timeoutNanos;
        int n = resolvers.size();
        boolean[] refused = new boolean[n];
        String last = "no server asked";
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < n; i++) {
                if (refused[i]) {
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                SimpleResolver resolver = resolvers.get(i);
                String where = describe(qname, type, resolver);
                long share = round == ROUNDS - 1 ? left : Math.min(left, firstTryNanos << round);
                Future<Message> future = resolver.sendAsync(query.clone()).toCompletableFuture();
                try {
                    Message response = future.get(share, TimeUnit.NANOSECONDS);
                    int rcode = response.getRcode();
                    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                        return response;
                    }
                    refused[i] = true;
                    last = Rcode.string(rcode) + " for " + where;
                } catch (TimeoutException e) {
                    future.cancel(true);
                    last = "no answer in time for " + where;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    last = "failed (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ") for "
                            + where;
                } catch (InterruptedException e) {
                    future.cancel(true);
                    Thread.currentThread().interrupt();
                    throw new DnsTemporaryException("interrupted: " + where, e);
                }
            }
        }
        throw new DnsTemporaryException("DNS look-up " + last);
    }

    private static String describe(Name qname, int type, SimpleResolver resolver) {
        InetSocketAddress a = resolver.getAddress();
        return qname.toString(true) + " " + Type.string(type) + " from " + a.getAddress().getHostAddress() + ":"
                + a.getPort();
    }

    /** The records of {@code type} the answer gives for {@code qname}, following its CNAMEs. */
    private static List<Record> answers(Message response, Name qname, int type) {
        if (response.getRcode() != Rcode.NOERROR) {
            return List.of();
        }
        List<Record> section = response.getSection(Section.ANSWER);
        Name current = qname;
        for (int hops = 0; hops <= MAX_CNAMES; hops++) {
            List<Record> found = new ArrayList<>();
            Name alias = null;
            for (Record r : section) {
                if (!r.getName().equals(current) || r.getDClass() != DClass.IN) {
                    continue;
                }
                if (r.getType() == type && found.size() < MAX_RECORDS) {
                    found.add(r);
                } else if (r.getType() == Type.CNAME && alias == null) {
                    alias = ((CNAMERecord) r).getTarget();
                }
            }
            if (!found.isEmpty()) {
                return List.copyOf(found);
            }
            if (alias == null) {
                return List.of();
            }
            current = alias;
        }
        return List.of(); // a chain longer than MAX_CNAMES (or a loop) is treated as no record
    }

    private static long positiveTtl(Message response, List<Record> records) {
        long ttl = Long.MAX_VALUE;
        for (Record r : records) {
            ttl = Math.min(ttl, r.getTTL());
        }
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r.getType() == Type.CNAME) {
                ttl = Math.min(ttl, r.getTTL());
            }
        }
        return ttl;
    }

    /**
     * RFC 2308 5: the lesser of the SOA's TTL and its MINIMUM field. Without an SOA (some forwarders strip it) the
     * answer is kept {@value #NEGATIVE_WITHOUT_SOA_SECONDS} s, where RFC 2308 would not keep it at all: a message
     * makes several look-ups that mostly find nothing (no DMARC record at the From domain, none at its
     * organisational domain), and asking again for each message of a campaign costs more than a record published
     * a minute late.
     */
    static long negativeTtl(Message response) {
        for (Record r : response.getSection(Section.AUTHORITY)) {
            if (r instanceof SOARecord soa) {
                return Math.max(0, Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return NEGATIVE_WITHOUT_SOA_SECONDS;
    }

    /** Answers by type and lower-case name, least recently used dropped first, each until its TTL runs out. */
    private static final class Cache {

        private record Entry(List<Record> records, long expires) {
        }

        private final int capacity;
        private final LinkedHashMap<String, Entry> map;

        Cache(int capacity) {
            this.capacity = capacity;
            this.map = new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                    return size() > Cache.this.capacity;
                }
            };
        }

        synchronized List<Record> get(String key) {
            if (capacity == 0) {
                return null;
            }
            Entry e = map.get(key);
            if (e == null) {
                return null;
            }
            if (System.nanoTime() - e.expires >= 0) {
                map.remove(key);
                return null;
            }
            return e.records;
        }

        synchronized void put(String key, List<Record> records, long ttlSeconds) {
            if (capacity == 0 || ttlSeconds <= 0) {
                return;
            }
            map.put(key, new Entry(records, System.nanoTime() + TimeUnit.SECONDS.toNanos(ttlSeconds)));
        }
    }
}
