package org.streamail.api.digest;

import java.time.Instant;
import java.util.Objects;

/**
 * One digest run.
 *
 * @param since       start of the window (exclusive): entries held after it are listed
 * @param until       end of the window (inclusive), the start of the next one
 * @param entries     held entries found in the window
 * @param recipients  users they were held for (one mail each)
 * @param mailsSent   digests accepted by the gateway's intake
 * @param mailsFailed digests that could not be handed on (logged; not sent again)
 * @param truncated   whether the window held more entries than a run reads ({@code max.scan}); the oldest were
 *                    left out
 */
public record DigestRun(Instant since, Instant until, int entries, int recipients, int mailsSent, int mailsFailed,
        boolean truncated) {

    public DigestRun {
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(until, "until");
    }
}
