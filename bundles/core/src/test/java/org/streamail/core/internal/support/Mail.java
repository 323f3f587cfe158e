package org.streamail.core.internal.support;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.streamail.api.model.Envelope;

/** Test messages. */
public final class Mail {
    private Mail() {
    }

    public static byte[] message(String subject) {
        return ("From: sender@example.com\r\nTo: user@example.org\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + Math.abs(subject.hashCode()) + "@example.com>\r\n\r\nHello.\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public static Envelope envelope(String... rcpts) {
        return Envelope.inbound("sender@example.com", List.of(rcpts.length == 0 ? new String[] {"user@example.org"}
                : rcpts), "192.0.2.7", "mx.example.com");
    }
}
