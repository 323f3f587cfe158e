package org.streamail.api.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A registered address of the organisation.
 *
 * @param address     lower-case {@code local@domain} in a protected domain
 * @param displayName the person's or role's name (used to spot impersonation), or {@code ""}
 * @param createdAt   when it was registered
 */
public record DirectoryEntry(String address, String displayName, Instant createdAt) {
    public DirectoryEntry {
        Objects.requireNonNull(address, "address");
        displayName = displayName == null ? "" : displayName;
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
