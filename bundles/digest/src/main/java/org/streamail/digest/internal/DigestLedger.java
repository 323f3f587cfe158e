package org.streamail.digest.internal;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.streamail.api.store.SharedFields;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;

/**
 * Where the digest stands, in one record of the store's {@link SharedState} that every node reads: the end of the last
 * finished window, and the run in progress if there is one, with the node sending it, that node's lease and the last
 * user whose digest it handed on. A node starts or resumes a run only by writing the record from the version it read,
 * so of several nodes due at the same send time exactly one sends, and a node that stops half-way (killed, its store
 * gone) leaves the run where another node, once the lease has lapsed, goes on with the next user: no digest twice,
 * none skipped, across nodes and restarts.
 *
 * <p>The value is a few {@code key=value} lines. A field this code cannot read is left out (a run missing one is no
 * run; without an end the next digest covers {@code first.window}): a damaged record never stops the digest. Stateless
 * apart from the store; thread-safe.
 */
final class DigestLedger {

    /** The record's name in {@link SharedState}. */
    static final String NAME = "streamail.digest";

    /**
     * A run in progress.
     *
     * @param since  start of its window (exclusive)
     * @param until  end of its window (inclusive)
     * @param node   the node sending it
     * @param lease  until when that node holds it; another node may take it over afterwards
     * @param done   the last recipient (in address order) whose digest was handed on, or "" for none yet
     * @param sent   digests accepted so far in this run
     * @param failed digests refused so far in this run
     */
    record Run(Instant since, Instant until, String node, Instant lease, String done, int sent, int failed) {
        Run {
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(until, "until");
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(done, "done");
        }

        Run heldBy(String newNode, Instant newLease) {
            return new Run(since, until, newNode, newLease, done, sent, failed);
        }

        Run after(String recipient, boolean accepted, Instant newLease) {
            return new Run(since, until, node, newLease, recipient, sent + (accepted ? 1 : 0),
                    failed + (accepted ? 0 : 1));
        }

        /** Whether no digest of it was handed on yet (its window may still be widened). */
        boolean untouched() {
            return done.isEmpty() && sent == 0 && failed == 0;
        }
    }

    /**
     * The record as read.
     *
     * @param lastEnd end of the last finished window, if a digest was ever sent
     * @param run     the run in progress (or left unfinished), or null
     * @param version the record's version (0: never written)
     */
    record State(Optional<Instant> lastEnd, Run run, long version) {
    }

    private final SharedState shared;

    DigestLedger(SharedState shared) {
        this.shared = Objects.requireNonNull(shared, "shared");
    }

    /**
     * The record now.
     *
     * @throws IllegalStateException when the store cannot be read
     */
    State read() {
        Optional<SharedState.Entry> e;
        try {
            e = shared.read(NAME);
        } catch (StoreException | IllegalStateException ex) {
            throw new IllegalStateException("the store cannot be read (" + ex.getMessage() + "); nothing was sent and"
                    + " the next digest covers this window too", ex);
        }
        if (e.isEmpty()) {
            return new State(Optional.empty(), null, 0);
        }
        return parse(e.get().value(), e.get().version());
    }

    /**
     * Writes the record from {@code expected}.
     *
     * @return the new state, or empty when another node changed the record since {@code expected} was read
     * @throws IllegalStateException when the store cannot be written
     */
    Optional<State> write(State expected, Optional<Instant> lastEnd, Run run) {
        try {
            return shared.compareAndSet(NAME, expected.version(), format(lastEnd, run))
                    .map(e -> new State(lastEnd, run, e.version()));
        } catch (StoreException | IllegalStateException ex) {
            throw new IllegalStateException("the store cannot be written (" + ex.getMessage() + ")", ex);
        }
    }

    static String format(Optional<Instant> lastEnd, Run run) {
        SharedFields f = SharedFields.create().put("end", lastEnd.orElse(null));
        if (run != null) {
            f.put("run.since", run.since()).put("run.until", run.until()).put("run.node", run.node())
                    .put("run.lease", run.lease()).put("run.done", run.done()).put("run.sent", run.sent())
                    .put("run.failed", run.failed());
        }
        return f.format();
    }

    /** The state a value says; what cannot be read is dropped (a run missing a field, an instant that is not one). */
    static State parse(String value, long version) {
        SharedFields f = SharedFields.parse(value);
        Run run = null;
        Optional<Instant> since = f.instant("run.since");
        Optional<Instant> until = f.instant("run.until");
        Optional<Instant> lease = f.instant("run.lease");
        Optional<String> node = f.text("run.node");
        if (since.isPresent() && until.isPresent() && lease.isPresent() && node.isPresent()) {
            run = new Run(since.get(), until.get(), node.get(), lease.get(), f.text("run.done", ""),
                    f.count("run.sent"), f.count("run.failed"));
        }
        return new State(f.instant("end"), run, version);
    }
}
