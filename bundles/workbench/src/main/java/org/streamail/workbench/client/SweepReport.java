package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;

/**
 * The counts of one retention sweep ({@code POST /retention/sweep}, and the policy's last sweep).
 * {@code startedAt} may be {@code null}; {@code problems} unmodifiable.
 */
public record SweepReport(Instant startedAt, long elapsedMs, boolean dryRun, int mailboxes, int scanned, int expired,
        int deleted, int moved, int flagged, int exempt, int errors, List<String> problems) {

    public SweepReport {
        problems = List.copyOf(problems);
    }
}
