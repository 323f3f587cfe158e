package org.streamail.linkguard.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scan verdicts per URL for a short time, so a burst of clicks on one link (a campaign reaching many
 * desks) costs one scan. At most {@code maxEntries}: when full, expired entries are dropped, and if that is
 * not enough the whole cache is cleared (simple and bounded; the cost is a few rescans). Thread-safe.
 */
final class VerdictCache {

    /** A URL's verdict: bad with a reason, or clean. */
    record Check(boolean bad, String reason) {
        static Check clean() {
            return new Check(false, "");
        }
    }

    private record Entry(Check check, Instant expires) {
    }

    private final Duration ttl;
    private final int maxEntries;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> map = new ConcurrentHashMap<>();

    VerdictCache(Duration ttl, int maxEntries, Clock clock) {
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    Optional<Check> get(String url) {
        Entry e = map.get(url);
        if (e == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(e.expires())) {
            map.remove(url, e);
            return Optional.empty();
        }
        return Optional.of(e.check());
    }

    void put(String url, Check check) {
        if (ttl.isZero()) {
            return;
        }
        Instant now = clock.instant();
        if (map.size() >= maxEntries) {
            map.values().removeIf(e -> !now.isBefore(e.expires()));
            if (map.size() >= maxEntries) {
                map.clear();
            }
        }
        map.put(url, new Entry(check, now.plus(ttl)));
    }

    int size() {
        return map.size();
    }
}
