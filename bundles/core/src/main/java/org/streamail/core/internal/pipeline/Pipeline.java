package org.streamail.core.internal.pipeline;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.streamail.core.internal.parse.MimeParser;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.Scanner;
import org.streamail.core.internal.parse.MalformedMessageException;
import org.streamail.core.internal.parse.MimeParser;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.spool.IdGenerator;

/**
 * The scanning pipeline (PID {@value #PID}): parse, run every bound detector in parallel, each within its
 * time budget, then ask the policy. Registered as {@link Scanner} (for REST, shell, bench) and as itself (for
 * the intake).
 *
 * <p>Detectors are a DS whiteboard (MULTIPLE / DYNAMIC / GREEDY): they may come and go at any time; each scan
 * works on a snapshot of the list. A detector that overruns is interrupted and yields an ERROR finding
 * {@code timeout}; one that throws yields an ERROR finding {@code error}. A mandatory detector that is absent
 * yields an ERROR finding {@code unavailable}, so a message is never judged without it. A message that does
 * not parse, or parts of which were never shown to the detectors (limits), yields a MALFORMED finding by detector
 * {@code core} and at least QUARANTINE. A scan interrupted or met by {@link #close()} yields no verdict at all.
 *
 * <p>Thread-safe: {@link #scan} is called from many threads at once; detectors run on a bounded pool of
 * {@code threads} threads with a bounded queue.
 *
 * <p>Configuration: the raw properties are checked strictly before they are read ({@link ConfigCheck}): a
 * value that does not parse fails the activation naming the property, and an invalid change while active is
 * refused with one ERROR while the previous settings stay; a key nothing reads is logged as a probable typo.
 */
@Component(service = {Scanner.class, Pipeline.class}, configurationPid = Pipeline.PID)
@Designate(ocd = PipelineConfig.class)
public class Pipeline implements Scanner {

    public static final String PID = "org.streamail.pipeline";
    static final String CORE = "core";
    private static final int MAX_FINDINGS_PER_DETECTOR = 1000;
    private static final int QUEUE = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Detector> detectors = List.of();

    private final Policy policy;
    private final MimeParser parser = new MimeParser();
    private final IdGenerator ids = new IdGenerator();
    private volatile PipelineSettings settings;
    private volatile ThreadPoolExecutor executor;
    /**
     * Detector runs that overran their time and were interrupted, and still hold their thread (a detector that
     * ignores interruption: a regex backtracking for minutes, a socket read without timeout), by thread.
     */
    private final java.util.concurrent.ConcurrentHashMap<Thread, Overrun> overruns =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** A detector run past its deadline: its name and when it started. */
    private record Overrun(String detector, long startedNanos) {
    }

    /** At most this many threads are added to the pool in place of ones held by overrunning detectors. */
    static final int MAX_EXTRA_THREADS = 16;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse or is out of range (DS
     *                                  logs it and the component stays inactive until the configuration is fixed)
     */
    @Activate
    public Pipeline(@Reference Policy policy, PipelineConfig config, Map<String, Object> properties) {
        // The other public constructor has three parameters too: DS skips it, as PipelineSettings and List are
        // neither a configuration type nor a reference.
        this(policy, PipelineSettings.of(checked(config, properties)), List.of());
    }

    /** Outside OSGi (tests, bench): a fixed detector list. */
    public Pipeline(Policy policy, PipelineSettings settings, List<Detector> detectors) {
        this.policy = policy;
        this.settings = settings;
        this.detectors = detectors == null ? List.of() : List.copyOf(detectors);
        this.executor = newExecutor(settings.threads());
    }

    /**
     * Applies a changed configuration. An invalid one is refused before anything changes: one ERROR, and the
     * previous settings (and detector threads) stay.
     */
    @Modified
    void modified(PipelineConfig config, Map<String, Object> properties) {
        PipelineSettings previous = settings;
        PipelineSettings next;
        try {
            next = PipelineSettings.of(checked(config, properties));
        } catch (IllegalArgumentException e) {
            LOG.error("Pipeline configuration change refused: {}; keeping the previous configuration ({})",
                    e.getMessage(), previous);
            return;
        }
        settings = next;
        if (next.threads() != previous.threads()) {
            ThreadPoolExecutor old = executor;
            executor = newExecutor(next.threads());
            old.shutdown(); // running detectors finish; their scans still hold the old futures
        }
        LOG.info("Pipeline settings changed: {}", next);
    }

    /** Checks the raw properties ({@link #checkProperties}) before any config method is read; returns config. */
    static PipelineConfig checked(PipelineConfig config, Map<String, ?> properties) {
        checkProperties(properties);
        return config;
    }

