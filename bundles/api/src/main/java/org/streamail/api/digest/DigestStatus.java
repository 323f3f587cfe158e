package org.streamail.api.digest;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the quarantine digest stands, as every node sharing the store sees it.
 *
 * @param scheduled   whether this node sends it on its schedule ({@code enabled})
 * @param nextSlot    this node's next send time, if scheduled
 * @param lastEnd     the end of the last finished window: the next digest lists what was held after it
 * @param running     the run in progress (or left unfinished by a node that stopped), if any
 * @since package version 1.1.0
 */
public record DigestStatus(boolean scheduled, Optional<Instant> nextSlot, Optional<Instant> lastEnd,
        Optional<Running> running) {

    public DigestStatus {
        Objects.requireNonNull(nextSlot, "nextSlot");
        Objects.requireNonNull(lastEnd, "lastEnd");
        Objects.requireNonNull(running, "running");
    }

    /**
     * A run in progress.
     *
     * @param node      the node sending it
     * @param since     start of its window
     * @param until     end of its window
     * @param lease     until when that node holds it; another node takes it over afterwards
     * @param usersDone users whose digest was handed on so far
     * @param lapsed    whether its lease has lapsed (the node stopped; the next tick of any node goes on with it)
     */
    public record Running(String node, Instant since, Instant until, Instant lease, int usersDone, boolean lapsed) {
        public Running {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(since, "since");
            Objects.requireNonNull(until, "until");
            Objects.requireNonNull(lease, "lease");
        }
    }
}
