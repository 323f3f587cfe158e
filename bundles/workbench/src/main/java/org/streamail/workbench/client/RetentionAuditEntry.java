package org.streamail.workbench.client;

import java.time.Instant;

/**
 * One retention action ({@code GET /retention/audit}): {@code action} is {@code DELETE}, {@code MOVE},
 * {@code FLAG}, {@code EXTEND} or {@code EXTEND_REFUSED}. Strings never {@code null}; instants may be.
 */
public record RetentionAuditEntry(Instant time, String mailbox, String folder, String messageId, String contentHash,
        Instant expiry, String rule, String action, String actor, boolean dryRun, String detail) {
}
