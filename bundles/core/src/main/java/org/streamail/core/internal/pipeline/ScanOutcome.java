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
 */
public record ScanOutcome(ParsedMessage parsed, Verdict verdict, Duration elapsed) {

    public String messageId() {
        return parsed == null ? "" : parsed.messageId();
    }

    public String subject() {
        return parsed == null ? "" : parsed.subject();
    }
}
