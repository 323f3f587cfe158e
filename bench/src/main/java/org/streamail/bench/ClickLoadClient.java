package org.streamail.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.LongAdder;

/**
 * GETs one click URL ({@code <base.url>/streamail/click/<token>}) {@code count} times from
 * {@code concurrency} threads sharing one keep-alive {@link HttpClient} (HTTP/1.1, redirects never
 * followed: the 302 of a clean link is the answer being measured, not the site behind it), and measures the
 * latency from sending the request to having the whole response. Every answer counts, whatever its status
 * (a 403 block page is as much an answer as a 302); statuses are counted, nothing is retried. A worker stops
 * after {@value #MAX_CONSECUTIVE_FAILURES} I/O errors in a row. One instance per run; {@link #run} blocks
 * the calling thread until all requests are done.
 */
final class ClickLoadClient {

    static final int MAX_CONSECUTIVE_FAILURES = 5;
    /** Distinct redirect targets kept; further ones are counted under "(other)". */
    static final int MAX_LOCATIONS = 8;
    private static final int MAX_EXAMPLE = 160;

    /**
     * What to request.
     *
     * @param uri         the click URL
     * @param headers     extra header lines sent with every request (already validated), never null
     * @param concurrency threads, each with at most one request in flight
     * @param expect      the status every answer should have, or 0 for "any but 5xx"
     */
    record Target(URI uri, List<Map.Entry<String, String>> headers, int concurrency, int expect, Duration timeout) {
        Target {
            headers = List.copyOf(headers);
        }
    }

    /**
     * What happened.
     *
     * @param attempted  requests sent (answered or failed)
     * @param answered   requests that got a whole HTTP response, any status
     * @param unexpected answered with a status other than {@code expect} (or 5xx when nothing is expected)
     * @param statuses   HTTP status → count
     * @param locations  Location of 3xx answers → count, at most {@value #MAX_LOCATIONS} + "(other)"
     */
    record Result(int attempted, long answered, long unexpected, long errors, long startNanos, long endNanos,
                  Latencies latencies, Map<Integer, Long> statuses, Map<String, Long> locations,
                  Map<String, String> errorExamples) {

        double ratePerSecond() {
            long span = endNanos - startNanos;
            return span <= 0 ? 0 : answered * 1e9 / span;
        }
    }

    private final Target target;
    private final HttpClient http;
    private final HttpRequest request;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder answered = new LongAdder();
    private final LongAdder unexpected = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> locations = new ConcurrentHashMap<>();
    private final Map<String, String> errorExamples = new ConcurrentHashMap<>();
    private final AtomicBoolean used = new AtomicBoolean();

    ClickLoadClient(Target target) {
        this.target = target;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // plain keep-alive, as a browser without h2 would
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofMillis(Math.min(target.timeout().toMillis(), 30_000)))
                .build();
        HttpRequest.Builder b = HttpRequest.newBuilder(target.uri()).timeout(target.timeout()).GET();
        target.headers().forEach(h -> b.header(h.getKey(), h.getValue()));
        this.request = b.build(); // immutable, shared by all workers
    }

    /**
     * Sends the request once (not counted), so a gateway that is down or a URL with no click endpoint give
     * one clear error before the run. A bad link's probe is a click like any other (recorded, alerted).
     *
     * @return the probe's status
     */
    int probe() throws IOException, InterruptedException {
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new IOException("nothing answers at " + target.uri().getScheme() + "://"
                    + target.uri().getRawAuthority() + " (" + e + "); is the gateway running?", e);
        }
        if (r.statusCode() == 404) {
            throw new IOException("HTTP 404 for the click URL: no click endpoint at " + target.uri().getRawPath()
                    .replaceFirst("/[^/]*$", "/") + " (is the linkguard bundle running?)");
        }
        return r.statusCode();
    }

    Result run(int count) throws InterruptedException {
        if (!used.compareAndSet(false, true)) {
            throw new IllegalStateException("a ClickLoadClient runs once");
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
                    work(count, l);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "click-client-" + w);
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
        Map<Integer, Long> s = new TreeMap<>();
        statuses.forEach((k, v) -> s.put(k, v.sum()));
        Map<String, Long> loc = new TreeMap<>();
        locations.forEach((k, v) -> loc.put(k, v.sum()));
        return new Result(Math.min(next.get(), count), answered.sum(), unexpected.sum(), errors.sum(), start, end,
                Latencies.merge(perWorker), s, loc, new TreeMap<>(errorExamples));
    }

    private void work(int count, Latencies latencies) throws InterruptedException {
        int consecutiveFailures = 0;
        while (true) {
            int seq = next.getAndIncrement();
            if (seq >= count) {
                return;
            }
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r;
            try {
                r = http.send(request, HttpResponse.BodyHandlers.ofByteArray()); // the whole body is read
            } catch (IOException e) {
                errors.increment();
                errorExamples.putIfAbsent("IO " + e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
                if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
                    return;
                }
                continue;
            }
            long t1 = System.nanoTime();
            consecutiveFailures = 0;
            answered.increment();
            latencies.record(t1 - t0);
            int status = r.statusCode();
            statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
            if (status / 100 == 3) {
                String where = r.headers().firstValue("Location").orElse("(no Location)");
                LongAdder c = locations.get(where);
                if (c == null) {
                    synchronized (locations) { // a new key: check the bound and add in one step
                        c = locations.size() < MAX_LOCATIONS || locations.containsKey(where)
                                ? locations.computeIfAbsent(where, k -> new LongAdder())
                                : locations.computeIfAbsent("(other)", k -> new LongAdder());
                    }
                }
                c.increment();
            }
            if (target.expect() != 0 ? status != target.expect() : status >= 500) {
                unexpected.increment();
                String text = new String(r.body(), 0, Math.min(r.body().length, 4 * MAX_EXAMPLE),
                        StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
                errorExamples.putIfAbsent("HTTP " + status,
                        text.length() > MAX_EXAMPLE ? text.substring(0, MAX_EXAMPLE) + "..." : text);
            }
        }
    }
}
