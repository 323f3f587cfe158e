package org.streamail.api.model;

/**
 * Message-IDs as the gateway keeps and compares them: without the angle brackets of the header field
 * ({@code <a1@example.org>} is kept as {@code a1@example.org}), surrounding white space removed. The quarantine,
 * the message log and the mailbox recall all use this form. Stateless.
 */
public final class MessageIds {

    private MessageIds() {
    }

    /** {@code value} stripped, one pair of enclosing angle brackets removed, stripped again; {@code ""} for null. */
    public static String bare(String value) {
        String s = value == null ? "" : value.strip();
        return s.length() >= 2 && s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1).strip() : s;
    }
}
