package org.streamail.api.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parsed view of a message that detectors read. Built once per message by the core from the raw bytes;
 * bodies are bounded (see {@link #truncated()}), parts are bounded in number and nesting depth.
 *
 * @param messageId   the Message-ID header without angle brackets, or {@code ""}
 * @param subject     the decoded Subject, or {@code ""}
 * @param from        From addresses (normally one)
 * @param replyTo     Reply-To addresses
 * @param to          To addresses
 * @param cc          Cc addresses
 * @param headers     top-level header fields in order, values unfolded and decoded
 * @param textBody    the text of the {@code text/plain} body parts, joined; {@code ""} when none
 * @param htmlBody    the source of the {@code text/html} body parts, joined; {@code ""} when none
 * @param links       every link found in the bodies (and in HTML attachments), in document order
 * @param attachments every non-body leaf part, in MIME order
 * @param size        size of the raw message in bytes
 * @param truncated   whether a body, the part count or the nesting depth was cut at its limit
 * @param defects     non-fatal problems met while parsing (bad charset, bad base64, missing boundary);
 *                    fatal ones make the message MALFORMED instead of producing this view
 */
public record ParsedMessage(
        String messageId,
        String subject,
        List<MailAddress> from,
        List<MailAddress> replyTo,
        List<MailAddress> to,
        List<MailAddress> cc,
        List<Header> headers,
        String textBody,
        String htmlBody,
        List<Link> links,
        List<Attachment> attachments,
        long size,
        boolean truncated,
        List<String> defects) {

    public ParsedMessage {
        messageId = messageId == null ? "" : messageId;
        subject = subject == null ? "" : subject;
        from = copy(from);
        replyTo = copy(replyTo);
        to = copy(to);
        cc = copy(cc);
        headers = copy(headers);
        textBody = textBody == null ? "" : textBody;
        htmlBody = htmlBody == null ? "" : htmlBody;
        links = copy(links);
        attachments = copy(attachments);
        defects = copy(defects);
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** The first value of the named header (case-insensitive), if present. */
    public Optional<String> header(String name) {
        for (Header h : headers) {
            if (h.is(name)) {
                return Optional.of(h.value());
            }
        }
        return Optional.empty();
    }

    /** Every value of the named header, in order. */
    public List<String> headers(String name) {
        List<String> values = new ArrayList<>();
        for (Header h : headers) {
            if (h.is(name)) {
                values.add(h.value());
            }
        }
        return values;
    }

    /** The Received chain, newest (added by the nearest hop) first. */
    public List<String> receivedChain() {
        return headers("Received");
    }

    /** The first From address, if any. */
    public Optional<MailAddress> sender() {
        return from.isEmpty() ? Optional.empty() : Optional.of(from.get(0));
    }
}
