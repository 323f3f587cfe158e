package org.streamail.workbench.internal.views;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the durations an administrator types (isolation time, block-rule expiry): ISO-8601 as the gateway
 * takes them ({@code PT4H}, {@code P7D}) or a number with a unit ({@code 30m}, {@code 4h}, {@code 7d},
 * {@code 2w}). Bounded: positive and at most a year. Stateless; any thread.
 */
final class Durations {

    static final Duration MAX = Duration.ofDays(366);
    private static final Pattern SHORT = Pattern.compile("(\\d{1,6})\\s*(m|min|h|d|w)");

    private Durations() {
    }

    /**
     * @return the duration
     * @throws IllegalArgumentException with a message for the user when {@code text} is not a duration
     */
    static Duration parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (t.isEmpty() || t.length() > 32) {
            throw new IllegalArgumentException("Enter a duration such as 4h, 7d or PT4H.");
        }
        Duration d;
        Matcher m = SHORT.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        } else {
            try {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + abbrev(text.strip())
                        + "' is not a duration: use e.g. 30m, 4h, 7d or PT4H.");
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("The duration must be positive.");
        }
        if (d.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("At most 366 days, got " + text.strip() + ".");
        }
        return d;
    }

    private static String abbrev(String s) {
        return s.length() <= 32 ? s : s.substring(0, 32) + "...";
    }
}
