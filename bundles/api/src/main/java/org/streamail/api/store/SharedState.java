package org.streamail.api.store;

import java.util.Objects;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Small named records that every node sharing the store reads and changes by compare-and-set: for work that must be
 * done by one node at a time (a scheduled run) and for where that work stands, so that another node, or the same one
 * after a restart, goes on from there. Each record has a version, 1 after its creation and one more at each change;
 * a change names the version it read and takes effect only if no other writer changed the record since.
 *
 * <p>Not for much data: a record is at most {@value #MAX_VALUE} characters. Each change is one row written; writers
 * that keep changing one record at once (the reporting bundle's shared fold windows, one write per folded alert in a
 * burst) read it again and retry, so a record suits a few writers, not a counter for every node's every request.
 * Records are never deleted (a caller that is done writes a value saying so; a caller with many keys reuses a
 * bounded set of names).
 *
 * <p>Thread-safe. Methods throw {@link StoreException} when the database is unavailable.
 *
 * @since package version 1.4.0
 */
@ProviderType
public interface SharedState {

    /** Longest record name. */
    int MAX_NAME = 128;
    /** Longest value, in characters. */
    int MAX_VALUE = 8000;

    /**
     * One record as read.
     *
     * @param name    the record's name
     * @param value   what was written last
     * @param version 1 after the creation, one more at each change
     */
    record Entry(String name, String value, long version) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (version < 1) {
                throw new IllegalArgumentException("version " + version + " < 1");
            }
        }
    }

    /** The record called {@code name}, if one was ever written. */
    Optional<Entry> read(String name);

    /**
     * Writes {@code value} under {@code name} if the record is still at {@code expectedVersion} ({@code 0}: if there is
     * no such record yet). Of any number of writers naming the same version, on this node or others, even at the
     * same moment, exactly one succeeds.
     *
     * @return the record as written (its version one more than expected), or empty when the record is no longer at
     *         {@code expectedVersion}: another writer changed (or created) it, read it again
     * @throws IllegalArgumentException for a blank name, a name longer than {@value #MAX_NAME} characters, a value
     *                                  longer than {@value #MAX_VALUE}, a negative version, or a NUL character
     */
    Optional<Entry> compareAndSet(String name, long expectedVersion, String value);

    /** The checks {@link #compareAndSet} makes of its arguments, for implementations. */
    static void check(String name, long expectedVersion, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.isBlank() || name.length() > MAX_NAME) {
            throw new IllegalArgumentException("a shared record's name has 1.." + MAX_NAME + " characters");
        }
        if (value.length() > MAX_VALUE) {
            throw new IllegalArgumentException("a shared record's value has at most " + MAX_VALUE + " characters, not "
                    + value.length());
        }
        if (name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a shared record holds no NUL character");
        }
        if (expectedVersion < 0) {
            throw new IllegalArgumentException("expected version " + expectedVersion + " < 0");
        }
    }
}
