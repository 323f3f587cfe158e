package org.streamail.digest.internal;

import org.streamail.api.model.PlainText;

/** Text rules of the digest: addresses it may write, hostile text made one harmless line, HTML escaping. Stateless. */
final class Texts {

    private Texts() {
    }

    /** Whether {@code s} is a plain address that is safe to put in a header and an envelope. */
    static boolean isAddress(String s) {
        return PlainText.isAddress(s);
    }

    /** One harmless line of at most {@code max} characters ({@link PlainText#oneLine}). */
    static String oneLine(String s, int max) {
        return PlainText.oneLine(s, max);
    }

    /** Text for HTML element content and double-quoted attribute values. */
    static String html(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
