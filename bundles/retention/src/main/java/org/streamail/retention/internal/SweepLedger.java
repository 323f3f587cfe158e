package org.streamail.retention.internal;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.streamail.api.store.SharedFields;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;

/**
 * Where the retention sweeps stand across the gateway nodes, in one record of the store's {@link SharedState}: when
 * the last full sweep (by any node) started and ended, and the sweep in progress if there is one, with the node running
 * it and that node's lease. A node sweeps only after writing itself into the record from the version it read, so of
 * several nodes due at once exactly one sweeps, and a node that stops half-way (killed, its store gone) leaves the
 * record to another node once its lease has lapsed.
 *
 * <p>The value is a few {@code key=value} lines. A field this code cannot read is left out (a run missing one is no
 * run; a last start that is not an instant is no last start): a damaged record never stops the sweeps. Stateless apart
 * from the store; thread-safe.
 */
final class SweepLedger {

    /** The record's name in {@link SharedState}. */
    static final String NAME = "streamail.retention.sweep";

    /**
     * A sweep in progress (or left unfinished by a node that stopped).
     *
     * @param node    the node sweeping ({@code pid@host#random})
     * @param started when it started
     * @param lease   until when that node holds it; another node may sweep afterwards
     * @param full    whether it sweeps every mailbox (scheduled or {@code sweep()}), not one requested mailbox
     * @param done    mailboxes swept so far
     * @param last    the last mailbox swept to its end ("" none yet): a node taking the sweep over goes on after it
     * @param stalls  how many nodes in a row took the sweep over without a mailbox done in between: the mailbox
     *                after {@code last} stopped each of them ({@link #STALLS_TO_SKIP})
     */
    record Run(String node, Instant started, Instant lease, boolean full, int done, String last, int stalls) {
        Run {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(started, "started");
            Objects.requireNonNull(lease, "lease");
            Objects.requireNonNull(last, "last");
        }

        Run(String node, Instant started, Instant lease, boolean full, int done) {
            this(node, started, lease, full, done, "", 0);
        }

        /** After a mailbox swept to its end: a new lease, one more done, and no stall. */
        Run renewed(Instant newLease, int newDone, String newLast) {
            return new Run(node, started, newLease, full, newDone, newLast, 0);
        }

        /** Within a mailbox: a new lease only. */
        Run renewed(Instant newLease) {
            return new Run(node, started, newLease, full, done, last, stalls);
        }
    }

    /**
     * Nodes in a row that may stop on one mailbox (their sweep taken over with no mailbox done since the previous
     * takeover) before the next node skips it: a mailbox that kills the sweeping process (memory, a crash in the IMAP
     * library) would otherwise stop every sweep at the same place for good, the mailboxes after it never swept.
     */
    static final int STALLS_TO_SKIP = 3;

    /**
     * The record as read.
     *
     * @param lastStart when the last full sweep started, if one ever ended
     * @param lastEnd   when it ended
     * @param lastNode  the node that ran it ("" if unknown)
     * @param lastSummary its counts, one line ("" if unknown)
     * @param run       the sweep in progress (or left unfinished), or null
     * @param version   the record's version (0: never written)
     */
    record State(Optional<Instant> lastStart, Optional<Instant> lastEnd, String lastNode, String lastSummary, Run run,
            long version) {

        State withRun(Run newRun) {
            return new State(lastStart, lastEnd, lastNode, lastSummary, newRun, version);
        }
    }

    private final SharedState shared;

    SweepLedger(SharedState shared) {
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
            throw new IllegalStateException("the shared record " + NAME + " cannot be read (" + ex.getMessage() + ")",
                    ex);
        }
        if (e.isEmpty()) {
            return new State(Optional.empty(), Optional.empty(), "", "", null, 0);
        }
        return parse(e.get().value(), e.get().version());
    }

    /**
     * Writes {@code next} over the record as it was at {@code expected}.
     *
     * @return the record as written, or empty when another node changed it since {@code expected} was read
     * @throws IllegalStateException when the store cannot be written
     */
    Optional<State> write(State expected, State next) {
        try {
            return shared.compareAndSet(NAME, expected.version(), format(next))
                    .map(e -> new State(next.lastStart(), next.lastEnd(), next.lastNode(), next.lastSummary(),
                            next.run(), e.version()));
        } catch (StoreException | IllegalStateException ex) {
            throw new IllegalStateException("the shared record " + NAME + " cannot be written (" + ex.getMessage()
                    + ")", ex);
        }
    }

    static String format(State s) {
        SharedFields f = SharedFields.create().put("last.start", s.lastStart().orElse(null))
                .put("last.end", s.lastEnd().orElse(null));
        if (!s.lastNode().isEmpty()) {
            f.put("last.node", oneLine(s.lastNode()));
        }
        if (!s.lastSummary().isEmpty()) {
            f.put("last.summary", oneLine(s.lastSummary()));
        }
        Run run = s.run();
        if (run != null) {
            f.put("run.node", oneLine(run.node())).put("run.started", run.started()).put("run.lease", run.lease())
                    .put("run.full", run.full()).put("run.done", run.done()).put("run.stalls", run.stalls());
            if (!run.last().isEmpty()) {
                f.put("run.last", oneLine(run.last()));
            }
        }
        return f.format();
    }

    /** The state a value says; what cannot be read is dropped (a run missing a field, an instant that is not one). */
    static State parse(String value, long version) {
        SharedFields f = SharedFields.parse(value);
        Run run = null;
        Optional<Instant> started = f.instant("run.started");
        Optional<Instant> lease = f.instant("run.lease");
        String node = f.text("run.node", "");
        if (started.isPresent() && lease.isPresent() && !node.isEmpty()) {
            run = new Run(node, started.get(), lease.get(), !"false".equals(f.text("run.full", "")),
                    f.count("run.done"), f.text("run.last", ""), f.count("run.stalls"));
        }
        return new State(f.instant("last.start"), f.instant("last.end"), f.text("last.node", ""),
                f.text("last.summary", ""), run, version);
    }

    /** At most 200 characters, without line breaks or NUL (a value is lines; SharedState refuses NUL). */
    static String oneLine(String s) {
        String t = s.replaceAll("[\\r\\n\\x00]", " ");
        return t.length() > 200 ? t.substring(0, 200) : t;
    }
}
