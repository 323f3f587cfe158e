package org.streamail.api.smtp;

import java.util.List;

/**
 * What is known of an SMTP session when a guard is consulted. Fields not yet known are {@code null}
 * (e.g. {@code helo} before HELO) or empty.
 *
 * @param sessionId     the listener's id for the connection, for logs
 * @param clientIp      the client's IP address as text
 * @param helo          the HELO/EHLO argument, or {@code null}
 * @param tls           whether the session is encrypted
 * @param authenticated the AUTH identity, or {@code null}
 * @param sender        the MAIL FROM reverse-path ({@code ""} for {@code <>}), or {@code null} before it
 * @param recipients    recipients accepted so far
 */
public record SmtpSession(
        String sessionId, String clientIp, String helo, boolean tls, String authenticated, String sender,
        List<String> recipients) {

    public SmtpSession {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }
}
