package org.streamail.bench;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.BitSet;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A tiny, fast SMTP server that accepts everything and throws it away, counting messages and bytes. It is
 * the gateway's next hop during a bench run (configure {@code org.streamail.delivery} relay.host/port to
 * it), so "arrived at the sink" is the end of the end-to-end measurement.
 *
 * <p>Messages carrying the header {@code X-Bench-Run: <run> <seq>} of the run set with
 * {@link #expectRun} are counted for that run (with duplicate detection by sequence number, so a gateway
 * that delivers a message twice is caught); everything else is counted as foreign.
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #close()}. Thread-safe: one thread per connection (at
 * most {@code maxConnections}; beyond that a connection gets 421), counters are lock-free. Memory per
 * connection is bounded (a 64 KiB read buffer and a 64 KiB line buffer); over-long lines in DATA are
 * counted, not buffered.
 */
final class SmtpSink implements Closeable {

    static final String BENCH_HEADER = "X-Bench-Run";
    private static final byte[] BENCH_HEADER_PREFIX = (BENCH_HEADER + ":").toLowerCase(Locale.ROOT)
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VERDICT_HEADER_PREFIX = "x-streamail-verdict:".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_COMMAND_LINE = 4096;
    private static final int LINE_BUFFER = 64 * 1024;
    private static final int MAX_SEQ = 50_000_000;
    /** The default limit, advertised in EHLO (SIZE); a message beyond it gets 552 and the connection is closed. */
    static final long MAX_MESSAGE_BYTES = 100L * 1024 * 1024;
    private static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);

    /** Counters of one run; replaced as a whole by {@link #expectRun} so a reset never races with counting. */
    private static final class Run {
        final String id;
        final LongAdder messages = new LongAdder();
        final LongAdder bytes = new LongAdder();
        final LongAdder duplicates = new LongAdder();
        final LongAdder tagged = new LongAdder();
        final AtomicLong firstArrival = new AtomicLong(Long.MAX_VALUE);
        final AtomicLong lastArrival = new AtomicLong(Long.MIN_VALUE);
        final BitSet seen = new BitSet();

        Run(String id) {
            this.id = id;
        }
    }

    /**
     * What the sink has received.
     *
     * @param runMessages      messages of the expected run (duplicates excluded)
     * @param firstArrivalNanos {@link System#nanoTime()} of the run's first message, or {@code Long.MAX_VALUE}
     * @param lastArrivalNanos  {@link System#nanoTime()} of the run's last message, or {@code Long.MIN_VALUE}
     */
    record Snapshot(long totalMessages, long totalBytes, long connections, long runMessages, long runBytes,
                    long duplicates, long tagged, long foreign, long firstArrivalNanos, long lastArrivalNanos) {
    }

    private final String bindHost;
    private final int requestedPort;
    private final Semaphore connectionSlots;
    private final long maxMessageBytes;
    private final LongAdder totalMessages = new LongAdder();
    private final LongAdder totalBytes = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final LongAdder foreign = new LongAdder();
    private volatile Run run = new Run("");
    private ServerSocket server;
    private ExecutorService workers;
    private Thread acceptor;

    SmtpSink(String bindHost, int port, int maxConnections) {
        this(bindHost, port, maxConnections, MAX_MESSAGE_BYTES);
    }

    SmtpSink(String bindHost, int port, int maxConnections, long maxMessageBytes) {
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("maxMessageBytes must be positive");
        }
        this.maxMessageBytes = maxMessageBytes;
        if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("sink connections must be 1..10000, got " + maxConnections);
        }
        this.bindHost = bindHost;
        this.requestedPort = port;
        this.connectionSlots = new Semaphore(maxConnections);
    }

    /** Binds and starts accepting; returns the bound port (useful with port 0). */
    synchronized int start() throws IOException {
        if (server != null) {
            throw new IllegalStateException("sink already started");
        }
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        try {
            s.bind(new InetSocketAddress(InetAddress.getByName(bindHost), requestedPort), 512);
        } catch (IOException e) {
            s.close();
            throw new IOException("cannot bind the SMTP sink to " + bindHost + ":" + requestedPort + ": "
                    + e.getMessage(), e);
        }
        server = s;
        workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "sink-conn");
            t.setDaemon(true);
            return t;
        });
        acceptor = new Thread(() -> acceptLoop(s), "sink-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return s.getLocalPort();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Starts counting a new run: messages whose bench header names {@code runId}. */
    void expectRun(String runId) {
        run = new Run(runId);
    }

    Snapshot snapshot() {
        Run r = run;
        return new Snapshot(totalMessages.sum(), totalBytes.sum(), connections.sum(), r.messages.sum(),
                r.bytes.sum(), r.duplicates.sum(), r.tagged.sum(), foreign.sum(), r.firstArrival.get(),
                r.lastArrival.get());
    }

    /**
     * Waits until the current run has {@code expected} messages, or until nothing new has arrived for
     * {@code idleTimeout} (the gateway quarantined, rejected or deferred the rest), or the thread is
     * interrupted. Bounded by the idle timeout: a stalled gateway cannot hang the tool.
     */
    Snapshot awaitRun(long expected, Duration idleTimeout) throws InterruptedException {
        long idleNanos = idleTimeout.toNanos();
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            Snapshot s = snapshot();
            if (s.runMessages() >= expected) {
                return s;
            }
            long now = System.nanoTime();
            if (s.runMessages() + s.duplicates() != lastCount) {
                lastCount = s.runMessages() + s.duplicates();
                lastProgress = now;
            } else if (now - lastProgress >= idleNanos) {
                return s;
            }
            // The arrival time is stamped by the connection thread, so polling does not blur the figure.
            Thread.sleep(2);
        }
    }

    @Override
    public synchronized void close() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
        workers.shutdownNow();
        server = null;
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.increment();
            if (!connectionSlots.tryAcquire()) {
                refuse(socket);
                continue;
            }
            try {
                workers.execute(() -> {
                    try (Socket c = socket) {
                        serve(c);
                    } catch (IOException e) {
                        // a peer that hangs up or times out ends its own session only
                    } finally {
                        connectionSlots.release();
                    }
                });
            } catch (RuntimeException e) { // executor shut down while closing
                connectionSlots.release();
                refuse(socket);
            }
        }
    }

    private static void refuse(Socket socket) {
        try (Socket c = socket) {
            c.getOutputStream().write("421 4.3.2 too many connections\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // best effort
        }
    }

    private void serve(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) IDLE_TIMEOUT.toMillis());
        LineReader in = new LineReader(socket.getInputStream(), 64 * 1024);
        OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 8 * 1024);
        byte[] line = new byte[LINE_BUFFER];
        byte[] command = new byte[MAX_COMMAND_LINE];
        reply(out, in, "220 bench-sink ESMTP ready");
        int recipients = 0;
        boolean mail = false;
        while (true) {
            int n;
            try {
                n = in.readLine(command);
            } catch (LineReader.LineTooLongException e) {
                reply(out, null, "500 5.5.2 command line too long");
                return;
            }
            if (n < 0) {
                return;
            }
            String verb = verb(command, n);
            switch (verb) {
                case "EHLO" -> reply(out, in, "250-bench-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
                        + "250-ENHANCEDSTATUSCODES\r\n250 SIZE " + maxMessageBytes);
                case "HELO" -> reply(out, in, "250 bench-sink");
                case "MAIL" -> {
                    mail = true;
                    recipients = 0;
                    reply(out, in, "250 2.1.0 ok");
                }
                case "RCPT" -> {
                    if (!mail) {
                        reply(out, in, "503 5.5.1 MAIL first");
                    } else {
                        recipients++;
                        reply(out, in, "250 2.1.5 ok");
                    }
                }
                case "DATA" -> {
                    if (recipients == 0) {
                        reply(out, in, "503 5.5.1 RCPT first");
                        break;
                    }
                    reply(out, null, "354 end with <CRLF>.<CRLF>");
                    boolean counted = receiveData(in, line);
                    mail = false;
                    recipients = 0;
                    reply(out, in, counted ? "250 2.0.0 ok"
                            : "552 5.3.4 message exceeds " + maxMessageBytes + " bytes");
                }
                case "RSET" -> {
                    mail = false;
                    recipients = 0;
                    reply(out, in, "250 2.0.0 ok");
                }
                case "NOOP" -> reply(out, in, "250 2.0.0 ok");
                case "QUIT" -> {
                    reply(out, null, "221 2.0.0 bye");
                    return;
                }
                default -> reply(out, in, "502 5.5.2 not implemented");
            }
        }
    }

    /**
     * Reads message content up to the lone "." line, counting the unstuffed bytes and spotting our
     * headers. Returns false if the message grew beyond {@code maxMessageBytes}: the rest is read and
     * dropped up to the "." line (as Postfix does), so the session stays in step and the client gets its
     * 552. A peer that hangs up mid-message ends the session with an IOException.
     */
    private boolean receiveData(LineReader in, byte[] line) throws IOException {
        long bytes = 0;
        boolean inHeaders = true;
        boolean continuation = false; // the previous read stopped mid-line (line longer than the buffer)
        boolean tagged = false;
        String benchRun = null;
        int benchSeq = -1;
        while (true) {
            int n;
            boolean tooLong = false;
            try {
                n = in.readLine(line);
            } catch (LineReader.LineTooLongException e) {
                n = line.length;
                tooLong = true;
            }
            if (n < 0) {
                throw new IOException("connection closed in the middle of DATA");
            }
            if (!continuation) {
                if (n == 1 && line[0] == '.' && !tooLong) {
                    break;
                }
                int start = n > 0 && line[0] == '.' ? 1 : 0; // dot-unstuffing (RFC 5321 4.5.2)
                bytes += n - start;
                if (bytes > maxMessageBytes) {
                    inHeaders = false; // too big: only the terminator matters now
                } else if (inHeaders) {
                    if (n == 0) {
                        inHeaders = false;
                    } else if (startsWithIgnoreCase(line, n, BENCH_HEADER_PREFIX)) {
                        String value = new String(line, BENCH_HEADER_PREFIX.length, n - BENCH_HEADER_PREFIX.length,
                                StandardCharsets.US_ASCII).trim();
                        int space = value.indexOf(' ');
                        if (space > 0) {
                            benchRun = value.substring(0, space);
                            benchSeq = parseSeq(value.substring(space + 1).trim());
                        }
                    } else if (startsWithIgnoreCase(line, n, VERDICT_HEADER_PREFIX)) {
                        tagged = true;
                    }
                }
            } else {
                bytes += n;
            }
            if (tooLong) {
                continuation = true;
            } else {
                bytes += 2; // CRLF
                continuation = false;
            }
        }
        long now = System.nanoTime();
        if (bytes > maxMessageBytes) {
            return false;
        }
        totalMessages.increment();
        totalBytes.add(bytes);
        Run r = run;
        if (benchRun != null && benchRun.equals(r.id) && benchSeq >= 0) {
            boolean duplicate;
            synchronized (r.seen) {
                duplicate = r.seen.get(benchSeq);
                r.seen.set(benchSeq);
            }
            if (duplicate) {
                r.duplicates.increment();
            } else {
                r.messages.increment();
                r.bytes.add(bytes);
                if (tagged) {
                    r.tagged.increment();
                }
                r.firstArrival.accumulateAndGet(now, Math::min);
                r.lastArrival.accumulateAndGet(now, Math::max);
            }
        } else {
            foreign.increment();
        }
        return true;
    }

    private static int parseSeq(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= MAX_SEQ ? v : -1;
    }

    private static boolean startsWithIgnoreCase(byte[] line, int n, byte[] lowerPrefix) {
        if (n < lowerPrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length; i++) {
            int c = line[i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lowerPrefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String verb(byte[] line, int n) {
        int end = 0;
        while (end < n && end < 8 && line[end] != ' ') {
            end++;
        }
        return new String(line, 0, end, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
    }

    /**
     * Buffers a reply; flushes unless the peer has already pipelined more commands (then the reply goes
     * out with the next flush). {@code in == null} forces the flush.
     */
    private static void reply(OutputStream out, LineReader in, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
        if (in == null || !in.hasBuffered()) {
            out.flush();
        }
    }

    @Override
    public String toString() {
        ServerSocket s = server;
        return s == null ? "sink (stopped)" : "sink " + bindHost + ":" + s.getLocalPort();
    }
}
