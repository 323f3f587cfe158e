package org.streamail.workbench.client;

import java.time.Instant;

/**
 * One audited isolation action ({@code GET /isolation/audit}): {@code action} is {@code isolate},
 * {@code extend}, {@code release}, {@code expire} or {@code refuse}; {@code before}/{@code after} are the
 * isolated addresses before and after, comma-separated. Strings never {@code null}; {@code time} may be.
 */
public record IsolationAuditEntry(Instant time, String actor, String action, String ip, String reason,
        String before, String after) {
}
