package org.streamail.retention.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lenient but bounded parsing of the absolute dates in {@code Expires} and {@code Expiry-Date}: RFC 5322
 * date-time with the obsolete forms RFC 5322 section 4.3 allows (two- or three-digit years, named zones,
 * comments, missing seconds, missing day name), and ISO-8601 instants as some senders write them.
 * Anything else is "no date" (empty), never an exception. Input longer than {@link #MAX_LENGTH} is refused
 * unread. Stateless and thread-safe.
 */
final class RetentionDates {

    static final int MAX_LENGTH = 256;

    private static final Map<String, Integer> MONTHS = Map.ofEntries(Map.entry("jan", 1), Map.entry("feb", 2),
            Map.entry("mar", 3), Map.entry("apr", 4), Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7),
            Map.entry("aug", 8), Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11),
            Map.entry("dec", 12));
    /** RFC 5322 4.3 obsolete zones; military letters are treated as -0000 (unknown) as the RFC says. */
    private static final Map<String, Integer> ZONES = Map.ofEntries(Map.entry("ut", 0), Map.entry("gmt", 0),
            Map.entry("z", 0), Map.entry("edt", -4 * 60), Map.entry("est", -5 * 60), Map.entry("cdt", -5 * 60),
            Map.entry("cst", -6 * 60), Map.entry("mdt", -6 * 60), Map.entry("mst", -7 * 60),
            Map.entry("pdt", -7 * 60), Map.entry("pst", -8 * 60));
    private static final Pattern RFC5322 = Pattern.compile(
            "(?:[a-z]{3}\\s*,\\s*)?(\\d{1,2})\\s+([a-z]{3})[a-z]*\\s+(\\d{2,4})\\s+(\\d{1,2}):(\\d{2})(?::(\\d{2}))?"
                    + "(?:\\s+([+-]\\d{4}|[a-z]{1,5}))?",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern ISO = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}[tT ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?(?:[zZ]|[+-]\\d{2}:?\\d{2})");
    private static final Pattern COMMENT = Pattern.compile("\\([^()]{0,256}\\)");

    private RetentionDates() {
    }

    /** The instant a header value names, or empty when it is not a date this parser accepts. */
    static Optional<Instant> parse(String value) {
        if (value == null || value.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        // Comments (e.g. "+0000 (UTC)") carry nothing we need; nested ones are not supported.
        String v = COMMENT.matcher(value).replaceAll(" ").replaceAll("\\s+", " ").strip();
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (ISO.matcher(v).matches()) {
            return iso(v);
        }
        Matcher m = RFC5322.matcher(v);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            int day = Integer.parseInt(m.group(1));
            Integer month = MONTHS.get(m.group(2).toLowerCase(Locale.ROOT));
            if (month == null) {
                return Optional.empty();
            }
            int year = Integer.parseInt(m.group(3));
            // RFC 5322 4.3: two-digit years 00-49 are 2000-2049, 50-99 are 1950-1999; three digits add 1900.
            if (m.group(3).length() == 2) {
                year += year < 50 ? 2000 : 1900;
            } else if (m.group(3).length() == 3) {
                year += 1900;
            }
            int hour = Integer.parseInt(m.group(4));
            int minute = Integer.parseInt(m.group(5));
            int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
            if (second == 60) {
                second = 59; // leap second: one second early is close enough for an expiry
            }
            int offsetMinutes = zone(m.group(7));
            LocalDateTime local = LocalDateTime.of(year, month, day, hour, minute, second);
            return Optional.of(local.toInstant(ZoneOffset.ofTotalSeconds(offsetMinutes * 60)));
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty(); // 31 Feb, 25:00, offset beyond 18 hours
        }
    }

    private static int zone(String zone) {
        if (zone == null) {
            return 0;
        }
        if (zone.charAt(0) == '+' || zone.charAt(0) == '-') {
            int sign = zone.charAt(0) == '-' ? -1 : 1;
            int hh = Integer.parseInt(zone.substring(1, 3));
            int mm = Integer.parseInt(zone.substring(3, 5));
            if (mm > 59) {
                throw new NumberFormatException("minutes " + mm);
            }
            return sign * (hh * 60 + mm);
        }
        Integer named = ZONES.get(zone.toLowerCase(Locale.ROOT));
        if (named != null) {
            return named;
        }
        if (zone.length() == 1) {
            return 0; // military zone: RFC 5322 says treat as -0000
        }
        throw new NumberFormatException("unknown zone " + zone);
    }

    private static Optional<Instant> iso(String v) {
        String normal = v.replace(' ', 'T');
        if (normal.matches(".*[+-]\\d{4}$")) {
            normal = normal.substring(0, normal.length() - 2) + ":" + normal.substring(normal.length() - 2);
        }
        try {
            return Optional.of(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(normal, Instant::from));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    /** RFC 5322 form for headers we write, e.g. {@code Tue, 1 Dec 2026 09:00:00 +0000}. */
    static String format(Instant instant) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC).format(instant);
    }
}
