package org.streamail.api.detect;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.ParsedMessage;

/**
 * What a detector is given for one message.
 *
 * @param id       the gateway's id for this message (spool id), or a fresh one for scans
 * @param envelope the SMTP envelope
 * @param message  the parsed view
 * @param raw      the raw RFC 822 bytes as received
 * @param deadline when the detector must have returned
 */
public record Inspection(String id, Envelope envelope, ParsedMessage message, Content raw, Instant deadline) {

    public Inspection {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(deadline, "deadline");
    }

    /** Whether the deadline has passed. */
    public boolean expired() {
        return !Instant.now().isBefore(deadline);
    }

    /** Time left before the deadline, never negative. */
    public Duration remaining() {
        Duration d = Duration.between(Instant.now(), deadline);
        return d.isNegative() ? Duration.ZERO : d;
    }
}
