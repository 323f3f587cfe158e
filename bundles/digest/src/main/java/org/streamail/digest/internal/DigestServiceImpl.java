package org.streamail.digest.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
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

/**
 * Sends the quarantine digest: once a day at {@code send.time} when {@code enabled}, and by hand through
 * {@link #sendNow}. A run reads the entries held since the end of the previous run's window (newest first, at most
 * {@code max.scan}), groups the inbound ones by recipient in the protected domains, and hands one {@link DigestMail}
 * per recipient to the gateway's intake (so it is scanned and delivered like any mail), submitted as
 * {@value #SUBMITTER}. The window's end is kept in {@link DigestState}: a restart neither repeats a digest nor skips
 * one, and a gateway that was down at send time sends the missed digest at its first tick (one digest covering the
 * whole gap). Runs are serialised.
 */
@Component(service = QuarantineDigest.class, configurationPid = DigestConfig.PID, immediate = true)
@Designate(ocd = DigestConfig.class)
public class DigestServiceImpl implements QuarantineDigest {

    private static final Logger LOG = LoggerFactory.getLogger(DigestServiceImpl.class);
    /** The SMTP AUTH identity digests are submitted under; entries it submitted are never listed. */
    static final String SUBMITTER = "streamail-digest";
    static final String LOCAL_PART = "streamail-quarantine";
    private static final int PAGE = QuarantineQuery.MAX_LIMIT;
    /** A run over many users logs its progress this often (each digest is scanned: about 30 ms a user). */
    private static final int PROGRESS_EVERY = 500;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final QuarantineService quarantine;
    private final DigestSettings settings;
    private final DigestTokens tokens;
    private final DigestState state;
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
            @Reference(name = "quarantine") QuarantineService quarantine) {
        this(DigestSettings.from(checked(config, properties)), quarantine, Clock.systemUTC(), Duration.ofMinutes(1));
    }

    /** Also for tests: {@code tick} is how often the schedule is looked at (zero: never). */
    DigestServiceImpl(DigestSettings settings, QuarantineService quarantine, Clock clock, Duration tick) {
        this.settings = settings;
        this.quarantine = quarantine;
        this.clock = clock;
        this.activatedAt = clock.instant();
        this.state = new DigestState(settings.stateFile());
        this.tokens = settings.baseUrl().isEmpty() ? null : new DigestTokens(key(settings));
        if (settings.stateFile() == null) {
            LOG.warn("Digest: no state.file and no karaf.data; the end of the last digest is kept in memory only");
        }
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
     * Whether a scheduled run is due: the last window ended (or, before the first digest, this start was) before the
     * latest send time.
     */
    boolean due(Instant now) {
        Instant last = state.lastEnd().orElse(activatedAt);
        return last.isBefore(lastSlot(now));
    }

    void tick() {
        if (!due(clock.instant())) {
            return;
        }
        try {
            sendNow("schedule");
            if (waiting != null) {
                LOG.info("Digest: sent after waiting ({})", waiting);
                waiting = null;
            }
        } catch (IllegalStateException e) {
            // the core or the store is away: tried again at every tick, said once per reason (not once a minute)
            if (!String.valueOf(e.getMessage()).equals(waiting)) {
                LOG.warn("Digest: the scheduled digest waits: {}", e.getMessage());
                waiting = e.getMessage();
            }
        }
    }

    @Override
    public synchronized DigestRun sendNow(String actor) {
        Instant now = clock.instant();
        Instant since = state.lastEnd().orElse(now.minus(settings.firstWindow()));
        if (since.isAfter(now)) {
            LOG.warn("Digest: the last digest's window ended at {}, after now ({}): the clock went back; this window"
                    + " starts now", since, now);
            since = now;
        }
        MessageIntake in = intake;
        if (in == null) {
            throw new IllegalStateException("no MessageIntake service (the core) is available; nothing was sent and"
                    + " the next digest covers this window too");
        }
        Gathered g = gather(since, now);
        String from = sender();
        int sent = 0;
        int failed = 0;
        int users = g.byRecipient().size();
        for (Map.Entry<String, List<QuarantineEntry>> e : g.byRecipient().entrySet()) {
            if (send(in, from, e.getKey(), e.getValue(), since, now)) {
                sent++;
            } else {
                failed++;
            }
            if ((sent + failed) % PROGRESS_EVERY == 0 && sent + failed < users) {
                LOG.info("Digest ({}): {} of {} users done", oneLine(actor), sent + failed, users);
            }
        }
        if (!settings.adminAddress().isEmpty()) {
            summarise(in, from, since, now, g, sent, failed);
        }
        try {
            state.setLastEnd(now);
        } catch (IOException e) {
            LOG.error("Digest: cannot record the end of this digest's window in {} ({}); a restart may send it again",
                    settings.stateFile(), e.toString());
        }
        DigestRun run = new DigestRun(since, now, g.entries(), g.byRecipient().size(), sent, failed, g.truncated());
        LOG.info("Digest ({}): {} held entries since {} for {} users; {} sent, {} failed{}", oneLine(actor), g.entries(),
                since, g.byRecipient().size(), sent, failed, g.truncated() ? " (window cut at max.scan)" : "");
        return run;
    }

    private record Gathered(Map<String, List<QuarantineEntry>> byRecipient, int entries, int outbound,
            Map<String, Integer> byReason, boolean truncated) {
    }

    /** Users listed in the administrators' summary at most. */
    static final int SUMMARY_USERS = 20;

    /** Mails the administrators' summary of this run (logged when it cannot go: it is not sent again). */
    private void summarise(MessageIntake in, String from, Instant since, Instant now, Gathered g, int sent,
            int failed) {
        Map<String, Integer> byUser = new TreeMap<>();
        g.byRecipient().forEach((user, held) -> byUser.put(user, held.size()));
        byte[] raw = DigestMail.buildSummary(from, settings.adminAddress(), now, settings.zone(), since, g.entries(),
                g.outbound(), g.byReason(), byUser, SUMMARY_USERS, sent, failed, g.truncated(),
                "digest-summary." + now.toEpochMilli() + "." + HexFormat.of().formatHex(randomBytes()));
        if (!handOn(in, from, settings.adminAddress(), raw, now)) {
            LOG.warn("Digest: the summary for {} was not sent", settings.adminAddress());
        }
    }

    /** The held entries of ({@code since}, {@code until}] by recipient; newest first within each. */
    private Gathered gather(Instant since, Instant until) {
        Map<String, List<QuarantineEntry>> byRecipient = new TreeMap<>();
        Map<String, Integer> byReason = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        int entries = 0;
        int outbound = 0;
        int scanned = 0;
        int offset = 0;
        boolean truncated = false;
        scan:
        while (true) {
            List<QuarantineEntry> page;
            try {
                page = quarantine.list(new QuarantineQuery(PAGE, offset, QuarantineEntry.Status.HELD, null, null,
                        null));
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
                if (!listed(e)) {
                    outbound += e.envelope().direction() == Direction.INBOUND ? 0 : 1;
                    continue;
                }
                entries++;
                byReason.merge(DigestMail.reason(e.verdict().categories()), 1, Integer::sum);
                Set<String> to = new TreeSet<>();
                for (String r : e.envelope().recipients()) {
                    String address = r.toLowerCase(Locale.ROOT);
                    if (Texts.isAddress(address) && protectedDomain(address)) {
                        to.add(address);
                    }
                }
                to.forEach(r -> byRecipient.computeIfAbsent(r, k -> new ArrayList<>()).add(e));
            }
            if (page.size() < PAGE) {
                break;
            }
            offset += page.size();
        }
        return new Gathered(byRecipient, entries, outbound, byReason, truncated);
    }

    /** Inbound mail only (the recipients are our users), and never a digest the gateway sent. */
    private static boolean listed(QuarantineEntry e) {
        return e.envelope().direction() == Direction.INBOUND && !SUBMITTER.equals(e.envelope().authenticatedUser());
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
    private boolean send(MessageIntake in, String from, String to, List<QuarantineEntry> held, Instant since,
            Instant now) {
        List<DigestMail.Item> items = new ArrayList<>();
        for (QuarantineEntry e : held.subList(0, Math.min(held.size(), settings.maxEntries()))) {
            items.add(new DigestMail.Item(e.id(), e.quarantinedAt(), e.envelope().sender(), e.verdict().categories()));
        }
        Instant expires = now.plus(settings.linkValidity());
        String link = tokens == null ? "" : settings.baseUrl() + DigestContextHelper.PATH + "/" + tokens.issue(to, expires);
        byte[] raw = DigestMail.build(from, to, now, settings.zone(), since, items, held.size() - items.size(), link,
                expires, "digest." + now.toEpochMilli() + "." + HexFormat.of().formatHex(randomBytes()));
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
