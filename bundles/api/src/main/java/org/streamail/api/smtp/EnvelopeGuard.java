package org.streamail.api.smtp;

import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A check consulted by the inbound listener during the SMTP dialogue, before the message content is known:
 * remembered rejections by client IP, HELO, sender or recipient; rate limits; intrusion guards. Registered
 * as an OSGi service; every bound guard is consulted at each stage, and the first refusal wins.
 *
 * <p>Each method returns the reply to refuse with (a 4xx or 5xx {@link SmtpReply}), or empty to let the
 * dialogue go on. Methods are called concurrently from the listener's session threads and must answer
 * fast (they sit in the SMTP dialogue): keep lookups cached. An exception is logged and treated as "no
 * opinion", so a broken guard cannot stop mail.
 */
@ConsumerType
public interface EnvelopeGuard {

    /** On connection, before the greeting. */
    default Optional<SmtpReply> onConnect(SmtpSession session) {
        return Optional.empty();
    }

    /** After HELO/EHLO. */
    default Optional<SmtpReply> onHelo(SmtpSession session) {
        return Optional.empty();
    }

    /** After MAIL FROM; {@code session.sender()} is set. */
    default Optional<SmtpReply> onMailFrom(SmtpSession session) {
        return Optional.empty();
    }

    /** For each RCPT TO, after the directory accepted the recipient. */
    default Optional<SmtpReply> onRecipient(SmtpSession session, String recipient) {
        return Optional.empty();
    }
}
