package org.streamail.testsupport;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;

/**
 * The store's shared records in memory, with the JDBC store's compare-and-set semantics (a version check under one
 * lock; that store's own contract runs on H2 and PostgreSQL in store-jdbc's {@code StoreContractTest}). The "nodes" of
 * a test share one instance, as gateway nodes share one database. Two switches make the hard cases happen on purpose:
 * {@link #failure} (the database is down) and {@link #afterRead} (two nodes both read before either writes).
 */
public final class InMemorySharedState implements SharedState {

    private final Map<String, Entry> records = new LinkedHashMap<>();
    /** When set, every call throws it, as a store that is down. */
    public volatile StoreException failure;
    /** When set, runs after each read, outside the lock (to make two nodes read before either writes). */
    public volatile Runnable afterRead;

    @Override
    public Optional<Entry> read(String name) {
        Optional<Entry> e;
        synchronized (this) {
            fail();
            e = Optional.ofNullable(records.get(name));
        }
        Runnable r = afterRead;
        if (r != null) {
            r.run();
        }
        return e;
    }

    @Override
    public synchronized Optional<Entry> compareAndSet(String name, long expectedVersion, String value) {
        SharedState.check(name, expectedVersion, value);
        fail();
        Entry now = records.get(name);
        if ((now == null ? 0 : now.version()) != expectedVersion) {
            return Optional.empty();
        }
        Entry next = new Entry(name, value, expectedVersion + 1);
        records.put(name, next);
        return Optional.of(next);
    }

    /** The record as it is, whatever {@link #failure} and {@link #afterRead} say (for a test's checks). */
    public synchronized Optional<Entry> peek(String name) {
        return Optional.ofNullable(records.get(name));
    }

    /** Writes a record whatever its version, as another node or a damaged database would. */
    public synchronized void put(String name, String value) {
        Entry now = records.get(name);
        records.put(name, new Entry(name, value, now == null ? 1 : now.version() + 1));
    }

    private void fail() {
        StoreException f = failure;
        if (f != null) {
            throw f;
        }
    }
}
