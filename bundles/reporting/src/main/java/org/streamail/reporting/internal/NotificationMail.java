package org.streamail.reporting.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import org.streamail.api.alert.Alert;

/**
 * Builds an alert notification as a plain-text RFC 5322 message (CRLF line ends, RFC 2047 encoded words for
 * non-ASCII header text, a base64 body when the text is not 7-bit). Every user-controlled value that goes
 * into a header is reduced to one line first ({@link Texts#oneLine}) and addresses must be plain
 * {@code local@domain}, so no alert text can add or split headers. Stateless.
 */
final class NotificationMail {

    static final int MAX_TITLE = 200;
    static final int MAX_DETAIL = 8000;
    /** UTF-8 bytes per encoded word: "=?UTF-8?B?" + 56 + "?=" is 68, so "Subject: " + a word fits 78 columns. */
    private static final int WORD_BYTES = 42;
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z",
            Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private NotificationMail() {
    }

    /**
     * The message bytes.
     *
     * @param alert     the stored alert
     * @param from      the sender, a plain address
     * @param to        the recipient, a plain address
     * @param toUser    whether the recipient is the warned user (a user's wording) rather than an admin
     * @param now       the Date header
     * @param uniqueTag random token for the Message-ID
     * @throws IllegalArgumentException if an address is not a plain {@code local@domain}
     */
    static byte[] build(Alert alert, String from, String to, boolean toUser, Instant now, String uniqueTag) {
        String subject = "[Streamail " + alert.severity().name() + "] "
                + Texts.defang(Texts.oneLine(alert.title().isEmpty() ? alert.kind() : alert.title(), MAX_TITLE));
        return message(from, to, now, uniqueTag + "." + alert.id(), subject, alert.id(),
                toUser ? userBody(alert) : adminBody(alert));
    }

    /**
     * One digest of folded alerts: {@code [Streamail <highest>] <title> (N more since HH:MM UTC)}, a body with
     * the count, the first and last time, the highest severity, and at most
     * {@link NotificationFolder#MAX_LISTED} alert ids with their times.
     *
     * @param digest    the folded alerts of one closed window
     * @param from      the sender, a plain address
     * @param now       the Date header
     * @param uniqueTag random token for the Message-ID
     * @throws IllegalArgumentException if an address is not a plain {@code local@domain}
     */
    static byte[] buildDigest(NotificationFolder.Digest digest, String from, Instant now, String uniqueTag) {
        Alert sample = digest.sample();
        String title = Texts.oneLine(sample.title().isEmpty() ? sample.kind() : sample.title(), MAX_TITLE);
        String subject = "[Streamail " + digest.highest().name() + "] " + Texts.defang(title) + " ("
                + digest.count() + " more since " + HH_MM.format(digest.windowStart()) + " UTC)";
        String body = digest.toUser() ? userDigestBody(digest) : adminDigestBody(digest);
        return message(from, digest.to(), now, uniqueTag + ".digest", subject, sample.id(), body);
    }

    private static byte[] message(String from, String to, Instant now, String messageIdLocal, String subject,
            String alertId, String body) {
        if (!Texts.isAddress(from) || !Texts.isAddress(to)) {
            throw new IllegalArgumentException("alert mail needs plain local@domain addresses");
        }
        String domain = from.substring(from.lastIndexOf('@') + 1);
        StringBuilder h = new StringBuilder(1024);
        h.append("Date: ").append(DATE.format(now)).append("\r\n");
        h.append("From: Streamail alerts <").append(from).append(">\r\n");
        h.append("To: <").append(to).append(">\r\n");
        h.append("Message-ID: <").append(messageIdLocal).append('@').append(domain).append(">\r\n");
        h.append(header("Subject", subject));
        // RFC 3834: automatic mail; well-behaved responders and our own gateway do not answer it.
        h.append("Auto-Submitted: auto-generated\r\n");
        h.append("X-Streamail-Alert: ").append(Texts.oneLine(alertId, 64)).append("\r\n");
        h.append("MIME-Version: 1.0\r\n");
        boolean plain = body.chars().allMatch(c -> c < 128) && body.lines().allMatch(l -> l.length() <= 900);
        h.append("Content-Type: text/plain; charset=UTF-8\r\n");
        if (plain) {
            h.append("Content-Transfer-Encoding: 7bit\r\n\r\n").append(body);
            return h.toString().getBytes(StandardCharsets.US_ASCII);
        }
        h.append("Content-Transfer-Encoding: base64\r\n\r\n");
        String encoded = Base64.getMimeEncoder(76, new byte[] {'\r', '\n'})
                .encodeToString(body.getBytes(StandardCharsets.UTF_8));
        h.append(encoded).append("\r\n");
        return h.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * {@code Name: value} with CRLF; the value (already one line) as RFC 2047 B-words when not ASCII, or when it holds
     * {@code =?}: a client would decode hostile text that looks like an encoded word (a bidi override, a live link,
     * neither seen by {@link Texts}), while text inside a real one is shown as it is.
     */
    static String header(String name, String value) {
        if (value.chars().allMatch(c -> c >= 0x20 && c < 0x7f) && !value.contains("=?")) {
            return name + ": " + value + "\r\n";
        }
        java.util.List<String> words = new java.util.ArrayList<>();
        java.io.ByteArrayOutputStream chunk = new java.io.ByteArrayOutputStream(WORD_BYTES);
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            if (chunk.size() + b.length > WORD_BYTES) {
                words.add(word(chunk.toByteArray()));
                chunk.reset();
            }
            // A word never splits a character (RFC 2047 section 5).
            chunk.writeBytes(b);
            i += Character.charCount(cp);
        }
        if (chunk.size() > 0) {
            words.add(word(chunk.toByteArray()));
        }
        // Folded: one word per line, continuation lines start with a space (RFC 5322 section 2.2.3).
        return name + ": " + String.join("\r\n ", words) + "\r\n";
    }

