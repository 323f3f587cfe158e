package org.streamail.api.alert;

import java.util.Objects;

/**
 * What a caller asks {@link AlertService#raise} to alert about. The service decides the final severity
 * (escalation) and the id.
 *
 * @param kind      see {@link Alert#kind()}
 * @param severity  the base severity of a first occurrence
 * @param subject   the escalation key (IP, campaign id, recipient); never {@code null}
 * @param messageId the gateway id of the message concerned, or {@code ""}
 * @param recipient the user to warn, or {@code ""} for an alert to the admins only
 * @param title     one line
 * @param detail    the explanation for a person
 */
public record AlertRequest(String kind, Severity severity, String subject, String messageId, String recipient,
        String title, String detail) {

    public AlertRequest {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(severity, "severity");
        subject = subject == null ? "" : subject;
        messageId = messageId == null ? "" : messageId;
        recipient = recipient == null ? "" : recipient;
        title = title == null ? "" : title;
        detail = detail == null ? "" : detail;
    }
}
