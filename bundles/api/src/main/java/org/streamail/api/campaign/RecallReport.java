package org.streamail.api.campaign;

import java.util.List;
import java.util.Objects;

/**
 * What a campaign recall did.
 *
 * @param campaignId the campaign key alerts escalate on (derived from the first message and its match)
 * @param messages   the gateway ids of every copy found, the first one included
 * @param warned     recipients warned (one alert each)
 * @param outcomes   the pull-back result per mailbox (empty when no {@link MailboxRecall} is available)
 */
public record RecallReport(String campaignId, List<String> messages, List<String> warned,
        List<RecallOutcome> outcomes) {

    public RecallReport {
        Objects.requireNonNull(campaignId, "campaignId");
        messages = List.copyOf(messages);
        warned = List.copyOf(warned);
        outcomes = List.copyOf(outcomes);
    }

    /** Copies moved or deleted in all. */
    public int pulled() {
        return outcomes.stream().mapToInt(o -> o.moved() + o.deleted()).sum();
    }
}
