package org.streamail.api.alert;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored alert. Immutable.
 *
 * @param id           the alert id (short token, unique)
 * @param createdAt    when it was raised
 * @param severity     its severity after escalation
 * @param kind         what happened, a stable lower-case token such as {@code click-blocked},
 *                     {@code campaign-recalled}, {@code host-isolated}, {@code recipient-warned}
 * @param subject      what the alert is about, the key escalation counts on: an IP address, a campaign id,
 *                     a recipient address; never {@code null}
 * @param messageId    the gateway id of the message concerned, or {@code ""}
 * @param recipient    the user the alert is addressed to (a warned recipient), or {@code ""} for the admins
 * @param title        one line for lists
 * @param detail       what was seen and what was done, for a person; may be several lines
 * @param occurrences  how many times this kind happened for this subject within the escalation window,
 *                     this one included (1 for a first)
 */
public record Alert(String id, Instant createdAt, Severity severity, String kind, String subject, String messageId,
        String recipient, String title, String detail, int occurrences) {

    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(kind, "kind");
        subject = subject == null ? "" : subject;
        messageId = messageId == null ? "" : messageId;
        recipient = recipient == null ? "" : recipient;
        title = title == null ? "" : title;
        detail = detail == null ? "" : detail;
        occurrences = Math.max(1, occurrences);
    }
}
