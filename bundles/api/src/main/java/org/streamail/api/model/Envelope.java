package org.streamail.api.model;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The SMTP envelope of a message and where it came from, as the listener saw it.
 *
 * @param sender            the reverse-path of MAIL FROM, lower-cased domain; {@code ""} for the null
 *                          sender {@code <>} (bounces); never {@code null}
 * @param recipients        the accepted RCPT TO forward-paths, in order, without duplicates; may be empty
 *                          only for messages scanned outside SMTP ({@code POST /scan})
 * @param clientIp          the connecting client's IP address as text, or {@code null} when unknown
 * @param helo              the HELO/EHLO argument, or {@code null} when none was given
 * @param tls               whether the session was encrypted with STARTTLS or implicit TLS
 * @param receivedAt        when the end of DATA was received (or the scan request arrived)
 * @param direction         inbound from the Internet or outbound from the organisation
 * @param authenticatedUser the SMTP AUTH identity, or {@code null} when the client did not authenticate
 */
public record Envelope(
        String sender,
        List<String> recipients,
        String clientIp,
        String helo,
        boolean tls,
        Instant receivedAt,
        Direction direction,
        String authenticatedUser) {

    public Envelope {
        sender = sender == null ? "" : sender;
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
        Objects.requireNonNull(receivedAt, "receivedAt");
        direction = direction == null ? Direction.INBOUND : direction;
    }

    /** An inbound envelope received now without TLS or authentication; for tests and scans. */
    public static Envelope inbound(String sender, List<String> recipients, String clientIp, String helo) {
        return new Envelope(sender, recipients, clientIp, helo, false, Instant.now(), Direction.INBOUND, null);
    }

    /** A copy with other recipients, e.g. when a release is limited to some of them. */
    public Envelope withRecipients(List<String> newRecipients) {
        return new Envelope(sender, newRecipients, clientIp, helo, tls, receivedAt, direction, authenticatedUser);
    }

    /** The domain of the sender, lower case, or {@code ""} for the null sender or an address without one. */
    public String senderDomain() {
        int at = sender.lastIndexOf('@');
        return at < 0 ? "" : sender.substring(at + 1).toLowerCase(java.util.Locale.ROOT);
    }
}