    /**
     * Checks the raw properties strictly ({@code threads = 4x} would fail in DS without naming the property) and
     * logs each key nothing reads (a probable typo). Returns those keys.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(PID, PipelineConfig.class, properties);
        unknown.forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", PID, k));
        return unknown;
    }

    @Deactivate
    public void close() {
        executor.shutdownNow();
    }

    /** Replaces the detector list (tests; DS does this itself in OSGi). */
    public void setDetectors(List<Detector> list) {
        detectors = List.copyOf(list);
    }

    public PipelineSettings settings() {
        return settings;
    }

    public Policy policy() {
        return policy;
    }

    /** Names of the detectors bound now. */
    public List<String> detectorNames() {
        List<String> names = new ArrayList<>();
        for (Detector d : detectors) {
            names.add(safeName(d));
        }
        return names;
    }

    /** Why mail cannot be accepted now (a mandatory detector is not bound), or empty. */
    public Optional<String> unavailableReason() {
        List<String> bound = detectorNames();
        for (String m : policy.mandatory()) {
            if (!bound.contains(m)) {
                return Optional.of("mandatory detector '" + m + "' is not available");
            }
        }
        return Optional.empty();
    }

    @Override
    public ScanResult scan(Envelope envelope, byte[] raw) {
        String id = ids.next();
        ScanOutcome o = scan(id, envelope, raw, p -> { });
        return new ScanResult(id, o.messageId(), o.subject(), o.verdict(), o.elapsed());
    }

    /**
     * Scans one message.
     *
     * @param afterParse called with the parsed view (or {@code null} if malformed) before detectors run, e.g.
     *                   to record the message in the log; its exceptions propagate
     * @throws java.util.concurrent.CancellationException if the calling thread is interrupted while detectors
     *                                                    run, or the pipeline was closed (shutdown): there is no
     *                                                    verdict, the caller keeps the message for a later scan
     */
    public ScanOutcome scan(String id, Envelope envelope, byte[] raw, Consumer<ParsedMessage> afterParse) {
        long start = System.nanoTime();
        ParsedMessage parsed;
        try {
            parsed = parser.parse(raw);
        } catch (MalformedMessageException e) {
            afterParse.accept(null);
            Finding f = new Finding(CORE, "malformed", 0.0, Category.MALFORMED, e.getMessage());
            Verdict v = policy.evaluate(List.of(f));
            if (v.action().compareTo(Action.QUARANTINE) < 0) {
                // Whatever category.actions says, a message we cannot read is never delivered.
                v = new Verdict(Action.QUARANTINE, v.score(), v.categories(), v.findings(), "malformed message");
            }
            return new ScanOutcome(null, v, Duration.ofNanos(System.nanoTime() - start));
        }
        afterParse.accept(parsed);
        boolean[] withoutMandatory = {false};
        List<Finding> findings = runDetectors(id, envelope, parsed, raw, withoutMandatory);
        // Structure the parser had to cut was never shown to the detectors: parts past the part limit or
        // nested past the depth limit are where an attacker hides what must not be seen, so that is
        // MALFORMED and at least QUARANTINE (below), never a silent pass. A body text longer
        // than the text limit only shortens what the text rules read: INFO, for the policy to act on.
        boolean uninspected = false;
        if (parsed.truncated()) {
            List<String> hidden = new ArrayList<>();
            for (String d : parsed.defects()) {
                if (d.startsWith(MimeParser.NOT_INSPECTED)) {
                    hidden.add(d.substring(MimeParser.NOT_INSPECTED.length()));
                }
            }
            if (!hidden.isEmpty()) {
                findings.add(new Finding(CORE, "uninspected", 0.0, Category.MALFORMED,
                        clip("parts of the message were not inspected: " + String.join("; ", hidden))));
                uninspected = true;
            } else {
                findings.add(new Finding(CORE, "truncated", 0.0, Category.INFO, clip("inspection limits reached: "
                        + String.join("; ", parsed.defects()))));
            }
        }
        for (org.streamail.api.model.Attachment a : parsed.attachments()) {
            if (!a.decodingProblem().isEmpty()) {
                findings.add(new Finding(CORE, "decoding-problem", 0.0, Category.INFO, clip(a.decodingProblem()),
                        a.part()));
                break;
            }
        }
        Verdict v = policy.evaluate(findings);
        if (uninspected && v.action().compareTo(Action.QUARANTINE) < 0) {
            // As for a message that does not parse: whatever category.actions says (one written without
            // MALFORMED=QUARANTINE), a part no detector saw is never delivered.
            v = new Verdict(Action.QUARANTINE, v.score(), v.categories(), v.findings(),
                    "parts of the message were not inspected");
        }
        return new ScanOutcome(parsed, v, Duration.ofNanos(System.nanoTime() - start), withoutMandatory[0]);
    }

