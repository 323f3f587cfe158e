package org.streamail.digest.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
import org.streamail.api.config.KeyFiles;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.digest.DigestStatus;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.service.Periodic;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.Directory;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.SharedState;

/**
 * Sends the quarantine digest: once a day at {@code send.time} when {@code enabled}, and by hand through
 * {@link #sendNow}. A run reads the entries held since the end of the previous run's window (newest first, at most
 * {@code max.scan}), groups the inbound ones by recipient in the protected domains, and hands one {@link DigestMail}
 * per recipient to the gateway's intake (so it is scanned and delivered like any mail), submitted as
 * {@value #SUBMITTER}. Where the digest stands is kept in the store, shared by every node ({@link DigestLedger}): of
 * several nodes due at the same time one sends; a run left half-way (a node killed, its store gone) is taken up by the
 * next node whose tick finds its lease lapsed, from the next user; a restart neither repeats a digest nor skips one,
 * and a gateway that was down at send time sends the missed digest at its first tick (one digest covering the whole
 * gap). Runs on one node are serialised.
 */
@Component(service = QuarantineDigest.class, configurationPid = DigestConfig.PID, immediate = true)
@Designate(ocd = DigestConfig.class)
public class DigestServiceImpl implements QuarantineDigest {

    private static final Logger LOG = LoggerFactory.getLogger(DigestServiceImpl.class);
    /** The SMTP AUTH identity digests are submitted under; entries it submitted are never listed. */
    static final String SUBMITTER = "streamail-digest";
    static final String LOCAL_PART = "streamail-quarantine";
    private static final int PAGE = QuarantineQuery.MAX_LIMIT;
    /** A run over many users logs its progress this often (each digest is scanned: 5 ms a user, digest-bench). */
    private static final int PROGRESS_EVERY = 500;
    private static final SecureRandom RANDOM = new SecureRandom();
    /**
     * How long a run is this node's after its last step: another node takes over a run whose lease lapsed. Renewed
     * after each user's digest (tens of milliseconds each), so only a node that stopped or hangs loses it.
     */
    static final Duration LEASE = Duration.ofMinutes(10);

    private final QuarantineService quarantine;
    private final DigestSettings settings;
    private final DigestTokens tokens;
    private final DigestLedger ledger;
    /** This node (and instance) in the ledger: {@code pid@host#random}. */
    private final String node;
    private final Clock clock;
    private final Instant activatedAt;
    private final ScheduledExecutorService timer;
    /** Why the scheduled digest is waiting, once said; null when it is not. Only the timer thread uses it. */
    private String waiting;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile MessageIntake intake;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Directory directory;

    @Activate
    public DigestServiceImpl(DigestConfig config, Map<String, Object> properties,
            @Reference(name = "quarantine") QuarantineService quarantine,
            @Reference(name = "sharedState") SharedState shared) {
        this(DigestSettings.from(checked(config, properties)), quarantine, shared, Clock.systemUTC(),
                Duration.ofMinutes(1));
    }

