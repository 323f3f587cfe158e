package org.streamail.workbench.client;

import java.time.Instant;

/** What {@code POST /retention/extend} changed. Instants may be {@code null}. */
public record RetentionExtension(String mailbox, String folder, String messageId, Instant previousExpiry,
        Instant expiry) {
}
