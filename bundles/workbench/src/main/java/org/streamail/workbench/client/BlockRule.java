package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;

/**
 * A block-list rule ({@code GET /blocklist}). {@code type} is one of {@link #TYPES}; {@code source} is
 * {@code ADMIN} or {@code AUTO}; {@code expiresAt} is {@code null} for "never"; {@code active} is false once
 * expired. Strings never {@code null}.
 */
public record BlockRule(String id, String type, String value, String reason, String createdBy, Instant createdAt,
        Instant expiresAt, String source, boolean active) {

    /** The rule types the gateway knows, in the order an administrator most often needs them. */
    public static final List<String> TYPES = List.of("SENDER", "SENDER_DOMAIN", "CLIENT_IP", "HELO", "URL_DOMAIN",
            "ATTACHMENT_HASH");
}