    /** @param withoutMandatory set to true when a mandatory detector was not bound */
    private List<Finding> runDetectors(String id, Envelope envelope, ParsedMessage parsed, byte[] raw,
            boolean[] withoutMandatory) {
        List<Detector> snapshot = detectors; // the list may be replaced at any time; use one version
        PipelineSettings s = settings;
        ThreadPoolExecutor pool = executor;
        replaceHeldThreads(pool, s);
        Instant deadline = Instant.now().plus(s.detectorTimeout());
        Inspection inspection = new Inspection(id, envelope, parsed, Content.of(raw), deadline);
        List<Future<List<Finding>>> futures = new ArrayList<>(snapshot.size());
        List<String> names = new ArrayList<>(snapshot.size());
        List<Finding> findings = new ArrayList<>();
        for (Detector d : snapshot) {
            names.add(safeName(d));
            Future<List<Finding>> f = null;
            // A change of `threads` shuts the pool this scan took down and puts a new one in its place: submit
            // there, else every detector not yet submitted became "not run" and the message was judged without it.
            for (int tries = 0; f == null && tries < 3; tries++) {
                try {
                    f = pool.submit(new DetectorRun(safeName(d), () -> d.inspect(inspection)));
                } catch (RejectedExecutionException e) {
                    if (!pool.isShutdown()) {
                        break; // the queue is full: "not run", an ERROR finding
                    }
                    if (executor == pool) {
                        // Deactivated (shutdown): no verdict from detectors that were not run; the caller keeps
                        // the message for a later scan, as for an interrupted scan.
                        for (Future<List<Finding>> g : futures) {
                            if (g != null) {
                                g.cancel(true);
                            }
                        }
                        throw new CancellationException("scan of " + id + ": the pipeline is shutting down");
                    }
                    pool = executor;
                }
            }
            futures.add(f);
        }
        long deadlineNanos = System.nanoTime() + s.detectorTimeout().toNanos();
        for (int i = 0; i < futures.size(); i++) {
            String name = names.get(i);
            Future<List<Finding>> f = futures.get(i);
            if (f == null) {
                findings.add(error(name, "error", "pipeline overloaded: detector not run"));
                continue;
            }
            try {
                List<Finding> result = f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (result == null) {
                    findings.add(error(name, "error", "detector returned null"));
                    continue;
                }
                int n = 0;
                for (Finding x : result) {
                    if (x != null && n++ < MAX_FINDINGS_PER_DETECTOR) {
                        findings.add(x);
                    }
                }
            } catch (TimeoutException e) {
                f.cancel(true);
                if (f instanceof DetectorFuture df) {
                    df.overran();
                }
                findings.add(error(name, "timeout", "no answer within " + s.detectorTimeout().toMillis() + " ms"));
            } catch (ExecutionException e) {
                Throwable c = e.getCause() == null ? e : e.getCause();
                LOG.warn("Detector {} failed on message {}", name, id, c);
                findings.add(error(name, "error", c.getClass().getSimpleName()
                        + (c.getMessage() == null ? "" : ": " + c.getMessage())));
            } catch (CancellationException e) {
                findings.add(error(name, "error", "cancelled"));
            } catch (InterruptedException e) {
                // Shutting down (the intake's workers are interrupted): the detectors were not heard, so there is
                // no verdict to give. One judged from "scan interrupted" errors was DELIVER without mandatory
                // detectors, and the message was delivered unscanned; now it stays spooled and is scanned again.
                Thread.currentThread().interrupt();
                for (int k = i; k < futures.size(); k++) {
                    if (futures.get(k) != null) {
                        futures.get(k).cancel(true);
                    }
                }
                throw new CancellationException("scan of " + id + " interrupted");
            }
        }
        for (String m : policy.mandatory()) {
            if (!names.contains(m)) {
                findings.add(error(m, "unavailable", "mandatory detector '" + m + "' is not bound"));
                withoutMandatory[0] = true;
            }
        }
        return findings;
    }

    private static String clip(String s) {
        return s.length() > 500 ? s.substring(0, 500) : s;
    }

    private static Finding error(String detector, String rule, String detail) {
        String d = detail.length() > 500 ? detail.substring(0, 500) : detail;
        return new Finding(detector, rule, 0.0, Category.ERROR, d);
    }

