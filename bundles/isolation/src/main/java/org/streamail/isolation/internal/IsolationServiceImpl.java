package org.streamail.isolation.internal;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
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
import java.util.regex.Pattern;
import java.util.stream.Collectors;
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
import org.streamail.api.net.IpBlock;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.isolation.Enforcer;
import org.streamail.api.isolation.Enforcer.EnforcementChange;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.isolation.IsolationException;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.isolation.IsolationStore;

/**
 * The isolation service (PID {@value IsolationConfig#PID}).
 *
 * <p>Every change is one transaction over the enforcers: compute the new isolated set, apply it on every
 * configured enforcer in configuration order; when one fails (or a configured one is not running) the
 * previous set is re-applied on all of them ({@code sync}), a {@code rollback} is audited and an
 * {@link IsolationException} thrown; otherwise the store is updated and the action audited with the set
 * before and after.
 *
 * <p>Lifecycle: active while an {@link IsolationStore} is registered; a configuration change re-creates
 * it. At activation one daemon thread ({@code streamail-isolation-expiry}) first releases what expired
 * while the gateway was down and what is on the allow-list now, then re-asserts the stored set on the
 * enforcers (repeated at each check until it went through), then releases expired isolations every
 * {@code expiry.check.seconds}. An enforcer that arrives later is synced when it binds; one whose sync or
 * rollback failed is synced again at each check.
 * Deactivation stops the thread; enforced rules stay in place (isolation must outlive a bundle update).
 *
 * <p>Threading: thread-safe; changes, expiries and syncs are serialised by one lock.
 */
@Component(service = IsolationService.class, configurationPid = IsolationConfig.PID, immediate = true)
@Designate(ocd = IsolationConfig.class)
public final class IsolationServiceImpl implements IsolationService {

