package org.streamail.rest.internal.auth;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One turn at a time per client address: {@link BasicAuthGate} runs each login that has to ask the realm
 * inside a turn, so that the throttle's check, the realm call and the count of a failure are never interleaved
 * with another login from the same address (which is what keeps a parallel burst of guesses to exactly
 * {@code auth.max.failures} realm calls) and so that parallel logins with the same new credentials make one
 * realm call (the later ones find the login remembered when their turn comes). Different addresses never wait
 * for each other.
 *
 * <p>Waiting is bounded: a request that does not get its turn within the wait gets a {@link Busy} instead.
 * Memory is bounded: an address has a lock only while a request holds or waits for its turn (the lock is
 * dropped when the last one leaves), so the map holds at most one entry per request in progress, and never
 * more than {@code maxAddresses} entries (a request from a further address gets a {@link Busy}).
 *
 * <p>Lifecycle: lives as long as its gate. Threading: thread-safe; a {@link Held} turn must be closed by the
 * thread that got it. Nullability: no argument may be {@code null}.
 */
final class AddressLocks {

    /** How long a login waits for its address's turn before it is answered 503. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    /**
     * Most addresses with a login in progress. Far above any HTTP thread pool: only a guard that keeps the map
     * bounded whatever the container does.
     */
    static final int DEFAULT_MAX_ADDRESSES = 10_000;

    /** Longest wait accepted by the constructor: a request thread must not be held for minutes. */
    static final Duration MAX_WAIT = Duration.ofMinutes(1);

    /** The result of {@link #acquire}: a {@link Held} turn or {@link Busy}. */
    sealed interface Turn permits Held, Busy {
    }

    /** No turn: the wait ran out, the thread was interrupted or too many addresses are in progress. */
    record Busy(String message) implements Turn {
    }

    /** The address's turn, until closed. */
    final class Held implements Turn, AutoCloseable {
        private final String key;
        private final Slot slot;
        private boolean closed;

        private Held(String key, Slot slot) {
            this.key = key;
            this.slot = slot;
        }

        /** Ends the turn; the next waiting request from the address gets it. Closing twice is harmless. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            slot.lock.unlock();
            leave(key, slot);
        }
    }

    /** The lock of one address and how many requests hold or wait for it. */
    private static final class Slot {
        /** Fair: requests from one address take their turns in arrival order, none waits forever behind others. */
        final ReentrantLock lock = new ReentrantLock(true);
        /** Guarded by {@link #slots}. */
        int users;
    }

    private final Map<String, Slot> slots = new HashMap<>();
    private final long waitNanos;
    private final int maxAddresses;

    AddressLocks() {
        this(DEFAULT_WAIT, DEFAULT_MAX_ADDRESSES);
    }

    /**
     * @param wait         longest wait for a turn, above zero and at most {@link #MAX_WAIT}
     * @param maxAddresses most addresses in progress at once, at least 1
     */
    AddressLocks(Duration wait, int maxAddresses) {
        Objects.requireNonNull(wait, "wait");
        if (wait.isNegative() || wait.isZero() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("wait must be above 0 and at most " + MAX_WAIT + ", got " + wait);
        }
        if (maxAddresses < 1) {
            throw new IllegalArgumentException("maxAddresses must be at least 1, got " + maxAddresses);
        }
        this.waitNanos = wait.toNanos();
        this.maxAddresses = maxAddresses;
    }

    /** Waits (at most the configured time) for the turn of {@code key}, an address as {@link LoginThrottle#key}. */
    Turn acquire(String key) {
        Objects.requireNonNull(key, "key");
        Slot slot;
        synchronized (slots) {
            slot = slots.get(key);
            if (slot == null) {
                if (slots.size() >= maxAddresses) {
                    return new Busy("too many logins in progress; retry");
                }
                slot = new Slot();
                slots.put(key, slot);
            }
            slot.users++;
        }
        boolean locked = false;
        try {
            locked = slot.lock.tryLock(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the container is stopping this request
        } finally {
            if (!locked) {
                leave(key, slot);
            }
        }
        return locked ? new Held(key, slot) : new Busy("too many logins in progress from your address; retry");
    }

    private void leave(String key, Slot slot) {
        synchronized (slots) {
            // users counts holders and waiters alike, so a slot is dropped only when nobody can still use it;
            // a later request creates a fresh one.
            if (--slot.users == 0) {
                slots.remove(key);
            }
        }
    }

    /** Addresses with a login in progress (for tests). */
    int size() {
        synchronized (slots) {
            return slots.size();
        }
    }
}
