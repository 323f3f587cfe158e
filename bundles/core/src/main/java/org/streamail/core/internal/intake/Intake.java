package org.streamail.core.internal.intake;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Action;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.MessageLog;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineStore;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.transform.Transformers;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.pipeline.ScanOutcome;
import org.streamail.core.internal.spool.IdGenerator;
import org.streamail.core.internal.spool.ReleaseKeys;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.spool.SpoolException;

/**
 * Where SMTP listeners hand messages ({@link MessageIntake}). Spools each message durably, scans it within
 * {@code smtp.budget.ms} while the client waits, answers, and finishes after the reply: QUARANTINE goes to
 * the {@link QuarantineStore}, DELIVER and TAG to {@link Delivery}. REJECT in budget removes the spool entry
 * and answers 550; a verdict that arrives after the budget was spent (250 already sent) can no longer be a
 * rejection and ends in quarantine instead of a bounce.
 *
 * <p>On activation it re-processes every spool entry that delivery did not resume (received but not yet
 * decided at the crash): scanned again, then routed the same way; store calls are idempotent on the id, so a
 * message held twice is held once. Routing failures (store down) are retried with backoff; the entry stays
 * in the spool until it reaches quarantine or delivery.
 *
 * <p>Thread-safe: {@link #receive} runs on many session threads; scans run on a worker pool.
 */
@Component(service = {MessageIntake.class, Intake.class}, immediate = true)
public class Intake implements MessageIntake {

    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
    private static final int MAX_WORKERS = 128;
    private static final Duration UNAVAILABLE_RECHECK = Duration.ofSeconds(1);
    private static final Duration MAX_ROUTE_RETRY = Duration.ofMinutes(5);

    private final Pipeline pipeline;
    private final Spool spool;
    private final Delivery delivery;
    private final QuarantineStore quarantine;
    private final MessageLog log;
    private final Transformers transformers;
    private final IdGenerator ids = new IdGenerator();
    private final ThreadPoolExecutor workers;
    private final ScheduledThreadPoolExecutor retries;
    /** Spool keys this intake is working on (claimed), so {@link #close()} can give them back. */
    private final Set<String> owned = ConcurrentHashMap.newKeySet();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong tempFailed = new AtomicLong();
    private final AtomicLong late = new AtomicLong();
    private final Map<Action, AtomicLong> byAction = new EnumMap<>(Action.class);
    /** How long {@link #close()} waits for scans and routing in progress; shorter in tests. */
    volatile Duration closeWait = Duration.ofSeconds(10);

    /** Tests only: runs on the SMTP thread after a refusal is decided, before the entry is dropped. */
    volatile Runnable beforeRefusal = () -> { };
    /**
     * Hand-overs of an entry (to delivery, to the quarantine, or replacing its spooled bytes) hold the read lock;
     * {@link #close()} takes the write lock to set {@link #closed}. So once close has given the claims back, no
     * worker of this intake hands an entry on any more: a scan still running at the restart used to go on and
     * deliver the message while the next intake scanned and delivered it again.
     */
    private final java.util.concurrent.locks.ReentrantReadWriteLock handing =
            new java.util.concurrent.locks.ReentrantReadWriteLock();
    /** Keys in a hand-over now; close keeps their claims when it cannot wait for them (a hung store). */
    private final Set<String> handingOver = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    @Activate
    public Intake(@Reference Pipeline pipeline, @Reference Spool spool, @Reference Delivery delivery,
            @Reference QuarantineStore quarantine, @Reference MessageLog log, @Reference Transformers transformers) {
        this(pipeline, spool, delivery, quarantine, log, transformers, true);
    }

    /**
     * Without transformers (tests). A factory, not a constructor: DS looks at every public constructor with
     * as many parameters as the activation constructor and logs an error for one it cannot fill.
     *
     * @param recover whether to re-process the spool now (DS: yes)
     */
    public static Intake withoutTransformers(Pipeline pipeline, Spool spool, Delivery delivery,
            QuarantineStore quarantine, MessageLog log, boolean recover) {
        return new Intake(pipeline, spool, delivery, quarantine, log, new Transformers(), recover);
    }

