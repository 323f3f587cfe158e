package org.streamail.detect.auth.internal.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server for tests: UDP and TCP on one ephemeral port of 127.0.0.1, answering from a
 * {@link Zone}. A, AAAA, TXT (values over 255 bytes split into several character-strings), MX, PTR and CNAME
 * (followed within the zone, as an authoritative server does); NXDOMAIN for a name the zone does not hold, NOERROR
 * with an empty answer (and an SOA whose minimum is the zone's TTL) for a name without the type asked, SERVFAIL for
 * {@link Zone#servfail} names. A UDP answer larger than 512 bytes, or than the EDNS size the query offers, is sent
 * truncated (TC, no records) so the client asks again over TCP. Packets that do not parse are ignored.
 */
public final class TestDnsServer implements AutoCloseable {

    private static final int MAX_PACKET = 65_535;
    private static final int SERVER_EDNS_SIZE = 1232;
    private static final int MAX_MESSAGES_PER_CONNECTION = 64;

    private final Zone zone;
    private final AtomicInteger queries = new AtomicInteger();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    private final AtomicInteger dropUdp = new AtomicInteger();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private DatagramSocket udp;
    private ServerSocket tcp;
    private ThreadPoolExecutor tcpWorkers;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    public TestDnsServer(Zone zone) {
        this.zone = zone;
    }

    /** Binds both sockets on one free port of 127.0.0.1 and starts answering; returns the port. */
    public synchronized int start() throws IOException {
        if (udp != null) {
            throw new IllegalStateException("already started");
        }
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        IOException last = null;
        for (int attempt = 0; attempt < 20 && tcp == null; attempt++) {
            DatagramSocket u = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try {
                tcp = new ServerSocket(u.getLocalPort(), 16, loopback);
                udp = u;
            } catch (IOException e) { // the TCP side of that port is taken: try another
                u.close();
                last = e;
            }
        }
        if (tcp == null) {
            throw new IOException("no free port for UDP and TCP together", last);
        }
        tcpWorkers = new ThreadPoolExecutor(4, 4, 1, TimeUnit.SECONDS, new ArrayBlockingQueue<>(32),
                r -> daemon(r, "test-dns-tcp-conn"), (r, executor) -> {
                    throw new RejectedExecutionException("busy");
                });
        threads.add(daemon(this::serveUdp, "test-dns-udp"));
        threads.add(daemon(this::serveTcp, "test-dns-tcp"));
        threads.forEach(Thread::start);
        return udp.getLocalPort();
    }

    /** The server's address (after {@link #start()}). */
    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    /** Queries answered so far, UDP and TCP. */
    public int queries() {
        return queries.get();
    }

    /** Queries answered over TCP so far. */
    public int tcpQueries() {
        return tcpQueries.get();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (udp != null) {
            udp.close();
        }
        try {
            if (tcp != null) {
                tcp.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            closeQuietly(s);
        }
        if (tcpWorkers != null) {
            tcpWorkers.shutdownNow();
        }
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The next {@code n} UDP queries are received (and counted) but never answered: packet loss. */
    public void dropUdp(int n) {
        dropUdp.set(n);
    }

    private void serveUdp() {
        byte[] buf = new byte[MAX_PACKET];
        while (!closed) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(packet);
                if (dropUdp.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    queries.incrementAndGet();
                    continue;
                }
                byte[] answer = answer(Arrays.copyOf(buf, packet.getLength()), false);
                if (answer != null) {
                    udp.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            Socket s;
            try {
                s = tcp.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            connections.add(s);
            try {
                tcpWorkers.execute(() -> serveConnection(s));
            } catch (RuntimeException e) {
                connections.remove(s);
                closeQuietly(s);
            }
        }
    }

    private void serveConnection(Socket s) {
        try (s) {
            s.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            for (int i = 0; i < MAX_MESSAGES_PER_CONNECTION && !closed; i++) {
                int length = in.readUnsignedShort();
                byte[] query = new byte[length];
                in.readFully(query);
                byte[] answer = answer(query, true);
                if (answer == null) {
                    return;
                }
                out.writeShort(answer.length);
                out.write(answer);
                out.flush();
            }
        } catch (IOException e) {
            // the client closed or stalled, or close() did: this connection ends, the server goes on
        } finally {
            connections.remove(s);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    /** The wire answer to a wire query, or null to send nothing (not a query, does not parse). */
    byte[] answer(byte[] wire, boolean overTcp) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        Record question = query.getQuestion();
        if (query.getHeader().getFlag(Flags.QR) || question == null) {
            return null;
        }
        queries.incrementAndGet();
        if (overTcp) {
            tcpQueries.incrementAndGet();
        }
        OPTRecord opt = query.getOPT();
        int udpLimit = opt == null ? 512 : Math.max(512, opt.getPayloadSize());
        Message response = skeleton(query, question, opt != null);
        try {
            fill(response, question);
        } catch (TextParseException e) {
            response = skeleton(query, question, opt != null);
            response.getHeader().setRcode(Rcode.SERVFAIL);
        }
        byte[] out = response.toWire(MAX_PACKET);
        if (!overTcp && out.length > udpLimit) {
            Message truncated = skeleton(query, question, opt != null);
            truncated.getHeader().setFlag(Flags.TC);
            out = truncated.toWire();
        }
        return out;
    }

    private static Message skeleton(Message query, Record question, boolean edns) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        response.addRecord(question, Section.QUESTION);
        if (edns) {
            response.addRecord(new OPTRecord(SERVER_EDNS_SIZE, 0, 0), Section.ADDITIONAL);
        }
        return response;
    }

    private void fill(Message response, Record question) throws TextParseException {
        int type = question.getType();
        String name = question.getName().toString(true);
        if (zone.isServfail(name)) {
            response.getHeader().setRcode(Rcode.SERVFAIL);
            return;
        }
        long ttl = zone.ttl();
        Name current = question.getName();
        String currentName = name;
        for (int hops = 0; hops < 16 && type != Type.CNAME; hops++) {
            String target = zone.cnameTarget(currentName);
            if (target == null) {
                break;
            }
            Name targetName = Name.fromString(target + ".");
            response.addRecord(new CNAMERecord(current, DClass.IN, ttl, targetName), Section.ANSWER);
            current = targetName;
            currentName = target;
        }
        Name owner = current;
        String ownerName = currentName;
        int before = response.getSection(Section.ANSWER).size();
        switch (type) {
            case Type.A -> zone.aRecords(ownerName).forEach(
                    a -> response.addRecord(new ARecord(owner, DClass.IN, ttl, a), Section.ANSWER));
            case Type.AAAA -> zone.aaaaRecords(ownerName).forEach(
                    a -> response.addRecord(new AAAARecord(owner, DClass.IN, ttl, a), Section.ANSWER));
            case Type.TXT -> {
                for (String value : zone.txtRecords(ownerName)) {
                    response.addRecord(new TXTRecord(owner, DClass.IN, ttl, characterStrings(value)),
                            Section.ANSWER);
                }
            }
            case Type.MX -> {
                for (Zone.Mx mx : zone.mxRecords(ownerName)) {
                    response.addRecord(new MXRecord(owner, DClass.IN, ttl, mx.preference(),
                            Name.fromString(mx.exchange() + ".")), Section.ANSWER);
                }
            }
            case Type.PTR -> {
                for (String target : zone.ptrRecords(ownerName)) {
                    response.addRecord(new PTRRecord(owner, DClass.IN, ttl, Name.fromString(target + ".")),
                            Section.ANSWER);
                }
            }
            case Type.CNAME -> {
                String target = zone.cnameTarget(ownerName);
                if (target != null) {
                    response.addRecord(new CNAMERecord(owner, DClass.IN, ttl, Name.fromString(target + ".")),
                            Section.ANSWER);
                }
            }
            default -> {
                // other types: no records
            }
        }
        if (response.getSection(Section.ANSWER).size() == before) {
            if (!zone.exists(ownerName) && zone.cnameTarget(ownerName) == null) {
                response.getHeader().setRcode(Rcode.NXDOMAIN);
            }
            response.addRecord(new SOARecord(Name.root, DClass.IN, ttl, Name.fromString("ns.test."),
                    Name.fromString("hostmaster.test."), 1, 3600, 600, 86400, ttl), Section.AUTHORITY);
        }
    }

    /**
     * The value as character-strings of at most 255 bytes each, in dnsjava's text form: bytes other than
     * printable ASCII, and the quote and backslash, written as {@code \DDD} so dnsjava reads back the same bytes.
     */
    static List<String> characterStrings(String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        List<String> parts = new ArrayList<>();
        for (int start = 0; start < bytes.length || start == 0; start += 255) {
            int end = Math.min(bytes.length, start + 255);
            StringBuilder sb = new StringBuilder();
            for (int i = start; i < end; i++) {
                int b = bytes[i] & 0xff;
                if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') {
                    sb.append('\\').append(String.format("%03d", b));
                } else {
                    sb.append((char) b);
                }
            }
            parts.add(sb.toString());
            if (bytes.length == 0) {
                break;
            }
        }
        return parts;
    }
}
