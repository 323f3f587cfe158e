package org.streamail.api.retention;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one sweep over one or all mailboxes. Immutable.
 *
 * @param startedAt when the sweep began
 * @param elapsed   its wall time
 * @param dryRun    whether the sweep only reported (audited with {@code dryRun = true}) and changed nothing
 * @param mailboxes mailboxes visited (opted-out ones are not)
 * @param scanned   messages carrying retention headers that were examined
 * @param expired   of those, the ones whose trusted expiry has passed
 * @param deleted   expired messages deleted (UID EXPUNGE)
 * @param moved     expired messages moved to the policy's folder
 * @param flagged   expired messages flagged with the policy's keyword
 * @param exempt    folders and opted-out mailboxes left untouched by policy (never opened)
 * @param errors    folders or messages that failed (see {@code problems}); the rest of the sweep went on
 * @param problems  short descriptions of the errors, at most 50, never {@code null}
 */
public record SweepReport(
        Instant startedAt,
        Duration elapsed,
        boolean dryRun,
        int mailboxes,
        long scanned,
        long expired,
        long deleted,
        long moved,
        long flagged,
        long exempt,
        long errors,
        List<String> problems) {

    public static final int MAX_PROBLEMS = 50;

    public SweepReport {
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(elapsed, "elapsed");
        problems = problems == null ? List.of() : List.copyOf(problems.subList(0, Math.min(problems.size(), MAX_PROBLEMS)));
    }
}