    /** @param recover whether to re-process the spool now (DS: yes) */
    public Intake(Pipeline pipeline, Spool spool, Delivery delivery, QuarantineStore quarantine, MessageLog log,
            Transformers transformers, boolean recover) {
        this.pipeline = pipeline;
        this.transformers = transformers;
        this.spool = spool;
        this.delivery = delivery;
        this.quarantine = quarantine;
        this.log = log;
        for (Action a : Action.values()) {
            byAction.put(a, new AtomicLong());
        }
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(2, MAX_WORKERS, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "streamail-intake-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.CallerRunsPolicy()); // saturated: the session thread scans itself
        this.retries = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "streamail-intake-retry");
            t.setDaemon(true);
            return t;
        });
        if (recover) {
            recover();
        }
    }

    /**
     * Stops: waits up to {@link #closeWait} for scans and routing in progress, then (also bounded by it) for
     * hand-overs in progress, and gives back the claims of the entries this intake still has. A worker that is
     * still scanning after that hands nothing on: the entry is the next intake's, which scans it again. The claim
     * of an entry whose hand-over could not be waited for (the store hangs) is kept by that hand-over, so nobody
     * works on it twice; it finishes or is left for the next start.
     */
    @Deactivate
    public void close() {
        retries.shutdownNow();
        workers.shutdown();
        boolean interrupted = false;
        try {
            workers.awaitTermination(closeWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        java.util.concurrent.locks.Lock lock = handing.writeLock();
        boolean locked = false;
        try {
            locked = !interrupted && lock.tryLock(closeWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        closed = true;
        Set<String> busy = Set.copyOf(handingOver);
        if (locked) {
            lock.unlock();
        }
        workers.shutdownNow();
        for (String key : owned) {
            if (busy.contains(key)) {
                LOG.warn("Intake closing while {} is still being handed on; its claim stays with that step", key);
            } else {
                spool.unclaim(key);
            }
        }
        owned.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A step that hands an entry on. */
    @FunctionalInterface
    private interface HandOver {
        void run() throws SpoolException;
    }

    /**
     * Runs a hand-over of {@code entry} unless this intake has closed (then the next intake has the entry).
     *
     * @return whether it ran
     */
    private boolean handOver(SpoolEntry entry, HandOver step) throws SpoolException {
        java.util.concurrent.locks.Lock lock = handing.readLock();
        lock.lock();
        try {
            if (closed) {
                LOG.info("{} was decided after the intake closed; not handed on here (the next start scans it)",
                        entry.id());
                return false;
            }
            handingOver.add(entry.key());
            try {
                step.run();
            } finally {
                handingOver.remove(entry.key());
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Gives an entry back to the spool, unless this intake has closed (its claims went back then). */
    private void release(String key) {
        owned.remove(key);
        if (!closed) {
            spool.unclaim(key);
        }
    }

    @Override
    public Optional<String> unavailableReason() {
        return pipeline.unavailableReason();
    }

    @Override
    public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
        Optional<String> unavailable = pipeline.unavailableReason();
        if (unavailable.isPresent()) {
            tempFailed.incrementAndGet();
            return new IntakeResult("", IntakeResult.Outcome.TEMPORARY_FAILURE,
                    SmtpReply.of(451, "4.7.0", unavailable.get() + ", try again later"), null);
        }
        long max = pipeline.settings().maxMessageBytes();
        byte[] read = readBounded(data, max);
        if (read == null) {
            return new IntakeResult("", IntakeResult.Outcome.REJECTED,
                    SmtpReply.of(552, "5.3.4", "message larger than " + max + " bytes"), null);
        }
        // only the gateway writes X-Streamail-* fields: those a message from outside brought are renamed (ForeignFields)
        byte[] raw = envelope.direction() == Direction.INBOUND && envelope.authenticatedUser() == null
                ? ForeignFields.neutralise(read) : read;
        String id = ids.next();
        SpoolEntry entry;
        try {
            entry = spool.write(id, id, envelope, null, raw);
        } catch (SpoolException e) {
            tempFailed.incrementAndGet();
            LOG.error("Spool write failed, answering 451: {}", e.getMessage());
            return new IntakeResult("", IntakeResult.Outcome.TEMPORARY_FAILURE,
                    SmtpReply.of(451, "4.3.0", "temporary local problem, try again later"), null);
        }
        owned.add(id);
        received.incrementAndGet();
        CompletableFuture<ScanOutcome> scan;
        try {
            scan = CompletableFuture.supplyAsync(() -> pipeline.scan(id, envelope, raw,
                    parsed -> logReceived(id, envelope, parsed, raw.length)), workers);
        } catch (RejectedExecutionException e) {
            // Shutting down: the message is spooled; the next start scans it.
            return accepted(id, null);
        }
        ScanOutcome outcome;
        try {
            outcome = scan.get(pipeline.settings().smtpBudget().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            late.incrementAndGet();
            LOG.info("Scan of {} exceeded the SMTP budget; accepting and finishing after the reply", id);
            scan.whenCompleteAsync((o, ex) -> afterScan(entry, raw, o, ex, 0), workers);
            return accepted(id, null);
        } catch (ExecutionException e) {
            LOG.error("Scan of {} failed; it stays spooled and is retried", id, e.getCause());
            scheduleRescan(entry, 1);
            return accepted(id, null);
        }
        Verdict v = outcome.verdict();
        if (outcome.withoutMandatory()) {
            // A mandatory detector left between the check above and the scan (a bundle update): we have not
            // answered yet, so refuse for now rather than judge without it; the client retries.
            if (!dropRefused(entry, "Refused")) {
                return accepted(id, null); // the intake closed meanwhile: the entry is the next intake's
            }
            tempFailed.incrementAndGet();
            String why = pipeline.unavailableReason().orElse("a mandatory detector went away during the scan");
            status(id, DeliveryStatus.REJECTED, "451 4.7.0 " + why);
            return new IntakeResult(id, IntakeResult.Outcome.TEMPORARY_FAILURE,
                    SmtpReply.of(451, "4.7.0", why + ", try again later"), null);
        }
        if (v.action() == Action.REJECT) {
            if (!dropRefused(entry, "Rejected")) {
                return accepted(id, null); // the intake closed meanwhile: the next intake holds it (never bounces)
            }
            byAction.get(Action.REJECT).incrementAndGet();
            decided(id, v);
            status(id, DeliveryStatus.REJECTED, v.reason());
            return new IntakeResult(id, IntakeResult.Outcome.REJECTED,
                    SmtpReply.of(550, "5.7.1", rejectText(v, id)), v);
        }
        try {
            workers.execute(() -> route(entry, raw, outcome, 0));
        } catch (RejectedExecutionException e) {
            // shutting down: spooled, the next start finishes it
        }
        return accepted(id, v);
    }

    /**
     * Takes a message refused during the SMTP transaction off the spool, as a hand-over: when this intake has
     * closed meanwhile (a configuration update), its claim went back and the next intake may be scanning the entry
     * already, so it is left to that intake and the client is told 250 rather than a refusal that a delivery of the
     * same entry would contradict.
     *
     * @return whether the entry was dropped (false: the intake closed, the entry is the next intake's)
     */
    private boolean dropRefused(SpoolEntry entry, String what) {
        beforeRefusal.run();
        try {
            return handOver(entry, () -> {
                try {
                    spool.remove(entry.key());
                } catch (SpoolException e) {
                    LOG.warn("{} {} but could not remove its spool entry: {}", what, entry.id(), e.getMessage());
                }
                owned.remove(entry.key());
            });
        } catch (SpoolException cannot) {
            throw new IllegalStateException(cannot); // the step catches its own
        }
    }

    private static IntakeResult accepted(String id, Verdict v) {
        return new IntakeResult(id, IntakeResult.Outcome.ACCEPTED, SmtpReply.of(250, "2.0.0", "Ok queued as " + id), v);
    }

    /** Reads the message; {@code null} if it is longer than {@code max}. */
    private static byte[] readBounded(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[16384];
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    private void afterScan(SpoolEntry entry, byte[] raw, ScanOutcome o, Throwable ex, int attempt) {
        if (ex != null) {
            LOG.error("Scan of {} failed; it stays spooled and is retried", entry.id(), ex);
            scheduleRescan(entry, attempt + 1);
            return;
        }
        route(entry, raw, o, attempt);
    }

    /** Sends a decided message where its verdict says, after the SMTP reply. */
    private void route(SpoolEntry entry, byte[] raw, ScanOutcome o, int attempt) {
        Verdict v = o.verdict();
        if (o.withoutMandatory()) {
            // Accepted already (late verdict or recovery): never judge without a mandatory detector; the
            // rescan waits until it is back.
            LOG.info("{} was scanned while a mandatory detector was away; scanning it again when it is back",
                    entry.id());
            scheduleRescan(entry, attempt + 1);
            return;
        }
        if (v.action() == Action.REJECT) {
            // 250 has been sent (late verdict or recovery): quarantine rather than bounce.
            v = new Verdict(Action.QUARANTINE, v.score(), v.categories(), v.findings(),
                    "held instead of rejected (decided after the SMTP reply): " + v.reason());
        }
        try {
            if (closed) {
                return; // the next intake has it
            }
            decided(entry.id(), v);
            if (v.action() == Action.QUARANTINE) {
                Verdict held = v;
                handOver(entry, () -> hold(entry, raw, o, held));
            } else {
                Transformers.Result t = transformers.applyAll(entry.id(), entry.envelope(), v, raw,
                        pipeline.settings().maxMessageBytes());
                if (!t.tooLarge().isEmpty()) {
                    // Fail closed: delivered without, say, the link guard, a lure padded to just under the size
                    // limit would reach the user with its links live. Released, it gets the transformers again
                    // with room to grow (QuarantineServiceImpl).
                    Verdict held = new Verdict(Action.QUARANTINE, v.score(), v.categories(), v.findings(),
                            "held: the delivery transformer(s) " + String.join(", ", t.tooLarge())
                                    + " would make it larger than max.message.bytes, and it is not delivered without"
                                    + " them; " + v.reason());
                    handOver(entry, () -> {
                        decided(entry.id(), held);
                        hold(entry, raw, o, held);
                    });
                    return;
                }
                byte[] out = t.raw();
                Verdict verdict = v;
                handOver(entry, () -> {
                    SpoolEntry toDeliver = entry;
                    if (out != raw) {
                        // Replaced atomically in place: a crash before leaves the original (scanned and
                        // transformed again at restart, transformers are idempotent), after leaves the result.
                        toDeliver = spool.replaceRaw(entry, out);
                    }
                    delivery.enqueue(toDeliver, verdict);
                    owned.remove(entry.key());
                    byAction.get(verdict.action()).incrementAndGet();
                });
            }
        } catch (RuntimeException | SpoolException | Error e) {
            // an Error too: uncaught here, it ended the retry chain and left the message in the spool until a restart
            Duration wait = backoff(attempt + 1);
            LOG.warn("Could not finish {} ({}); retrying in {} s", entry.id(), e.toString(), wait.toSeconds());
            // The retry keeps neither the message nor its parsed view (bodies, attachments): with the store down
            // for an hour, every message quarantined meanwhile waited in this queue with both, and the heap ran
            // out. It reads the message from the spool again; the verdict and two header values are all it needs.
            ScanOutcome decided = new ScanOutcome(o.parsed() == null ? null : new ParsedMessage(o.messageId(),
                    o.subject(), null, null, null, null, null, null, null, null, null, 0, false, null), o.verdict(),
                    o.elapsed(), o.withoutMandatory());
            try {
                retries.schedule(() -> reroute(entry.key(), decided, attempt + 1), wait.toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException r) {
                // shutting down: the entry stays spooled and the next start finishes it
            }
        }
    }

    /** A retry of {@link #route}: the entry and its bytes as the spool has them now (maybe transformed already). */
    private void reroute(String key, ScanOutcome decided, int attempt) {
        Optional<SpoolEntry> now = spool.find(key);
        if (now.isEmpty()) {
            LOG.warn("Spool entry {} is gone; nothing left to route", key);
            release(key);
            return;
        }
        byte[] raw;
        try {
            raw = spool.readRaw(now.get());
        } catch (IOException ex) {
            LOG.error("Cannot read spooled message {} ({}); left in the spool", key, ex.toString());
            release(key);
            return;
        }
        route(now.get(), raw, decided, attempt);
    }

    /** Holds a decided message in the quarantine and takes it off the spool. */
    private void hold(SpoolEntry entry, byte[] raw, ScanOutcome o, Verdict v) throws SpoolException {
        QuarantineEntry q = quarantine.hold(entry.id(), o.messageId(), o.subject(), entry.envelope(), v, raw);
        spool.remove(entry.key());
        owned.remove(entry.key());
        byAction.get(Action.QUARANTINE).incrementAndGet();
        status(entry.id(), DeliveryStatus.QUARANTINED, v.reason());
        LOG.info("QUARANTINED {} ({})", q.id(), v.reason());
    }

    /**
     * The text of a 550: the policy's reason, the finding that weighed most (rule and detail, so a sender's
     * administrator can tell why, and a reference such as a fingerprint id reaches them), and our id.
     */
    static String rejectText(Verdict v, String id) {
        // What the sender reads: the deciding rule and the gateway id to quote, not the verdict's reason, which
        // names the policy's thresholds ("score 20 >= reject.score 15"): a sender would learn how far to stay
        // below them (audit finding). The reason is in the log and the message log under that id.
        StringBuilder b = new StringBuilder("message refused");
        v.findings().stream().max(java.util.Comparator.comparingDouble(org.streamail.api.model.Finding::score))
                .filter(f -> f.score() > 0)
                .ifPresent(f -> {
                    String detail = f.detail().length() > 160 ? f.detail().substring(0, 160) + "..." : f.detail();
                    b.append(": ").append(f.qualifiedRule());
                    if (!detail.isEmpty()) {
                        b.append(" (").append(detail).append(')');
                    }
                });
        return b.append(" [").append(id).append(']').toString();
    }

    private static Duration backoff(int attempt) {
        long s = 1L << Math.min(attempt, 8);
        Duration d = Duration.ofSeconds(s);
        return d.compareTo(MAX_ROUTE_RETRY) > 0 ? MAX_ROUTE_RETRY : d;
    }

    // ------------------------------------------------------------------ recovery

    /**
     * Re-processes spool entries nobody owns: received but undecided, or released (to everyone, or to one recipient:
     * {@link ReleaseKeys}) but not yet queued. Must run after {@link Delivery#start()} (DS guarantees it: the intake
     * references the delivery statically).
     */
    public void recover() {
        int n = 0;
        for (SpoolEntry e : spool.entries()) {
            if (!spool.claim(e.key())) {
                continue; // delivery (started first) owns every entry with a readable state
            }
            if (spool.readState(e.key()).isPresent()) {
                LOG.warn("Spool entry {} has a delivery state delivery could not resume; scanning it again", e.key());
            }
            owned.add(e.key());
            n++;
            if (e.released() && ReleaseKeys.recipientIndex(e) >= 0 && e.envelope().recipients().size() == 1) {
                if (!recordRecipientRelease(e)) {
                    continue;
                }
                try {
                    delivery.enqueue(e, null);
                    owned.remove(e.key());
                } catch (SpoolException ex) {
                    LOG.error("Could not queue released message {}: {}", e.id(), ex.getMessage());
                }
            } else if (e.released()) {
                try {
                    if (!quarantine.transition(e.id(), QuarantineEntry.Status.RELEASED, e.releasedBy())) {
                        // Not HELD: released before the crash (deliver), or deleted since, e.g. by an
                        // administrator on another node sharing the store: then the release never happened.
                        Optional<QuarantineEntry.Status> now = quarantine.get(e.id()).map(QuarantineEntry::status);
                        if (now.isPresent() && now.get() != QuarantineEntry.Status.RELEASED) {
                            LOG.warn("Release of {} by {} did not finish before the restart and the message is {}"
                                    + " now; not delivered", e.id(), e.releasedBy(), now.get());
                            try {
                                spool.remove(e.key());
                            } catch (SpoolException ex) {
                                LOG.error("Could not remove the abandoned release {}: {}", e.key(), ex.getMessage());
                            }
                            owned.remove(e.key());
                            continue;
                        }
                    }
                } catch (RuntimeException ex) {
                    LOG.warn("Could not mark {} released in the store: {}", e.id(), ex.toString());
                }
                try {
                    delivery.enqueue(e, null);
                    owned.remove(e.key());
                } catch (SpoolException ex) {
                    LOG.error("Could not queue released message {}: {}", e.id(), ex.getMessage());
                }
            } else {
                try {
                    workers.execute(() -> rescan(e, 0));
                } catch (RejectedExecutionException ex) {
                    return;
                }
            }
        }
        if (n > 0) {
            LOG.info("Re-processing {} spooled message(s) left from the previous run", n);
        }
    }

    /**
     * Recovery of a release to one recipient ({@code <id>-released-<n>}, its envelope that recipient only) left by a
     * crash: records it in the store as {@code QuarantineServiceImpl.releaseTo} would have. When the store says no,
     * either the release was recorded before the crash (the recipient is in {@code releasedTo}, whatever happened to
     * the message for the others since: deliver), or it never happened: the message was deleted since, or released
     * to everyone meanwhile (RELEASED without them: that release's copy went to them), e.g. by an administrator on
     * another node sharing the store; then the entry is dropped. A store that cannot answer delivers, as for a
     * release to everyone: a duplicate rather than a loss.
     *
     * @return whether to deliver; if not, the entry has been removed
     */
    private boolean recordRecipientRelease(SpoolEntry e) {
        String r = e.envelope().recipients().get(0);
        try {
            if (quarantine.releaseRecipient(e.id(), r, e.releasedBy())) {
                return true;
            }
            Optional<QuarantineEntry> now = quarantine.get(e.id());
            if (now.isEmpty() || now.get().releasedTo().contains(r.toLowerCase(java.util.Locale.ROOT))) {
                return true; // recorded before the crash (and kept if the message was deleted for the others since)
            }
            QuarantineEntry q = now.get();
            LOG.warn("Release of {} to {} by {} did not finish before the restart and the message is {} now; not"
                    + " delivered", e.id(), r, e.releasedBy(), q.status() == QuarantineEntry.Status.RELEASED
                            ? "RELEASED (to every recipient, by " + q.actedBy() + ")"
                            : q.status() == QuarantineEntry.Status.HELD ? "HELD (not released to " + r + ")"
                            : q.status().name());
        } catch (RuntimeException ex) {
            LOG.warn("Could not record the release of {} to {} in the store: {}", e.id(), r, ex.toString());
            return true;
        }
        try {
            spool.remove(e.key());
        } catch (SpoolException ex) {
            LOG.error("Could not remove the abandoned release {}: {}", e.key(), ex.getMessage());
        }
        owned.remove(e.key());
        return false;
    }

    private void scheduleRescan(SpoolEntry e, int attempt) {
        try {
            retries.schedule(() -> workers.execute(() -> rescan(e, attempt)), backoff(attempt).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ex) {
            // shutting down: stays spooled
        }
    }

    private void rescan(SpoolEntry e, int attempt) {
        if (pipeline.unavailableReason().isPresent()) {
            // Never judge a message without a mandatory detector: wait for it to come back.
            try {
                retries.schedule(() -> workers.execute(() -> rescan(e, attempt)), UNAVAILABLE_RECHECK.toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ex) {
                // shutting down
            }
            return;
        }
        byte[] raw;
        try {
            raw = spool.readRaw(e);
        } catch (IOException ex) {
            LOG.error("Cannot read spooled message {} ({}); left in the spool", e.id(), ex.toString());
            release(e.key());
            return;
        }
        try {
            ScanOutcome o = pipeline.scan(e.id(), e.envelope(), raw, p -> logReceived(e.id(), e.envelope(), p,
                    raw.length));
            route(e, raw, o, attempt);
        } catch (RuntimeException ex) {
            LOG.error("Rescan of {} failed; retrying", e.id(), ex);
            scheduleRescan(e, attempt + 1);
        }
    }

    // ------------------------------------------------------------------ log and counters

    /** Received fields kept in the message log, newest first: the origin is in the first few. */
    static final int MAX_LOGGED_HOPS = 30;
    /** Characters kept of each: a real Received field is a few hundred. */
    static final int MAX_LOGGED_HOP_CHARS = 1000;

    /**
     * The Received chain as the message log keeps it: bounded, because a sender writes it. Without a bound one
     * message with a 10 MB folded Received field (under the size and field-count limits) put 10 MB in the
     * database and in every message-list response (fourth audit).
     */
    static java.util.List<String> loggedChain(java.util.List<String> chain) {
        java.util.List<String> out = new java.util.ArrayList<>(Math.min(chain.size(), MAX_LOGGED_HOPS + 1));
        for (String hop : chain) {
            if (out.size() == MAX_LOGGED_HOPS) {
                out.add("[" + (chain.size() - MAX_LOGGED_HOPS) + " more Received fields not kept]");
                break;
            }
            out.add(hop.length() <= MAX_LOGGED_HOP_CHARS ? hop : hop.substring(0, MAX_LOGGED_HOP_CHARS)
                    + " [" + (hop.length() - MAX_LOGGED_HOP_CHARS) + " more characters not kept]");
        }
        return out;
    }

    private void logReceived(String id, Envelope env, ParsedMessage p, long size) {
        try {
            log.received(new LogEntry(id, p == null ? "" : p.messageId(), p == null ? "" : p.subject(), env,
                    p == null ? java.util.List.of() : loggedChain(p.receivedChain()), size, null,
                    DeliveryStatus.RECEIVED, "", env.receivedAt(), Instant.now()));
        } catch (RuntimeException e) {
            LOG.warn("Message log unavailable; {} not recorded as received: {}", id, e.toString());
        }
    }

    private void decided(String id, Verdict v) {
        try {
            log.decided(id, v);
        } catch (RuntimeException e) {
            LOG.warn("Message log unavailable; verdict of {} not recorded: {}", id, e.toString());
        }
    }

    private void status(String id, DeliveryStatus s, String detail) {
        try {
            log.status(id, s, detail);
        } catch (RuntimeException e) {
            LOG.warn("Message log unavailable; status {} of {} not recorded: {}", s, id, e.toString());
        }
    }

    /** Counters since start: received, tempfail, late, and one per action. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("received", received.get());
        m.put("tempfail", tempFailed.get());
        m.put("late", late.get());
        byAction.forEach((a, c) -> m.put(a.name(), c.get()));
        return m;
    }
}
