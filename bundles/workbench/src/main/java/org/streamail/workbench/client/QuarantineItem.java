package org.streamail.workbench.client;

import java.time.Instant;

/**
 * One quarantined message ({@code GET /quarantine}). {@code status} is {@code HELD}, {@code RELEASED} or
 * {@code DELETED}; {@code actedBy}/{@code actedAt} are empty/{@code null} while it is held.
 */
public record QuarantineItem(String id, String messageId, String subject, String status, String action,
        double score, long size, Instant quarantinedAt, String actedBy, Instant actedAt, Envelope envelope,
        Verdict verdict) {
}
