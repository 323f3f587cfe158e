package org.streamail.api.service;

import java.util.Objects;
import org.streamail.api.model.Verdict;
import org.streamail.api.smtp.SmtpReply;

/**
 * What became of a message handed to {@link MessageIntake}.
 *
 * @param id      the gateway id given to the message (also in the reply text), or {@code ""} when nothing
 *                was kept
 * @param outcome accepted, rejected or temporarily refused
 * @param reply   the SMTP reply to send
 * @param verdict the verdict, or {@code null} when the scan did not finish within the time budget (the
 *                message was accepted and is finished after the reply) or never started
 */
public record IntakeResult(String id, Outcome outcome, SmtpReply reply, Verdict verdict) {

    /** The three ways an intake ends. */
    public enum Outcome {
        /** Spooled; 250 sent. */
        ACCEPTED,
        /** Refused with 5xx; nothing kept but the log. */
        REJECTED,
        /** Refused with 4xx; nothing kept; the client will retry. */
        TEMPORARY_FAILURE
    }

    public IntakeResult {
        id = id == null ? "" : id;
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reply, "reply");
    }
}
