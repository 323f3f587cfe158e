package org.streamail.api.delivery;

import java.util.Objects;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;

/**
 * What an {@link OutboundSigner} is given: one outbound message as it is about to leave.
 *
 * @param id       the gateway id of the message (for logs)
 * @param envelope its envelope ({@link Direction#OUTBOUND}); the recipients are those of the whole message, not only
 *                 the ones this attempt still sends to
 * @param raw      the final bytes: this gateway's {@code Received} line, then the header and body after the internal
 *                 hops were removed and internal message ids replaced by tokens, every line ending in CRLF. Exactly
 *                 what the next hop receives after the signer's fields (before SMTP's dot-stuffing); the
 *                 {@code Return-Path} and {@code Delivered-To} lines that a copy written into the outbound folder starts
 *                 with are not part of it (a receiving agent writes those)
 * @since 1.1.0
 */
public record OutboundMessage(String id, Envelope envelope, Content raw) {
    public OutboundMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(raw, "raw");
    }
}
