package org.streamail.api.store;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The organisation's protected domains (configuration PID {@code org.streamail.directory}, property
 * {@code domains}) and its registered addresses (in the database). Addresses are compared
 * case-insensitively and stored lower case. Thread-safe; lookups are cheap enough for every RCPT TO.
 */
@ProviderType
public interface Directory {

    /** What the directory says of a recipient address. */
    enum RecipientCheck {
        /** A registered address in a protected domain: accept. */
        LOCAL,
        /** A protected domain, but no such address: 550 5.1.1. */
        UNKNOWN_LOCAL,
        /** Not a domain we protect: relaying denied, 550 5.7.1. */
        FOREIGN
    }

    RecipientCheck check(String address);

    Set<String> protectedDomains();

    boolean isProtectedDomain(String domain);

    List<DirectoryEntry> list();

    Optional<DirectoryEntry> find(String address);

    /**
     * Registers an address (or updates its display name).
     *
     * @throws IllegalArgumentException if the address is not a plain {@code local@domain} in a protected domain
     */
    DirectoryEntry add(String address, String displayName);

    /** Removes an address; {@code false} if it was not registered. */
    boolean remove(String address);

    /**
     * Why {@link #check} cannot answer now, or empty when it can. A directory whose registered addresses were
     * never read (the database did not answer since the gateway started) cannot tell a recipient from a stranger:
     * SMTP answers {@code 451} at RCPT and the gateway's status is not ready. A directory that read them once and
     * fails to read them again keeps answering from that copy, so it is available. Cheap: may try one read, at
     * most once every few seconds, and never waits for another caller's read.
     *
     * @since package version 1.2.0
     */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /**
     * An address of the gateway's own mail ({@code localPart@domain}) in the first protected domain, in sorted order,
     * that makes a plain address ({@link org.streamail.api.model.PlainText#isAddress}): the same on every node sharing
     * the configuration. Empty when no protected domain does.
     *
     * @since package version 1.3.0
     */
    default Optional<String> ownAddress(String localPart) {
        return protectedDomains().stream().map(d -> localPart + "@" + d.toLowerCase(java.util.Locale.ROOT)).sorted()
                .filter(org.streamail.api.model.PlainText::isAddress).findFirst();
    }
}
