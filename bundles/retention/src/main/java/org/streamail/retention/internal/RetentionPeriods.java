package org.streamail.retention.internal;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * ISO-8601 durations as retention periods: {@code PT12H}, {@code P14D}, {@code P2W}, {@code P1Y6M},
 * {@code P1DT12H}. Negative or zero periods and text that is not one of these forms are "no period"
 * (empty), never an exception; absurdly long ones are kept as given and clamped by the policy later.
 * Bounded: input longer than {@link #MAX_LENGTH} is refused unread. Stateless and thread-safe.
 */
final class RetentionPeriods {

    static final int MAX_LENGTH = 64;
    /** Longer than any sane policy; beyond it the arithmetic could overflow {@link Instant}. */
    static final Duration CEILING = Duration.ofDays(365L * 1000);

    private static final Pattern DATE_BASED = Pattern.compile("P(?:\\d{1,9}Y)?(?:\\d{1,9}M)?(?:\\d{1,9}W)?(?:\\d{1,9}D)?");

    private RetentionPeriods() {
    }

    /** A period that adds to an instant; calendar-based parts (years, months) count in UTC. */
    record RetentionPeriod(String text, Period datePart, Duration timePart) {

        Instant after(Instant start) {
            try {
                Instant end = start.atOffset(ZoneOffset.UTC).plus(datePart).toInstant().plus(timePart);
                return end.isAfter(start.plus(CEILING)) ? start.plus(CEILING) : end;
            } catch (DateTimeException | ArithmeticException e) {
                return start.plus(CEILING);
            }
        }
    }

    static Optional<RetentionPeriod> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        // ISO 8601 allows a comma as the decimal sign (PT1,5S) and Duration.parse takes it, but the period's text
        // becomes the signed term, which has no comma: keep the same value with a full stop.
        String v = value.strip().toUpperCase(java.util.Locale.ROOT).replace(',', '.');
        if (v.isEmpty() || v.length() > MAX_LENGTH || v.startsWith("-") || v.startsWith("+")) {
            return Optional.empty();
        }
        try {
            int t = v.indexOf('T');
            String datePart = t < 0 ? v : v.substring(0, t);
            String timePart = t < 0 ? "" : "PT" + v.substring(t + 1);
            if (!DATE_BASED.matcher(datePart).matches() || timePart.equals("PT")) {
                return Optional.empty();
            }
            Period p = datePart.equals("P") ? Period.ZERO : Period.parse(datePart);
            Duration d = timePart.isEmpty() ? Duration.ZERO : Duration.parse(timePart);
            if (p.isNegative() || d.isNegative() || (p.isZero() && d.isZero())) {
                return Optional.empty();
            }
            return Optional.of(new RetentionPeriod(v, p, d));
        } catch (DateTimeParseException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /** A configuration duration (e.g. {@code min.age}); throws with a clear message when malformed. */
    static Duration configDuration(String property, String value) {
        RetentionPeriod p = parse(value).orElseThrow(() -> new IllegalArgumentException(
                property + " must be a positive ISO-8601 duration such as PT1H or P14D, got '" + value + "'"));
        Instant epoch = Instant.EPOCH;
        return Duration.between(epoch, p.after(epoch));
    }
}
