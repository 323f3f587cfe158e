package org.streamail.api.smtp;

import java.util.Objects;

/**
 * An SMTP reply.
 *
 * @param code     the three-digit reply code (250, 451, 550, ...)
 * @param enhanced the RFC 3463 enhanced status code ({@code "5.7.1"}), or {@code ""}
 * @param text     the human text, ASCII, without CR or LF
 */
public record SmtpReply(int code, String enhanced, String text) {

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("not an SMTP reply code: " + code);
        }
        enhanced = enhanced == null ? "" : enhanced;
        text = sanitize(text == null ? "" : text);
    }

    /** Whether this is a 4xx reply (try again later). */
    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    /** Whether this is a 5xx reply (permanent refusal). */
    public boolean isPermanent() {
        return code >= 500;
    }

    /** The reply line as sent, without CRLF: {@code "550 5.7.1 text"}. */
    public String line() {
        return enhanced.isEmpty() ? code + " " + text : code + " " + enhanced + " " + text;
    }

    /** Keeps a reply to one printable ASCII line, so no text can inject protocol lines. */
    private static String sanitize(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 400));
        for (int i = 0; i < s.length() && b.length() < 400; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : ' ');
        }
        return b.toString().trim();
    }

    public static SmtpReply of(int code, String enhanced, String text) {
        return new SmtpReply(code, Objects.requireNonNullElse(enhanced, ""), text);
    }
}
