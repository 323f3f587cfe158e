package org.streamail.core.internal.spool;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Gateway message ids: time-sortable, {@code [A-Za-z0-9-]{1,64}}, unique across threads and restarts, e.g.
 * {@code 20261125T114000123-0001a-k3f9}: UTC time to the millisecond, a per-process sequence (base 36, so
 * ids from one process sort by creation even within one millisecond) and a random per-process suffix (so two
 * processes, or a restart within the same millisecond, never collide). Thread-safe, lock-free.
 */
public final class IdGenerator {

    public static final Pattern VALID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS")
            .withZone(ZoneOffset.UTC);
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

    private final Clock clock;
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong lastMillis = new AtomicLong();
    private final String node;

    public IdGenerator() {
        this(Clock.systemUTC());
    }

    IdGenerator(Clock clock) {
        this.clock = clock;
        SecureRandom r = new SecureRandom();
        StringBuilder b = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            b.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        this.node = b.toString();
    }

    /** A fresh id. */
    public String next() {
        long now = clock.millis();
        // Never let a clock step backwards make a later id sort before an earlier one.
        long ms = lastMillis.accumulateAndGet(now, Math::max);
        long seq = sequence.incrementAndGet();
        String s = Long.toString(seq % (36L * 36 * 36 * 36 * 36 * 36), 36);
        return STAMP.format(Instant.ofEpochMilli(ms)) + "-" + "0".repeat(Math.max(0, 5 - s.length())) + s + "-"
                + node;
    }

    /** Whether {@code id} is acceptable as an id (and as a file name stem). */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }
}
