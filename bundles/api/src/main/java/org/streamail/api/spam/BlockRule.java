package org.streamail.api.spam;

import java.time.Instant;
import java.util.Objects;

/**
 * A remembered rejection: mail matching it is refused at the earliest SMTP stage that knows the value.
 *
 * @param id        a unique id (UUID text); never {@code null}
 * @param type      what the value is compared with
 * @param value     the normalised value: lower-case address or domain, IP address or CIDR, HELO name,
 *                  host name, or lower-case hex SHA-256
 * @param reason    why (shown to administrators, and in the SMTP reply); never {@code null}
 * @param createdBy who added it (an administrator's login, or {@code "auto"})
 * @param createdAt when
 * @param expiresAt when it stops applying, or {@code null} for never
 * @param source    whether an administrator added it or it was added automatically after repeated reports
 */
public record BlockRule(String id, Type type, String value, String reason, String createdBy, Instant createdAt,
        Instant expiresAt, Source source) {

    /** What a rule's value is compared with, and so at which SMTP stage it applies. */
    public enum Type {
        /** The envelope sender address (MAIL FROM). */
        SENDER,
        /** The envelope sender's domain or a parent domain of it (MAIL FROM). */
        SENDER_DOMAIN,
        /** The client IP address, or a CIDR block containing it (connection). */
        CLIENT_IP,
        /** The HELO/EHLO name (HELO). */
        HELO,
        /** The host (or a parent domain) of a link in the message (DATA). */
        URL_DOMAIN,
        /** The SHA-256 of an attachment's decoded bytes (DATA). */
        ATTACHMENT_HASH
    }

    /** Who made a rule. */
    public enum Source {
        ADMIN,
        AUTO
    }

    public BlockRule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        reason = reason == null ? "" : reason;
        createdBy = createdBy == null ? "" : createdBy;
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(source, "source");
    }

    /** Whether the rule applies at {@code now} (not yet expired). */
    public boolean activeAt(Instant now) {
        return expiresAt == null || now.isBefore(expiresAt);
    }
}
