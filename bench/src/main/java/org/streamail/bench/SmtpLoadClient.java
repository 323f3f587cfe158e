package org.streamail.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends a run's messages over {@code concurrency} parallel SMTP sessions, {@code perSession} messages per
 * session (MAIL/RCPT/DATA each, no pipelining), and measures the accept latency: from the end of the DATA
 * content (the final "." flushed) to the server's reply.
 *
 * <p>Every message is attempted exactly once: a 4xx/5xx or a broken connection is counted, never retried
 * (retrying would hide the gateway's answer). A worker that fails to connect {@value #MAX_CONSECUTIVE_FAILURES}
 * times in a row stops, so a dead target ends the run instead of spinning. One instance per run; not reused.
 */
final class SmtpLoadClient {

    static final int MAX_CONSECUTIVE_FAILURES = 5;
    private static final int MAX_REPLY_LINES = 100;
    private static final byte[] CRLF_DOT_CRLF_TAIL = ".\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Where and how to send. */
    record Target(String host, int port, int concurrency, int perSession, String from, String to,
                  Duration timeout) {
    }

    /**
     * What happened.
     *
     * @param startNanos      {@link System#nanoTime()} when the first session was opened
     * @param lastAcceptNanos {@link System#nanoTime()} of the last 2xx after DATA, or {@code Long.MIN_VALUE}
     * @param failures        "STAGE code enhanced-code" → count, e.g. "RCPT 550 5.1.1" → 3
     * @param failureExamples the first reply text seen for each failure key
     */
    record Result(int attempted, long accepted, long tempFailed, long rejected, long errors, long sessions,
                  long bytesSent, long startNanos, long lastAcceptNanos, long endNanos, Latencies latencies,
                  Map<String, Long> failures, Map<String, String> failureExamples) {

        double acceptRatePerSecond() {
            long span = (lastAcceptNanos == Long.MIN_VALUE ? endNanos : lastAcceptNanos) - startNanos;
            return span <= 0 ? 0 : accepted * 1e9 / span;
        }
    }

    private final Target target;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder tempFailed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();
    private final AtomicLong lastAccept = new AtomicLong(Long.MIN_VALUE);
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, String> failureExamples = new ConcurrentHashMap<>();
    private final AtomicBoolean used = new AtomicBoolean();

    SmtpLoadClient(Target target) {
        this.target = target;
    }

    /**
     * Connects once and reads the greeting, so a target that is down or not SMTP gives one clear error
     * before the run instead of thousands of counted failures.
     */
    static void probe(String host, int port, Duration timeout) throws IOException {
        try (Session s = Session.open(host, port, timeout, "bench.streamail.invalid")) {
            s.quit();
        } catch (IOException e) {
            throw new IOException("no SMTP server answers at " + host + ":" + port + " (" + e.getMessage() + ")", e);
        }
    }

    Result run(MessageSet messages, String runId, int count) throws InterruptedException {
        if (!used.compareAndSet(false, true)) {
            throw new IllegalStateException("an SmtpLoadClient runs once");
        }
        if (count > messages.size()) {
            throw new IllegalArgumentException("count " + count + " exceeds the message set (" + messages.size() + ")");
        }
        int workers = Math.min(target.concurrency(), Math.max(count, 1));
        List<Latencies> perWorker = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        for (int w = 0; w < workers; w++) {
            Latencies l = new Latencies(count);
            perWorker.add(l);
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    work(messages, runId, count, l);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "smtp-client-" + w);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        long start = System.nanoTime();
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long end = System.nanoTime();
        Map<String, Long> f = new TreeMap<>();
        failures.forEach((k, v) -> f.put(k, v.sum()));
        return new Result(Math.min(next.get(), count), accepted.sum(), tempFailed.sum(), rejected.sum(),
                errors.sum(), sessions.sum(), bytesSent.sum(), start, lastAccept.get(), end,
                Latencies.merge(perWorker), f, new TreeMap<>(failureExamples));
    }

    private void work(MessageSet messages, String runId, int count, Latencies latencies) {
        Session session = null;
        int consecutiveFailures = 0;
        try {
            while (true) {
                int seq = next.getAndIncrement();
                if (seq >= count) {
                    break;
                }
                try {
                    if (session == null || session.sent >= target.perSession()) {
                        if (session != null) {
                            session.quitQuietly();
                        }
                        session = null;
                        session = Session.open(target.host(), target.port(), target.timeout(),
                                "bench.streamail.invalid");
                        sessions.increment();
                    }
                    send(session, messages, runId, seq, latencies);
                    consecutiveFailures = 0;
                } catch (IOException e) {
                    errors.increment();
                    count("IO " + e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
                    if (session != null) {
                        session.closeQuietly();
                        session = null;
                    }
                    if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
                        return; // the target is gone; the other workers will notice too
                    }
                }
            }
        } finally {
            if (session != null) {
                session.quitQuietly();
            }
        }
    }

    private void send(Session s, MessageSet messages, String runId, int seq, Latencies latencies) throws IOException {
        s.sent++;
        Reply r = s.command("MAIL FROM:<" + target.from() + ">");
        if (!r.positive()) {
            fail(s, "MAIL", r);
            return;
        }
        r = s.command("RCPT TO:<" + target.to() + ">");
        if (!r.positive()) {
            fail(s, "RCPT", r);
            return;
        }
        r = s.command("DATA");
        if (r.code() != 354) {
            fail(s, "DATA", r);
            return;
        }
        byte[] prefix = messages.prefix(runId, seq);
        byte[] wire = messages.template(seq).wire();
        s.out.write(prefix);
        s.out.write(wire);
        s.out.write(CRLF_DOT_CRLF_TAIL);
        s.out.flush();
        long t0 = System.nanoTime();
        r = s.readReply();
        long t1 = System.nanoTime();
        bytesSent.add(prefix.length + wire.length);
        if (r.positive()) {
            accepted.increment();
            latencies.record(t1 - t0);
            lastAccept.accumulateAndGet(t1, Math::max);
        } else {
            fail(s, "END", r); // the reply to the end of DATA: REJECT (5xx) or 451 from the gateway
        }
    }

    /** Counts a refusal and gets the session back to a clean state (RSET), or drops it on 421. */
    private void fail(Session s, String stage, Reply r) throws IOException {
        if (r.code() >= 500) {
            rejected.increment();
        } else {
            tempFailed.increment();
        }
        count(stage + " " + r.code() + (r.enhanced().isEmpty() ? "" : " " + r.enhanced()), r.text());
        if (r.code() == 421) {
            throw new IOException("server closing the session: " + r.text());
        }
        if (!"END".equals(stage)) {
            s.command("RSET");
        }
    }

    private void count(String key, String example) {
        failures.computeIfAbsent(key, k -> new LongAdder()).increment();
        failureExamples.putIfAbsent(key, example.length() > 120 ? example.substring(0, 120) + "..." : example);
    }

    /** An SMTP reply: the code, the enhanced status code if any ("5.1.1"), and the text of its last line. */
    record Reply(int code, String enhanced, String text) {
        boolean positive() {
            return code >= 200 && code < 300;
        }
    }

    /** Parses one reply line's code ("250-..." or "250 ..."); -1 if the line is not a reply line. */
    static int replyCode(String line) {
        if (line.length() < 3) {
            return -1;
        }
        int code = 0;
        for (int i = 0; i < 3; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            code = code * 10 + (c - '0');
        }
        if (code < 200 || code > 599 || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
            return -1;
        }
        return code;
    }

    /** The enhanced status code at the start of a reply text ("5.7.1 ..." → "5.7.1"), or "". */
    static String enhancedCode(String line) {
        if (line.length() < 9) {
            return "";
        }
        String rest = line.substring(4);
        int sp = rest.indexOf(' ');
        String token = sp < 0 ? rest : rest.substring(0, sp);
        return token.matches("[245]\\.\\d{1,3}\\.\\d{1,3}") ? token : "";
    }

    /** One client connection. Not thread-safe: owned by one worker. */
    static final class Session implements AutoCloseable {
        private final Socket socket;
        private final LineReader in;
        final OutputStream out;
        private final byte[] scratch = new byte[2048];
        int sent;

        private Session(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new LineReader(socket.getInputStream(), 8 * 1024);
            this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        }

        static Session open(String host, int port, Duration timeout, String helo) throws IOException {
            Socket socket = new Socket();
            try {
                // Without TCP_NODELAY each write-write-read exchange stalls ~40 ms (Nagle + delayed ACK).
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port), (int) Math.min(timeout.toMillis(), 30_000));
                socket.setSoTimeout((int) timeout.toMillis());
                Session s = new Session(socket);
                Reply greeting = s.readReply();
                if (greeting.code() != 220) {
                    throw new IOException("greeting was " + greeting.code() + " " + greeting.text());
                }
                Reply ehlo = s.command("EHLO " + helo);
                if (!ehlo.positive()) {
                    Reply hello = s.command("HELO " + helo);
                    if (!hello.positive()) {
                        throw new IOException("HELO refused: " + hello.code() + " " + hello.text());
                    }
                }
                return s;
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        Reply command(String line) throws IOException {
            out.write(line.getBytes(StandardCharsets.US_ASCII));
            out.write('\r');
            out.write('\n');
            out.flush();
            return readReply();
        }

        Reply readReply() throws IOException {
            for (int lines = 0; lines < MAX_REPLY_LINES; lines++) {
                String line = in.readLineString(scratch);
                if (line == null) {
                    throw new IOException("connection closed while waiting for a reply");
                }
                int code = replyCode(line);
                if (code < 0) {
                    throw new IOException("not an SMTP reply: " + (line.length() > 80 ? line.substring(0, 80) : line));
                }
                if (line.length() == 3 || line.charAt(3) == ' ') {
                    return new Reply(code, enhancedCode(line), line.length() > 4 ? line.substring(4) : "");
                }
            }
            throw new IOException("reply longer than " + MAX_REPLY_LINES + " lines");
        }

        void quit() throws IOException {
            command("QUIT");
            socket.close();
        }

        void quitQuietly() {
            try {
                quit();
            } catch (IOException e) {
                closeQuietly();
            }
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to save
            }
        }

        @Override
        public void close() {
            closeQuietly();
        }
    }
}
