package org.streamail.api.retention;

import java.time.Instant;
import java.util.Objects;

/**
 * One retention action on one message, as the audit trail keeps it. Immutable.
 *
 * @param mailbox     the mailbox (login name of the user), never {@code null}
 * @param folder      the IMAP folder the message was in, e.g. {@code INBOX}, never {@code null}
 * @param messageId   the Message-ID header, or {@code ""} when the message has none
 * @param contentHash hex SHA-256 of the raw message as the server returned it, or {@code ""} when it could
 *                    not be read
 * @param expiry      the computed (clamped) expiry, or {@code null} when there was none (refused extension)
 * @param rule        which input decided the expiry, e.g. {@code signed:X-Retention-Period=P14D},
 *                    {@code trusted:Expires}, {@code clamped:max.age}; never {@code null}
 * @param action      what was done (or, in a dry run, would have been done)
 * @param time        when
 * @param actor       who: {@code sweeper} for scheduled or requested sweeps, else the user name
 * @param dryRun      whether nothing was changed on the server
 * @param detail      extra facts (the move target, the previous expiry, why an extension was refused), or
 *                    {@code ""}
 */
public record AuditRecord(
        String mailbox,
        String folder,
        String messageId,
        String contentHash,
        Instant expiry,
        String rule,
        Action action,
        Instant time,
        String actor,
        boolean dryRun,
        String detail) {

    /** What the retention service did to a message. */
    public enum Action {
        /** Flagged {@code \Deleted} and removed with UID EXPUNGE. */
        DELETE,
        /** Moved to the policy's folder. */
        MOVE,
        /** Marked with the policy's keyword (e.g. {@code $Expired}) and left in place. */
        FLAG,
        /** The recipient changed the expiry (the message was replaced by a re-signed copy). */
        EXTEND,
        /** The recipient asked to change the expiry and was refused (no valid permission). */
        EXTEND_REFUSED
    }

    public AuditRecord {
        Objects.requireNonNull(mailbox, "mailbox");
        Objects.requireNonNull(folder, "folder");
        messageId = messageId == null ? "" : messageId;
        contentHash = contentHash == null ? "" : contentHash;
        rule = rule == null ? "" : rule;
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(time, "time");
        actor = actor == null ? "" : actor;
        detail = detail == null ? "" : detail;
    }
}
