package org.streamail.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The command-line entry point: parses the options, runs one mode and prints a short block of figures
 * meant to be pasted into an issue or a report. Exit codes: 0 measured; 1 measured but some messages were
 * refused, failed or never arrived (the figures are printed, with a warning); 2 bad command line; 3 the
 * target could not be reached or the tools are missing.
 */
public final class BenchMain {

    static final int EXIT_OK = 0;
    static final int EXIT_INCOMPLETE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;

    private final BenchOptions o;
    private final PrintStream out;
    private final List<String> warnings = new ArrayList<>();

    private BenchMain(BenchOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions o;
        try {
            o = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("streamail-bench: " + e.getMessage());
            err.println("(run with --help for the options)");
            return EXIT_USAGE;
        }
        if (o.mode() == BenchOptions.Mode.HELP) {
            out.print(BenchOptions.USAGE);
            return EXIT_OK;
        }
        try {
            return new BenchMain(o, out).runMode();
        } catch (IllegalArgumentException e) {
            err.println("streamail-bench: " + e.getMessage());
            return EXIT_USAGE;
        } catch (IOException e) {
            err.println("streamail-bench: " + e.getMessage());
            return EXIT_UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("streamail-bench: interrupted");
            return EXIT_INCOMPLETE;
        }
    }

    private int runMode() throws IOException, InterruptedException {
        return switch (o.mode()) {
            case SMTP -> smtpMode();
            case SCAN -> scanMode();
            case CEILING -> ceilingMode();
            case SINK -> sinkMode();
            case CLICK -> clickMode();
            case HELP -> EXIT_OK;
        };
    }

    // ---------------------------------------------------------------- modes

    private int smtpMode() throws IOException, InterruptedException {
        MessageSet messages = messages();
        try (SmtpSink sink = o.sink() ? new SmtpSink(o.sinkBind(), o.sinkPort(), 1024) : null) {
            int sinkPort = sink == null ? -1 : sink.start();
            String host = o.direct() ? o.sinkBind() : o.host();
            int port = o.direct() ? sinkPort : o.port();
            SmtpLoadClient.probe(host, port, o.timeout());
            SmtpFigures f = smtpRun(messages, sink, host, port);
            Report r = header("smtp", messages);
            r.line("target", host + ":" + port + (o.direct() ? " (the built-in sink itself: --direct)" : "")
                    + (sink != null && !o.direct() ? " -> relay to sink " + o.sinkBind() + ":" + sinkPort : ""));
            f.addTo(r);
            r.print(out, warnings);
            return warnings.isEmpty() ? EXIT_OK : EXIT_INCOMPLETE;
        }
    }

