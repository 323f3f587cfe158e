package org.streamail.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.streamail.api.model.Action;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * One message in the message log (tracking): who sent it, from where, what was decided, what happened.
 *
 * @param id             the gateway id (spool id)
 * @param messageId      the Message-ID header, or {@code ""}
 * @param subject        decoded Subject, or {@code ""}
 * @param envelope       the envelope, including client IP, HELO and TLS
 * @param receivedChain  the Received headers, newest first (the origin of the message)
 * @param size           raw size in bytes
 * @param verdict        the verdict, or {@code null} while undecided
 * @param status         where it stands
 * @param statusDetail   last delivery detail (next hop reply, error), or {@code ""}
 * @param receivedAt     when DATA ended
 * @param updatedAt      last change
 */
public record LogEntry(
        String id,
        String messageId,
        String subject,
        Envelope envelope,
        List<String> receivedChain,
        long size,
        Verdict verdict,
        DeliveryStatus status,
        String statusDetail,
        Instant receivedAt,
        Instant updatedAt) {

    public LogEntry {
        Objects.requireNonNull(id, "id");
        messageId = messageId == null ? "" : messageId;
        subject = subject == null ? "" : subject;
        Objects.requireNonNull(envelope, "envelope");
        receivedChain = receivedChain == null ? List.of() : List.copyOf(receivedChain);
        Objects.requireNonNull(status, "status");
        statusDetail = statusDetail == null ? "" : statusDetail;
        Objects.requireNonNull(receivedAt, "receivedAt");
        updatedAt = updatedAt == null ? receivedAt : updatedAt;
    }

    /** The decided action, or {@code null} while undecided. */
    public Action action() {
        return verdict == null ? null : verdict.action();
    }
}