    /** Also for tests: {@code tick} is how often the schedule is looked at (zero: never). */
    DigestServiceImpl(DigestSettings settings, QuarantineService quarantine, SharedState shared, Clock clock,
            Duration tick) {
        this.settings = settings;
        this.quarantine = quarantine;
        this.clock = clock;
        this.activatedAt = clock.instant();
        this.ledger = new DigestLedger(shared);
        this.node = ManagementFactory.getRuntimeMXBean().getName() + "#"
                + HexFormat.of().formatHex(randomBytes(), 0, 3);
        this.tokens = settings.baseUrl().isEmpty() ? null : new DigestTokens(key(settings));
        if (settings.enabled() && !tick.isZero()) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-digest");
                t.setDaemon(true);
                return t;
            });
            timer.scheduleWithFixedDelay(Periodic.guarded(this::tick,
                    t -> LOG.error("Digest: the scheduled run failed; trying again at the next tick", t)),
                    tick.toMillis(), tick.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Digest: sent every day at {} ({}){}", settings.sendTime(), settings.zone().getId(),
                    tokens == null ? ", without links (base.url is empty)" : "");
        } else {
            timer = null;
        }
    }

    private static DigestConfig checked(DigestConfig config, Map<String, Object> properties) {
        ConfigCheck.check(DigestConfig.PID, DigestConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", DigestConfig.PID, k));
        return config;
    }

    private static byte[] key(DigestSettings s) {
        if (s.keyFile() == null) {
            throw new IllegalArgumentException("key.file is not set and there is no karaf.data to keep it in");
        }
        KeyFiles.Loaded k = KeyFiles.loadOrCreate(s.keyFile(), "key.file", DigestTokens.MIN_KEY_BYTES);
        if (k.created()) {
            LOG.info("Generated a new digest link key in {} (mode 0600); every gateway node must use the same key",
                    s.keyFile());
        }
        return k.key();
    }

    @Deactivate
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** The latest scheduled send time at or before {@code now}. */
    Instant lastSlot(Instant now) {
        ZonedDateTime local = now.atZone(settings.zone());
        ZonedDateTime today = local.toLocalDate().atTime(settings.sendTime()).atZone(settings.zone());
        if (today.toInstant().isAfter(now)) {
            today = local.toLocalDate().minusDays(1).atTime(settings.sendTime()).atZone(settings.zone());
        }
        return today.toInstant();
    }

    /**
     * Whether a scheduled run is due: a run this node left unfinished (its store went away mid-run) or another node
     * did whose lease lapsed, or none in progress and the last window ended (or, before the first digest, this start
     * was) before the latest send time.
     *
     * @throws IllegalStateException when the store cannot be read
     */
    boolean due(Instant now) {
        DigestLedger.State s = ledger.read();
        if (s.run() != null) {
            return s.run().node().equals(node) || !s.run().lease().isAfter(now);
        }
        return s.lastEnd().orElse(activatedAt).isBefore(lastSlot(now));
    }

    void tick() {
        try {
            if (!due(clock.instant())) {
                return;
            }
            sendNow("schedule");
            if (waiting != null) {
                LOG.info("Digest: sent after waiting ({})", waiting);
                waiting = null;
            }
        } catch (RunElsewhere e) {
            LOG.info("Digest: {}", e.getMessage()); // two nodes due at once: the other one sends
        } catch (IllegalStateException e) {
            // the core or the store is away: tried again at every tick, said once per reason (not once a minute)
            if (!String.valueOf(e.getMessage()).equals(waiting)) {
                LOG.warn("Digest: the scheduled digest waits: {}", e.getMessage());
                waiting = e.getMessage();
            }
        }
    }

    @Override
    public DigestStatus status() {
        Instant now = clock.instant();
        DigestLedger.State s = ledger.read();
        Optional<DigestStatus.Running> running = Optional.ofNullable(s.run()).map(r -> new DigestStatus.Running(
                r.node(), r.since(), r.until(), r.lease(), r.sent() + r.failed(), !r.lease().isAfter(now)));
        Optional<Instant> next = Optional.empty();
        if (settings.enabled()) {
            Instant slot = lastSlot(now);
            Instant after = s.lastEnd().orElse(activatedAt);
            next = Optional.of(after.isBefore(slot) ? now : slot.atZone(settings.zone()).plusDays(1).toInstant());
        }
        return new DigestStatus(settings.enabled(), next, s.lastEnd(), running);
    }

    /**
     * Sends the digest, or goes on with the one another node left unfinished. Claims the run in the ledger first: a
     * run another node holds (its lease not lapsed) or claims at the same moment is refused with
     * IllegalStateException, nothing sent here.
     */
    @Override
    public synchronized DigestRun sendNow(String actor) {
        MessageIntake in = intake;
        if (in == null) {
            throw new IllegalStateException("no MessageIntake service (the core) is available; nothing was sent and"
                    + " the next digest covers this window too");
        }
        Instant now = clock.instant();
        DigestLedger.State read = ledger.read();
        DigestLedger.Run run = claimable(read, now);
        DigestLedger.State state = ledger.write(read, read.lastEnd(), run).orElseThrow(() -> new RunElsewhere(
                "another node started or went on with the digest at the same moment; nothing was sent here"));
        boolean resumed = read.run() != null;
        if (resumed) {
            LOG.warn("Digest ({}): going on with the run {} left unfinished (lease to {}): window {} to {}, {} users"
                    + " done", oneLine(actor), read.run().node().equals(node) ? "this node" : "node "
                    + oneLine(read.run().node()), read.run().lease(), run.since(), run.until(),
                    run.sent() + run.failed());
        }
        Instant since = run.since();
        Instant until = run.until();
        Gathered g;
        try {
            g = gather(since, until);
        } catch (IllegalStateException e) {
            giveUp(state);
            throw e;
        }
        String from = sender();
        SortedMap<String, UserHeld> todo = run.done().isEmpty() ? g.byUser()
                : g.byUser().tailMap(run.done() + "\0");
        int users = todo.size();
        int sent = 0;
        int failed = 0;
        for (Map.Entry<String, UserHeld> e : todo.entrySet()) {
            boolean accepted = send(in, from, e.getKey(), e.getValue(), since, until);
            if (accepted) {
                sent++;
            } else {
                failed++;
            }
            DigestLedger.Run next = state.run().after(e.getKey(), accepted, clock.instant().plus(LEASE));
            Optional<DigestLedger.State> written;
            try {
                written = ledger.write(state, state.lastEnd(), next);
            } catch (IllegalStateException x) {
                throw new IllegalStateException(x.getMessage() + " after " + (sent + failed) + " of " + users
                        + " users; the digest goes on from the next user when the store is back", x);
            }
            if (written.isEmpty()) {
                LOG.warn("Digest ({}): another node took this run over (this node's lease lapsed after {}); stopping"
                        + " after {} of {} users, the other node sends the rest", oneLine(actor), LEASE, sent + failed,
                        users);
                return new DigestRun(since, until, g.entries(), g.byUser().size(), sent, failed, g.truncated());
            }
            state = written.get();
            if ((sent + failed) % PROGRESS_EVERY == 0 && sent + failed < users) {
                LOG.info("Digest ({}): {} of {} users done", oneLine(actor), sent + failed, users);
            }
        }
        if (!settings.adminAddress().isEmpty()) {
            summarise(in, from, since, until, g, state.run().sent(), state.run().failed());
        }
        if (ledger.write(state, Optional.of(until), null).isEmpty()) {
            LOG.warn("Digest ({}): another node took this run over as it ended; the administrators' summary may come"
                    + " twice", oneLine(actor));
        }
        LOG.info("Digest ({}): {} held entries from {} to {} for {} users; {} sent, {} failed{}{}", oneLine(actor),
                g.entries(), since, until, g.byUser().size(), sent, failed,
                resumed ? " (going on with an unfinished run)" : "",
                g.truncated() ? " (window cut at max.scan)" : "");
        return new DigestRun(since, until, g.entries(), g.byUser().size(), sent, failed, g.truncated());
    }

    /**
     * The run this node may take: a new one from the end of the last window to now, or the one left unfinished by this
     * node or by another once its lease lapsed (widened to now when it had handed on nothing yet).
     *
     * @throws IllegalStateException when another node holds a run
     */
    private DigestLedger.Run claimable(DigestLedger.State read, Instant now) {
        Instant lease = now.plus(LEASE);
        DigestLedger.Run left = read.run();
        if (left != null) {
            if (left.lease().isAfter(now) && !left.node().equals(node)) {
                throw new RunElsewhere("a digest run is in progress on node " + oneLine(left.node())
                        + " (window " + left.since() + " to " + left.until() + ", " + (left.sent() + left.failed())
                        + " users done, its lease runs to " + left.lease() + "); nothing was sent here");
            }
            if (!left.untouched()) {
                return left.heldBy(node, lease);
            }
            return new DigestLedger.Run(left.since(), later(left.until(), now), node, lease, "", 0, 0);
        }
        Instant since = read.lastEnd().orElse(now.minus(settings.firstWindow()));
        if (since.isAfter(now)) {
            LOG.warn("Digest: the last digest's window ended at {}, after now ({}): the clock went back; this window"
                    + " starts now", since, now);
            since = now;
        }
        return new DigestLedger.Run(since, now, node, lease, "", 0, 0);
    }

    /** The digest is being sent by another node: nothing to do here, and not a reason to wait. */
    static final class RunElsewhere extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        RunElsewhere(String message) {
            super(message);
        }
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Lets another node (or the next tick) take a run this node could not start at once, not after its lease. */
    private void giveUp(DigestLedger.State state) {
        try {
            ledger.write(state, state.lastEnd(), state.run().heldBy(node, clock.instant()));
        } catch (IllegalStateException e) {
            LOG.debug("Digest: the run's lease could not be given back ({}); it lapses after {}", e.getMessage(),
                    LEASE);
        }
    }

    /**
     * What one user's digest lists: the inbound messages held for them and, with {@code notify.outgoing}, those they
     * sent that were held; newest first each.
     */
    private record UserHeld(List<QuarantineEntry> forThem, List<QuarantineEntry> sentByThem) {
        UserHeld() {
            this(new ArrayList<>(), new ArrayList<>());
        }
    }

    /**
     * @param byUser  each user's held mail, in address order (the order a run goes, recorded in the ledger)
     * @param entries inbound entries held in the window
     */
    private record Gathered(SortedMap<String, UserHeld> byUser, int entries, int outbound,
            Map<String, Integer> byReason, boolean truncated) {
    }

    /** Users listed in the administrators' summary at most. */
    static final int SUMMARY_USERS = 20;

    /** Mails the administrators' summary of this run (logged when it cannot go: it is not sent again). */
    private void summarise(MessageIntake in, String from, Instant since, Instant now, Gathered g, int sent,
            int failed) {
        Map<String, Integer> byUser = new TreeMap<>();
        g.byUser().forEach((user, held) -> {
            if (!held.forThem().isEmpty()) {
                byUser.put(user, held.forThem().size());
            }
        });
        byte[] raw = DigestMail.buildSummary(from, settings.adminAddress(), now, settings.zone(), since, g.entries(),
                g.outbound(), settings.notifyOutgoing(), g.byReason(), byUser, SUMMARY_USERS, sent, failed, g.truncated(),
                "digest-summary." + now.toEpochMilli() + "." + HexFormat.of().formatHex(randomBytes()));
        if (!handOn(in, from, settings.adminAddress(), raw, now)) {
            LOG.warn("Digest: the summary for {} was not sent", settings.adminAddress());
        }
    }

    /**
     * The held entries of ({@code since}, {@code until}] by user: inbound ones by recipient, outgoing ones (with
     * {@code notify.outgoing}) by envelope sender; newest first within each.
     */
    private Gathered gather(Instant since, Instant until) {
        SortedMap<String, UserHeld> byUser = new TreeMap<>();
        Map<String, Integer> byReason = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        int entries = 0;
        int outbound = 0;
        int scanned = 0;
        // keyset paging: an entry released meanwhile does not shift the next page (an offset would skip one)
        QuarantineQuery query = new QuarantineQuery(PAGE, 0, QuarantineEntry.Status.HELD, null, null, null);
        boolean truncated = false;
        scan:
        while (true) {
            List<QuarantineEntry> page;
            try {
                page = quarantine.list(query);
            } catch (RuntimeException e) {
                throw new IllegalStateException("the quarantine cannot be read (" + e + "); nothing was sent and the"
                        + " next digest covers this window too", e);
            }
            for (QuarantineEntry e : page) {
                if (scanned++ >= settings.maxScan()) {
                    truncated = true;
                    LOG.warn("Digest: more than max.scan = {} held entries since {}; the oldest are not listed",
                            settings.maxScan(), since);
                    break scan;
                }
                if (e.quarantinedAt().isAfter(until)) {
                    continue; // held during this run: the next digest lists it
                }
                if (!e.quarantinedAt().isAfter(since)) {
                    break scan; // newest first: the rest is older
                }
                if (!seen.add(e.id())) {
                    continue; // the list moved under the paging
                }
                if (SUBMITTER.equals(e.envelope().authenticatedUser())) {
                    continue; // a digest the gateway sent, held by a detector: never listed
                }
                if (e.envelope().direction() != Direction.INBOUND) {
                    outbound++;
                    String by = e.envelope().sender().toLowerCase(Locale.ROOT);
                    if (settings.notifyOutgoing() && Texts.isAddress(by) && protectedDomain(by)) {
                        byUser.computeIfAbsent(by, k -> new UserHeld()).sentByThem().add(e);
                    }
                    continue;
                }
                entries++;
                byReason.merge(DigestMail.reason(e.verdict().categories()), 1, Integer::sum);
                Set<String> to = new TreeSet<>();
                for (String r : e.envelope().recipients()) {
                    String address = r.toLowerCase(Locale.ROOT);
                    // a copy released to this recipient alone is no longer held for them
                    if (Texts.isAddress(address) && e.heldFor(address) && protectedDomain(address)) {
                        to.add(address);
                    }
                }
                to.forEach(r -> byUser.computeIfAbsent(r, k -> new UserHeld()).forThem().add(e));
            }
            if (page.size() < PAGE) {
                break;
            }
            query = query.after(page.get(page.size() - 1));
        }
        return new Gathered(byUser, entries, outbound, byReason, truncated);
    }

    private boolean protectedDomain(String address) {
        Directory d = directory;
        if (d == null) {
            return true;
        }
        try {
            return d.isProtectedDomain(address.substring(address.lastIndexOf('@') + 1));
        } catch (RuntimeException e) {
            return true; // inbound mail is addressed to our domains; the directory being away changes nothing
        }
    }

    /** Hands one user's digest to the intake; whether it was accepted. */
    private boolean send(MessageIntake in, String from, String to, UserHeld user, Instant since, Instant now) {
        List<QuarantineEntry> held = user.forThem();
        List<DigestMail.Item> items = new ArrayList<>();
        for (QuarantineEntry e : held.subList(0, Math.min(held.size(), settings.maxEntries()))) {
            items.add(new DigestMail.Item(e.id(), e.quarantinedAt(), e.envelope().sender(), e.verdict().categories()));
        }
        List<QuarantineEntry> mine = user.sentByThem();
        List<DigestMail.Item> sentItems = new ArrayList<>();
        for (QuarantineEntry e : mine.subList(0, Math.min(mine.size(), settings.maxEntries()))) {
            List<String> rcpts = e.envelope().recipients();
            sentItems.add(new DigestMail.Item(e.id(), e.quarantinedAt(), rcpts.isEmpty() ? "" : rcpts.get(0),
                    Math.max(0, rcpts.size() - 1), e.verdict().categories()));
        }
        Instant expires = now.plus(settings.linkValidity());
        // the page lists what is held for the user: without any, no link
        String link = tokens == null || held.isEmpty() ? ""
                : settings.baseUrl() + DigestContextHelper.PATH + "/" + tokens.issue(to, expires);
        byte[] raw = DigestMail.build(from, to, now, settings.zone(), since, items, held.size() - items.size(), link,
                expires, new DigestMail.Outgoing(sentItems, mine.size() - sentItems.size()),
                "digest." + now.toEpochMilli() + "." + HexFormat.of().formatHex(randomBytes()));
        return handOn(in, from, to, raw, now);
    }

    /** Hands one mail of this bundle to the intake; whether it was accepted. */
    private boolean handOn(MessageIntake in, String from, String to, byte[] raw, Instant now) {
        Envelope envelope = new Envelope(from, List.of(to), "127.0.0.1", SUBMITTER, false, now, Direction.INBOUND,
                SUBMITTER);
        try {
            IntakeResult r = in.receive(envelope, new ByteArrayInputStream(raw));
            if (r.outcome() == IntakeResult.Outcome.ACCEPTED) {
                LOG.debug("Digest mail for {} queued as {}", to, r.id());
                return true;
            }
            LOG.warn("Digest: the mail for {} was not accepted: {} {}", to, r.reply().code(), r.reply().text());
        } catch (IOException | RuntimeException e) {
            LOG.warn("Digest: the mail for {} could not be handed on: {}", to, e.toString());
        }
        return false;
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return b;
    }

    /** from.address, else streamail-quarantine@ the first protected domain (sorted, so every node agrees). */
    String sender() {
        if (!settings.fromAddress().isEmpty()) {
            return settings.fromAddress();
        }
        Directory d = directory;
        if (d != null) {
            try {
                Optional<String> own = d.ownAddress(LOCAL_PART);
                if (own.isPresent()) {
                    return own.get();
                }
            } catch (RuntimeException e) {
                LOG.debug("Digest: directory domains unavailable: {}", e.toString());
            }
        }
        return LOCAL_PART + "@localhost";
    }

    private static String oneLine(String s) {
        return Texts.oneLine(s, 100);
    }
}
