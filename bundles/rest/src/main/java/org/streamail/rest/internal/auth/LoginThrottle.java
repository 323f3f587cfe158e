package org.streamail.rest.internal.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Counts failed logins (the authenticator said "wrong user or password") per client address in a sliding
 * window and locks an address out once it reaches {@code auth.max.failures} failures within
 * {@code auth.failure.window.seconds}. While locked, every request from the address is refused before the
 * authenticator is asked, so a correct password is refused too and guessing gains nothing. A success never
 * clears the count: an attacker holding one password must not reset the counter while guessing another.
 *
 * <p>Use: ask {@link #lockedFor} before the password check (answer 429 when it is above 0) and report a wrong
 * password with {@link #failed}. An address is locked once it has {@code auth.max.failures} failures in the
 * window; logins in flight are not counted. The limit is therefore exact only if the check, the realm call and
 * the report of its failure are not interleaved with another login from the same address: otherwise a burst of
 * parallel guesses would all pass the check before the first of them failed. {@link BasicAuthGate} ensures
 * that by running at most one uncached login per address at a time ({@link AddressLocks}).
 *
 * <p>Memory is bounded: at most {@code auth.throttle.max.addresses} addresses are tracked (when full, the
 * one whose last failure is oldest is forgotten), each with at most {@code auth.max.failures} failure times,
 * and an address whose failures have all left the window is dropped.
 *
 * <p>Lifecycle: created with the servlet context helper, lives as long as it. Threading: thread-safe, one
 * lock held only for map bookkeeping (never during a login). Nullability: a {@code null} or blank address is
 * tracked as {@code "unknown"}; no other argument may be {@code null}.
 */
public final class LoginThrottle {

    /** Configuration property names, used in error messages. */
    public static final String MAX_FAILURES = "auth.max.failures";
    public static final String WINDOW_SECONDS = "auth.failure.window.seconds";
    public static final String MAX_ADDRESSES = "auth.throttle.max.addresses";

    /** Upper bounds that keep the worst-case memory small (addresses x failures instants). */
    static final int MAX_FAILURES_LIMIT = 100;
    static final int WINDOW_SECONDS_LIMIT = 86_400;
    static final int MAX_ADDRESSES_LIMIT = 100_000;

    private static final String UNKNOWN_ADDRESS = "unknown";

    /**
     * Validated throttle settings.
     *
     * @param maxFailures   failures within the window that lock an address; {@code 0} turns throttling off
     * @param windowSeconds the sliding window in seconds
     * @param maxAddresses  most addresses tracked at once
     * @throws IllegalArgumentException naming the property when a value is out of range
     */
    public record Settings(int maxFailures, int windowSeconds, int maxAddresses) {

        /** The defaults of PID {@code org.streamail.rest}: 10 failures in 300 s, 10000 addresses. */
        public static final Settings DEFAULTS = new Settings(10, 300, 10_000);

        public Settings {
            if (maxFailures < 0 || maxFailures > MAX_FAILURES_LIMIT) {
                throw new IllegalArgumentException(MAX_FAILURES + " must be between 0 (throttling off) and "
                        + MAX_FAILURES_LIMIT + ", got " + maxFailures);
            }
            if (windowSeconds < 0 || windowSeconds > WINDOW_SECONDS_LIMIT) {
                throw new IllegalArgumentException(WINDOW_SECONDS + " must be between 1 and "
                        + WINDOW_SECONDS_LIMIT + ", got " + windowSeconds);
            }
            if (maxAddresses < 0 || maxAddresses > MAX_ADDRESSES_LIMIT) {
                throw new IllegalArgumentException(MAX_ADDRESSES + " must be between 1 and "
                        + MAX_ADDRESSES_LIMIT + ", got " + maxAddresses);
            }
            // Zero is meaningless only while throttling is on; with it off the other two are not used.
            if (maxFailures > 0 && windowSeconds == 0) {
                throw new IllegalArgumentException(WINDOW_SECONDS + " must be at least 1 while " + MAX_FAILURES
                        + " is above 0 (set " + MAX_FAILURES + " = 0 to turn throttling off), got 0");
            }
            if (maxFailures > 0 && maxAddresses == 0) {
                throw new IllegalArgumentException(MAX_ADDRESSES + " must be at least 1 while " + MAX_FAILURES
                        + " is above 0 (set " + MAX_FAILURES + " = 0 to turn throttling off), got 0");
            }
        }

        /** Whether throttling is on. */
        public boolean enabled() {
            return maxFailures > 0;
        }
    }

    /**
     * An address just became locked. Reported once per lockout: from the failure that locks the address
     * until all its counted failures have left the window.
     *
     * @param address  the client address
     * @param failures the failures counted within the window
     * @param window   the window
     */
    public record Lockout(String address, int failures, Duration window) {
    }

    /** One tracked address. Guarded by the throttle's map lock. */
    private static final class Entry {
        /** Failure times, oldest first, all within the window after {@link #prune}; at most maxFailures. */
        final ArrayDeque<Instant> failures = new ArrayDeque<>();
        /** Last failure, or creation when none yet; the map's iteration order follows it. */
        Instant touched;
        /** Whether the current lockout has been reported. */
        boolean reported;

        Entry(Instant now) {
            this.touched = now;
        }
    }

    private final Settings settings;
    private final Duration window;
    private final Clock clock;
    /** Insertion order = order of {@link Entry#touched} (an entry is re-inserted on each failure). */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    public LoginThrottle(Settings settings, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = Duration.ofSeconds(settings.windowSeconds());
    }

    /** A throttle that never refuses anything. */
    public static LoginThrottle disabled() {
        return new LoginThrottle(new Settings(0, 0, 0), Clock.systemUTC());
    }

    /** Whether throttling is on ({@code auth.max.failures} above 0). */
    public boolean enabled() {
        return settings.enabled();
    }

    /**
     * Whether {@code address} is locked. Never tracks a new address (only {@link #failed} does), so requests
     * without usable credentials cannot push counted addresses out of the bounded map.
     *
     * @return the seconds to send in {@code Retry-After} (at least 1) when locked, else 0
     */
    public long lockedFor(String address) {
        if (!settings.enabled()) {
            return 0;
        }
        Instant now = clock.instant();
        synchronized (entries) {
            return lockedFor(key(address), now);
        }
    }

    private long lockedFor(String key, Instant now) {
        sweep(now);
        Entry entry = entries.get(key);
        if (entry == null) {
            return 0;
        }
        prune(entry, now);
        return entry.failures.size() >= settings.maxFailures() ? retryAfterSeconds(entry, now) : 0;
    }

    /** The key an address is tracked under; {@link AddressLocks} uses the same. */
    static String key(String address) {
        return address == null || address.isBlank() ? UNKNOWN_ADDRESS : address;
    }

    /** Number of tracked addresses (for tests). */
    int trackedAddresses() {
        synchronized (entries) {
            return entries.size();
        }
    }

    /**
     * Counts a failed login (wrong user name or password) from {@code address}; nothing when throttling is off.
     *
     * @return the lockout when this failure locked the address (once per lockout), else empty
     */
    public Optional<Lockout> failed(String address) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        String key = key(address);
        Instant now = clock.instant();
        synchronized (entries) {
            sweep(now);
            Entry entry = entries.get(key);
            if (entry == null) {
                entry = new Entry(now);
                makeRoom();
            } else {
                entries.remove(key);
                prune(entry, now);
            }
            entry.failures.addLast(now);
            // Logins not serialised per address may overshoot; keeping the newest maxFailures bounds the memory
            // and keeps the lock correct.
            while (entry.failures.size() > settings.maxFailures()) {
                entry.failures.removeFirst();
            }
            entry.touched = now;
            entries.put(key, entry);
            if (entry.failures.size() >= settings.maxFailures() && !entry.reported) {
                entry.reported = true;
                return Optional.of(new Lockout(key, entry.failures.size(), window));
            }
            return Optional.empty();
        }
    }

    /** Drops failures that left the window; a lockout ends when none is left. */
    private void prune(Entry entry, Instant now) {
        Instant cutoff = now.minus(window);
        while (!entry.failures.isEmpty() && !entry.failures.peekFirst().isAfter(cutoff)) {
            entry.failures.removeFirst();
        }
        if (entry.failures.isEmpty()) {
            entry.reported = false;
        }
    }

    /**
     * Drops entries whose failures have all left the window. The map is in {@link Entry#touched} order, so
     * the walk stops at the first entry still inside the window: amortised constant time per call.
     */
    private void sweep(Instant now) {
        Instant cutoff = now.minus(window);
        Iterator<Entry> it = entries.values().iterator();
        while (it.hasNext()) {
            Entry entry = it.next();
            if (entry.touched.isAfter(cutoff)) {
                return;
            }
            it.remove();
        }
    }

    /** When full, forgets the address whose last failure is oldest (the head of the map). */
    private void makeRoom() {
        Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        while (entries.size() >= settings.maxAddresses() && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    /** Seconds until the oldest counted failure leaves the window, rounded up, at least 1. */
    private long retryAfterSeconds(Entry entry, Instant now) {
        Instant oldest = entry.failures.peekFirst();
        if (oldest == null) {
            return 1; // unreachable while maxFailures >= 1; never answer Retry-After: 0
        }
        long millis = Duration.between(now, oldest.plus(window)).toMillis();
        return Math.max(1, (millis + 999) / 1000);
    }
}
