package org.streamail.reporting.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/** Only the protected domains matter to the alert mail. */
final class FakeDirectory implements Directory {

    private final Set<String> domains;

    FakeDirectory(String... domains) {
        this.domains = Set.of(domains);
    }

    @Override
    public RecipientCheck check(String address) {
        return RecipientCheck.LOCAL;
    }

    @Override
    public Set<String> protectedDomains() {
        return domains;
    }

    @Override
    public boolean isProtectedDomain(String domain) {
        return domains.contains(domain);
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
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean remove(String address) {
        return false;
    }
}
