package org.streamail.api.store;

import java.time.Instant;
import java.util.Objects;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * A message held in quarantine (its raw bytes are fetched separately with
 * {@link QuarantineStore#raw(String)}).
 *
 * @param id            the gateway id of the message (same as in the message log)
 * @param messageId     the Message-ID header, or {@code ""}
 * @param subject       the decoded Subject, or {@code ""}
 * @param envelope      the original envelope; release re-delivers to its recipients
 * @param verdict       why it was held
 * @param size          raw size in bytes
 * @param quarantinedAt when it was held
 * @param status        held, released or deleted
 * @param actedBy       who released or deleted it, or {@code ""}
 * @param actedAt       when, or {@code null}
 */
public record QuarantineEntry(
        String id,
        String messageId,
        String subject,
        Envelope envelope,
        Verdict verdict,
        long size,
        Instant quarantinedAt,
        Status status,
        String actedBy,
        Instant actedAt) {

    /** Life of a quarantined message. */
    public enum Status { HELD, RELEASED, DELETED }

    public QuarantineEntry {
        Objects.requireNonNull(id, "id");
        messageId = messageId == null ? "" : messageId;
        subject = subject == null ? "" : subject;
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(quarantinedAt, "quarantinedAt");
        status = status == null ? Status.HELD : status;
        actedBy = actedBy == null ? "" : actedBy;
    }
}
