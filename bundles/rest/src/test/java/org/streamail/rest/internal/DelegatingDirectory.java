package org.streamail.rest.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/** A directory that forwards every call; tests override one method to inject a failure. */
class DelegatingDirectory implements Directory {
    private final Directory d;

    DelegatingDirectory(Directory d) {
        this.d = d;
    }

    @Override
    public RecipientCheck check(String address) {
        return d.check(address);
    }

    @Override
    public Set<String> protectedDomains() {
        return d.protectedDomains();
    }

    @Override
    public boolean isProtectedDomain(String domain) {
        return d.isProtectedDomain(domain);
    }

    @Override
    public List<DirectoryEntry> list() {
        return d.list();
    }

    @Override
    public Optional<DirectoryEntry> find(String address) {
        return d.find(address);
    }

    @Override
    public DirectoryEntry add(String address, String displayName) {
        return d.add(address, displayName);
    }

    @Override
    public boolean remove(String address) {
        return d.remove(address);
    }
}