    static final String EXPIRY_ACTOR = "expiry";
    /** Releases hosts that a configuration change put on the allow-list while they were isolated. */
    static final String CONFIG_ACTOR = "config";
    /**
     * The enforcer action for a set another gateway on the same store changed: local enforcers apply it, shared
     * ones (the EDR webhook, which that gateway told already) only take note.
     */
    static final String ADOPT = "adopt";
    /** Bounds the isolated set (and so every enforcer's rule set / script). */
    static final int MAX_ISOLATED = 4096;
    /**
     * Hosts of one IPv6 /64 isolated at once, at most: a client there picks new addresses at will (privacy
     * addresses), so without it one workstation clicking from fresh addresses could fill {@link #MAX_ISOLATED}
     * and leave the next victim's host free.
     */
    static final int MAX_PER_IPV6_64 = 64;
    private static final int MAX_REASON = 500;
    private static final int MAX_ACTOR = 64;
    private static final Duration LOCK_WAIT = Duration.ofSeconds(60);
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}");
    private static final Logger LOG = LoggerFactory.getLogger(IsolationServiceImpl.class);

    private final IsolationStore store;
    private final Clock clock;
    private final List<String> enforcerNames;
    private final Duration defaultTtl;
    private final Duration maxTtl;
    private final double multiplier;
    private final List<IpBlock> protectedRanges;
    private final List<IpBlock> management;
    private final List<String> allowList;
    private final Supplier<Collection<InetAddress>> gatewayAddresses;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService scheduler;

    /** Bound enforcers, replaced whole on every bind/unbind; read once per change. */
    private volatile List<Enforcer> enforcers = List.of();
    /** Whether the start-up expiry and sync ran through; until then every check runs them again. */
    private volatile boolean startedUp;
    /** Whether releasing a host that is on the allow-list now failed at start-up; each check tries again. */
    private volatile boolean allowListedLeft;
    /**
     * Names of enforcers whose last sync or rollback failed, so their state may differ from the store; each
     * check syncs them again.
     */
    private final java.util.Set<String> unsynced = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * The stored set as this node last put it on its enforcers (a change of its own or a sync), or null before the
     * start-up; guarded by the lock. When the store holds another set at a check, another gateway on the same
     * database changed it, and this node's enforcers are synced.
     */
    private Set<String> enforcedSet;

    @Activate
    public IsolationServiceImpl(IsolationConfig config, Map<String, Object> properties,
            @Reference IsolationStore store) {
        this(checked(config, properties), store, List.of(), Clock.systemUTC(), IsolationServiceImpl::interfaceAddresses,
                true);
    }

    /**
     * Checks the raw properties before any config method is read ({@code expiry.check.seconds = 15s} would fail
     * in DS without naming the property) and logs each key nothing reads (a probable typo: a misspelled
     * {@code protected} would silently leave the DNS servers isolatable). Returns {@code config}.
     */
    private static IsolationConfig checked(IsolationConfig config, Map<String, Object> properties) {
        ConfigCheck.check(IsolationConfig.PID, IsolationConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", IsolationConfig.PID, k));
        return config;
    }

    /**
     * For tests and the DS constructor.
     *
     * @param schedule start the expiry thread (which also runs the start-up expiry and sync); without it
     *                 the caller runs {@link #startUp()} and {@link #expireDue()} itself
     */
    IsolationServiceImpl(IsolationConfig config, IsolationStore store, List<Enforcer> enforcers, Clock clock,
            Supplier<Collection<InetAddress>> gatewayAddresses, boolean schedule) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.gatewayAddresses = Objects.requireNonNull(gatewayAddresses, "gatewayAddresses");
        this.enforcers = List.copyOf(enforcers);
        this.enforcerNames = names(config.enforcers());
        this.defaultTtl = duration("default.ttl", config.default_ttl());
        this.maxTtl = duration("max.ttl", config.max_ttl());
        if (defaultTtl.compareTo(maxTtl) > 0) {
            throw new IllegalArgumentException("default.ttl " + defaultTtl + " exceeds max.ttl " + maxTtl);
        }
        this.multiplier = config.repeat_multiplier();
        if (!(multiplier >= 1.0 && multiplier <= 100.0)) {
            throw new IllegalArgumentException("repeat.multiplier must be between 1 and 100, was " + multiplier);
        }
        this.protectedRanges = IpAddresses.parseList("protected", config.protected$());
        this.management = IpAddresses.parseList("management", config.management());
        this.allowList = management.stream().map(IpAddresses::rangeText).toList();
        int every = config.expiry_check_seconds();
        if (every < 1 || every > 3600) {
            throw new IllegalArgumentException("expiry.check.seconds must be 1..3600, was " + every);
        }
        if (schedule) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-isolation-expiry");
                t.setDaemon(true);
                return t;
            });
            // the first run is the start-up; it is repeated at each check until it went through
            scheduler.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(this::checkQuietly, e -> LOG.error("Isolation: "
                    + "start-up, expiry or sync failed; the next run is as scheduled", e)), 0, every, TimeUnit.SECONDS);
        } else {
            scheduler = null;
        }
        LOG.info("Isolation service active: enforcers {}, default.ttl {}, max.ttl {}, repeat.multiplier {}, "
                + "protected {}, management {}", enforcerNames, defaultTtl, maxTtl, multiplier, protectedRanges,
                allowList);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (scheduler != null) {
            scheduler.shutdownNow();
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Isolation: an expiry run was still busy at shutdown");
            }
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindEnforcer(Enforcer enforcer) {
        synchronized (this) {
            List<Enforcer> next = new ArrayList<>(enforcers);
            next.add(enforcer);
            enforcers = List.copyOf(next);
        }
        // a configured enforcer that starts after us (bundle update, late start) must learn the set
        if (scheduler != null && enforcerNames.contains(enforcer.name())) {
            try {
                scheduler.execute(() -> syncOne(enforcer));
            } catch (RuntimeException e) { // rejected after deactivation
                LOG.debug("Isolation: no sync for {}: {}", enforcer.name(), e.toString());
            }
        }
    }

    void unbindEnforcer(Enforcer enforcer) {
        synchronized (this) {
            List<Enforcer> next = new ArrayList<>(enforcers);
            next.remove(enforcer);
            enforcers = List.copyOf(next);
        }
    }

    // ---------------------------------------------------------------- IsolationService

    @Override
    public Isolation isolate(String ip, String mac, String reason, Duration ttl, String actor) {
        String who = actorName(actor);
        String why = text(reason, MAX_REASON);
        String addr;
        try {
            addr = canonicalHost(ip);
            if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
                throw new IllegalArgumentException("ttl must be positive, was " + ttl);
            }
        } catch (IllegalArgumentException e) {
            refuse(who, ip, why, e.getMessage());
            throw e;
        }
        String macText;
        try {
            macText = mac(mac);
        } catch (IllegalArgumentException e) {
            refuse(who, addr, why, e.getMessage());
            throw e;
        }
        if (isProtectedAddress(addr)) {
            String msg = addr + " is on the isolation allow-list (gateway, loopback, management or protected)";
            refuse(who, addr, why, msg);
            throw new SecurityException(msg);
        }
        return locked(() -> {
            Instant now = clock.instant();
            List<Isolation> before = store.list();
            // an expired isolation not yet released by the expiry thread counts as over: a new offence
            Optional<Isolation> current = before.stream()
                    .filter(i -> i.ip().equals(addr) && !i.expiredAt(now)).findFirst();
            Isolation next;
            String action;
            if (current.isPresent()) {
                Isolation c = current.get();
                Duration effective = effectiveTtl(ttl, c.offences());
                Instant until = c.until() == null ? null : later(c.until(), now.plus(effective));
                next = new Isolation(addr, macText.isEmpty() ? c.mac() : macText, why.isEmpty() ? c.reason() : why,
                        who, c.since(), until, c.offences());
                action = "extend";
            } else {
                // as for the /64 below: an isolation that is over no longer counts, released or not
                if (before.stream().filter(i -> !i.expiredAt(now)).count() >= MAX_ISOLATED) {
                    throw new IllegalStateException("already " + MAX_ISOLATED + " hosts isolated; release some first");
                }
                byte[] net = IpAddresses.parse(addr).getAddress();
                if (net.length == 16 && before.stream().filter(i -> !i.expiredAt(now))
                        .filter(i -> sameSlash64(net, IpAddresses.parse(i.ip()).getAddress())).count() >= MAX_PER_IPV6_64) {
                    throw new IllegalStateException("already " + MAX_PER_IPV6_64 + " hosts of the /64 of " + addr
                            + " isolated (a client there can take new addresses at will); release some, or isolate"
                            + " that network at its switch");
                }
                int offences = store.offences(addr) + 1;
                next = new Isolation(addr, macText, why, who, now, now.plus(effectiveTtl(ttl, offences)), offences);
                action = "isolate";
            }
            List<Isolation> after = replace(before, next);
            transact(action, "isolate", next, before, after, who, why, () -> store.put(next));
            LOG.warn("Isolation: {} {} by {} until {} (offence {}): {}", action, addr, who, next.until(),
                    next.offences(), why);
            return next;
        });
    }

    @Override
    public boolean release(String ip, String actor) {
        String who = actorName(actor);
        String addr = IpAddresses.canonical(ip);
        return locked(() -> {
            List<Isolation> before = store.list();
            Optional<Isolation> current = before.stream().filter(i -> i.ip().equals(addr)).findFirst();
            if (current.isEmpty()) {
                return false;
            }
            List<Isolation> after = before.stream().filter(i -> !i.ip().equals(addr)).toList();
            transact("release", "release", current.get(), before, after, who, "released by " + who,
                    () -> store.remove(addr));
            LOG.warn("Isolation: released {} by {}", addr, who);
            return true;
        });
    }

    @Override
    public List<Isolation> list() {
        Instant now = clock.instant();
        return store.list().stream().filter(i -> !i.expiredAt(now))
                .sorted(Comparator.comparing(Isolation::since)).toList();
    }

    @Override
    public boolean isProtected(String ip) {
        return isProtectedAddress(IpAddresses.canonical(ip));
    }

    // ---------------------------------------------------------------- expiry and sync

    /**
     * Start-up: release what expired while the gateway was down and what is on the allow-list now (the
     * configuration changed since it was isolated), then re-assert the rest everywhere.
     */
    void startUp() {
        expireDue();
        releaseAllowListed();
        locked(() -> {
            List<Isolation> current = store.list();
            for (Enforcer e : selected(false)) {
                syncLocked(e, current);
            }
            enforcedSet = hostsAndEnds(current);
            return null;
        });
        startedUp = true;
    }

    /**
     * One run of the expiry thread: the start-up until it went through (the database may still be coming up),
     * then releasing expired isolations, syncing again each enforcer whose last sync or rollback failed, and
     * syncing every enforcer when the stored set is not the one this node last enforced (another gateway on the
     * same database changed it).
     */
    void check() {
        if (!startedUp) {
            startUp();
            return;
        }
        expireDue();
        if (allowListedLeft) {
            releaseAllowListed();
        }
        locked(() -> {
            List<Isolation> current = store.list();
            Set<String> stored = hostsAndEnds(current);
            boolean elsewhere = !stored.equals(enforcedSet);
            if (elsewhere) {
                LOG.info("Isolation: the stored set changed on another gateway ({} host(s) now); syncing this "
                        + "node's enforcers", current.size());
            }
            for (Enforcer e : selected(false)) {
                if (unsynced.contains(e.name())) {
                    syncLocked(e, current);
                } else if (elsewhere) {
                    syncLocked(e, current, ADOPT);
                }
            }
            enforcedSet = stored;
            return null;
        });
    }

    /**
     * What an enforcer acts on, comparable between what this node computed and what the store gives back: each
     * host with the millisecond its isolation ends (a database keeps no finer time).
     */
    private static Set<String> hostsAndEnds(List<Isolation> set) {
        return set.stream().map(i -> i.ip() + "|" + (i.until() == null ? "-" : i.until().toEpochMilli()))
                .collect(Collectors.toSet());
    }

    /** Releases every isolation whose {@code until} has passed; returns how many. */
    int expireDue() {
        return locked(() -> {
            Instant now = clock.instant();
            int released = 0;
            for (Isolation due : store.list()) {
                if (!due.expiredAt(now)) {
                    continue;
                }
                List<Isolation> before = store.list();
                List<Isolation> after = before.stream().filter(i -> !i.ip().equals(due.ip())).toList();
                try {
                    transact("expire", "expire", due, before, after, EXPIRY_ACTOR, "ttl ended at " + due.until(),
                            () -> store.remove(due.ip()));
                    LOG.warn("Isolation: expired {} (until {})", due.ip(), due.until());
                    released++;
                } catch (IsolationException e) {
                    LOG.error("Isolation: could not expire {}; retrying next check: {}", due.ip(), e.getMessage());
                }
            }
            return released;
        });
    }

    /** Releases (actor {@code config}) every isolated host that is on the allow-list now. */
    private void releaseAllowListed() {
        locked(() -> {
            boolean failed = false;
            for (Isolation listed : store.list()) {
                boolean allowListed;
                try {
                    allowListed = isProtectedAddress(listed.ip());
                } catch (RuntimeException e) { // interfaces unreadable, or a stored row that is no address
                    LOG.error("Isolation: cannot tell whether {} is allow-listed now: {}",
                            IpAddresses.printable(listed.ip()), e.toString());
                    continue;
                }
                if (!allowListed) {
                    continue;
                }
                List<Isolation> before = store.list();
                List<Isolation> after = before.stream().filter(i -> !i.ip().equals(listed.ip())).toList();
                try {
                    transact("release", "release", listed, before, after, CONFIG_ACTOR,
                            "on the isolation allow-list since a configuration change", () -> store.remove(listed.ip()));
                    LOG.warn("Isolation: released {}: it is on the allow-list now", listed.ip());
                } catch (IsolationException e) {
                    failed = true;
                    LOG.error("Isolation: could not release allow-listed {}; retrying at the next check: {}",
                            listed.ip(), e.getMessage());
                }
            }
            allowListedLeft = failed;
            return null;
        });
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.error("Isolation: {} failed; retrying at the next check: {}",
                    startedUp ? "expiry check" : "start-up expiry/sync", e.toString());
        }
    }

    private void syncOne(Enforcer e) {
        try {
            locked(() -> {
                syncLocked(e, store.list());
                return null;
            });
        } catch (RuntimeException ex) {
            unsynced.add(e.name());
            LOG.error("Isolation: sync of enforcer {} failed; retrying at the next check: {}", e.name(), ex.toString());
        }
    }

    private void syncLocked(Enforcer e, List<Isolation> set) {
        syncLocked(e, set, "sync");
    }

    private void syncLocked(Enforcer e, List<Isolation> set, String action) {
        try {
            e.apply(new EnforcementChange(action, null, set, allowList));
            unsynced.remove(e.name());
            LOG.info("Isolation: enforcer {} synced with {} isolated host(s)", e.name(), set.size());
        } catch (Exception ex) {
            unsynced.add(e.name());
            LOG.error("Isolation: enforcer {} could not sync {} host(s); retrying at the next check: {}", e.name(),
                    set.size(), ex.toString());
        }
    }

    // ---------------------------------------------------------------- the transaction

    /**
     * Applies {@code after} on every selected enforcer, or rolls all of them back to {@code before}.
     * Runs under the lock.
     */
    private void transact(String auditAction, String enforcerAction, Isolation target, List<Isolation> before,
            List<Isolation> after, String actor, String reason, Runnable persist) {
        String rulesBefore = rules(before);
        String rulesAfter = rules(after);
        List<Enforcer> selected;
        try {
            selected = selected(true);
        } catch (IsolationException e) {
            audit(actor, "rollback", target.ip(), reason + "; not applied: " + e.getMessage(), rulesBefore, rulesBefore);
            throw e;
        }
        EnforcementChange change = new EnforcementChange(enforcerAction, target, after, allowList);
        for (Enforcer e : selected) {
            try {
                e.apply(change);
            } catch (Exception ex) {
                String failure = "enforcer " + e.name() + " failed to " + enforcerAction + " " + target.ip() + ": "
                        + IpAddresses.printable(String.valueOf(ex.getMessage()));
                rollback(selected, before);
                audit(actor, "rollback", target.ip(), reason + "; " + failure, rulesBefore, rulesBefore);
                throw new IsolationException(failure + " (rolled back on every enforcer)", ex);
            }
        }
        try {
            persist.run();
        } catch (RuntimeException ex) {
            rollback(selected, before);
            audit(actor, "rollback", target.ip(), reason + "; store failed: " + ex.getMessage(), rulesBefore,
                    rulesBefore);
            throw ex;
        }
        enforcedSet = hostsAndEnds(after);
        try {
            store.audit(new IsolationAudit(clock.instant(), actor, auditAction, target.ip(), reason, rulesBefore,
                    rulesAfter));
        } catch (RuntimeException ex) {
            // The change is enforced and stored: the caller must not be told it failed. The row goes to the log
            // whole, so the trail can be completed by hand.
            LOG.error("Isolation: {} {} by {} holds, but its audit row could not be written ({}): reason \"{}\", "
                    + "before [{}], after [{}]", auditAction, target.ip(), actor, ex.toString(), reason, rulesBefore,
                    rulesAfter);
        }
    }

    private void rollback(List<Enforcer> selected, List<Isolation> before) {
        EnforcementChange sync = new EnforcementChange("sync", null, before, allowList);
        for (Enforcer e : selected) {
            try {
                e.apply(sync);
            } catch (Exception ex) {
                unsynced.add(e.name());
                LOG.error("Isolation: rollback on enforcer {} failed too; its state may differ until it is synced "
                        + "again at the next check: {}", e.name(), ex.toString());
            }
        }
    }

    /** The configured enforcers in configuration order; when {@code strict}, all of them or an exception. */
    private List<Enforcer> selected(boolean strict) {
        List<Enforcer> bound = enforcers;
        List<Enforcer> out = new ArrayList<>(enforcerNames.size());
        List<String> missing = new ArrayList<>();
        for (String name : enforcerNames) {
            Optional<Enforcer> e = bound.stream().filter(x -> name.equals(x.name())).findFirst();
            if (e.isPresent()) {
                out.add(e.get());
            } else {
                missing.add(name);
            }
        }
        if (strict && !missing.isEmpty()) {
            throw new IsolationException("configured enforcer(s) " + missing + " not available (running: "
                    + bound.stream().map(Enforcer::name).toList() + ")", null);
        }
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private <T> T locked(Supplier<T> work) {
        try {
            if (!lock.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("another isolation change is still running; try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for another isolation change");
        }
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    private void refuse(String actor, String ip, String reason, String why) {
        try {
            String set = rules(store.list());
            audit(actor, "refuse", IpAddresses.printable(String.valueOf(ip)), reason.isEmpty() ? why : reason + "; " + why,
                    set, set);
        } catch (RuntimeException e) {
            LOG.error("Isolation: could not audit a refusal for {}: {}", IpAddresses.printable(ip), e.toString());
        }
        LOG.warn("Isolation refused for {} (actor {}): {}", IpAddresses.printable(ip), actor, why);
    }

    private void audit(String actor, String action, String ip, String reason, String before, String after) {
        try {
            store.audit(new IsolationAudit(clock.instant(), actor, action, ip, reason, before, after));
        } catch (RuntimeException e) {
            LOG.error("Isolation: could not audit {} {}: {}", action, ip, e.toString());
        }
    }

    private boolean isProtectedAddress(String canonical) {
        InetAddress a = IpAddresses.parse(canonical);
        if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
            return true;
        }
        for (IpBlock c : protectedRanges) {
            if (c.contains(a)) {
                return true;
            }
        }
        for (IpBlock c : management) {
            if (c.contains(a)) {
                return true;
            }
        }
        for (InetAddress own : gatewayAddresses.get()) {
            if (IpAddresses.canonical(own).equals(canonical)) {
                return true;
            }
        }
        return false;
    }

    /** Whether two addresses share their first 64 bits (both IPv6). */
    private static boolean sameSlash64(byte[] a, byte[] b) {
        return a.length == 16 && b.length == 16 && java.util.Arrays.equals(a, 0, 8, b, 0, 8);
    }

    /** ttl (or the default) times multiplier^(offences-1), capped at max.ttl. */
    Duration effectiveTtl(Duration ttl, int offences) {
        Duration base = ttl == null ? defaultTtl : ttl;
        if (base.compareTo(maxTtl) >= 0) {
            return maxTtl; // before toMillis(), which overflows for absurd durations (PT9999999999999H)
        }
        double factor = Math.pow(multiplier, Math.max(0, offences - 1));
        double millis = base.toMillis() * factor;
        if (!(millis < maxTtl.toMillis())) { // also catches infinity
            return maxTtl;
        }
        return Duration.ofMillis((long) millis);
    }

    private static String canonicalHost(String ip) {
        InetAddress a = IpAddresses.parse(ip);
        if (a.isMulticastAddress() || "255.255.255.255".equals(a.getHostAddress())) {
            throw new IllegalArgumentException("not a host address: " + IpAddresses.canonical(a));
        }
        return IpAddresses.canonical(a);
    }

    /**
     * The canonical MAC, or {@code ""} for none. A group address (multicast, broadcast) or the all-zero one names
     * no host ({@link NftablesScript#unusable}): refused like a malformed one, so it is never stored nor posted to a
     * webhook (before, only the nftables enforcer left it out).
     */
    private static String mac(String mac) {
        if (mac == null || mac.isBlank()) {
            return "";
        }
        String m = mac.strip();
        if (!MAC.matcher(m).matches()) {
            throw new IllegalArgumentException("not a MAC address: " + IpAddresses.printable(m));
        }
        String canonical = m.replace('-', ':').toLowerCase(Locale.ROOT);
        String unusable = NftablesScript.unusable(canonical);
        if (unusable != null) {
            throw new IllegalArgumentException("not one host's MAC address: " + canonical + " is " + unusable);
        }
        return canonical;
    }

    private static String actorName(String actor) {
        String a = text(actor, MAX_ACTOR);
        return a.isEmpty() ? "unknown" : a;
    }

    /** Stripped, control characters (log injection) replaced, bounded. */
    private static String text(String s, int max) {
        if (s == null) {
            return "";
        }
        String t = s.strip();
        if (t.length() > max) {
            t = t.substring(0, max);
        }
        StringBuilder sb = new StringBuilder(t.length());
        t.codePoints().forEach(c -> sb.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return sb.toString();
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static List<Isolation> replace(List<Isolation> before, Isolation next) {
        Map<String, Isolation> byIp = new LinkedHashMap<>();
        before.forEach(i -> byIp.put(i.ip(), i));
        byIp.put(next.ip(), next);
        return List.copyOf(byIp.values());
    }

    static String rules(List<Isolation> set) {
        return set.stream().map(Isolation::ip).collect(Collectors.joining(","));
    }

    private static List<String> names(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("enforcers: at least one enforcer name is required (e.g. log)");
        }
        List<String> out = new ArrayList<>();
        for (String n : text.split("[,\\s]+")) {
            if (n.isEmpty()) {
                continue;
            }
            if (!n.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new IllegalArgumentException("enforcers: bad enforcer name " + IpAddresses.printable(n));
            }
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        if (out.isEmpty() || out.size() > 16) {
            throw new IllegalArgumentException("enforcers: 1..16 enforcer names are required");
        }
        return Collections.unmodifiableList(out);
    }

    private static Duration duration(String property, String text) {
        try {
            Duration d = Duration.parse(Objects.requireNonNullElse(text, "").strip());
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(property + " must be positive, was " + text);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(property + " is not an ISO-8601 duration (e.g. PT4H, P7D): " + text, e);
        }
    }

    /** Every address on the gateway's interfaces; fails closed (no isolation) when they cannot be read. */
    private static Collection<InetAddress> interfaceAddresses() {
        try {
            List<InetAddress> out = new ArrayList<>();
            var ifs = NetworkInterface.getNetworkInterfaces();
            int n = 0;
            while (ifs != null && ifs.hasMoreElements() && n++ < 1024) {
                ifs.nextElement().getInetAddresses().asIterator().forEachRemaining(out::add);
            }
            return out;
        } catch (SocketException e) {
            throw new SecurityException("cannot read the gateway's own addresses, so nothing is isolated: " + e);
        }
    }
}
