package org.streamail.retention.internal;


import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.PolicySummary;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.retention.SweepStatus;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.SharedState;

/**
 * The retention service (PID {@code org.streamail.retention}): policy, scheduled and requested sweeps,
 * recipient extensions, and the stamping function for the gateway's delivery hook.
 *
 * <p>Lifecycle: active while an audit store is registered (no action without an audit trail). A
 * configuration change re-creates the component. The signing key is resolved at activation (configured,
 * or generated once into a 0600 file). Scheduled sweeps run on one daemon thread every
 * {@code sweep.interval}; deactivation stops it and waits briefly for a running sweep.
 *
 * <p>Threading: thread-safe. Sweeps and extensions are serialised by one lock; a requested sweep waits
 * up to {@link #LOCK_WAIT} for a running one, a scheduled sweep skips its turn instead.
 *
 * <p>Several nodes: with the store's {@link SharedState} (optional, dynamic), sweeps are coordinated across the
 * gateway nodes by one record ({@link SweepLedger}): a node sweeps only after writing itself into it by
 * compare-and-set, renews its lease after each mailbox (and within a long mailbox), and writes the end. The schedule
 * looks at the record every {@link #TICK}: a scheduled sweep runs when no other node holds a live lease and the last
 * full sweep, by any node, started at least {@code sweep.interval} ago, so the nodes together sweep about once per
 * interval. A requested sweep is refused while another node's lease is live. Without SharedState each node sweeps
 * on its own, as before. Where a mailbox's folder rotation stands is kept there too ({@link FolderRotation}).
 */
@Component(service = {RetentionService.class, MessageTransformer.class}, configurationPid = RetentionConfig.PID, immediate = true)
@Designate(ocd = RetentionConfig.class)
public final class RetentionComponent implements RetentionService, MessageTransformer {

    static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    /** How often the schedule looks whether a sweep is due (at most {@code sweep.interval}). */
    static final Duration TICK = Duration.ofMinutes(1);
    /**
     * The shortest lease a sweeping node holds after its last renewal. The lease is renewed after each mailbox and,
     * within a mailbox, after a folder or a batch of {@value RetentionSweeper#BATCH} messages once {@link #RENEW_WITHIN}
     * has passed, so the longest gap between two renewals is one such step: a login and LIST, or a SELECT and SEARCH,
     * or one batch (its FETCHes, up to 500 hashes, one STORE and UID EXPUNGE), each a few IMAP commands that either
     * progress or fail after {@code imap.timeout.seconds} (60 s by default) without a reply, after which the mailbox
     * stops with its lost connection. Ten minutes is ten default timeouts, while a batch measured on Dovecot takes well
     * under a second ({@code RetentionSweepTiming}: 10,000 messages in 3.1 s); a longer timeout lengthens the lease to
     * {@link #LEASE_TIMEOUTS} timeouts ({@link #lease}). Should a step still outlast the lease (500 hashes of huge
     * messages on a slow link), another node may take over; this node then stops at its next renewal, and what both
     * did is harmless (actions by UID; at worst a message audited twice).
     */
    static final Duration LEASE = Duration.ofMinutes(10);
    /** The lease is at least this many IMAP timeouts. */
    static final int LEASE_TIMEOUTS = 8;
    /** Within a mailbox, the lease is renewed when this long has passed since the last renewal. */
    static final Duration RENEW_WITHIN = Duration.ofMinutes(1);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Logger LOG = LoggerFactory.getLogger(RetentionComponent.class);

    private final Policy policy;
    private final ImapSettings imap;
    private final Signer signer;
    private final RetentionAuditStore audit;
    private final Directory directory;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService scheduler;
    private volatile SweepReport lastSweep;
    private volatile boolean warnedUnconfigured;
    /** This node (and instance) in the shared record: {@code pid@host#random}. */
    private final String node;
    private final Instant activatedAt;
    /** How long this node's lease runs after each renewal ({@link #lease}). */
    private final Duration lease;
    /** Without SharedState: when the next scheduled sweep of this node is due. Only under the lock. */
    private Instant localNext;
    /** Whether the last sweep found SharedState (said once per change), null before the first. */
    private volatile Boolean coordinatedSaid;
    /** Why the scheduled sweep waits for the shared record, once said; null when it does not. Under the lock. */
    private String waiting;

