package org.streamail.testsupport;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/**
 * A fixed directory for tests: protected domains and registered addresses given once, checked as the store's directory
 * checks them (a registered address is LOCAL, another address of a protected domain UNKNOWN_LOCAL, the rest FOREIGN;
 * case-insensitive). It cannot be changed: {@link #add} refuses, {@link #remove} removes nothing.
 */
public final class InMemoryDirectory implements Directory {

    private final Set<String> domains;
    private final Set<String> registered;

    /** Protected domains only: no address is registered. */
    public InMemoryDirectory(String... domains) {
        this(Set.of(domains), Set.of());
    }

    public InMemoryDirectory(Set<String> domains, Set<String> registered) {
        this.domains = lower(domains);
        this.registered = lower(registered);
    }

    private static Set<String> lower(Set<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public RecipientCheck check(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        if (registered.contains(a)) {
            return RecipientCheck.LOCAL;
        }
        return isProtectedDomain(a.substring(a.lastIndexOf('@') + 1)) ? RecipientCheck.UNKNOWN_LOCAL
                : RecipientCheck.FOREIGN;
    }

    @Override
    public Set<String> protectedDomains() {
        return domains;
    }

    @Override
    public boolean isProtectedDomain(String domain) {
        return domain != null && domains.contains(domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public List<DirectoryEntry> list() {
        return List.of();
    }

    @Override
    public Optional<DirectoryEntry> find(String address) {
        return Optional.empty();
    }

    @Override
    public DirectoryEntry add(String address, String displayName) {
        throw new IllegalStateException("a fixed test directory: nothing is added");
    }

    @Override
    public boolean remove(String address) {
        return false;
    }
}
