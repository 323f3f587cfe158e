package org.streamail.api.model;

import java.util.Objects;

/**
 * One header field.
 *
 * @param name  the field name as it appeared (compare case-insensitively)
 * @param value the unfolded value with RFC 2047 encoded-words decoded; never {@code null}
 */
public record Header(String name, String value) {
    public Header {
        Objects.requireNonNull(name, "name");
        value = value == null ? "" : value;
    }

    /** Whether this header has the given name, ignoring case. */
    public boolean is(String otherName) {
        return name.equalsIgnoreCase(otherName);
    }
}
