package org.streamail.core.internal.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Next hops under {@code tls = may} whose STARTTLS failed (refused, or a TLS handshake that does not complete):
 * opportunistic TLS (RFC 7435; Postfix's {@code may}) then sends in plain text on a new connection rather than
 * leaving the mail queued until it is given up. A hop stays marked for {@link #PERIOD}, so its mail goes in plain
 * text straight away meanwhile, and is tried with STARTTLS again after that. Never used for {@code encrypt} or
 * {@code verify}, nor for a hop with SMTP AUTH (which needs one of those).
 *
 * <p>At most {@link #MAX_HOPS} hops are remembered: past that, expired marks go first, then the oldest. Thread-safe.
 */
final class TlsFallbacks {

    /** How long a hop whose STARTTLS failed gets its mail in plain text before STARTTLS is tried again. */
    static final Duration PERIOD = Duration.ofHours(1);
    static final int MAX_HOPS = 1000;

    /** Why a hop is marked, and until when. */
    record Mark(String reason, Instant until) {
    }

    private final Clock clock;
    private final Duration period;
    /** Guarded by this; insertion order, so the first is the oldest mark. */
    private final Map<String, Mark> marks = new LinkedHashMap<>();

    TlsFallbacks(Clock clock, Duration period) {
        this.clock = clock;
        this.period = period;
    }

    private static String key(DeliverySettings.Hop hop) {
        return hop.host().toLowerCase(Locale.ROOT) + ":" + hop.port();
    }

    /** The hop's mark while it lasts. */
    synchronized Optional<Mark> current(DeliverySettings.Hop hop) {
        String k = key(hop);
        Mark m = marks.get(k);
        if (m != null && !clock.instant().isBefore(m.until())) {
            marks.remove(k);
            m = null;
        }
        return Optional.ofNullable(m);
    }

    /**
     * Marks the hop for {@link #PERIOD} from now.
     *
     * @return the mark, and whether it is new (not marked before, or the previous mark had run out): the caller
     *         logs a new one, once per hop and period
     */
    synchronized Map.Entry<Mark, Boolean> mark(DeliverySettings.Hop hop, String reason) {
        Instant now = clock.instant();
        String k = key(hop);
        Mark before = marks.remove(k);
        boolean fresh = before == null || !now.isBefore(before.until());
        Mark m = fresh ? new Mark(reason, now.plus(period)) : before;
        if (marks.size() >= MAX_HOPS) {
            marks.values().removeIf(x -> !now.isBefore(x.until()));
        }
        if (marks.size() >= MAX_HOPS) {
            Iterator<String> oldest = marks.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        marks.put(k, m);
        return Map.entry(m, fresh);
    }

    synchronized int size() {
        return marks.size();
    }
}