    /**
     * The store's shared records (store-jdbc): with it, the nodes of a gateway sweep once between them; without it each
     * sweeps on its own (one WARN says so).
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile SharedState sharedState;

    @Activate
    public RetentionComponent(RetentionConfig config, Map<String, Object> properties,
            @Reference RetentionAuditStore audit,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
            Directory directory) {
        this(checked(config, properties), audit, directory, Clock.systemUTC(), keyFile(config), true);
    }

    /**
     * Checks the raw properties before any config method is read (DS would read {@code dry.run = yes} as false
     * and delete for real) and logs each key nothing reads (a probable typo). Returns {@code config}.
     */
    private static RetentionConfig checked(RetentionConfig config, Map<String, Object> properties) {
        ConfigCheck.check(RetentionConfig.PID, RetentionConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", RetentionConfig.PID, k));
        return config;
    }

    RetentionComponent(RetentionConfig config, RetentionAuditStore audit, Directory directory, Clock clock,
            Path keyFile, boolean schedule) {
        this.policy = Policy.from(config);
        this.imap = ImapSettings.from(config);
        this.signer = new Signer(SigningKeys.resolve(config.signing_key(), keyFile));
        this.audit = Objects.requireNonNull(audit, "audit");
        this.directory = directory;
        this.clock = clock;
        this.activatedAt = clock.instant();
        this.node = ManagementFactory.getRuntimeMXBean().getName() + "#" + HexFormat.of().formatHex(randomBytes());
        this.lease = lease(imap);
        this.localNext = policy.sweepInterval() == null ? null : activatedAt.plus(policy.sweepInterval());
        if (schedule && policy.sweepInterval() != null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-retention-sweeper");
                t.setDaemon(true);
                return t;
            });
            // looked at every minute; whether a sweep is due is decided by the shared record (or, without one, by
            // this node's last sweep), so a node that died mid-sweep is taken over soon after its lease lapsed
            long every = Math.min(TICK.toSeconds(), policy.sweepInterval().toSeconds());
            scheduler.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(this::scheduledSweep, e -> LOG.error("Retention: the "
                    + "scheduled sweep failed; the next one runs as scheduled", e)), every, every, TimeUnit.SECONDS);
        } else {
            scheduler = null;
        }
        LOG.info("Retention policy active: action {}, min.age {}, max.age {}, exempt {}, {}sweeps {} via {}",
                policy.action(), policy.minAge(), policy.maxAge(), policy.exemptFolders(),
                policy.dryRun() ? "DRY RUN " : "", policy.sweepInterval() == null ? "manual only"
                        : "every " + policy.sweepInterval(), imap);
    }

    /** The lease: {@link #LEASE}, or {@link #LEASE_TIMEOUTS} IMAP timeouts when that is longer. */
    static Duration lease(ImapSettings imap) {
        Duration timeouts = Duration.ofMillis((long) imap.timeoutMillis() * LEASE_TIMEOUTS);
        return timeouts.compareTo(LEASE) > 0 ? timeouts : LEASE;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        return b;
    }

    private static Path keyFile(RetentionConfig config) {
        String f = config.signing_key_file();
        return f == null || f.isBlank() ? SigningKeys.defaultFile() : Path.of(f.strip());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (scheduler != null) {
            scheduler.shutdownNow();
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Retention: a sweep was still running at shutdown; it stops at its next IMAP timeout");
            }
        }
    }

    // ---------------------------------------------------------------- RetentionService

    @Override
    public SweepReport sweep() {
        return locked(() -> requested(true, this::mailboxes));
    }

    /**
     * Sweeps one of the mailboxes a full sweep would visit (the configured {@code mailboxes}, or else the
     * Directory's registered addresses), under the spelling configured there.
     *
     * @throws IllegalArgumentException if the name is malformed, is not one of those mailboxes, or opted out
     */
    @Override
    public SweepReport sweep(String mailbox) {
        String m = configuredMailbox(Policy.mailboxName("mailbox", Objects.requireNonNullElse(mailbox, "")));
        if (policy.optout().contains(m.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("mailbox " + m + " has opted out of retention sweeps");
        }
        return locked(() -> requested(false, () -> List.of(m)));
    }

    /**
     * The configured spelling of a requested mailbox. A requested sweep logs in to the named mailbox (with a
     * master user, any mailbox), so it must be limited to the ones a full sweep covers: anything else would
     * let the caller open arbitrary mailboxes with the gateway's credentials.
     */
    private String configuredMailbox(String requested) {
        List<String> known;
        try {
            known = mailboxes();
        } catch (RuntimeException e) {
            // the store's text (a database message with its SQL) is for the log, not for the REST client
            LOG.warn("Retention: the directory of mailboxes is not available", e);
            throw new RetentionException("the directory of mailboxes is not available (see the gateway log)", e);
        }
        for (String k : known) {
            if (k != null && k.equalsIgnoreCase(requested)) {
                return k;
            }
        }
        throw new IllegalArgumentException("mailbox " + requested + " is not among the configured mailboxes");
    }

    /**
     * Changes one message's expiry, in a mailbox a sweep may reach only (as {@link #sweep(String)}): with a master
     * user the login would otherwise open, and rewrite a message in, any mailbox on the server.
     *
     * @throws IllegalArgumentException if the name is malformed, is not one of those mailboxes, or opted out
     */
    @Override
    public Extension extend(String mailbox, String messageId, Instant newExpiry, String actor) {
        String m = configuredMailbox(Policy.mailboxName("mailbox", Objects.requireNonNullElse(mailbox, "")));
        if (policy.optout().contains(m.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("mailbox " + m + " has opted out of retention sweeps");
        }
        Objects.requireNonNull(newExpiry, "newExpiry");
        String id = normaliseMessageId(messageId);
        String who = actor == null || actor.isBlank() ? "unknown" : actor.strip();
        return locked(() -> withMailClassLoader(() -> sweeper().extend(m, id, newExpiry, who)));
    }

    @Override
    public PolicySummary policySummary() {
        List<String> mailboxes;
        try {
            mailboxes = mailboxes();
        } catch (RuntimeException e) {
            mailboxes = List.of(); // directory unavailable: the summary still answers
        }
        return new PolicySummary(policy.trustedDomains(), new ArrayList<>(internalDomains()), policy.minAge(),
                policy.maxAge(), policy.rules().stream().map(Policy.Rule::text).toList(), actionText(),
                policy.exemptFolders(), new ArrayList<>(policy.optout()), mailboxes, policy.sweepInterval(),
                policy.dryRun(), imap.toString(), lastSweep);
    }

    @Override
    public String name() {
        return "retention-stamp";
    }

    /** The delivery hook: DELIVER/TAG mail leaves the gateway stamped (see {@link #stamp}). */
    @Override
    public Content transform(Transformation t) {
        byte[] in = t.raw().toByteArray();
        byte[] out = stamp(in, t.envelope());
        return out == in ? t.raw() : Content.of(out);
    }

    /**
     * The stamping function behind {@link #transform}: the raw message with its retention claim signed when
     * the sender is internal (or trusted), and any foreign signature removed.
     */
    public byte[] stamp(byte[] raw, Envelope envelope) {
        Stamper.Stamped s = new Stamper(signer, policy, internalDomains()).stamp(raw, envelope);
        LOG.debug("Retention stamp: {}", s.outcome());
        return s.raw();
    }

    @Override
    public SweepStatus sweepStatus() {
        SharedState shared = sharedState;
        if (shared == null) {
            SweepReport r = lastSweep;
            return new SweepStatus(false, Optional.ofNullable(r).map(SweepReport::startedAt),
                    Optional.ofNullable(r).map(x -> x.startedAt().plus(x.elapsed())), r == null ? "" : node,
                    r == null ? "" : summary(r), Optional.empty());
        }
        SweepLedger.State s = new SweepLedger(shared).read();
        Instant now = clock.instant();
        Optional<SweepStatus.Running> running = Optional.ofNullable(s.run()).map(r -> new SweepStatus.Running(r.node(),
                r.started(), r.lease(), r.full(), r.done(), !r.lease().isAfter(now)));
        return new SweepStatus(true, s.lastStart(), s.lastEnd(), s.lastNode(), s.lastSummary(), running);
    }

    // ---------------------------------------------------------------- internals

    /**
     * The schedule's turn (every {@link #TICK}): sweeps if one is due. With SharedState: when no other node holds a
     * live lease and the last full sweep, by any node, started at least {@code sweep.interval} ago (before the first
     * one: this node's activation); the node that writes its claim first sweeps, the others skip quietly. Without it:
     * {@code sweep.interval} after this node's last sweep ended (or its activation), as before.
     */
    void scheduledSweep() {
        Duration interval = policy.sweepInterval();
        if (interval == null) {
            return; // manual only
        }
        if (!imap.configured()) {
            if (!warnedUnconfigured) {
                warnedUnconfigured = true;
                LOG.warn("Retention: scheduled sweeps skipped: neither imap.user nor imap.credentials.file is configured (PID {})", RetentionConfig.PID);
            }
            return;
        }
        if (!lock.tryLock()) {
            LOG.info("Retention: scheduled sweep skipped: another sweep is running");
            return;
        }
        try {
            Instant now = clock.instant();
            SharedState shared = sharedState;
            sayCoordination(shared != null);
            if (shared == null) {
                if (now.isBefore(localNext)) {
                    return;
                }
                try {
                    run(this::mailboxes, null);
                } finally {
                    localNext = clock.instant().plus(interval);
                }
                return;
            }
            SweepLedger ledger = new SweepLedger(shared);
            Lease claimed;
            try {
                SweepLedger.State read = ledger.read();
                if (!due(read, now, interval)) {
                    waited(null);
                    return;
                }
                claimed = claim(ledger, read, now, true, true);
            } catch (IllegalStateException e) {
                // The store is away: no sweep here (the audit store, in the same database, could not record one
                // anyway); tried again at every tick, said once per reason.
                waited(e.getMessage());
                return;
            }
            waited(null);
            if (claimed == null) {
                LOG.info("Retention: scheduled sweep skipped: another node started one at the same moment");
                return;
            }
            Lease lease = claimed;
            run(() -> lease.remaining(mailboxes()), claimed);
        } catch (RuntimeException e) {
            LOG.warn("Retention: scheduled sweep failed: {}", e.toString());
        } finally {
            lock.unlock();
        }
    }

    /** Says why the scheduled sweep waits for the shared record, once per reason, and when it no longer does. */
    private void waited(String why) {
        if (why == null) {
            if (waiting != null) {
                LOG.info("Retention: the shared sweep record is readable again");
                waiting = null;
            }
        } else if (!why.equals(waiting)) {
            LOG.warn("Retention: scheduled sweeps wait: {}; no sweep on this node until it is back", why);
            waiting = why;
        }
    }

    private void sayCoordination(boolean shared) {
        Boolean said = coordinatedSaid;
        if (said != null && said == shared) {
            return;
        }
        coordinatedSaid = shared;
        if (shared) {
            LOG.info("Retention: sweeps are coordinated across the gateway nodes through the shared record {} (node {})",
                    SweepLedger.NAME, node);
        } else {
            LOG.warn("Retention: no SharedState service (store-jdbc): sweeps are not coordinated across gateway nodes; "
                    + "with several nodes each one sweeps every mailbox");
        }
    }

    /**
     * Whether a scheduled sweep is due by the record: not while another node holds a live lease, and only when the
     * last full sweep started at least {@code interval} ago.
     */
    private boolean due(SweepLedger.State s, Instant now, Duration interval) {
        SweepLedger.Run run = s.run();
        if (run != null && !run.node().equals(node) && run.lease().isAfter(now)) {
            LOG.debug("Retention: node {} is sweeping (lease to {})", run.node(), run.lease());
            return false;
        }
        Instant last = s.lastStart().orElse(activatedAt);
        if (last.isAfter(now.plus(interval))) {
            LOG.warn("Retention: the last sweep started at {}, more than {} after now ({}): a clock went back; "
                    + "sweeping now", last, interval, now);
            return true;
        }
        return !last.plus(interval).isAfter(now);
    }

    /**
     * Writes this node's claim into the record read, unless another node holds a live lease (then
     * {@link RetentionException}). A scheduled sweep ({@code resume}) that finds a full sweep left unfinished (its
     * node stopped, its lease lapsed) takes that sweep over: same start, going on after the last mailbox it finished
     * ({@link Lease#remaining}), so a node dying half-way through ten thousand mailboxes costs the next one the
     * mailbox it was in, not the whole sweep again. A requested sweep starts afresh.
     *
     * @return the lease, or null when another node wrote the record first
     * @throws IllegalStateException when the store cannot be written
     */
    private Lease claim(SweepLedger ledger, SweepLedger.State read, Instant now, boolean full, boolean resume) {
        SweepLedger.Run left = read.run();
        if (left != null && !left.node().equals(node) && left.lease().isAfter(now)) {
            throw new RetentionException("a retention sweep is running on node " + SweepLedger.oneLine(left.node())
                    + " (started " + left.started() + ", " + left.done() + " mailbox(es) done, its lease runs to "
                    + left.lease() + "); try again later");
        }
        boolean takeOver = resume && full && left != null && left.full();
        SweepLedger.Run mine = takeOver
                ? new SweepLedger.Run(node, left.started(), now.plus(lease), true, left.done(), left.last(),
                        left.stalls() + 1)
                : new SweepLedger.Run(node, now, now.plus(lease), full, 0);
        Optional<SweepLedger.State> written = ledger.write(read, read.withRun(mine));
        if (written.isEmpty()) {
            return null;
        }
        if (left != null) {
            LOG.warn("Retention: node {} left a sweep unfinished (started {}, {} mailbox(es) done{}, its lease ran to "
                    + "{}); this node {}", left.node().equals(node) ? "this node" : SweepLedger.oneLine(left.node()),
                    left.started(), left.done(), left.last().isEmpty() ? "" : ", the last " + left.last(),
                    left.lease(), takeOver ? "goes on with it" : "sweeps now");
        }
        return new Lease(ledger, written.get(), now, takeOver);
    }

    /**
     * A requested sweep: refused while another node's sweep holds a live lease, else claimed like a scheduled one (so
     * that a scheduled sweep elsewhere waits for it). Without SharedState, on this node only.
     */
    private SweepReport requested(boolean full, Supplier<List<String>> which) {
        SharedState shared = sharedState;
        sayCoordination(shared != null);
        if (shared == null) {
            return run(which, null);
        }
        SweepLedger ledger = new SweepLedger(shared);
        Lease claimed;
        try {
            Instant now = clock.instant();
            claimed = claim(ledger, ledger.read(), now, full, false);
        } catch (IllegalStateException e) {
            // the store's text (a database message) is for the log, not for the REST client
            LOG.warn("Retention: requested sweep refused: {}", e.getMessage());
            throw new RetentionException("the shared sweep record is not available (see the gateway log); no sweep was "
                    + "started, as it could not be coordinated with the other gateway nodes", e);
        }
        if (claimed == null) {
            throw new RetentionException("another gateway node started a retention sweep at the same moment; try again "
                    + "later");
        }
        return run(which, claimed);
    }

    /**
     * This node's hold on the shared record during one sweep: renewed after each mailbox and, within a long mailbox,
     * every {@link #RENEW_WITHIN}; released at the end. Confined to the sweeping thread.
     */
    private final class Lease {
        private final SweepLedger ledger;
        private SweepLedger.State state;
        private Instant renewed;
        private int done;
        /** Whether this sweep goes on with one another node left unfinished ({@link #remaining}). */
        private final boolean takenOver;
        /** Why this node no longer holds the record, or null. */
        private String lost;

        Lease(SweepLedger ledger, SweepLedger.State state, Instant now, boolean takenOver) {
            this.ledger = ledger;
            this.state = state;
            this.renewed = now;
            this.takenOver = takenOver;
            this.done = state.run().done();
        }

        /**
         * The mailboxes this sweep still has to visit, of {@code all} (in the order a full sweep visits them): all of
         * them for a new sweep; for one taken over, those after the last mailbox finished — all of them when that
         * mailbox is no longer among them (sweeping one twice is harmless, skipping one is not). When
         * {@link SweepLedger#STALLS_TO_SKIP} nodes in a row stopped on the next mailbox, it is skipped with a WARN and
         * recorded as done, so the sweep gets past it; the next full sweep tries it again.
         */
        List<String> remaining(List<String> all) {
            SweepLedger.Run run = state.run();
            if (!takenOver || run.last().isEmpty() && run.stalls() < SweepLedger.STALLS_TO_SKIP) {
                return all;
            }
            int from = run.last().isEmpty() ? 0 : all.indexOf(run.last()) + 1;
            if (from == 0 && !run.last().isEmpty()) {
                LOG.info("Retention: the last mailbox the unfinished sweep finished ({}) is no longer configured; "
                        + "sweeping every mailbox", run.last());
                return all;
            }
            if (run.stalls() >= SweepLedger.STALLS_TO_SKIP && from < all.size()) {
                String skipped = all.get(from);
                LOG.warn("Retention: mailbox {} skipped in this sweep: {} nodes in a row stopped while sweeping it "
                        + "(see their logs); the next sweep tries it again", skipped, run.stalls());
                if (!mailboxDone(skipped)) {
                    return List.of();
                }
                from++;
            }
            return all.subList(from, all.size());
        }

        /**
         * After mailbox {@code m}: renews the lease and records {@code m} as the last finished; false when the lease is
         * lost (another node took over, the store is away).
         */
        boolean mailboxDone(String m) {
            done++;
            return renew(m);
        }

        /** Within a mailbox: renews the lease when {@link #RENEW_WITHIN} has passed; false when it is lost. */
        boolean stillHeld() {
            if (lost != null) {
                return false;
            }
            return clock.instant().isBefore(renewed.plus(RENEW_WITHIN)) || renew(null);
        }

        /** @param finished the mailbox just finished, or null within one */
        private boolean renew(String finished) {
            if (lost != null) {
                return false;
            }
            Instant now = clock.instant();
            try {
                SweepLedger.Run run = state.run();
                Optional<SweepLedger.State> w = ledger.write(state, state.withRun(finished == null
                        ? run.renewed(now.plus(lease)) : run.renewed(now.plus(lease), done, finished)));
                if (w.isEmpty()) {
                    lost = "another node took this sweep over (this node's lease of " + lease + " lapsed?)";
                } else {
                    state = w.get();
                    renewed = now;
                    return true;
                }
            } catch (IllegalStateException e) {
                lost = "its lease could not be renewed: " + e.getMessage();
            }
            LOG.warn("Retention: this node no longer holds its sweep ({} mailbox(es) done): {}; it stops after the "
                    + "current folder", done, lost);
            return false;
        }

        /** Ends the sweep in the record: the last sweep's times (a full one) and no run. */
        void release(SweepReport report) {
            if (lost != null) {
                return; // the record is another node's now, or unreachable
            }
            // a sweep taken over ends the run the first node started: the schedule keeps that start
            SweepLedger.State end = state.run().full()
                    ? new SweepLedger.State(Optional.of(state.run().started()), Optional.of(clock.instant()), node,
                            (report == null ? "failed" : summary(report))
                                    + (takenOver ? " (went on with an unfinished sweep)" : ""), null, state.version())
                    : state.withRun(null);
            try {
                if (ledger.write(state, end).isEmpty()) {
                    LOG.warn("Retention: another node took this sweep over as it ended");
                }
            } catch (IllegalStateException e) {
                LOG.warn("Retention: the end of the sweep could not be written ({}); its lease lapses after {}",
                        e.getMessage(), lease);
            }
        }
    }

    private static String summary(SweepReport r) {
        return "mailboxes=" + r.mailboxes() + " scanned=" + r.scanned() + " expired=" + r.expired() + " deleted="
                + r.deleted() + " moved=" + r.moved() + " flagged=" + r.flagged() + " errors=" + r.errors()
                + (r.dryRun() ? " dry-run" : "");
    }

    private <T> T locked(Supplier<T> work) {
        try {
            if (!lock.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new RetentionException("another retention sweep is running; try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetentionException("interrupted while waiting for a running sweep");
        }
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    /** Sweeps the mailboxes; with a lease, renews it after each and releases it at the end (also on error). */
    private SweepReport run(Supplier<List<String>> which, Lease held) {
        Instant started = clock.instant();
        SweepReport report = null;
        try {
            report = run(which.get(), held, started);
            return report;
        } finally {
            if (held != null) {
                held.release(report);
            }
        }
    }

    private SweepReport run(List<String> mailboxes, Lease held, Instant started) {
        if (!imap.configured()) {
            throw new RetentionException("neither imap.user nor imap.credentials.file is configured (PID "
                    + RetentionConfig.PID + ")");
        }
        return withMailClassLoader(() -> {
            long t0 = System.nanoTime();
            RetentionSweeper sweeper = sweeper();
            if (held != null) {
                sweeper.stillHeld = held::stillHeld;
            }
            RetentionSweeper.Counters c = new RetentionSweeper.Counters();
            int visited = 0;
            LOG.info("Retention sweep started: {} mailbox(es){}", mailboxes.size(), policy.dryRun() ? " (dry run)" : "");
            for (String m : mailboxes) {
                if (policy.optout().contains(m.toLowerCase(Locale.ROOT))) {
                    c.exempt++;
                    continue;
                }
                if (Thread.currentThread().isInterrupted()) {
                    c.error("sweep interrupted (shutdown) before " + m);
                    break;
                }
                sweeper.sweepMailbox(m, c);
                visited++;
                if (held != null && !held.mailboxDone(m)) {
                    c.error("sweep stopped after " + visited + " mailbox(es) (" + m + "): " + held.lost);
                    break;
                }
            }
            SweepReport report = new SweepReport(started, Duration.ofNanos(System.nanoTime() - t0), policy.dryRun(),
                    visited, c.scanned, c.expired, c.deleted, c.moved, c.flagged, c.exempt, c.errors, c.problems);
            lastSweep = report;
            LOG.info("Retention sweep finished in {} ms: scanned {}, expired {}, deleted {}, moved {}, flagged {}, "
                    + "exempt {}, errors {}", report.elapsed().toMillis(), report.scanned(), report.expired(),
                    report.deleted(), report.moved(), report.flagged(), report.exempt(), report.errors());
            return report;
        });
    }

    /** Most folders a sweep opens per mailbox and run; lowered by tests only. */
    int maxFolders = RetentionSweeper.MAX_FOLDERS;
    /**
     * Where the previous sweep of each mailbox with too many folders for one run stopped: in the shared records while
     * SharedState is there, and in memory.
     */
    private final FolderRotation rotation = new FolderRotation(() -> sharedState);

    private RetentionSweeper sweeper() {
        RetentionSweeper sweeper = new RetentionSweeper(imap, new ExpiryCalculator(signer, policy, internalDomains()),
                audit, clock);
        sweeper.maxFolders = maxFolders;
        sweeper.rotation = rotation;
        return sweeper;
    }

    /** Jakarta Mail finds its providers through the context class loader: make it angus-mail's in OSGi. */
    private static <T> T withMailClassLoader(Supplier<T> work) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(org.eclipse.angus.mail.imap.IMAPStore.class.getClassLoader());
        try {
            return work.get();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    private List<String> mailboxes() {
        if (!policy.mailboxes().isEmpty()) {
            return policy.mailboxes();
        }
        Directory d = directory;
        if (d == null) {
            return List.of();
        }
        return d.list().stream().map(DirectoryEntry::address).toList();
    }

    private Set<String> internalDomains() {
        Set<String> out = new LinkedHashSet<>(policy.internalDomains());
        Directory d = directory;
        if (d != null) {
            try {
                d.protectedDomains().forEach(x -> out.add(x.toLowerCase(Locale.ROOT)));
            } catch (RuntimeException e) {
                LOG.debug("Retention: directory domains unavailable: {}", e.toString());
            }
        }
        return out;
    }

    private String actionText() {
        return switch (policy.action()) {
            case DELETE -> "delete";
            case FLAG -> "flag";
            case MOVE -> "move:" + policy.moveFolder();
        };
    }

    static String normaliseMessageId(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            throw new IllegalArgumentException("messageId is required");
        }
        String id = messageId.strip();
        if (!id.startsWith("<")) {
            id = "<" + id + ">";
        }
        if (id.length() > 998 || id.chars().anyMatch(ch -> ch <= ' ' || ch >= 127)) {
            throw new IllegalArgumentException("messageId is not a Message-ID");
        }
        return id;
    }

    /** For tests. */
    Signer signer() {
        return signer;
    }
}
