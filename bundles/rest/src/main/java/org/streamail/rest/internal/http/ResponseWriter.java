package org.streamail.rest.internal.http;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a response body within a total time ({@code response.write.timeout.seconds}).
 *
 * <p>The web server's idle timeout only bounds each wait for the client to take the next bytes: a client that
 * reads a large answer a little before each idle timeout holds the request thread for as long as it likes, and a
 * few of them take the whole thread pool. So the body is written in chunks, the deadline is checked before each,
 * and a watchdog interrupts the thread when a write is still blocked at the deadline (a blocked write never comes
 * back to be checked). Jetty 9.4 (pax-web 8) turns that interrupt into an {@code InterruptedIOException} and
 * aborts the exchange, which closes the connection; a body cut short of its {@code Content-Length} is never kept
 * alive either. The request thread is interrupted only while it is inside a write of this class, and a stray
 * interrupt is cleared before it leaves, so it cannot reach other code on that pool thread.
 *
 * <p>One WARN line per client address and minute names the path (never the query string: it may carry secrets).
 *
 * <p>Thread-safe. One watchdog daemon thread is shared by all instances: it is started when a response is written
 * and ends 10 s after the last deadline was cancelled or fired, so nothing needs stopping (a bundle being updated
 * keeps it at most that long) and a servlet that is deactivated still bounds the answers it is writing.
 */
public final class ResponseWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseWriter.class);

    /** Bytes handed to the web server per write: the deadline is checked between them. */
    static final int CHUNK = 16 * 1024;

    /** Holds one deadline per answer being written, removed when the answer is done. */
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private final Duration timeout;
    private final WarnLimiter warnings = new WarnLimiter(Duration.ofMinutes(1), 1024);

    public ResponseWriter(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the response write timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "streamail-rest-write-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.setRemoveOnCancelPolicy(true); // one task per answer in flight, gone when it is done
        // the thread ends when idle; it does not while a deadline is queued (it polls again), and a new one
        // starts with the next deadline
        watchdog.setKeepAliveTime(10, TimeUnit.SECONDS);
        watchdog.allowCoreThreadTimeOut(true);
        return watchdog;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Writes {@code body} to {@code out} and closes it, all within the timeout from now.
     *
     * @param client the client address, for the log line (asked only when the time runs out)
     * @param path   the request path without the query string, for the log line (asked only then)
     * @return {@code true} when the whole body was written; {@code false} when the time ran out (logged, the
     *         connection is closed or will be when the request ends: fewer bytes than its {@code Content-Length})
     * @throws IOException when the connection failed otherwise (the client went away, the idle timeout)
     */
    public boolean write(byte[] body, OutputStream out, Supplier<String> client, Supplier<String> path)
            throws IOException {
        Guard guard = new Guard(Thread.currentThread());
        ScheduledFuture<?> alarm = WATCHDOG.schedule(guard::expire, timeout.toNanos(), TimeUnit.NANOSECONDS);
        int written = 0;
        try {
            while (written < body.length) {
                int n = Math.min(CHUNK, body.length - written);
                guard.enter();
                try {
                    out.write(body, written, n);
                } finally {
                    guard.leave();
                }
                written += n;
            }
            guard.enter();
            try {
                out.close(); // writes what the server still buffers: may block as well
            } finally {
                guard.leave();
            }
            return true;
        } catch (IOException e) {
            if (!guard.expired()) {
                throw e;
            }
            String address = client.get();
            if (warnings.allow(address, System.nanoTime())) {
                LOG.warn("response to {} for {} not taken within {} ({} of {} bytes written): connection closed"
                        + " (further ones from this address are not logged for a minute)",
                        address, printable(path.get()), seconds(timeout), written, body.length);
            }
            return false;
        } finally {
            alarm.cancel(false);
        }
    }

    /** Thrown by {@link Guard#enter} once the deadline has passed: no further byte is written. */
    private static final class Expired extends IOException {
        private static final long serialVersionUID = 1L;

        Expired() {
            super("response write timeout", null);
        }
    }

    /** The writing thread and whether it is inside a write; the watchdog interrupts it only then. */
    private static final class Guard {
        private final Thread writer;
        private boolean writing;
        private boolean expired;
        private boolean interrupted;

        Guard(Thread writer) {
            this.writer = writer;
        }

        synchronized void enter() throws Expired {
            if (expired) {
                throw new Expired();
            }
            writing = true;
        }

        synchronized void leave() {
            writing = false;
            if (interrupted) {
                Thread.interrupted(); // ours, come as the write returned: it must not stay on the pool thread
            }
        }

        synchronized void expire() {
            expired = true;
            if (writing) {
                interrupted = true;
                writer.interrupt();
            }
        }

        synchronized boolean expired() {
            return expired;
        }
    }

    /** At most one WARN per key and period; remembers at most {@code max} keys (when full, it starts over). */
    static final class WarnLimiter {
        private final long periodNanos;
        private final int max;
        private final Map<String, Long> last = new LinkedHashMap<>();

        WarnLimiter(Duration period, int max) {
            this.periodNanos = period.toNanos();
            this.max = max;
        }

        synchronized boolean allow(String key, long nowNanos) {
            Long previous = last.get(key);
            if (previous != null && nowNanos - previous < periodNanos) {
                return false;
            }
            last.remove(key);
            last.values().removeIf(t -> nowNanos - t >= periodNanos);
            if (last.size() >= max) {
                last.clear();
            }
            last.put(key, nowNanos);
            return true;
        }

        synchronized int size() {
            return last.size();
        }
    }

    /** The path for a log line: at most 200 characters, control characters replaced. */
    static String printable(String path) {
        if (path == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(Math.min(path.length(), 200) + 3);
        for (int i = 0; i < path.length() && i < 200; i++) {
            char c = path.charAt(i);
            s.append(Character.isISOControl(c) ? '?' : c);
        }
        return path.length() > 200 ? s.append("...").toString() : s.toString();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
