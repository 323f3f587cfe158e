package org.streamail.smtp.internal.server;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/** One protected domain, example.org, with a set of registered addresses. */
final class TestDirectory implements Directory {

    static final String DOMAIN = "example.org";
    final Set<String> addresses = ConcurrentHashMap.newKeySet();
    final List<String> checked = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** When set, {@link #isProtectedDomain} throws it (a directory whose database is down). */
    volatile RuntimeException failure;

    /** Whether {@link #checked} records the addresses asked about (a fuzzing run asks millions of times). */
    private final boolean keepHistory;

    TestDirectory(String... registered) {
        this(true, registered);
    }

    /** Without the history of checked addresses. */
    static TestDirectory withoutHistory(String... registered) {
        return new TestDirectory(false, registered);
    }

    private TestDirectory(boolean keepHistory, String... registered) {
        this.keepHistory = keepHistory;
        for (String a : registered) {
            addresses.add(a.toLowerCase(Locale.ROOT));
        }
    }

    @Override
    public RecipientCheck check(String address) {
        if (keepHistory) {
            checked.add(address);
        }
        int at = address.lastIndexOf('@');
        String domain = at < 0 ? "" : address.substring(at + 1);
        if (!isProtectedDomain(domain)) {
            return RecipientCheck.FOREIGN;
        }
        return addresses.contains(address.toLowerCase(Locale.ROOT)) ? RecipientCheck.LOCAL : RecipientCheck.UNKNOWN_LOCAL;
    }

    @Override
    public Set<String> protectedDomains() {
        return Set.of(DOMAIN);
    }

    @Override
    public boolean isProtectedDomain(String domain) {
        if (failure != null) {
            throw failure;
        }
        return DOMAIN.equals(domain);
    }

    @Override
    public List<DirectoryEntry> list() {
        throw new UnsupportedOperationException("not used by the listener");
    }

    @Override
    public Optional<DirectoryEntry> find(String address) {
        throw new UnsupportedOperationException("not used by the listener");
    }

    @Override
    public DirectoryEntry add(String address, String displayName) {
        throw new UnsupportedOperationException("not used by the listener");
    }

    @Override
    public boolean remove(String address) {
        throw new UnsupportedOperationException("not used by the listener");
    }
}
