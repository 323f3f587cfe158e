package org.streamail.detect.clamav.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The clamd host's address, looked up within a deadline. {@link InetAddress#getByName} cannot be interrupted
 * or given a timeout, and a resolver that does not answer blocks it for the resolver's own timeout (seconds,
 * times retries and name servers). So each lookup runs on a small pool of daemon threads, at most
 * {@value #MAX_LOOKUPS} at a time, and the scanning thread waits for it at most the time it has left.
 *
 * <p>A lookup still running, started less than one part's timeout ago, is joined instead of starting another
 * (several pipeline threads meeting an expired DNS cache entry share one lookup). One that has run longer is
 * taken for hung: it is left to finish on its thread, and a new one is started while the pool has a free
 * thread. When every thread is held by a lookup that has not returned, the answer is an
 * {@link UnknownHostException} at once: a resolver that never answers costs at most {@value #MAX_LOOKUPS}
 * threads, never one per scan.
 *
 * <p>A literal address (IPv4 dotted quad, or IPv6 with or without brackets) is parsed once, at construction,
 * and never goes through the resolver. Thread-safe; {@link #close} stops the pool (a later lookup fails).
 */
final class HostLookup implements AutoCloseable {
    /** Concurrent lookups at most; further scans answer at once while all of them are pending. */
    static final int MAX_LOOKUPS = 2;
    private static final Pattern IPV4 = Pattern.compile("(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}"
            + "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");

    /** Looks a host name up; the JDK's {@link InetAddress#getByName} unless a test puts another in. */
    @FunctionalInterface
    interface Resolver {
        InetAddress resolve(String host) throws UnknownHostException;
    }

    private record Pending(CompletableFuture<InetAddress> result, long startedNanos) {
    }

    private final String host;
    private final InetAddress literal;
    private final Resolver resolver;
    private final long joinNanos;
    private final ThreadPoolExecutor pool;
    private Pending pending; // guarded by this

    /**
     * @param joinWindow how long a pending lookup is joined rather than taken for hung (one part's timeout)
     * @throws IllegalArgumentException when {@code host} looks like an IPv6 literal (it has a ':') but is not one
     */
    HostLookup(String host, Resolver resolver, Duration joinWindow) {
        this.host = host;
        this.resolver = resolver;
        this.joinNanos = joinWindow.toNanos();
        this.literal = literal(host);
        if (literal != null) {
            this.pool = null;
        } else {
            this.pool = new ThreadPoolExecutor(0, MAX_LOOKUPS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "streamail-clamd-lookup");
                t.setDaemon(true);
                return t;
            });
        }
    }

    /** The address of a literal host, parsed without any lookup; {@code null} for a host name. */
    static InetAddress literal(String host) {
        if (host == null) {
            return null;
        }
        try {
            if (IPV4.matcher(host).matches()) {
                String[] parts = host.split("\\.");
                byte[] b = new byte[4];
                for (int i = 0; i < 4; i++) {
                    b[i] = (byte) Integer.parseInt(parts[i]);
                }
                return InetAddress.getByAddress(host, b);
            }
            if (host.indexOf(':') >= 0) {
                // With a ':' the JDK parses an IPv6 literal and never asks DNS (InetAddress.getByName).
                return InetAddress.getByName(host);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("clamav: host '" + host + "' is not a valid IP address", e);
        }
        return null;
    }

    boolean isLiteral() {
        return literal != null;
    }

    /**
     * The host's address, waiting at most {@code budget}.
     *
     * @throws UnknownHostException when it does not resolve, is not resolved within {@code budget}, or every
     *                              lookup thread is held by an earlier lookup that has not returned
     * @throws InterruptedIOException when the scanning thread is interrupted (the pipeline's own deadline)
     */
    InetAddress resolve(Duration budget) throws IOException {
        if (literal != null) {
            return literal;
        }
        CompletableFuture<InetAddress> lookup = lookup();
        try {
            return lookup.get(Math.max(1, budget.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new UnknownHostException("the name " + host + " was not resolved within " + budget.toMillis()
                    + " ms (DNS not answering)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while resolving " + host);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UnknownHostException u) {
                throw u;
            }
            throw new UnknownHostException("cannot resolve " + host + ": " + c);
        }
    }

    /** The pending lookup to wait for: a recent one still running, else a new one. */
    private synchronized CompletableFuture<InetAddress> lookup() throws UnknownHostException {
        long now = System.nanoTime();
        if (pending != null && !pending.result.isDone() && now - pending.startedNanos < joinNanos) {
            return pending.result;
        }
        CompletableFuture<InetAddress> result = new CompletableFuture<>();
        try {
            pool.execute(() -> {
                try {
                    result.complete(resolver.resolve(host));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (RejectedExecutionException e) {
            if (pool.isShutdown()) {
                throw new UnknownHostException("the clamav detector is deactivated");
            }
            throw new UnknownHostException("the name " + host + " was not resolved: " + MAX_LOOKUPS
                    + " earlier lookups have not returned yet (DNS not answering)");
        }
        pending = new Pending(result, now);
        return result;
    }

    /** Lookup threads alive now (for tests: never more than {@value #MAX_LOOKUPS}). */
    int threads() {
        return pool == null ? 0 : pool.getPoolSize();
    }

    /** The most lookup threads ever alive at once. */
    int largestThreads() {
        return pool == null ? 0 : pool.getLargestPoolSize();
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
