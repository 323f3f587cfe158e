package org.streamail.api.store;

import java.time.Instant;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
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
 * @param releasedTo    the envelope recipients (lower case) a copy was released to one by one
 *                      ({@link org.streamail.api.service.QuarantineService#releaseTo}) while the message stays held
 *                      for the others; empty when none was. Once every recipient has been, the entry is RELEASED.
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
        Instant actedAt,
        Set<String> releasedTo) {

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
        releasedTo = releasedTo == null ? Set.of() : Set.copyOf(releasedTo);
    }

    /** An entry no recipient of which was released on their own. */
    public QuarantineEntry(String id, String messageId, String subject, Envelope envelope, Verdict verdict, long size,
            Instant quarantinedAt, Status status, String actedBy, Instant actedAt) {
        this(id, messageId, subject, envelope, verdict, size, quarantinedAt, status, actedBy, actedAt, Set.of());
    }

    /**
     * Whether the message is still held for {@code recipient} (compared without regard to case): the entry is HELD,
     * {@code recipient} is one of its envelope recipients, and no copy was released to them on their own.
     *
     * @since package version 1.5.0
     */
    public boolean heldFor(String recipient) {
        if (status != Status.HELD || recipient == null) {
            return false;
        }
        String r = recipient.toLowerCase(Locale.ROOT);
        return !releasedTo.contains(r) && envelope.recipients().stream().anyMatch(x -> x.equalsIgnoreCase(r));
    }

    /**
     * This entry once a copy was released to {@code recipient} (one of its envelope recipients, not released to
     * before): {@code recipient} added to {@link #releasedTo()} in lower case, and RELEASED by {@code actor} at
     * {@code at} when every recipient now has been; otherwise still HELD, who and when unchanged. What the store
     * records (for stores and stand-ins that keep entries in memory).
     *
     * @throws IllegalStateException if it is not held for {@code recipient}
     * @since package version 1.6.0
     */
    public QuarantineEntry withReleaseTo(String recipient, String actor, Instant at) {
        if (!heldFor(recipient)) {
            throw new IllegalStateException("quarantine entry " + id + " is not held for " + recipient);
        }
        Set<String> released = new HashSet<>(releasedTo);
        released.add(recipient.toLowerCase(Locale.ROOT));
        boolean all = envelope.recipients().stream().allMatch(r -> released.contains(r.toLowerCase(Locale.ROOT)));
        return new QuarantineEntry(id, messageId, subject, envelope, verdict, size, quarantinedAt,
                all ? Status.RELEASED : Status.HELD, all ? actor : actedBy, all ? at : actedAt, released);
    }
}
