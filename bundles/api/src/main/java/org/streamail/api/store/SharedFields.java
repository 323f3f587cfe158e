package org.streamail.api.store;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The value of a {@link SharedState} record written as {@code key=value} lines, as the bundles that keep where their
 * work stands there write it. Reading is lenient: a line without {@code =} is skipped, and a field that does not read
 * as asked (an instant that is not one, a count that is not a number) reads as absent, so a damaged or newer record
 * never stops the work. Each value is kept on its line, read and written alike: line breaks and NUL become spaces,
 * surrounding white space goes (so what is read is written back the same). Not thread-safe: one
 * instance per read or write.
 *
 * @since package version 1.6.0
 */
public final class SharedFields {

    /** Lines read at most; a record has a few. */
    static final int MAX_LINES = 256;

    private final Map<String, String> fields = new LinkedHashMap<>();

    private SharedFields() {
    }

    /** No field yet, to write. */
    public static SharedFields create() {
        return new SharedFields();
    }

    /** The fields of a record's value (keys and values stripped of surrounding white space; the last one of a key). */
    public static SharedFields parse(String value) {
        SharedFields f = new SharedFields();
        String[] lines = value == null ? new String[0] : value.split("\n", MAX_LINES + 1);
        for (int i = 0; i < Math.min(lines.length, MAX_LINES); i++) {
            int eq = lines[i].indexOf('=');
            if (eq > 0) {
                f.fields.put(lines[i].substring(0, eq).strip(), oneLine(lines[i].substring(eq + 1)));
            }
        }
        return f;
    }

    /** Sets {@code key} to {@code value} (its {@code toString}, on one line); {@code null} leaves the field out. */
    public SharedFields put(String key, Object value) {
        if (key.isEmpty() || key.indexOf('=') >= 0 || key.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0)) {
            throw new IllegalArgumentException("not a field name: '" + key + "'");
        }
        if (value != null) {
            fields.put(key, oneLine(value.toString()));
        }
        return this;
    }

    private static String oneLine(String s) {
        return s.replaceAll("[\\r\\n\\x00]", " ").strip();
    }

    /** The value written, one {@code key=value} line per field in the order they were put. */
    public String format() {
        StringBuilder b = new StringBuilder();
        fields.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    /** The text of {@code key}, if present. */
    public Optional<String> text(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    /** The text of {@code key}, or {@code otherwise}. */
    public String text(String key, String otherwise) {
        return fields.getOrDefault(key, otherwise);
    }

    /** {@code key} as an ISO-8601 instant, if it reads as one. */
    public Optional<Instant> instant(String key) {
        String s = fields.get(key);
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(s));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** {@code key} as a count: a whole number from 0, else 0. */
    public int count(String key) {
        try {
            String s = fields.get(key);
            return s == null ? 0 : Math.max(0, Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
