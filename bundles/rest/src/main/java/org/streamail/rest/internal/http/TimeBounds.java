package org.streamail.rest.internal.http;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The one place the API parses durations and instants, with sane bounds. {@code java.time} accepts years up
 * to +-999,999,999 and durations of ~292 billion years, but the store (milliseconds in a {@code long}) and the
 * services (now + ttl) overflow far earlier and answered 500. Anything outside the bounds is the client's
 * mistake: a 400 naming the field and the value. Stateless and thread-safe.
 *
 * <p>Instants: from {@link #MIN_INSTANT} (1970-01-01T00:00:00Z) to {@link #MAX_INSTANT}
 * (9999-12-31T23:59:59Z). Durations: at most {@link #MAX_DAYS} days.
 */
public final class TimeBounds {

    public static final Instant MIN_INSTANT = Instant.EPOCH;
    public static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59Z");
    public static final long MAX_DAYS = 36_500;
    public static final Duration MAX_DURATION = Duration.ofDays(MAX_DAYS);

    private TimeBounds() {
    }

    /**
     * An ISO-8601 duration ({@code PT24H}, {@code P7D}; case-insensitive) between zero and {@link #MAX_DURATION}.
     *
     * @param positive whether zero is refused too
     * @throws ApiException 400 naming {@code field} when malformed or out of bounds
     */
    public static Duration duration(String field, String text, boolean positive) {
        String t = text == null ? "" : text.strip();
        Duration d;
        try {
            d = Duration.parse(t.toUpperCase(Locale.ROOT));
        } catch (DateTimeException e) {
            // the parse fails with an ArithmeticException cause for numbers past a long of seconds
            if (e.getCause() instanceof ArithmeticException) {
                throw ApiException.badRequest(field + ": at most " + MAX_DAYS + " days (got " + abbrev(t) + ")");
            }
            throw ApiException.badRequest(field + ": must be an ISO-8601 duration such as PT24H or P7D (got "
                    + abbrev(t) + ")");
        }
        if (d.isNegative() || (positive && d.isZero())) {
            throw ApiException.badRequest(field + ": must be a " + (positive ? "positive" : "non-negative")
                    + " duration (got " + abbrev(t) + ")");
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw ApiException.badRequest(field + ": at most " + MAX_DAYS + " days (got " + abbrev(t) + ")");
        }
        return d;
    }

    /**
     * An ISO-8601 instant ({@code 2026-12-01T00:00:00Z}) between {@link #MIN_INSTANT} and {@link #MAX_INSTANT}.
     *
     * @throws ApiException 400 naming {@code field} when malformed or out of bounds
     */
    public static Instant instant(String field, String text) {
        String t = text == null ? "" : text.strip();
        Instant i;
        try {
            i = Instant.parse(t);
        } catch (DateTimeException e) {
            throw ApiException.badRequest(field + ": must be an ISO-8601 instant such as 2026-12-01T00:00:00Z (got "
                    + abbrev(t) + ")");
        }
        return checked(field, i, t);
    }

    /** {@code now - d}, refused (400) when that is before 1970. {@code d} comes from {@link #duration}. */
    public static Instant before(String field, Instant now, Duration d, String text) {
        return checked(field, now.minus(d), text);
    }

    /** {@code now + d}, refused (400) after 9999-12-31T23:59:59Z. {@code d} comes from {@link #duration}. */
    public static Instant after(String field, Instant now, Duration d, String text) {
        return checked(field, now.plus(d), text);
    }

    private static Instant checked(String field, Instant i, String text) {
        if (i.isBefore(MIN_INSTANT)) {
            throw ApiException.badRequest(field + ": not before 1970-01-01T00:00:00Z (got " + abbrev(text) + ")");
        }
        if (i.isAfter(MAX_INSTANT)) {
            throw ApiException.badRequest(field + ": not after 9999-12-31T23:59:59Z (got " + abbrev(text) + ")");
        }
        return i;
    }

    private static String abbrev(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 64 ? clean : clean.substring(0, 64) + "...";
    }
}
