package org.streamail.core.internal.delivery;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPMessage;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
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
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.GatewayReceived;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.MessageLog;
import org.streamail.core.internal.parse.MailContext;
import org.streamail.core.internal.spool.FileModes;
import org.streamail.core.internal.spool.ReleaseKeys;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.spool.SpoolException;

/**
 * Delivers spooled messages (PID {@value #PID}): to the next hop with Jakarta Mail's SMTP transport, or, when
 * {@code relay.host} is empty, as {@code <id>.eml} files in the local folder ({@code <id>-released-<n>.eml} for a
 * copy released from the quarantine to one recipient).
 *
 * <p>The message is streamed from its spool file (never re-parsed), preceded by a {@code Received:} header
 * for this hop and, for TAG, {@code X-Streamail-Verdict} / {@code X-Streamail-Score}. Outbound mail loses its
 * internal hops ({@link InternalHops}) and internal names in its message ids ({@link MessageIdFilter},
 * {@link MessageIdHiding}); inbound, our id tokens in replies are decoded again. A hop with credentials gets SMTP
 * AUTH after STARTTLS, with the password its file holds now (a changed file is read again, an unusable one defers);
 * a refused AUTH defers, never fails, the message. Outbound mail is signed when an {@link OutboundSigner} is bound
 * ({@link OutboundSigning}): after all of the above, so the signature covers what leaves; a signer that fails defers
 * the message, which never leaves unsigned for that. Recipients the hop
 * refuses permanently (5xx) are FAILED; temporary refusals and connection failures are DEFERRED with
 * exponential backoff and retried by a scheduler. When a message ends with recipients it did not reach (refused,
 * or still pending at {@code retry.give.up}), a non-delivery report to its sender is spooled and delivered like
 * any message ({@link Bouncer}, {@link NonDeliveryReport}). The retry state (attempts, next attempt, last
 * error, recipients still pending, recipients refused so far) lives in the entry's state sidecar, so the deferred queue survives a restart:
 * on activation every spool entry that has a state is resumed.
 *
 * <p>Thread-safe. Lifecycle: {@link #start()} resumes, {@link #close()} stops the scheduler and gives up the
 * claims (entries stay in the spool).
 */
@Component(service = Delivery.class, configurationPid = Delivery.PID, immediate = true)
@Designate(ocd = DeliveryConfig.class)
public class Delivery {

    public static final String PID = "org.streamail.delivery";
    private static final Logger LOG = LoggerFactory.getLogger(Delivery.class);
    /** The date of our Received line (RFC 5322 3.3). */
    static final DateTimeFormatter RFC5322 = DateTimeFormatter
            .ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final int THREADS = 4;
    /** How a recipient refused before any hop saw it is recorded (the report tells it apart by this). */
    private static final String INVALID_ADDRESS = "invalid address: ";

    private final Spool spool;
    private final MessageLog log;
    private final Clock clock;
    private volatile DeliverySettings settings;
    /** Set while the configuration is invalid: every message is held (see {@link #Delivery(Spool, MessageLog, DeliveryConfig)}). */
    private volatile String configError;
    /** Spool keys whose hold is in the message log already (one line per message, not one per re-check). */
    private final java.util.Set<String> heldLogged = ConcurrentHashMap.newKeySet();
    private final ScheduledThreadPoolExecutor scheduler;
    /** Closes connections whose write to the hop overran the timeout ({@link HopSockets}); never blocks itself. */
    private final ScheduledThreadPoolExecutor watchdog;
    /** Connections to the next hop kept open between messages (one per delivery thread at most). */
    private final RelayConnections connections;
    /** Spools non-delivery reports on failed recipients. */
    private final Bouncer bouncer;
    /** {@code may} hops whose STARTTLS failed lately: their mail goes in plain text for a while. */
    private final TlsFallbacks tlsFallbacks;
    /** Name lookups of next hops, bounded in time: the JVM's resolver has no timeout of its own. */
    private final java.util.concurrent.ThreadPoolExecutor lookups;
    /** Lookups running or waiting at most; past that a new connection is deferred (a resolver that hangs). */
    static final int LOOKUP_THREADS = 2;
    static final int LOOKUP_QUEUE = 16;

    /**
     * The outbound signer (DKIM), the highest-ranking one registered; {@code null} while none is. Optional, dynamic and
     * greedy: a signer coming, going or replaced by a higher-ranking one changes what the next attempt does, and never
     * restarts delivery (the intake and the quarantine service depend on it).
     */
    private final java.util.concurrent.atomic.AtomicReference<OutboundSigner> signer =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** How a next hop's name is looked up; the JVM's resolver, replaced in tests. */
    interface NameLookup {
        java.net.InetAddress[] lookup(String host) throws java.net.UnknownHostException;
    }

    volatile NameLookup nameLookup = java.net.InetAddress::getAllByName;

    /**
     * Entries a closed instance was handed ({@link #enqueue} after {@link #close()}: a release at the moment of a
     * restart) and gave back, per spool: the instance running on that spool takes them over within a second
     * ({@link #adoptWaiting}), one started later finds them at its start. Static because the closed instance and the
     * next one know nothing of each other; weak, so a spool that is gone takes its set with it.
     */
    private static final Map<Spool, java.util.Set<String>> GIVEN_BACK =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    /** Entries this instance owns, with their current state. */
    private final Map<String, State> jobs = new ConcurrentHashMap<>();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong deferredEvents = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    /**
     * Keys whose attempt is running now (on a delivery thread), with how many: an attempt's next one can start
     * before the first has left {@link #attempt} (a retry due at once, a thread descheduled).
     */
    private final Map<String, Integer> running = new java.util.HashMap<>();
    /** Keys whose claim {@link #close()} left with their running attempt; guarded by {@link #running}. */
    private final java.util.Set<String> keptForRunning = new java.util.HashSet<>();
    /**
     * Entries with a delivery state that another instance's attempt still held when this one started (a restart
     * while a message was being sent): claimed and resumed as soon as that attempt lets go.
     */
    private final java.util.Set<String> waitingForClaim = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;
    /** Held time is written to the state file at most this often per message (and at the first hold check). */
    static final Duration HELD_PERSIST = Duration.ofMinutes(5);
    /** {@link #HELD_PERSIST}; shorter in tests. */
    volatile Duration heldPersist = HELD_PERSIST;
    /** When each held message's hold was last written; dropped when it is delivered or given up. */
    private final Map<String, Instant> heldPersisted = new ConcurrentHashMap<>();

    /** How long {@link #close()} waits for a running attempt before it returns and leaves the claim with it. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    /** {@link #CLOSE_WAIT}; shorter in tests. */
    volatile Duration closeWait = CLOSE_WAIT;

    /** While the configuration is invalid, a held message is looked at again this often. */
    static final Duration HOLD_RECHECK = Duration.ofSeconds(30);
    /** {@link #HOLD_RECHECK}; shorter in tests. */
    volatile Duration holdRecheck = HOLD_RECHECK;

    /**
     * An invalid configuration does not fail the activation: everything else depends on this component, and
     * a component that failed to activate was not brought back when the file was corrected (fourth audit:
     * both SMTP ports stayed closed until a bundle restart). Instead mail is accepted and spooled as usual and
     * held, and the first valid configuration releases it.
     */
    @Activate
    public Delivery(@Reference Spool spool, @Reference MessageLog log, DeliveryConfig config,
            Map<String, Object> properties) {
        this(spool, log, Checked.of(config, properties), Clock.systemUTC());
    }

    /** As activated without a configuration file (the annotation's values only), and started; for tests. */
    Delivery(Spool spool, MessageLog log, DeliveryConfig config) {
        this(spool, log, config, Map.of());
        start();
    }

    private Delivery(Spool spool, MessageLog log, Checked checked, Clock clock) {
        this(spool, log, checked.settings, clock);
        if (checked.error != null) {
            configError = checked.error;
            LOG.error("Delivery configuration invalid: {}. Mail is accepted and queued but nothing is delivered "
                    + "until etc/{}.cfg is corrected (no restart needed)", checked.error, PID);
        }
    }

