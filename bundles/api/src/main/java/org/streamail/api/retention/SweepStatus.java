package org.streamail.api.retention;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the retention sweeps stand, as every gateway node sharing the store sees them.
 *
 * @param coordinated whether the nodes coordinate their sweeps through the store (without it: this node's own)
 * @param lastStart   when the last full sweep (by any node) started
 * @param lastEnd     when it ended
 * @param lastNode    the node that ran it ({@code ""} if unknown)
 * @param lastSummary its counts, one line ({@code ""} if unknown)
 * @param running     the sweep in progress (or left by a node that stopped), if any
 * @since package version 1.1.0
 */
public record SweepStatus(boolean coordinated, Optional<Instant> lastStart, Optional<Instant> lastEnd,
        String lastNode, String lastSummary, Optional<Running> running) {

    public SweepStatus {
        Objects.requireNonNull(lastStart, "lastStart");
        Objects.requireNonNull(lastEnd, "lastEnd");
        lastNode = lastNode == null ? "" : lastNode;
        lastSummary = lastSummary == null ? "" : lastSummary;
        Objects.requireNonNull(running, "running");
    }

    /**
     * A sweep in progress.
     *
     * @param node          the node sweeping
     * @param started       when it started
     * @param lease         until when that node holds it; another node may sweep afterwards
     * @param full          whether it sweeps every mailbox (not one requested mailbox)
     * @param mailboxesDone mailboxes swept so far
     * @param lapsed        whether its lease has lapsed (that node stopped; the next due node sweeps)
     */
    public record Running(String node, Instant started, Instant lease, boolean full, int mailboxesDone,
            boolean lapsed) {
        public Running {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(started, "started");
            Objects.requireNonNull(lease, "lease");
        }
    }
}
