package org.streamail.workbench.internal.views;

import org.streamail.workbench.client.ScreenText;

/**
 * Makes text that a message or the gateway controls safe to put on the screen: control characters and the
 * explicit bidi embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), which would let a subject,
 * a sender or a link target reorder or hide what the administrator reads (e.g. {@code invoice\u202Efdp.exe}
 * shown as {@code invoiceexe.pdf}, or a subject with a line break forging a {@code From:} line), are shown as
 * {@code [U+202E]}-style code points. Stateless; any thread.
 */
final class Visible {

    /** Longest value shown in a table cell, a dialog or one line of a pane; the rest is cut with "…". */
    static final int MAX_CELL_CHARS = 1000;

    private Visible() {
    }

    /** One line: line breaks too are shown as code points; cut at {@value #MAX_CELL_CHARS} characters. */
    static String cell(String s) {
        return visible(s, false, MAX_CELL_CHARS);
    }

    /** Several lines: keeps line feeds, CR LF and tabs; every other control or bidi character is shown. */
    static String text(String s) {
        return visible(s, true, Integer.MAX_VALUE);
    }

    private static String visible(String s, boolean multiLine, int max) {
        if (s == null) {
            return "";
        }
        boolean cut = s.length() > max;
        if (cut) {
            int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
            s = s.substring(0, end);
        }
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean kept = !ScreenText.hidden(c) || multiLine && (c == '\n' || c == '\t'
                    || c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n');
            if (kept) {
                if (b != null) {
                    b.append(c);
                }
                continue;
            }
            if (b == null) {
                b = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            b.append(String.format("[U+%04X]", (int) c));
        }
        String out = b == null ? s : b.toString();
        return cut ? out + "…" : out;
    }
}