    /**
     * Resumes the deferred queue once Declarative Services has bound the optional references ({@link #start()}): an
     * outbound message resumed at once must see the signer that is registered already. It used to start in the
     * constructor, before any binding.
     */
    @Activate
    void activate() {
        start();
    }

    @Reference(service = OutboundSigner.class, cardinality = ReferenceCardinality.OPTIONAL,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindSigner(OutboundSigner s) {
        OutboundSigner before = signer.getAndSet(s);
        LOG.info("Outbound mail is signed by {}{}", name(s), before == null ? "" : " (instead of " + name(before) + ")");
    }

    void unbindSigner(OutboundSigner s) {
        // a greedy replacement binds the new signer first: only the one still in place is dropped
        if (signer.compareAndSet(s, null)) {
            LOG.info("Outbound signer {} gone: outbound mail {}", name(s), settings.signRequired()
                    ? "waits until a signer is back (outbound.sign.required)" : "leaves unsigned");
        }
    }

    /** The signer bound now, {@code null} for none; for tests. */
    OutboundSigner boundSigner() {
        return signer.get();
    }

    private static String name(OutboundSigner s) {
        try {
            return s.name();
        } catch (RuntimeException | LinkageError e) {
            return s.getClass().getName();
        }
    }

    /** A configuration read: its settings, or placeholder settings and the reason it is invalid. */
    private record Checked(DeliverySettings settings, String error) {

        /** The yes/no properties: DS reads anything but "true" as false, which would turn scrubbing off. */
        private static final List<String> BOOLEANS = List.of("outbound.hide.internal", "bounce.enabled",
                "bounce.inbound", "relay.auth.allow.unverified", "outbound.relay.auth.allow.unverified",
                "outbound.sign.required");

        static Checked of(DeliveryConfig config, Map<String, ?> properties) {
            try {
                for (String name : BOOLEANS) {
                    Object v = properties.get(name);
                    if (v instanceof String text && !text.strip().equalsIgnoreCase("true")
                            && !text.strip().equalsIgnoreCase("false")) {
                        throw new IllegalArgumentException(name + " must be true or false, got '" + text + "'");
                    }
                }
                return new Checked(DeliverySettings.of(config), null);
            } catch (IllegalArgumentException e) {
                // Never used to deliver: attempt() holds every message while the error is set.
                return new Checked(DeliverySettings.local(java.nio.file.Paths.get("held")),
                        String.valueOf(e.getMessage()));
            }
        }
    }

    public Delivery(Spool spool, MessageLog log, DeliverySettings settings, Clock clock) {
        this.spool = spool;
        this.log = log;
        this.settings = settings;
        this.clock = clock;
        AtomicInteger n = new AtomicInteger();
        this.scheduler = new ScheduledThreadPoolExecutor(THREADS, r -> {
            Thread t = new Thread(r, "streamail-delivery-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scheduler.setRemoveOnCancelPolicy(true);
        this.scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "streamail-delivery-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.watchdog.setRemoveOnCancelPolicy(true);
        this.watchdog.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        AtomicInteger l = new AtomicInteger();
        this.lookups = new java.util.concurrent.ThreadPoolExecutor(LOOKUP_THREADS, LOOKUP_THREADS, 30,
                TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(LOOKUP_QUEUE), r -> {
                    Thread t = new Thread(r, "streamail-delivery-dns-" + l.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.lookups.allowCoreThreadTimeOut(true);
        this.tlsFallbacks = new TlsFallbacks(clock, TlsFallbacks.PERIOD);
        this.connections = new RelayConnections(clock, THREADS, this::checkName);
        this.bouncer = new Bouncer(spool, log, clock);
        this.scheduler.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(() -> MailContext.call(() -> {
            connections.evictExpired();
            adoptWaiting();
            return null;
        }), e -> LOG.error("Delivery: closing idle relay connections failed; the next run is as scheduled", e)), 1, 1,
                TimeUnit.SECONDS);
    }

    @Modified
    void modified(DeliveryConfig config, Map<String, Object> properties) {
        Checked checked = Checked.of(config, properties);
        if (checked.error != null) {
            if (configError != null) {
                configError = checked.error;
                LOG.error("Delivery configuration still invalid: {}; mail stays queued", checked.error);
            } else {
                LOG.error("Delivery configuration change refused: {}; keeping the previous configuration ({})",
                        checked.error, settings);
            }
            return;
        }
        settings = checked.settings;
        if (configError != null) {
            configError = null;
            heldLogged.clear();
            LOG.info("Delivery configuration valid again: held mail is delivered within {} s ({})",
                    holdRecheck.toSeconds(), settings);
        } else {
            LOG.info("Delivery settings changed: {}", settings);
        }
    }

    /** {@link #modified(DeliveryConfig, Map)} with the annotation's values only; for tests (another name, so DS
     * has one modified method to choose). */
    void reconfigure(DeliveryConfig config) {
        modified(config, Map.of());
    }

    /** Why delivery is held: the configuration is invalid; empty when it is valid. */
    public Optional<String> configurationError() {
        return Optional.ofNullable(configError);
    }

    /** Resumes every spool entry that has a delivery state (the deferred queue across restarts). */
    public void start() {
        int resumed = 0;
        for (SpoolEntry e : spool.entries()) {
            Optional<Map<String, String>> s = spool.readState(e.key());
            if (s.isEmpty()) {
                continue;
            }
            if (!spool.claim(e.key())) {
                // Claimed: the intake's (not resumed here), or an attempt of the instance before a restart that is
                // still sending it: taken over when that attempt lets go (adoptWaiting).
                waitingForClaim.add(e.key());
                continue;
            }
            if (resume(e.key(), s.get())) {
                resumed++;
            }
        }
        if (resumed > 0) {
            LOG.info("Resumed delivery of {} spooled message(s)", resumed);
        }
    }

    /** Schedules a claimed entry by its state; gives the claim back if the state is unreadable. */
    private boolean resume(String key, Map<String, String> state) {
        try {
            State st = State.from(state);
            jobs.put(key, st);
            long delay = Math.max(0, Duration.between(clock.instant(), st.nextAttempt).toMillis());
            scheduler.schedule(() -> attempt(key), delay, TimeUnit.MILLISECONDS);
            return true;
        } catch (RuntimeException ex) {
            LOG.warn("Delivery state of {} unreadable ({}); leaving it for a rescan", key, ex.toString());
            spool.unclaim(key);
            return false;
        }
    }

    /**
     * Takes over entries {@link #start()} found claimed, once free: an entry that is gone was finished by whoever
     * had it; one that was handed to this instance meanwhile ({@link #enqueue}) is in {@link #jobs} already; one
     * without a state belongs to the intake. Runs every second; the set only holds what start saw claimed.
     */
    private void adoptWaiting() {
        java.util.Set<String> givenBack = GIVEN_BACK.get(spool);
        if (givenBack != null && !closed) {
            synchronized (givenBack) {
                waitingForClaim.addAll(givenBack);
                givenBack.clear();
            }
        }
        for (String key : waitingForClaim) {
            if (closed) {
                return;
            }
            if (jobs.containsKey(key) || spool.find(key).isEmpty()) {
                waitingForClaim.remove(key);
                continue;
            }
            Optional<Map<String, String>> s = spool.readState(key);
            if (s.isEmpty()) {
                waitingForClaim.remove(key);
                continue;
            }
            if (spool.claim(key)) {
                waitingForClaim.remove(key);
                if (resume(key, s.get())) {
                    LOG.info("Resumed delivery of {}, released by the attempt that was running at the restart", key);
                }
            }
        }
    }

    /**
     * Stops. Attempts in progress may finish (an interrupt would abort their file and socket I/O half-way) for up
     * to 5 s; waiting retries are dropped (their state files bring them back). The claims of entries not being
     * sent now are given back; an attempt still sending keeps its entry's claim until it is done, so the next
     * instance (a restart: bundle refresh, store update) cannot send the same message at the same time: it used to
     * get the claim back at once and deliver the message a second time. That instance takes the entry over when
     * the attempt lets go ({@link #adoptWaiting}), unless the attempt finished it.
     */
    @Deactivate
    public void close() {
        closed = true;
        scheduler.shutdown();
        try {
            // Not shutdownNow() after the wait: its interrupt made the attempt's spool writes fail half-way
            // (ClosedByInterruptException: "delivered but could not remove it from the spool"). An attempt still
            // running keeps its claim (below) and finishes on its own; nothing else runs once `closed` is set.
            scheduler.awaitTermination(closeWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchdog.shutdownNow();
        lookups.shutdownNow();
        MailContext.call(() -> {
            connections.close();
            return null;
        });
        synchronized (running) {
            for (String key : jobs.keySet()) {
                if (running.containsKey(key)) {
                    keptForRunning.add(key);
                    LOG.warn("Delivery stopping while {} is being sent; its claim stays with that attempt", key);
                } else {
                    spool.unclaim(key);
                }
            }
            // Under the lock: an enqueue racing with close gives its claim back itself, exactly once (enqueue).
            jobs.clear();
        }
        waitingForClaim.clear();
    }

    /**
     * Takes over a claimed spool entry for delivery: writes its delivery state durably and schedules the first
     * attempt now.
     *
     * @param verdict the verdict (TAG adds headers), or {@code null} for a released message
     * @throws SpoolException if the state could not be written (the entry stays, a restart retries)
     */
    public void enqueue(SpoolEntry entry, Verdict verdict) throws SpoolException {
        State st = new State(verdict == null ? Action.DELIVER : verdict.action(),
                verdict == null ? 0.0 : verdict.score(), verdict == null ? List.of() : verdict.categories(), 0,
                clock.instant(), clock.instant(), "", entry.envelope().recipients());
        spool.writeState(entry.key(), st.toMap());
        String key = entry.key();
        synchronized (running) {
            if (!closed) {
                jobs.put(key, st);
                try {
                    scheduler.execute(() -> attempt(key));
                    return;
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    jobs.remove(key);
                }
            }
            // Closed (a release or a scan finishing at the moment of a restart): the claim is given back, or the
            // entry stayed claimed by this dead instance until the spool itself restarted. The state is durable:
            // the instance running on this spool takes it over (adoptWaiting), or the next one at its start.
            spool.unclaim(key);
            GIVEN_BACK.computeIfAbsent(spool, k -> java.util.Collections.synchronizedSet(new java.util.HashSet<>()))
                    .add(key);
        }
        LOG.info("Delivery stopping; {} is handed on to the next delivery instance", entry.id());
    }

    /** Messages waiting for a retry. */
    public long deferredCount() {
        return jobs.values().stream().filter(s -> s.attempts > 0).count();
    }

    /** Counters since start. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("delivered", delivered.get());
        m.put("deferred", deferredEvents.get());
        m.put("failed", failed.get());
        return m;
    }

    public DeliverySettings settings() {
        return settings;
    }

    // ------------------------------------------------------------------ one attempt

    /**
     * One delivery attempt. Whatever escapes it (an {@link Error} from a library or the message log, a bug after the
     * hop's answer) used to end the message's chain of attempts: it stayed in the spool, claimed, until the next
     * restart. It is logged at ERROR and the attempt runs again after the first retry delay (an attempt that had
     * already scheduled its next one, or finished the message, returns at once).
     */
    private void attempt(String key) {
        synchronized (running) {
            if (closed) {
                return; // stopped: the state file brings it back at the next start
            }
            running.merge(key, 1, Integer::sum);
        }
        try {
            attemptOnce(key);
        } catch (RuntimeException | Error ex) {
            Duration wait = settings.backoff(1);
            LOG.error("Delivery of {} failed unexpectedly; trying again in {} s", key, wait.toSeconds(), ex);
            try {
                scheduler.schedule(() -> attempt(key), wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException r) {
                // Shutting down: the spool entry brings the message back at the next start.
            }
        } finally {
            synchronized (running) {
                running.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                if (!running.containsKey(key) && keptForRunning.remove(key)) {
                    spool.unclaim(key); // close left it to us; the next instance takes it over (or it is gone)
                }
            }
        }
    }

    private void attemptOnce(String key) {
        State st = jobs.get(key);
        if (st == null) {
            return;
        }
        Optional<SpoolEntry> found = spool.find(key);
        if (found.isEmpty()) {
            jobs.remove(key);
            spool.unclaim(key);
            return;
        }
        SpoolEntry e = found.get();
        String held = configError;
        if (held != null) {
            // Not an attempt: nothing was tried, so no retry is used up and give-up does not come nearer: the time
            // held is added to `since` (it used to count, and mail held for retry.give.up by a typo FAILED and was
            // bounced at its first deferral after the fix); `nextAttempt` marks how far it is counted. Kept in
            // memory; the next state written carries it.
            Instant now = clock.instant();
            Duration waited = Duration.between(st.nextAttempt, now);
            State shifted = new State(st.action, st.score, st.categories, st.attempts,
                    waited.isNegative() ? st.since : st.since.plus(waited), now, st.lastError,
                    st.pending, st.anyDelivered, st.refused);
            jobs.put(key, shifted);
            // Written too (the shift was in memory only: after a restart with the fixed file, mail held for longer
            // than retry.give.up FAILED and was bounced at its first deferral). At the first check and then at
            // most every HELD_PERSIST per message, so a long hold of many messages costs few writes; a restart
            // loses at most that much of the hold. The state file format is unchanged (since, next-attempt).
            Instant last = heldPersisted.get(key);
            if (last == null || Duration.between(last, now).compareTo(heldPersist) >= 0) {
                try {
                    spool.writeState(key, shifted.toMap());
                    heldPersisted.put(key, now);
                } catch (SpoolException ex) {
                    LOG.warn("Could not record the hold of {}: {}", e.id(), ex.toString());
                }
            }
            if (heldLogged.add(key)) {
                status(e.id(), DeliveryStatus.DEFERRED, "held: the delivery configuration is invalid: " + held);
            }
            try {
                scheduler.schedule(() -> attempt(key), holdRecheck.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException ex) {
                // Shutting down: the state file brings the message back at the next start.
            }
            return;
        }
        DeliverySettings s = settings;
        Result r;
        try {
            DeliverySettings.Hop hop = s.hop(e.envelope().direction());
            Outgoing out = outgoing(e, st, s);
            r = hop.local() ? writeLocal(e, st, hop, out) : relay(e, st, s, hop, out);
        } catch (OutboundSigning.NotSigned ex) {
            LOG.warn("Outbound {} deferred, not sent unsigned: {}", e.id(), ex.getMessage());
            r = Result.allTemporary(st.pending, ex.getMessage());
        } catch (IOException ex) {
            // the spooled message could not be read while building its signed form: as a failed local write would
            LOG.warn("Outbound {} could not be read for signing: {}", e.id(), ex.toString());
            r = Result.allTemporary(st.pending, "not signed, nothing sent: the spooled message could not be read: "
                    + oneLine(ex));
        } catch (RuntimeException ex) {
            LOG.error("Delivery of {} failed unexpectedly", e.id(), ex);
            r = Result.allTemporary(st.pending, "internal error: " + ex);
        }
        finish(e, st, s, r);
    }

    /** The bytes one attempt sends (behind the envelope lines of a folder copy): streamed, or signed in memory. */
    interface Outgoing {
        void writeTo(OutputStream out) throws IOException;

        /** The size the hop is told (SIZE); for a streamed message an estimate (hiding only removes bytes, tokens add few). */
        long size();
    }

    /**
     * What this attempt sends: the signed form when the message is outbound and a signer is bound, else our prefix and
     * the spooled bytes, streamed, exactly as before signing existed.
     *
     * @throws OutboundSigning.NotSigned when an outbound message must wait: its signer failed, or none is bound and
     *                                   {@code outbound.sign.required} says so
     * @throws IOException               when the spooled message cannot be read for signing
     */
    private Outgoing outgoing(SpoolEntry e, State st, DeliverySettings s) throws OutboundSigning.NotSigned,
            IOException {
        byte[] prefix = prefix(e, st, s);
        Outgoing streamed = new Outgoing() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                out.write(prefix);
                writeOriginal(out, e, s);
            }

            @Override
            public long size() {
                return prefix.length + e.rawLength();
            }
        };
        if (e.envelope().direction() != Direction.OUTBOUND) {
            return streamed; // inbound mail is never signed
        }
        OutboundSigner sg = signer.get();
        if (sg == null) {
            if (s.signRequired()) {
                throw new OutboundSigning.NotSigned("not signed, nothing sent: outbound.sign.required is true and no "
                        + "outbound signer is bound (is the detect-auth bundle active and org.streamail.dkim.sign "
                        + "enabled with a valid configuration?)");
            }
            return streamed;
        }
        OutboundSigning.Signed signed = OutboundSigning.sign(sg, e.id(), e.envelope(), prefix.length + e.rawLength(),
                streamed::writeTo);
        return new Outgoing() {
            @Override
            public void writeTo(OutputStream out) throws IOException {
                signed.writeTo(out);
            }

            @Override
            public long size() {
                return signed.size();
            }
        };
    }

    private void finish(SpoolEntry e, State st, DeliverySettings s, Result r) {
        String key = e.key();
        heldPersisted.remove(key);
        if (r.temporary.isEmpty()) {
            boolean anyDelivered = !r.delivered.isEmpty() || st.anyDelivered;
            DeliveryStatus status;
            String detail;
            if (anyDelivered) {
                status = e.released() ? DeliveryStatus.RELEASED : DeliveryStatus.DELIVERED;
                // every refusal, also those of earlier attempts (they used to be left out here)
                Map<String, String> refused = new LinkedHashMap<>(st.refused);
                refused.putAll(r.permanent);
                // a copy released to one recipient says so: the message stays held for the others
                detail = (!e.released() ? "" : ReleaseKeys.recipientIndex(e) >= 0 ? "released to "
                        + String.join(", ", e.envelope().recipients()) + " by " + e.releasedBy() + "; "
                        : "released by " + e.releasedBy() + "; ") + r.reply
                        + recipients(e, st, r) + (refused.isEmpty() ? "" : "; refused permanently: " + cap(refused));
                delivered.incrementAndGet();
            } else {
                status = DeliveryStatus.FAILED;
                detail = "refused permanently: " + r.permanent;
                failed.incrementAndGet();
            }
            // Before the removal: the report returns the original's header, read from the spool.
            detail += bounce(e, s, failures(st, r, false));
            try {
                spool.remove(key);
            } catch (SpoolException ex) {
                // Delivered but still spooled: a restart may deliver it again; say so loudly.
                LOG.error("Delivered {} but could not remove it from the spool: {}", e.id(), ex.toString());
            }
            jobs.remove(key);
            status(e.id(), status, detail);
            LOG.info("{} {} to {}: {}", status, e.id(), s.hop(e.envelope().direction()).describe(), detail);
            return;
        }
        int attempts = st.attempts + 1;
        Instant now = clock.instant();
        boolean anyDelivered = st.anyDelivered || !r.delivered.isEmpty();
        if (Duration.between(st.since, now).compareTo(s.giveUp()) >= 0) {
            failed.incrementAndGet();
            String reported = bounce(e, s, failures(st, r, true));
            try {
                spool.remove(key);
            } catch (SpoolException ex) {
                LOG.error("Could not remove failed entry {}: {}", e.id(), ex.toString());
            }
            jobs.remove(key);
            status(e.id(), DeliveryStatus.FAILED, "gave up after " + attempts + " attempts: " + r.reply
                    + recipients(e, st, r) + reported);
            LOG.warn("FAILED {} after {} attempts: {}", e.id(), attempts, r.reply);
            return;
        }
        // The hop took some recipients and put the others off (typically 452 "too many recipients" past its
        // per-transaction limit, RFC 5321 §4.5.3.1.10): the rest go in a new transaction at once, and that does not
        // count as a failed attempt. It used to wait the backoff each time, so a 1000-recipient message to a hop
        // taking 100 per transaction needed 9 retries, hours. Bounded: each such round delivers someone.
        boolean progress = !r.delivered.isEmpty();
        Instant next = progress ? now : now.plus(s.backoff(attempts));
        Map<String, String> refused = new LinkedHashMap<>(st.refused);
        refused.putAll(r.permanent);
        State ns = new State(st.action, st.score, st.categories, progress ? st.attempts : attempts, st.since, next,
                r.reply,
                List.copyOf(r.temporary), anyDelivered, refused);
        try {
            spool.writeState(key, ns.toMap());
        } catch (SpoolException ex) {
            // The old state stays valid (fewer attempts counted); the retry still happens in memory.
            LOG.warn("Could not record retry state of {}: {}", e.id(), ex.toString());
        }
        jobs.put(key, ns);
        deferredEvents.incrementAndGet();
        status(e.id(), DeliveryStatus.DEFERRED, "attempt " + attempts + ", next " + (progress
                ? "at once (the hop took some recipients)" : "at " + next) + ": " + r.reply
                + recipients(e, st, r) + (r.permanent.isEmpty() ? "" : "; refused permanently: " + cap(r.permanent)));
        LOG.info("DEFERRED {} (attempt {}), retry at {}: {}", e.id(), attempts, next, r.reply);
        try {
            scheduler.schedule(() -> attempt(key), Math.max(0, Duration.between(clock.instant(), next).toMillis()),
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            // Shutting down: the state file carries the retry over to the next start.
        }
    }

    /**
     * Where each recipient stands when the outcomes are mixed (a partly delivered message): {@code "; recipients
     * delivered 2: a@x, b@x; deferred 1: c@x; failed 1: d@x"}, else {@code ""}. Delivered are the envelope's
     * recipients neither pending nor refused, so the ones done at earlier attempts count too (the state keeps no
     * list of them). At most 5 addresses per kind are named, the counts are exact.
     */
    private static String recipients(SpoolEntry e, State st, Result r) {
        java.util.Set<String> failedSet = new java.util.LinkedHashSet<>(st.refused.keySet());
        failedSet.addAll(r.permanent.keySet());
        java.util.Set<String> deferredSet = new java.util.LinkedHashSet<>(r.temporary);
        List<String> done = new ArrayList<>();
        for (String rcpt : e.envelope().recipients()) {
            if (!failedSet.contains(rcpt) && !deferredSet.contains(rcpt) && !done.contains(rcpt)) {
                done.add(rcpt);
            }
        }
        int kinds = (done.isEmpty() ? 0 : 1) + (deferredSet.isEmpty() ? 0 : 1) + (failedSet.isEmpty() ? 0 : 1);
        if (kinds < 2) {
            return "";
        }
        StringBuilder b = new StringBuilder("; recipients");
        names(b, "delivered", done);
        names(b, "deferred", deferredSet);
        names(b, "failed", failedSet);
        return b.toString();
    }

    private static void names(StringBuilder b, String kind, java.util.Collection<String> rcpts) {
        if (rcpts.isEmpty()) {
            return;
        }
        b.append(b.length() > "; recipients".length() ? "; " : " ").append(kind).append(' ').append(rcpts.size())
                .append(": ");
        int n = 0;
        for (String rcpt : rcpts) {
            if (n == 5) {
                b.append(" and ").append(rcpts.size() - n).append(" more");
                break;
            }
            b.append(n++ == 0 ? "" : ", ").append(oneLine(rcpt.length() > 100 ? rcpt.substring(0, 100) : rcpt));
        }
    }

    /** The refusals in a status line, bounded (the reply texts can be long; the counts are in the summary). */
    private static String cap(Map<String, String> refused) {
        String t = refused.toString();
        return t.length() > 300 ? t.substring(0, 300) + "...}" : t;
    }

    /**
     * Every recipient this message did not reach: refused at earlier attempts (kept in the state), refused now,
     * and, when retries ran out, those still pending with the last reply.
     */
    private static List<NonDeliveryReport.Failure> failures(State st, Result r, boolean expired) {
        Map<String, String> refused = new LinkedHashMap<>(st.refused);
        refused.putAll(r.permanent);
        List<NonDeliveryReport.Failure> out = new ArrayList<>(refused.size() + r.temporary.size());
        refused.forEach((rcpt, reply) -> out.add(new NonDeliveryReport.Failure(rcpt, reply,
                reply.startsWith(INVALID_ADDRESS) ? NonDeliveryReport.Kind.INVALID : NonDeliveryReport.Kind.REFUSED)));
        if (expired) {
            for (String rcpt : r.temporary) {
                out.add(new NonDeliveryReport.Failure(rcpt, r.reply, NonDeliveryReport.Kind.EXPIRED));
            }
        }
        return out;
    }

    /**
     * Queues a non-delivery report to the sender of {@code e} for {@code failures} (RFC 5321 §6.1: we answered
     * 250, so the sender must hear of it), unless the sender is the null sender or the settings say no. Never
     * throws: a report that cannot be made is an ERROR in the log, the original's outcome stands.
     *
     * @return what to add to the original's status detail: {@code "; bounce <id> queued"}, or {@code ""}
     */
    private String bounce(SpoolEntry e, DeliverySettings s, List<NonDeliveryReport.Failure> failures) {
        if (failures.isEmpty() || !Bouncer.due(e, s)) {
            return "";
        }
        try {
            Optional<SpoolEntry> report = bouncer.spoolReport(e, failures, s);
            if (report.isPresent()) {
                enqueue(report.get(), null);
                LOG.info("Bounce {} queued for {}: {} recipient(s) failed, returned to the sender via the {} hop",
                        report.get().id(), e.id(), failures.size(),
                        report.get().envelope().direction().name().toLowerCase(Locale.ROOT));
                return "; bounce " + report.get().id() + " queued";
            }
        } catch (IOException | jakarta.mail.MessagingException | RuntimeException ex) { // SpoolException is an IOException
            LOG.error("Could not queue a non-delivery report for {} ({} failed recipient(s)): {}", e.id(),
                    failures.size(), ex.toString());
        }
        return "";
    }

    private void status(String id, DeliveryStatus status, String detail) {
        try {
            log.status(id, status, detail.length() > 1000 ? detail.substring(0, 1000) : detail);
        } catch (RuntimeException ex) {
            LOG.warn("Message log unavailable, status {} of {} not recorded: {}", status, id, ex.toString());
        }
    }

    // ------------------------------------------------------------------ local folder

    private Result writeLocal(SpoolEntry e, State st, DeliverySettings.Hop hop, Outgoing message) {
        Path folder = hop.localFolder();
        // Named by the message id; a copy released to one recipient by its spool key (<id>-released-<n>), so that
        // copies released to several recipients one by one do not replace each other.
        String name = ReleaseKeys.recipientIndex(e) >= 0 ? e.key() : e.id();
        Path target = folder.resolve(name + ".eml");
        Path temp = folder.resolve("." + name + ".eml.tmp");
        try {
            Files.createDirectories(folder);
            Files.deleteIfExists(temp); // created anew, so with the mode below whatever an earlier attempt left
            try (FileChannel ch = FileModes.open(temp, FileModes.OWNER_AND_GROUP_READ, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE); OutputStream out = java.nio.channels.Channels.newOutputStream(ch)) {
                // the envelope as a delivery agent writes it, then the message (signed, when it is)
                out.write(envelopeLines(e.envelope(), st.pending));
                message.writeTo(out);
                out.flush();
                ch.force(true);
            }
            // Replacing is right: a redelivery after a crash rewrites the same file, so it exists once.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
                dir.force(true);
            }
            // A message without envelope recipients (e.g. released from a scan) still lands in the folder.
            return new Result(st.pending.isEmpty() ? List.of("local") : st.pending, List.of(), Map.of(),
                    // the file name only: the message log is readable by viewers, the server's paths are not theirs
                    "written to the " + (e.envelope().direction() == Direction.OUTBOUND ? "outbound" : "delivery")
                            + " folder as " + target.getFileName());
        } catch (IOException ex) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort; the next attempt truncates it
            }
            // The server's paths go to the log, not to the message log (viewers read it), as on success.
            LOG.warn("Local delivery of {} to {} failed: {}", e.id(), folder, ex.toString());
            String why = ex instanceof java.nio.file.FileSystemException fse
                    ? ex.getClass().getSimpleName() + (fse.getReason() == null ? "" : ": " + fse.getReason())
                    : ex.toString();
            return Result.allTemporary(st.pending, "local delivery to the " + (e.envelope().direction()
                    == Direction.OUTBOUND ? "outbound" : "delivery") + " folder failed: " + oneLine(why));
        }
    }

    /**
     * The envelope of a message written to a folder, as a final delivery agent writes it: {@code Return-Path}
     * with the envelope sender ({@code <>} for a bounce), then one {@code Delivered-To} per recipient of this
     * delivery. Without them a program picking the file up could not tell who it is for (Bcc recipients appear in
     * no other header). They are written above our {@code Received}, so they are the first lines of the file and
     * cannot be confused with look-alike fields further down that came with the message.
     */
    static byte[] envelopeLines(Envelope env, List<String> recipients) {
        StringBuilder b = new StringBuilder(64 + 40 * recipients.size());
        b.append("Return-Path: <").append(address(env.sender())).append(">\r\n");
        for (String r : recipients) {
            b.append("Delivered-To: ").append(address(r)).append("\r\n");
        }
        // UTF-8: an internationalised address (SMTPUTF8) is written as it is, as RFC 6532 header fields allow
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** An envelope address in a header line: no control characters, no angle brackets, at most 320 characters. */
    private static String address(String a) {
        if (a == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(a.length(), 320));
        for (int i = 0; i < a.length() && b.length() < 320; i++) {
            char c = a.charAt(i);
            b.append(Character.isISOControl(c) || c == '<' || c == '>' ? '_' : c);
        }
        return b.toString();
    }

    /** The spooled bytes as they leave: outbound without the internal hops and ids when so set, else unchanged. */
    private void writeOriginal(OutputStream out, SpoolEntry e, DeliverySettings s) throws IOException {
        MessageIdFilter ids = idFilter(out, e, s);
        OutputStream target = ids == null ? out : ids;
        try (InputStream in = spool.openRaw(e)) {
            if (hides(e, s)) {
                InternalHops.copy(in, target); // it reads in chunks of its own
            } else {
                in.transferTo(target);
            }
        }
        if (ids != null) {
            ids.finish();
        }
    }

    /**
     * The message-id rewriting for {@code e}, or {@code null} for none: outbound with hiding on, internal ids become
     * tokens under the envelope sender's domain (ours for the null sender); inbound, our tokens in In-Reply-To and
     * References become the internal ids again (only when the key exists: without it no token can be ours).
     */
    private static MessageIdFilter idFilter(OutputStream out, SpoolEntry e, DeliverySettings s) {
        MessageIdHiding h = s.ids();
        if (h == null) {
            return null;
        }
        if (e.envelope().direction() == Direction.OUTBOUND) {
            if (!s.hideInternal()) {
                return null;
            }
            String domain = senderDomain(e.envelope().sender(), s.hostname());
            return new MessageIdFilter(out, MessageIdFilter.ALL_ID_FIELDS,
                    id -> h.internal(id) ? h.encode(id, domain) : null);
        }
        return new MessageIdFilter(out, MessageIdFilter.REPLY_FIELDS, h::decode);
    }

    /** The domain of a sender address when it is a plain DNS name, else {@code dflt}. */
    static String senderDomain(String sender, String dflt) {
        int at = sender == null ? -1 : sender.lastIndexOf('@');
        if (at < 0) {
            return dflt;
        }
        String d = sender.substring(at + 1);
        return DNS_NAME.matcher(d).matches() ? d.toLowerCase(Locale.ROOT) : dflt;
    }

    private static final java.util.regex.Pattern DNS_NAME =
            java.util.regex.Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?");

    private static boolean hides(SpoolEntry e, DeliverySettings s) {
        return s.hideInternal() && e.envelope().direction() == Direction.OUTBOUND;
    }

    byte[] prefix(SpoolEntry e, State st, DeliverySettings s) {
        StringBuilder b = new StringBuilder(256);
        Envelope env = e.envelope();
        if (hides(e, s) || (env.clientIp() == null && env.helo() == null)) {
            // Outbound: the internal client's name and address stay inside. No client at all: made here (a
            // non-delivery report), there is nobody to name.
            b.append("Received: by ").append(s.hostname()).append(' ').append(GatewayReceived.MARK).append(" with ESMTP");
        } else {
            b.append("Received: from ").append(token(env.helo(), "unknown")).append(" (")
                    .append(token(env.helo(), "unknown")).append(" [").append(token(env.clientIp(), "unknown"))
                    .append("])\r\n\tby ").append(s.hostname()).append(' ').append(GatewayReceived.MARK)
                    .append(" with ESMTP");
        }
        // read back by GatewayReceived (campaign recall, spam reports): keep the two in step
        b.append(env.tls() ? "S" : "").append(env.authenticatedUser() != null ? "A" : "").append(" id ")
                .append(e.id());
        if (env.recipients().size() == 1) {
            b.append("\r\n\tfor <").append(token(env.recipients().get(0), "")).append('>');
        }
        b.append("; ").append(RFC5322.format(env.receivedAt())).append("\r\n");
        // Outbound, the verdict is for us, not for the outside world (and the scrubber drops any X-Streamail-*).
        if (st.action == Action.TAG && !hides(e, s)) {
            b.append("X-Streamail-Verdict: ").append(st.action);
            for (Category c : st.categories) {
                b.append(' ').append(c);
            }
            b.append("\r\nX-Streamail-Score: ").append(String.format(Locale.ROOT, "%.1f", st.score)).append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Envelope text in a header: printable ASCII without parentheses or brackets, bounded. */
    private static String token(String s, String dflt) {
        if (s == null || s.isBlank()) {
            return dflt;
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), 255));
        for (int i = 0; i < s.length() && b.length() < 255; i++) {
            char c = s.charAt(i);
            b.append(c > 0x20 && c < 0x7F && "()[]<>;\\\"".indexOf(c) < 0 ? c : '_');
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ SMTP relay

    private Result relay(SpoolEntry e, State st, DeliverySettings s, DeliverySettings.Hop hop, Outgoing message) {
        Properties p = new Properties();
        long timeout = s.relayTimeout().toMillis();
        p.put("mail.smtp.connectiontimeout", Long.toString(timeout));
        p.put("mail.smtp.timeout", Long.toString(timeout));
        p.put("mail.smtp.localhost", s.hostname());
        p.put("mail.smtp.sendpartial", "true");
        p.put("mail.smtp.quitwait", "false");
        p.put("mail.smtp.socketFactory", new HopSockets(s.relayTimeout(), watchdog));
        p.put("mail.smtp.socketFactory.fallback", "false");
        tls(p, hop.tls());
        if (hop.auth() != null) {
            p.put("mail.smtp.auth", "true");
            p.put("mail.smtp.auth.mechanisms", "PLAIN LOGIN");
        }
        List<InternetAddress> rcpts = new ArrayList<>();
        Map<String, String> permanent = new LinkedHashMap<>();
        for (String r : st.pending) {
            try {
                InternetAddress a = new InternetAddress(r, false);
                rcpts.add(a);
            } catch (jakarta.mail.internet.AddressException ex) {
                permanent.put(r, INVALID_ADDRESS + ex.getMessage());
            }
        }
        if (rcpts.isEmpty()) {
            return new Result(List.of(), List.of(), permanent, "no deliverable recipient");
        }
        // A CA file or pinned digests of the hop's own: our check replaces the JVM's, and remembers what the hop
        // presented so that a refusal says which digest to pin. The CA file as it is now (one stat; read again only
        // when it changed since the last reading): a file that can no longer be used defers the message, and
        // nothing is sent with a weaker check.
        HopTrust.Check trustCheck;
        try {
            trustCheck = hop.trust().custom() ? hop.trust().check() : null;
        } catch (IllegalArgumentException ex) {
            return new Result(List.of(), addresses(rcpts), permanent, "next hop " + hop.describe()
                    + " TLS not attempted, nothing sent: " + ex.getMessage());
        }
        if (trustCheck != null) {
            trusting(p, hop, trustCheck);
        }
        List<X509Certificate> trusted = trustCheck == null ? null : trustCheck.cas();
        // The password file as it is now (one stat; read again only when it changed since the last reading): a file
        // that can no longer be used defers the message, and the password read before the change is not used.
        RelayAuth.Login login = null;
        if (hop.auth() != null) {
            try {
                login = hop.auth().login();
            } catch (IllegalArgumentException ex) {
                return new Result(List.of(), addresses(rcpts), permanent, "next hop " + hop.describe()
                        + " SMTP AUTH as " + hop.auth().user() + " not attempted: " + ex.getMessage());
            }
        }
        RelayAuth.Login credentials = login;
        // Opportunistic TLS (may, no AUTH): a hop whose STARTTLS failed within the last hour gets plain text at once.
        boolean mayFallBack = hop.tls() == DeliverySettings.Tls.MAY && hop.auth() == null;
        Optional<TlsFallbacks.Mark> broken = mayFallBack ? tlsFallbacks.current(hop) : Optional.empty();
        return MailContext.call(() -> {
            boolean plain = broken.isPresent();
            String note = broken.map(Delivery::sentWithoutTls).orElse("");
            Properties props = plain ? withoutStartTls(p) : p;
            // A kept connection can die between its NOOP check and our MAIL FROM (the hop's idle timeout): that
            // failure says nothing about the message, so it is tried once more on a new connection at once.
            for (int tries = 0;; tries++) {
                RelayConnections.Connection c;
                try {
                    c = connections.take(s, hop, credentials, trusted, props, plain);
                } catch (RelayConnections.StartTlsFailed ex) {
                    if (trustCheck != null) {
                        return refusedCertificate(hop, trustCheck, rcpts, permanent, ex);
                    }
                    if (!mayFallBack || plain) {
                        return unavailable(hop, rcpts, permanent, ex);
                    }
                    // RFC 7435: under may, a failed STARTTLS is no reason to keep the mail; plain text on a new
                    // connection (an attacker able to break STARTTLS could strip its offer from EHLO as well).
                    Map.Entry<TlsFallbacks.Mark, Boolean> m = tlsFallbacks.mark(hop, "STARTTLS failed: " + oneLine(ex));
                    if (m.getValue()) {
                        LOG.warn("STARTTLS to {} failed ({}); relay.tls is may, so mail to it goes in plain text until "
                                + "{}, then STARTTLS is tried again", hop.describe(), oneLine(ex), m.getKey().until());
                    }
                    plain = true;
                    note = sentWithoutTls(m.getKey());
                    props = withoutStartTls(p);
                    tries = -1; // the fallback is not the retry of a kept connection
                    continue;
                } catch (jakarta.mail.AuthenticationFailedException | RelayConnections.AuthNotOffered ex) {
                    return authFailed(e, hop, rcpts, permanent, ex);
                } catch (MessagingException ex) {
                    return noted(unavailable(hop, rcpts, permanent, ex), note);
                }
                boolean reused = c.messages > 0;
                boolean reusable = false;
                try {
                    SpoolMessage m = new SpoolMessage(c.session, message);
                    m.setEnvelopeFrom(e.envelope().sender().isEmpty() ? "<>" : e.envelope().sender());
                    m.setSendPartial(true);
                    if (c.transport.supportsExtension("SIZE")) {
                        // RFC 1870: the hop refuses a message over its limit at MAIL FROM (552, permanent: the
                        // sender is told) instead of after taking all of it, or cutting it off and having it sent
                        // again at every retry. Jakarta Mail does not declare the size itself.
                        m.setMailExtension("SIZE=" + m.getSize());
                    }
                    c.transport.sendMessage(m, rcpts.toArray(new Address[0]));
                    reusable = true;
                    return noted(new Result(addresses(rcpts), List.of(), permanent,
                            reply(c.transport.getLastServerResponse())), note);
                } catch (SendFailedException ex) {
                    if (!reused || tries > 0 || !noReply(ex)) {
                        return noted(classify(ex, rcpts, permanent, c.transport), note);
                    }
                    LOG.debug("Kept connection to {} gave no reply ({}); retrying {} on a new one",
                            hop.describe(), ex.toString(), e.id());
                } catch (MessagingException ex) {
                    if (!reused || tries > 0) {
                        return noted(unavailable(hop, rcpts, permanent, ex), note);
                    }
                    LOG.debug("Kept connection to {} failed ({}); retrying {} on a new one", hop.describe(),
                            ex.toString(), e.id());
                } finally {
                    connections.giveBack(c, reusable);
                }
            }
        });
    }

    /**
     * Looks {@code host} up on {@link #lookups} and waits at most {@code timeout} (the relay timeout): the JVM's
     * resolver has no time limit of its own, so a DNS server that does not answer held a delivery thread for as long
     * as the operating system's resolver retried. The answer lands in the JVM's address cache (30 s by default),
     * where Jakarta Mail's own lookup right after finds it. An address literal needs no lookup.
     *
     * @throws MessagingException naming the host when the lookup failed, overran or could not be started
     */
    private void checkName(String host, Duration timeout) throws MessagingException {
        if (host.indexOf(':') >= 0 || host.matches("[0-9.]+")) {
            return;
        }
        NameLookup how = nameLookup;
        java.util.concurrent.Future<java.net.InetAddress[]> f;
        try {
            f = lookups.submit(() -> how.lookup(host));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new MessagingException("DNS lookup of " + host + " not started: " + (lookups.isShutdown()
                    ? "delivery is stopping" : (LOOKUP_THREADS + LOOKUP_QUEUE) + " lookups are still waiting for the "
                    + "resolver"));
        }
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            f.cancel(true);
            throw new MessagingException("DNS lookup of " + host + " did not answer within " + timeout.toMillis()
                    + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw new MessagingException("DNS lookup of " + host + " failed: " + (c instanceof
                    java.net.UnknownHostException ? "unknown host" : String.valueOf(c)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MessagingException("DNS lookup of " + host + " interrupted");
        }
    }

    /** The status line's note on a message sent in plain text because STARTTLS to its may hop failed. */
    private static String sentWithoutTls(TlsFallbacks.Mark m) {
        return "; sent without TLS: " + m.reason() + " (relay.tls may: plain text to this hop until " + m.until() + ")";
    }

    /** The session properties without STARTTLS (the may fallback). */
    private static Properties withoutStartTls(Properties p) {
        Properties plain = new Properties();
        plain.putAll(p);
        plain.put("mail.smtp.starttls.enable", "false");
        plain.put("mail.smtp.starttls.required", "false");
        return plain;
    }

    private static Result noted(Result r, String note) {
        return note.isEmpty() ? r : new Result(r.delivered, r.temporary, r.permanent, r.reply + note);
    }

    /** The hop closed the connection instead of answering (Jakarta Mail's return code -1), nothing was sent. */
    private static boolean noReply(SendFailedException ex) {
        return ex instanceof SMTPSendFailedException sf && sf.getReturnCode() < 0
                && (ex.getValidSentAddresses() == null || ex.getValidSentAddresses().length == 0);
    }

    /**
     * The hop refused our SMTP AUTH (535, 454, ...) or does not offer it: our configuration or the hop's account
     * is wrong, not the message, so it is DEFERRED (retried until fixed or given up), never refused. The reply
     * and the log name the hop, the user and the hop's answer; the password appears nowhere.
     */
    private static Result authFailed(SpoolEntry e, DeliverySettings.Hop hop, List<InternetAddress> rcpts,
            Map<String, String> permanent, MessagingException ex) {
        String why = ex instanceof RelayConnections.AuthNotOffered ? oneLine(ex)
                : "authentication refused: " + (ex.getMessage() == null ? "no reply" : oneLine(ex.getMessage()));
        String reply = "next hop " + hop.describe() + " SMTP AUTH as " + hop.auth().user() + " failed: " + why;
        LOG.warn("SMTP AUTH towards {} as {} failed for {}: {}; the message waits (check {} and {})",
                hop.describe(), hop.auth().user(), e.id(), why, hop.auth().userProperty(), hop.auth().fileProperty());
        return new Result(List.of(), addresses(rcpts), permanent, reply);
    }

    private static Result unavailable(DeliverySettings.Hop hop, List<InternetAddress> rcpts,
            Map<String, String> permanent, MessagingException ex) {
        return new Result(List.of(), addresses(rcpts), permanent, "next hop " + hop.describe() + " unavailable: "
                + oneLine(ex));
    }

    /**
     * Jakarta Mail's STARTTLS settings for a hop. {@code may} and {@code encrypt} trust any certificate, as
     * Postfix's levels of the same names do: they protect against listening, not against a man in the middle;
     * {@code verify} checks the certificate chain against the JVM's trust store and the name against the host.
     */
    static void tls(Properties p, DeliverySettings.Tls tls) {
        switch (tls) {
            case NONE -> p.put("mail.smtp.starttls.enable", "false");
            case MAY, ENCRYPT -> {
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", Boolean.toString(tls == DeliverySettings.Tls.ENCRYPT));
                p.put("mail.smtp.ssl.trust", "*");
                p.put("mail.smtp.ssl.checkserveridentity", "false");
            }
            case VERIFY -> {
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", "true");
                p.put("mail.smtp.ssl.checkserveridentity", "true");
            }
        }
        p.put("mail.smtp.ssl.protocols", "TLSv1.3 TLSv1.2");
    }

    /**
     * The STARTTLS settings of a hop with its own CA file or pinned digests: STARTTLS required, the certificate checked
     * by {@code check} instead of the JVM's trust store; the host name as well under a CA file, not under pinning
     * (Postfix's {@code fingerprint} level: the digest is the identity).
     */
    static void trusting(Properties p, DeliverySettings.Hop hop, HopTrust.Check check) {
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.starttls.required", "true");
        p.remove("mail.smtp.ssl.trust"); // with a factory of ours Jakarta Mail does not read it; gone to be clear
        p.put("mail.smtp.ssl.socketFactory", check.socketFactory());
        p.put("mail.smtp.ssl.checkserveridentity", Boolean.toString(!hop.trust().pinned()));
    }

    /**
     * A failed STARTTLS to a hop with its own CA file or digests: deferred (never plain text), and the reason names the
     * hop, the property and the digests of the certificate it presented, so that the administrator can pin it. Not
     * cut to {@link #oneLine(String)}'s length: the digests are what matters.
     */
    private static Result refusedCertificate(DeliverySettings.Hop hop, HopTrust.Check check,
            List<InternetAddress> rcpts, Map<String, String> permanent, MessagingException ex) {
        HopTrust t = hop.trust();
        String property = t.pinned() ? t.pinProperty() : t.caProperty() + " '" + t.caFile() + "'";
        String why = check.refused() != null ? check.refused() : oneLine(ex) + " (under " + property + ")";
        String seen = check.seen();
        String reply = "next hop " + hop.describe() + " TLS failed, nothing sent: " + why
                + (seen == null ? "" : "; the hop presented " + seen);
        LOG.warn("Certificate check of {} failed: {}", hop.describe(), reply);
        return new Result(List.of(), addresses(rcpts), permanent, reply);
    }

    /** Sorts a partial failure per recipient: 5xx permanent (but 530), everything else temporary. */
    private static Result classify(SendFailedException ex, List<InternetAddress> rcpts, Map<String, String> perm,
            SMTPTransport t) {
        Map<String, Integer> codes = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        int guard = 0;
        for (Exception n = ex.getNextException(); n != null && guard++ < 10_000;
                n = n instanceof MessagingException me ? me.getNextException() : null) {
            if (n instanceof SMTPAddressFailedException af) {
                codes.put(af.getAddress().getAddress(), af.getReturnCode());
                texts.put(af.getAddress().getAddress(), oneLine(af));
            }
        }
        List<String> sent = addresses(ex.getValidSentAddresses());
        int overall = ex instanceof SMTPSendFailedException sf ? sf.getReturnCode() : -1;
        Map<String, String> permanent = new LinkedHashMap<>(perm);
        List<String> temporary = new ArrayList<>();
        for (InternetAddress a : rcpts) {
            String addr = a.getAddress();
            if (sent.contains(addr)) {
                continue;
            }
            int code = codes.getOrDefault(addr, sent.isEmpty() ? overall : -1);
            // 530 (STARTTLS or authentication required, RFC 3207 / 4954) says our side is set up wrong
            // (relay.tls): retried until an administrator fixes it, never a lost message. 552 to RCPT is what
            // older servers answer past their recipient limit: RFC 5321 §4.5.3.1.10 says to treat it as 452
            // (temporary), as Postfix does; it used to fail and bounce every recipient past the limit.
            boolean rcpt552 = code == 552 && codes.containsKey(addr);
            if (code >= 500 && code != 530 && !rcpt552) {
                permanent.put(addr, texts.getOrDefault(addr, oneLine(ex)));
            } else {
                temporary.add(addr);
            }
        }
        String reply = sent.isEmpty() ? oneLine(ex) : reply(t.getLastServerResponse());
        if (!sent.isEmpty() && !temporary.isEmpty() && texts.containsKey(temporary.get(0))) {
            // the reply to the data says nothing about why the others wait: name it (one reply, bounded)
            reply += "; put off with: " + texts.get(temporary.get(0));
        }
        return new Result(sent, temporary, permanent, reply);
    }

    private static List<String> addresses(List<InternetAddress> a) {
        List<String> out = new ArrayList<>(a.size());
        for (InternetAddress x : a) {
            out.add(x.getAddress());
        }
        return out;
    }

    private static List<String> addresses(Address[] a) {
        List<String> out = new ArrayList<>();
        if (a != null) {
            for (Address x : a) {
                if (x instanceof InternetAddress ia) {
                    out.add(ia.getAddress());
                }
            }
        }
        return out;
    }

    private static String reply(String s) {
        return s == null ? "" : oneLine(s);
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && !m.contains(c.getMessage())) {
            m = m + " (" + c.getMessage() + ")";
        }
        return oneLine(m);
    }

    private static String oneLine(String s) {
        String t = s.replaceAll("[\\r\\n\\t]+", " ").trim();
        return t.length() > 300 ? t.substring(0, 300) : t;
    }

    /**
     * Writes the attempt's bytes into the DATA stream: streamed from the spool behind our prefix (nothing parsed or
     * buffered), or the signed form.
     */
    private static final class SpoolMessage extends SMTPMessage {
        private final Outgoing message;

        SpoolMessage(Session session, Outgoing message) {
            super(session);
            this.message = message;
        }

        @Override
        public void writeTo(OutputStream os, String[] ignoreList) throws IOException {
            message.writeTo(os);
        }

        @Override
        public void writeTo(OutputStream os) throws IOException {
            writeTo(os, null);
        }

        @Override
        public int getSize() {
            return (int) Math.min(Integer.MAX_VALUE, message.size());
        }
    }

    /** The outcome of one attempt per recipient. */
    private record Result(List<String> delivered, List<String> temporary, Map<String, String> permanent,
            String reply) {
        static Result allTemporary(List<String> pending, String reply) {
            return new Result(List.of(), List.copyOf(pending), Map.of(), reply);
        }
    }

    /** Delivery state of one entry; persisted in the spool sidecar. Immutable. */
    static final class State {
        final Action action;
        final double score;
        final List<Category> categories;
        final int attempts;
        final Instant since;
        final Instant nextAttempt;
        final String lastError;
        final List<String> pending;
        final boolean anyDelivered;
        /** Recipients refused permanently at earlier attempts, with the reply: reported when the message ends. */
        final Map<String, String> refused;

        State(Action action, double score, List<Category> categories, int attempts, Instant since, Instant next,
                String lastError, List<String> pending) {
            this(action, score, categories, attempts, since, next, lastError, pending, false);
        }

        State(Action action, double score, List<Category> categories, int attempts, Instant since, Instant next,
                String lastError, List<String> pending, boolean anyDelivered) {
            this(action, score, categories, attempts, since, next, lastError, pending, anyDelivered, Map.of());
        }

        State(Action action, double score, List<Category> categories, int attempts, Instant since, Instant next,
                String lastError, List<String> pending, boolean anyDelivered, Map<String, String> refused) {
            this.action = action;
            this.score = score;
            this.categories = List.copyOf(categories);
            this.attempts = attempts;
            this.since = since;
            this.nextAttempt = next;
            this.lastError = lastError == null ? "" : lastError;
            this.pending = List.copyOf(pending);
            this.anyDelivered = anyDelivered;
            this.refused = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(refused));
        }

        Map<String, String> toMap() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("action", action.name());
            m.put("score", Double.toString(score));
            StringBuilder cats = new StringBuilder();
            for (Category c : categories) {
                cats.append(cats.length() == 0 ? "" : ",").append(c.name());
            }
            m.put("categories", cats.toString());
            m.put("attempts", Integer.toString(attempts));
            m.put("since", since.toString());
            m.put("next-attempt", nextAttempt.toString());
            m.put("last-error", lastError);
            m.put("pending", String.join("\n", pending));
            m.put("any-delivered", Boolean.toString(anyDelivered));
            // One "recipient TAB reply" per line; the spool escapes the line breaks. Replies are one line each.
            StringBuilder ref = new StringBuilder();
            refused.forEach((rcpt, reply) -> ref.append(ref.length() == 0 ? "" : "\n").append(rcpt).append('\t')
                    .append(reply.replace('\n', ' ').replace('\t', ' ')));
            m.put("refused", ref.toString());
            return m;
        }

        static State from(Map<String, String> m) {
            List<Category> cats = new ArrayList<>();
            for (String c : m.getOrDefault("categories", "").split(",")) {
                if (!c.isBlank()) {
                    cats.add(Category.valueOf(c.trim()));
                }
            }
            List<String> pending = new ArrayList<>();
            for (String r : m.getOrDefault("pending", "").split("\n")) {
                if (!r.isBlank()) {
                    pending.add(r);
                }
            }
            Map<String, String> refused = new LinkedHashMap<>();
            for (String line : m.getOrDefault("refused", "").split("\n")) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    refused.put(line.substring(0, tab), line.substring(tab + 1));
                }
            }
            return new State(Action.valueOf(m.get("action")), Double.parseDouble(m.getOrDefault("score", "0")),
                    cats, Integer.parseInt(m.getOrDefault("attempts", "0")), Instant.parse(m.get("since")),
                    Instant.parse(m.get("next-attempt")), m.get("last-error"), pending,
                    Boolean.parseBoolean(m.getOrDefault("any-delivered", "false")), refused);
        }
    }
}
