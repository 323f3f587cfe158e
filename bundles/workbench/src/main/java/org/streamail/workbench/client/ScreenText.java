package org.streamail.workbench.client;

/**
 * The one test of which characters must not reach the screen as they are: control characters, line and paragraph
 * separators (U+2028, U+2029) and the bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069),
 * which would let a text break a line or reorder what follows it. Such a character is shown as its code point in
 * brackets, e.g. {@code [U+202E]}. Used for what the gateway or a certificate's maker wrote here, and by the views
 * for what a message wrote. Stateless; any thread.
 */
public final class ScreenText {

    private ScreenText() {
    }

    /** Whether {@code c} is shown as its code point rather than as itself. */
    public static boolean hidden(char c) {
        return Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || c >= '\u202A' && c <= '\u202E'
                || c >= '\u2066' && c <= '\u2069';
    }

    /** {@code s} with every {@link #hidden} character shown as its code point, e.g. {@code [U+000A]}. */
    public static String shown(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (hidden(c)) {
                b.append(String.format("[U+%04X]", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
