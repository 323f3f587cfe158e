package org.streamail.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * POSTs a run's messages to the gateway's {@code /scan} endpoint ({@code Content-Type: message/rfc822},
 * HTTP Basic) from {@code concurrency} threads sharing one keep-alive {@link HttpClient}, and measures the
 * latency from sending the request to having the whole response. Each message is posted once; failures are
 * counted by status, never retried. A worker stops after {@value #MAX_CONSECUTIVE_FAILURES} I/O errors in a
 * row. One instance per run.
 */
final class ScanLoadClient {

    static final int MAX_CONSECUTIVE_FAILURES = 5;
    private static final Pattern ACTION = Pattern.compile("\"action\"\\s*:\\s*\"([A-Za-z_]{1,32})\"");
    private static final int MAX_BODY_INSPECTED = 64 * 1024;

    /** Where and how to post; {@code baseUrl} is the API root, e.g. http://127.0.0.1:8181/streamail/api/v1. */
    record Target(String baseUrl, String user, String password, int concurrency, String sender, String rcpt,
                  Duration timeout) {
    }

    /**
     * What happened.
     *
     * @param statuses HTTP status → count
     * @param actions  verdict action in 2xx responses → count ("?" when the body had none)
     */
    record Result(int attempted, long ok, long errors, long startNanos, long endNanos, Latencies latencies,
                  Map<Integer, Long> statuses, Map<String, Long> actions, Map<String, String> errorExamples) {

        double ratePerSecond() {
            long span = endNanos - startNanos;
            return span <= 0 ? 0 : ok * 1e9 / span;
        }
    }

    private final Target target;
    private final HttpClient http;
    private final String authorization;
    private final URI scanUri;
    private final AtomicInteger next = new AtomicInteger();
    private final LongAdder ok = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> actions = new ConcurrentHashMap<>();
    private final Map<String, String> errorExamples = new ConcurrentHashMap<>();
    private final AtomicBoolean used = new AtomicBoolean();

    ScanLoadClient(Target target) {
        this.target = target;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance: plain keep-alive like a script
                .connectTimeout(Duration.ofMillis(Math.min(target.timeout().toMillis(), 30_000)))
                .build();
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (target.user() + ":" + target.password()).getBytes(StandardCharsets.UTF_8));
        this.scanUri = URI.create(stripSlash(target.baseUrl()) + "/scan?sender=" + enc(target.sender())
                + "&rcpt=" + enc(target.rcpt()) + "&client_ip=127.0.0.1");
    }

    /**
     * Calls {@code GET /health} once, so a gateway that is down, a wrong URL or a wrong password give one
     * clear error before the run.
     */
    void probe() throws IOException, InterruptedException {
        URI health = URI.create(stripSlash(target.baseUrl()) + "/health");
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(health).timeout(target.timeout())
                    .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IOException("nothing answers at " + health + " (" + e + "); is the gateway running?", e);
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new IOException(health + " refused user '" + target.user() + "' (HTTP " + r.statusCode()
                    + "); set STREAMAIL_ADMIN_PASSWORD to the gateway's admin password");
        }
        if (r.statusCode() == 404) {
            throw new IOException(health + " is 404: no Streamail REST API at " + target.baseUrl());
        }
        if (r.statusCode() / 100 != 2) {
            String body = r.body() == null ? "" : r.body();
            throw new IOException("the gateway is not ready: " + health + " answered HTTP " + r.statusCode() + " "
                    + (body.length() > 300 ? body.substring(0, 300) + "..." : body));
        }
    }

    Result run(MessageSet messages, String runId, int count) throws InterruptedException {
        if (!used.compareAndSet(false, true)) {
            throw new IllegalStateException("a ScanLoadClient runs once");
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
            }, "scan-client-" + w);
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
        Map<String, Long> a = new TreeMap<>();
        actions.forEach((k, v) -> a.put(k, v.sum()));
        return new Result(Math.min(next.get(), count), ok.sum(), errors.sum(), start, end,
                Latencies.merge(perWorker), s, a, new TreeMap<>(errorExamples));
    }

    private void work(MessageSet messages, String runId, int count, Latencies latencies) throws InterruptedException {
        int consecutiveFailures = 0;
        while (true) {
            int seq = next.getAndIncrement();
            if (seq >= count) {
                return;
            }
            byte[] prefix = messages.prefix(runId, seq);
            byte[] raw = messages.template(seq).raw();
            byte[] body = new byte[prefix.length + raw.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            System.arraycopy(raw, 0, body, prefix.length, raw.length);
            HttpRequest request = HttpRequest.newBuilder(scanUri).timeout(target.timeout())
                    .header("Authorization", authorization)
                    .header("Content-Type", "message/rfc822")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            long t0 = System.nanoTime();
            HttpResponse<byte[]> r;
            try {
                r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
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
            statuses.computeIfAbsent(r.statusCode(), k -> new LongAdder()).increment();
            String text = new String(r.body(), 0, Math.min(r.body().length, MAX_BODY_INSPECTED),
                    StandardCharsets.UTF_8);
            if (r.statusCode() / 100 == 2) {
                ok.increment();
                latencies.record(t1 - t0);
                actions.computeIfAbsent(action(text), k -> new LongAdder()).increment();
            } else {
                errorExamples.putIfAbsent("HTTP " + r.statusCode(),
                        text.length() > 160 ? text.substring(0, 160) + "..." : text);
            }
        }
    }

    /** The verdict's action from the JSON body, or "?" if there is none. */
    static String action(String json) {
        Matcher m = ACTION.matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
