package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;

/**
 * The SMTP envelope and origin of a message. Strings never {@code null} (empty when unknown);
 * {@code receivedAt} may be {@code null}.
 */
public record Envelope(String sender, List<String> recipients, String clientIp, String helo, boolean tls,
        Instant receivedAt, String direction, String authenticatedUser) {

    public Envelope {
        recipients = List.copyOf(recipients);
    }
}
