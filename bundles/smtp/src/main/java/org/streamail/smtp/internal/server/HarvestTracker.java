package org.streamail.smtp.internal.server;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Counts refused unknown recipients per client over all its sessions, in a sliding window: {@code max.errors}
 * ends one session, but a harvester opening many short sessions, each guessing a few addresses, is seen only
 * here. Keyed by {@link IntrusionAlarm#rateKey} (an IPv6 client by its /64). Bounded: at most
 * {@code maxClients} clients (the least recently counted is forgotten first) and at most {@code max}
 * timestamps per client.
 *
 * <p>A client is {@linkplain #listed listed} while it has {@code max} unknown recipients within the window, that is
 * until the oldest of its last {@code max} leaves the window. Only {@link #unknownRecipient} counts: the refusals
 * of a listed client are not unknown recipients, so a listing ends at most one window after it began.
 *
 * <p>Threading: thread-safe (one lock; a few operations on a small deque per refused recipient).
 */
final class HarvestTracker {

    /** Most clients tracked at once. */
    static final int MAX_CLIENTS = 10_000;

    private final int max;
    private final long windowNanos;
    private final LongSupplier clock;
    /** Client key → times of its refused unknown recipients within the window, oldest first; access order. */
    private final Map<String, ArrayDeque<Long>> clients;

    /**
     * @param max           unknown recipients within the window that make a client a harvester; 0 = off
     * @param windowSeconds the window; 0 = off
     * @param maxClients    most clients tracked
     * @param clock         nanoseconds
     */
    HarvestTracker(int max, int windowSeconds, int maxClients, LongSupplier clock) {
        this.max = windowSeconds == 0 ? 0 : max;
        this.windowNanos = TimeUnit.SECONDS.toNanos(windowSeconds);
        this.clock = clock;
        this.clients = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Long>> eldest) {
                return size() > maxClients;
            }
        };
    }

    /**
     * Counts one refused unknown recipient of the client.
     *
     * @param ip the client's address, or {@code null} when unknown (not counted)
     * @return the client's count within the window, this one included (at most {@code max}; the caller raises the
     *         alert once it reaches {@link #max()}, the alarm's rate limit keeps it to one per interval); 0 when
     *         counting is off or the address unknown
     */
    int unknownRecipient(String ip) {
        if (max == 0 || ip == null || ip.isEmpty()) {
            return 0;
        }
        String key = IntrusionAlarm.rateKey(ip);
        long now = clock.getAsLong();
        synchronized (clients) {
            ArrayDeque<Long> times = clients.computeIfAbsent(key, k -> new ArrayDeque<>());
            while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
                times.pollFirst();
            }
            times.addLast(now);
            while (times.size() > max) {
                times.pollFirst();
            }
            return times.size();
        }
    }

    /**
     * Whether the client has reached the limit within the window: its further recipients are refused (with
     * {@code harvest.action} refuse). Does not count anything.
     *
     * @param ip the client's address, or {@code null} when unknown (never listed)
     */
    boolean listed(String ip) {
        if (max == 0 || ip == null || ip.isEmpty()) {
            return false;
        }
        String key = IntrusionAlarm.rateKey(ip);
        long now = clock.getAsLong();
        synchronized (clients) {
            ArrayDeque<Long> times = clients.get(key);
            if (times == null) {
                return false;
            }
            while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
                times.pollFirst();
            }
            if (times.isEmpty()) {
                clients.remove(key); // nothing left in the window: forget the client
                return false;
            }
            return times.size() >= max;
        }
    }

    /**
     * How long the client stays {@linkplain #listed listed} if it is counted no more: until the oldest of its last
     * {@code max} unknown recipients leaves the window. This is the end of the block another node is told of (see
     * {@link SharedHarvestBlocks}): the same end as this node's own listing, since a listed client is not counted.
     *
     * @param ip the client's address, or {@code null}
     * @return nanoseconds from now, or 0 when the client is not listed
     */
    long listedForNanos(String ip) {
        if (max == 0 || ip == null || ip.isEmpty()) {
            return 0;
        }
        String key = IntrusionAlarm.rateKey(ip);
        long now = clock.getAsLong();
        synchronized (clients) {
            ArrayDeque<Long> times = clients.get(key);
            if (times == null || times.size() < max) {
                return 0;
            }
            return Math.max(0, times.peekFirst() + windowNanos - now);
        }
    }

    /** The unknown recipients within the window that make a client a harvester; 0 = off. */
    int max() {
        return max;
    }

    /** Clients tracked right now. */
    int tracked() {
        synchronized (clients) {
            return clients.size();
        }
    }
}