    private int scanMode() throws IOException, InterruptedException {
        String password = System.getenv("STREAMAIL_ADMIN_PASSWORD");
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("scan mode needs the admin password in the environment variable "
                    + "STREAMAIL_ADMIN_PASSWORD (it is not taken on the command line, where ps would show it)");
        }
        MessageSet messages = messages();
        ScanLoadClient.Target t = new ScanLoadClient.Target(o.url(), o.user(), password, o.concurrency(), o.from(),
                o.to(), o.timeout());
        new ScanLoadClient(t).probe();
        String runId = runId();
        if (o.warmup() > 0) {
            new ScanLoadClient(t).run(messages, runId + "w", Math.min(o.warmup(), messages.size()));
        }
        ScanLoadClient.Result res = new ScanLoadClient(t).run(messages, runId, o.messages());
        Report r = header("scan", messages);
        r.line("target", o.url() + "/scan  (user " + o.user() + ")");
        r.line("clients", o.concurrency() + " concurrent (java.net.http, HTTP/1.1 keep-alive)");
        r.line("scanned", res.ok() + " / " + res.attempted() + " HTTP 2xx  (errors " + res.errors() + ", statuses "
                + res.statuses() + ")");
        r.line("actions", res.actions().isEmpty() ? "-" : res.actions().toString());
        r.line("scan rate", rate(res.ratePerSecond()) + " scans/s  (" + secs(res.endNanos() - res.startNanos())
                + " s)");
        r.line("scan latency", res.latencies().summary());
        res.errorExamples().forEach((k, v) -> r.line("failure", k + ": " + v));
        if (res.ok() < res.attempted() || res.attempted() < o.messages()) {
            warnings.add((o.messages() - res.ok()) + " of " + o.messages() + " scans did not succeed");
        }
        r.print(out, warnings);
        return warnings.isEmpty() ? EXIT_OK : EXIT_INCOMPLETE;
    }

    private int clickMode() throws IOException, InterruptedException {
        java.net.URI uri = BenchOptions.clickUri(o.url());
        ClickLoadClient.Target t = new ClickLoadClient.Target(uri, o.headers(), o.concurrency(), o.expect(),
                o.timeout());
        int probeStatus = new ClickLoadClient(t).probe();
        if (o.warmup() > 0) {
            new ClickLoadClient(t).run(o.warmup());
        }
        ClickLoadClient.Result res = new ClickLoadClient(t).run(o.messages());
        Report r = new Report("streamail-bench click");
        r.line("when", Instant.now().truncatedTo(ChronoUnit.SECONDS) + "  (" + Runtime.getRuntime()
                .availableProcessors() + " CPUs, Java " + System.getProperty("java.version") + ")");
        StringBuilder target = new StringBuilder("GET ").append(abbreviateUrl(o.url()))
                .append("  (redirects not followed");
        o.headers().forEach(h -> target.append(", ").append(h.getKey()).append(": ").append(h.getValue()));
        r.line("target", target.append(')').toString());
        r.line("clients", o.concurrency() + " concurrent (java.net.http, HTTP/1.1 keep-alive), warm-up "
                + o.warmup() + " + 1 probe (HTTP " + probeStatus + ")");
        r.line("requests", res.answered() + " / " + o.messages() + " answered  (I/O errors " + res.errors()
                + (o.expect() != 0 ? ", not " + o.expect() + ": " + res.unexpected() : ", 5xx " + res.unexpected())
                + ")");
        r.line("statuses", res.statuses().isEmpty() ? "-" : res.statuses().toString());
        res.locations().forEach((where, n) -> r.line("redirects", n + " -> " + abbreviateUrl(where)));
        r.line("rate", rate(res.ratePerSecond()) + " req/s  (" + secs(res.endNanos() - res.startNanos()) + " s)");
        r.line("latency", res.latencies().summary() + "  (request sent -> whole response)");
        res.errorExamples().forEach((k, v) -> r.line("failure", k + ": " + v));
        if (res.answered() < o.messages()) {
            warnings.add((o.messages() - res.answered()) + " of " + o.messages() + " requests got no answer"
                    + (res.attempted() < o.messages() ? " (every client gave up after "
                    + ClickLoadClient.MAX_CONSECUTIVE_FAILURES + " I/O errors in a row)" : ""));
        }
        if (res.unexpected() > 0) {
            warnings.add(res.unexpected() + " answer(s) " + (o.expect() != 0 ? "were not HTTP " + o.expect()
                    : "were HTTP 5xx"));
        }
        r.print(out, warnings);
        return warnings.isEmpty() ? EXIT_OK : EXIT_INCOMPLETE;
    }

    /** A click URL's token is long (and a valid click for whoever holds it): print its ends only. */
    static String abbreviateUrl(String url) {
        return url.length() <= 80 ? url : url.substring(0, 60) + "..." + url.substring(url.length() - 8) + " ("
                + url.length() + " chars)";
    }

    private int ceilingMode() throws IOException, InterruptedException {
        MessageSet messages = messages();
        int size = o.size() > 0 ? o.size() : (int) Math.max(1, messages.averageSize());
        PostfixCeiling.Result ceiling;
        SmtpFigures tool;
        try (PostfixCeiling postfix = PostfixCeiling.start()) {
            ceiling = postfix.measure(o.concurrency(), o.ceilingMessages(), size, o.from(), o.to(),
                    Duration.ofMinutes(30));
            // The same smtp-sink, our client: shows whether the tool itself can drive the gateway.
            tool = smtpRun(messages, null, "127.0.0.1", postfix.port());
        }
        if (tool.result.accepted() < o.messages()) {
            warnings.add("smtp-sink accepted only " + tool.result.accepted() + " of " + o.messages()
                    + " messages from the bench client " + tool.result.failures());
        }
        Report r = header("ceiling", messages);
        r.line("raw ceiling", rate(ceiling.rate()) + " msg/s  Postfix smtp-source -s " + ceiling.sessions() + " -m "
                + ceiling.messages() + " -l " + ceiling.size() + " -d -> smtp-sink ("
                + String.format(Locale.ROOT, "%.2f", ceiling.seconds()) + " s)");
        r.line("bench client", rate(tool.result.acceptRatePerSecond()) + " msg/s  streamail-bench -> smtp-sink, "
                + "same sessions (" + tool.result.latencies().summary() + ")");
        if (o.ceilingOnly()) {
            r.print(out, warnings);
            return warnings.isEmpty() ? EXIT_OK : EXIT_INCOMPLETE;
        }
        try (SmtpSink sink = o.sink() ? new SmtpSink(o.sinkBind(), o.sinkPort(), 1024) : null) {
            int sinkPort = sink == null ? -1 : sink.start();
            String host = o.direct() ? o.sinkBind() : o.host();
            int port = o.direct() ? sinkPort : o.port();
            try {
                SmtpLoadClient.probe(host, port, o.timeout());
            } catch (IOException e) {
                warnings.add("gateway not measured: " + e.getMessage());
                r.print(out, warnings);
                return EXIT_UNREACHABLE;
            }
            SmtpFigures f = smtpRun(messages, sink, host, port);
            r.line("target", host + ":" + port + (sink != null && !o.direct() ? " -> relay to sink "
                    + o.sinkBind() + ":" + sinkPort : ""));
            f.addTo(r);
            double ours = f.endToEndRate() > 0 ? f.endToEndRate() : f.result.acceptRatePerSecond();
            r.line("ratio", String.format(Locale.ROOT, "%.3f", ours / ceiling.rate()) + " of the raw ceiling ("
                    + (f.endToEndRate() > 0 ? "end to end" : "accept rate") + " " + rate(ours) + " / "
                    + rate(ceiling.rate()) + " msg/s)");
        }
        r.print(out, warnings);
        return warnings.isEmpty() ? EXIT_OK : EXIT_INCOMPLETE;
    }

    private int sinkMode() throws IOException, InterruptedException {
        SmtpSink sink = new SmtpSink(o.sinkBind(), o.sinkPort(), 1024);
        int port = sink.start();
        out.println("streamail-bench sink listening on " + o.sinkBind() + ":" + port + " (Ctrl-C to stop)");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SmtpSink.Snapshot s = sink.snapshot();
            out.println("sink total: " + s.totalMessages() + " messages, " + s.totalBytes() + " bytes, "
                    + s.connections() + " connections");
            out.flush();
            stop.countDown();
        }));
        long lastMessages = 0;
        long lastBytes = 0;
        long lastTime = System.nanoTime();
        while (!stop.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
            SmtpSink.Snapshot s = sink.snapshot();
            long now = System.nanoTime();
            if (s.totalMessages() != lastMessages) {
                double secs = (now - lastTime) / 1e9;
                out.printf(Locale.ROOT, "%s  %d messages, %d bytes (%.1f msg/s, %.2f MB/s over the last %.0f s)%n",
                        Instant.now().truncatedTo(ChronoUnit.SECONDS), s.totalMessages(), s.totalBytes(),
                        (s.totalMessages() - lastMessages) / secs, (s.totalBytes() - lastBytes) / secs / 1e6, secs);
                lastMessages = s.totalMessages();
                lastBytes = s.totalBytes();
            }
            lastTime = now;
        }
        return EXIT_OK;
    }

    // ---------------------------------------------------------------- the SMTP run shared by modes

    /** The figures of one measured SMTP run (after the warm-up). */
    private final class SmtpFigures {
        final SmtpLoadClient.Result result;
        final SmtpSink.Snapshot sinkSnapshot; // null without a sink

        SmtpFigures(SmtpLoadClient.Result result, SmtpSink.Snapshot sinkSnapshot) {
            this.result = result;
            this.sinkSnapshot = sinkSnapshot;
        }

        double endToEndRate() {
            if (sinkSnapshot == null || sinkSnapshot.runMessages() == 0) {
                return 0;
            }
            return sinkSnapshot.runMessages() * 1e9 / (sinkSnapshot.lastArrivalNanos() - result.startNanos());
        }

        void addTo(Report r) {
            SmtpLoadClient.Result res = result;
            r.line("sessions", o.concurrency() + " concurrent, up to " + o.perSession() + " messages each ("
                    + res.sessions() + " sessions opened)");
            r.line("accepted", res.accepted() + " / " + res.attempted() + "  (4xx " + res.tempFailed() + ", 5xx "
                    + res.rejected() + ", I/O errors " + res.errors() + ")");
            if (sinkSnapshot != null) {
                SmtpSink.Snapshot s = sinkSnapshot;
                long missing = res.accepted() - s.runMessages();
                r.line("delivered", s.runMessages() + " at the sink  (missing " + Math.max(missing, 0)
                        + ", duplicates " + s.duplicates() + ", tagged " + s.tagged() + ", foreign " + s.foreign()
                        + ")");
                if (s.runMessages() > 0) {
                    long span = s.lastArrivalNanos() - res.startNanos();
                    r.line("end to end", rate(endToEndRate()) + " msg/s  (first send -> last arrival " + secs(span)
                            + " s, " + String.format(Locale.ROOT, "%.1f", s.runBytes() / (span / 1e9) / 1e6)
                            + " MB/s)");
                } else {
                    r.line("end to end", "n/a: nothing of this run arrived at the sink");
                }
                if (missing > 0) {
                    warnings.add(missing + " accepted message(s) did not reach the sink within the drain timeout "
                            + "(quarantined, deferred, or the relay is not pointed at the sink)");
                }
                if (s.duplicates() > 0) {
                    warnings.add(s.duplicates() + " message(s) arrived more than once");
                }
            }
            r.line("accept rate", rate(res.acceptRatePerSecond()) + " msg/s  (" + String.format(Locale.ROOT, "%.1f",
                    res.bytesSent() / 1e6) + " MB sent)");
            r.line("accept latency", res.latencies().summary() + "  (DATA end -> 250)");
            res.failures().forEach((k, v) -> r.line("failure", k + " x" + v + ": " + res.failureExamples().get(k)));
            if (res.attempted() < o.messages()) {
                warnings.add("run stopped after " + res.attempted() + " of " + o.messages() + " messages: every "
                        + "session gave up after " + SmtpLoadClient.MAX_CONSECUTIVE_FAILURES + " I/O errors in a row");
            }
            if (res.accepted() < o.messages()) {
                warnings.add((o.messages() - res.accepted()) + " of " + o.messages() + " messages were not accepted");
            }
        }
    }

    private SmtpFigures smtpRun(MessageSet messages, SmtpSink sink, String host, int port)
            throws InterruptedException {
        SmtpLoadClient.Target t = new SmtpLoadClient.Target(host, port, o.concurrency(), o.perSession(), o.from(),
                o.to(), o.timeout());
        String runId = runId();
        if (o.warmup() > 0) {
            int w = Math.min(o.warmup(), messages.size());
            if (sink != null) {
                sink.expectRun(runId + "w");
            }
            SmtpLoadClient.Result warm = new SmtpLoadClient(t).run(messages, runId + "w", w);
            if (sink != null) {
                sink.awaitRun(warm.accepted(), o.drainTimeout());
            }
        }
        if (sink != null) {
            sink.expectRun(runId);
        }
        SmtpLoadClient.Result res = new SmtpLoadClient(t).run(messages, runId, o.messages());
        SmtpSink.Snapshot snap = sink == null ? null : sink.awaitRun(res.accepted(), o.drainTimeout());
        return new SmtpFigures(res, snap);
    }

    // ---------------------------------------------------------------- helpers

    private MessageSet messages() throws IOException {
        int count = Math.max(o.messages(), o.warmup());
        return o.emlDir() != null ? MessageSet.fromDirectory(o.emlDir(), count)
                : MessageSet.generated(o.seed(), MessageSet.parseMix(o.mix()), count, o.from(), o.to());
    }

    private Report header(String mode, MessageSet messages) {
        Report r = new Report("streamail-bench " + mode);
        r.line("when", Instant.now().truncatedTo(ChronoUnit.SECONDS) + "  (" + Runtime.getRuntime()
                .availableProcessors() + " CPUs, Java " + System.getProperty("java.version") + ")");
        StringBuilder m = new StringBuilder().append(o.messages()).append(" x ").append(messages.description())
                .append(", avg ").append(String.format(Locale.ROOT, "%.1f", messages.averageSize() / 1024.0))
                .append(" KiB");
        if (o.emlDir() == null) {
            m.append(' ').append(messages.countsByKind());
        }
        m.append(", warm-up ").append(o.warmup());
        r.line("messages", m.toString());
        return r;
    }

    private static String runId() {
        byte[] b = new byte[5];
        new SecureRandom().nextBytes(b);
        StringBuilder s = new StringBuilder("r");
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static String rate(double perSecond) {
        return String.format(Locale.ROOT, "%.1f", perSecond);
    }

    private static String secs(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e9);
    }

    /** A titled block of aligned "key  value" lines. */
    static final class Report {
        private final String title;
        private final List<Map.Entry<String, String>> lines = new ArrayList<>();

        Report(String title) {
            this.title = title;
        }

        void line(String key, String value) {
            lines.add(Map.entry(key, value));
        }

        void print(PrintStream out, List<String> warnings) {
            StringBuilder b = new StringBuilder();
            b.append("----- ").append(title).append(" -----\n");
            for (Map.Entry<String, String> l : lines) {
                b.append(String.format(Locale.ROOT, "%-15s %s%n", l.getKey(), l.getValue()));
            }
            for (String w : warnings) {
                b.append(String.format(Locale.ROOT, "%-15s %s%n", "WARNING", w));
            }
            b.append("-".repeat(title.length() + 12)).append('\n');
            out.print(b);
            out.flush();
        }
    }
}
