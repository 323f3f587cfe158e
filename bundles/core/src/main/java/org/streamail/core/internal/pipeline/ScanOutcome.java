package org.streamail.core.internal.pipeline;

import java.time.Duration;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.model.Verdict;

/**
 * What the pipeline concluded about one message.
 *
 * @param parsed  the parsed view, or {@code null} when the message was malformed
 * @param verdict the verdict
 * @param elapsed parse + detectors + policy
 * @param withoutMandatory whether a detector named in {@code mandatory.detectors} was not bound for this scan
 *                         (the pipeline's ERROR finding {@code unavailable}; a detector's own finding of that
 *                         name does not count)
 */
public record ScanOutcome(ParsedMessage parsed, Verdict verdict, Duration elapsed, boolean withoutMandatory) {

    public ScanOutcome(ParsedMessage parsed, Verdict verdict, Duration elapsed) {
        this(parsed, verdict, elapsed, false);
    }

    public String messageId() {
        return parsed == null ? "" : parsed.messageId();
    }

    public String subject() {
        return parsed == null ? "" : parsed.subject();
    }
}