    private static String word(byte[] utf8) {
        return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(utf8) + "?=";
    }

    private static String adminBody(Alert a) {
        StringBuilder b = new StringBuilder(512);
        b.append("Streamail raised an alert.\r\n\r\n");
        b.append("Severity:   ").append(a.severity().name());
        if (a.occurrences() > 1) {
            b.append(" (occurrence ").append(a.occurrences()).append(" within the escalation window)");
        }
        b.append("\r\n");
        b.append("Kind:       ").append(Texts.oneLine(a.kind(), 64)).append("\r\n");
        b.append("About:      ").append(Texts.defang(Texts.oneLine(a.subject(), 320))).append("\r\n");
        if (!a.messageId().isEmpty()) {
            b.append("Message:    ").append(Texts.oneLine(a.messageId(), 256)).append("\r\n");
        }
        if (!a.recipient().isEmpty()) {
            b.append("Recipient:  ").append(Texts.oneLine(a.recipient(), 320)).append("\r\n");
        }
        b.append("Raised at:  ").append(a.createdAt()).append("\r\n");
        b.append("Alert id:   ").append(a.id()).append("\r\n\r\n");
        b.append(Texts.defang(Texts.oneLine(a.title(), MAX_TITLE))).append("\r\n\r\n");
        appendDetail(b, a);
        return b.toString();
    }

    private static String userBody(Alert a) {
        StringBuilder b = new StringBuilder(512);
        b.append("Security notice from your mail gateway.\r\n\r\n");
        b.append(Texts.defang(Texts.oneLine(a.title(), MAX_TITLE))).append("\r\n\r\n");
        appendDetail(b, a);
        b.append("If you opened a link in this message or entered a password or other data, tell your IT\r\n"
                + "department now. Do not forward the message.\r\n\r\n");
        b.append("Reference: ").append(a.id()).append("\r\n");
        return b.toString();
    }

    private static String adminDigestBody(NotificationFolder.Digest d) {
        Alert a = d.sample();
        StringBuilder b = new StringBuilder(2048);
        b.append("Streamail folded repeated alerts into this digest instead of mailing them one by one.\r\n\r\n");
        b.append("Kind:       ").append(Texts.oneLine(a.kind(), 64)).append("\r\n");
        b.append("About:      ").append(Texts.defang(Texts.oneLine(a.subject(), 320))).append("\r\n");
        b.append("Folded:     ").append(d.count()).append(d.count() == 1 ? " alert" : " alerts")
                .append(" since the mail at ").append(HH_MM.format(d.windowStart())).append(" UTC\r\n");
        b.append("First:      ").append(d.first()).append("\r\n");
        b.append("Last:       ").append(d.last()).append("\r\n");
        b.append("Highest:    ").append(d.highest().name()).append("\r\n\r\n");
        b.append("Escalations above the severity already mailed were mailed on their own.\r\n\r\n");
        appendListed(b, d);
        b.append("Look them up with streamail:alerts -k ").append(Texts.oneLine(a.kind(), 64))
                .append(", or GET /alerts?kind=").append(Texts.oneLine(a.kind(), 64)).append("&since=")
                .append(d.first()).append("\r\n");
        return b.toString();
    }

    private static String userDigestBody(NotificationFolder.Digest d) {
        StringBuilder b = new StringBuilder(2048);
        b.append("Security notice from your mail gateway.\r\n\r\n");
        b.append("The same notice as the one sent at ").append(HH_MM.format(d.windowStart())).append(" UTC was raised ")
                .append(d.count()).append(d.count() == 1 ? " more time" : " more times")
                .append(" (first ").append(d.first()).append(", last ").append(d.last()).append(").\r\n");
        b.append(Texts.defang(Texts.oneLine(d.sample().title(), MAX_TITLE))).append("\r\n\r\n");
        b.append("If you opened a link in such a message or entered a password or other data, tell your IT\r\n"
                + "department now. Do not forward the message.\r\n\r\n");
        b.append("References:\r\n");
        appendListed(b, d);
        return b.toString();
    }

    /** The listed ids with their times; says how many more are only in the alert list. */
    private static void appendListed(StringBuilder b, NotificationFolder.Digest d) {
        for (NotificationFolder.Listed l : d.listed()) {
            b.append("  ").append(l.createdAt()).append("  ").append(Texts.oneLine(l.id(), 64)).append("\r\n");
        }
        int rest = d.count() - d.listed().size();
        if (rest > 0) {
            b.append("  ... and ").append(rest).append(" more, in the alert list.\r\n");
        }
        b.append("\r\n");
    }

    private static void appendDetail(StringBuilder b, Alert a) {
        String detail = Texts.defang(Texts.lines(a.detail(), MAX_DETAIL));
        if (!detail.isEmpty()) {
            b.append(detail);
            if (!detail.endsWith("\r\n")) {
                b.append("\r\n");
            }
            b.append("\r\n");
        }
    }
}
