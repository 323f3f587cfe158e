package org.streamail.api.delivery;

import java.util.Objects;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * What a {@link MessageTransformer} is given.
 *
 * @param id       the gateway id of the message
 * @param envelope the envelope (its recipients are the ones the message is delivered to)
 * @param verdict  the policy's verdict (DELIVER or TAG), with every finding
 * @param raw      the message as it stands after the transformers before this one
 */
public record Transformation(String id, Envelope envelope, Verdict verdict, Content raw) {
    public Transformation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(raw, "raw");
    }
}