    private static String safeName(Detector d) {
        try {
            String n = d.name();
            return n == null || n.isBlank() ? d.getClass().getName() : n.toLowerCase(Locale.ROOT);
        } catch (RuntimeException e) {
            return d.getClass().getName();
        }
    }

    /**
     * Detectors that overran their time and still hold a thread: one line each (name, seconds, threads), for the
     * gateway's status; empty when none.
     */
    public List<String> overrunningDetectors() {
        long now = System.nanoTime();
        java.util.Map<String, long[]> byName = new java.util.TreeMap<>();
        for (Overrun o : overruns.values()) {
            long[] v = byName.computeIfAbsent(o.detector(), k -> new long[2]);
            v[0]++;
            v[1] = Math.max(v[1], TimeUnit.NANOSECONDS.toSeconds(now - o.startedNanos()));
        }
        List<String> out = new ArrayList<>();
        byName.forEach((name, v) -> out.add("detector '" + name + "' ignores interruption: " + v[0]
                + " run(s) still going past their time (longest " + v[1] + " s), each holding a detector thread"));
        return out;
    }

    /**
     * Keeps {@code threads} threads free for detectors: a thread held by a run that overran and ignores its
     * interruption is replaced by an extra one (at most {@link #MAX_EXTRA_THREADS}), and given back once the run
     * ends. Without it, a few such runs took every thread, and from then on every detector timed out on every
     * message: mandatory ones sent all mail to the quarantine, the others let it through unscanned.
     */
    private void replaceHeldThreads(ThreadPoolExecutor pool, PipelineSettings s) {
        int held = Math.min(overruns.size(), MAX_EXTRA_THREADS);
        int wanted = s.threads() + held;
        if (pool.getMaximumPoolSize() != wanted && !pool.isShutdown()) {
            synchronized (pool) {
                if (wanted > pool.getMaximumPoolSize()) {
                    pool.setMaximumPoolSize(wanted);
                    pool.setCorePoolSize(wanted);
                    LOG.warn("Detector threads: {} held by overrunning detector runs ({}); running with {} threads",
                            held, overrunningDetectors(), wanted);
                } else if (wanted < pool.getMaximumPoolSize()) {
                    pool.setCorePoolSize(wanted);
                    pool.setMaximumPoolSize(wanted);
                }
            }
        }
    }

    /** A detector's run, known by its thread while it overruns. */
    private final class DetectorRun implements java.util.concurrent.Callable<List<Finding>> {
        private final String name;
        private final java.util.concurrent.Callable<List<Finding>> work;
        private volatile Thread thread;
        private volatile long startedNanos;
        private volatile Overrun overran;
        private volatile boolean finished;

        DetectorRun(String name, java.util.concurrent.Callable<List<Finding>> work) {
            this.name = name;
            this.work = work;
        }

        @Override
        public List<Finding> call() throws Exception {
            thread = Thread.currentThread();
            startedNanos = System.nanoTime();
            try {
                return work.call();
            } finally {
                finished = true;
                Overrun o = overran;
                if (o != null) {
                    overruns.remove(thread, o);
                    LOG.warn("Detector {} ended {} ms after it started, past its time", name,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
                }
                thread = null;
            }
        }

        /** Called once the run's deadline passed and it was interrupted: counted while it still holds its thread. */
        void overran() {
            Thread t = thread;
            if (t != null && !finished) {
                Overrun o = new Overrun(name, startedNanos);
                overran = o;
                overruns.put(t, o);
                if (finished) { // it ended meanwhile: its end may not have seen the mark
                    overruns.remove(t, o);
                }
            }
        }
    }

    /** The future of a {@link DetectorRun}, through which an overrun is reported. */
    private static final class DetectorFuture extends java.util.concurrent.FutureTask<List<Finding>> {
        private final DetectorRun run;

        DetectorFuture(DetectorRun run) {
            super(run);
            this.run = run;
        }

        void overran() {
            run.overran();
        }
    }

    private static ThreadPoolExecutor newExecutor(int threads) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE), r -> {
                    Thread t = new Thread(r, "streamail-detector-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }) {
            @Override
            @SuppressWarnings("unchecked")
            protected <T> java.util.concurrent.RunnableFuture<T> newTaskFor(java.util.concurrent.Callable<T> task) {
                return task instanceof Pipeline.DetectorRun run ? (java.util.concurrent.RunnableFuture<T>) new DetectorFuture(run)
                        : super.newTaskFor(task);
            }
        };
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
