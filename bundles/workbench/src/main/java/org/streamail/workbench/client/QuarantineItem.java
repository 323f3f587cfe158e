package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One quarantined message ({@code GET /quarantine}). {@code status} is {@code HELD}, {@code RELEASED} or
 * {@code DELETED}; {@code actedBy}/{@code actedAt} are empty/{@code null} while it is held. {@code releasedTo}
 * lists the recipients a copy was released to one by one ({@link GatewayClient#release(String, String)}), lower
 * case and sorted as the gateway sends them; empty when none was, and from a gateway that does not send the
 * field (before per-recipient release). Lists unmodifiable.
 */
public record QuarantineItem(String id, String messageId, String subject, String status, String action,
        double score, long size, Instant quarantinedAt, String actedBy, Instant actedAt, Envelope envelope,
        Verdict verdict, List<String> releasedTo) {

    public QuarantineItem {
        releasedTo = releasedTo == null ? List.of() : List.copyOf(releasedTo);
    }

    /** An entry nothing was released from one by one (the shape of client package 1.4). */
    public QuarantineItem(String id, String messageId, String subject, String status, String action, double score,
            long size, Instant quarantinedAt, String actedBy, Instant actedAt, Envelope envelope, Verdict verdict) {
        this(id, messageId, subject, status, action, score, size, quarantinedAt, actedBy, actedAt, envelope, verdict,
                List.of());
    }

    /**
     * The envelope recipients the message is still held for, in envelope order: none unless it is {@code HELD},
     * else those not in {@link #releasedTo()} (compared without regard to case, as the gateway does).
     */
    public List<String> heldFor() {
        if (!"HELD".equals(status)) {
            return List.of();
        }
        Set<String> released = releasedTo.stream().map(r -> r.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        return envelope.recipients().stream().filter(r -> !released.contains(r.toLowerCase(Locale.ROOT))).toList();
    }
}
