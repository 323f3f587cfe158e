package org.streamail.api.model;

import java.util.regex.Pattern;

/**
 * Text a sender wrote, made safe to show in one line of a notification, a page or a log, and the plain addresses the
 * gateway's own mail may be sent from or to. Stateless.
 *
 * @since package version 1.4.0
 */
public final class PlainText {

    /** A plain {@code local@domain} address: no display name, comments, quotes, spaces or line breaks. */
    private static final Pattern ADDRESS = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private PlainText() {
    }

    /** Whether {@code s} is a plain address of at most 254 characters, safe to put in a header and an envelope. */
    public static boolean isAddress(String s) {
        return s != null && s.length() <= 254 && ADDRESS.matcher(s).matches();
    }

    /**
     * One line of at most {@code max} characters: every control, line or paragraph separator and blank becomes one
     * space (runs collapse, none leads), and format characters (Unicode Cf: bidi overrides and isolates that make
     * {@code invoice<U+202E>fdp.exe} read {@code invoiceexe.pdf}, zero-width spaces, soft hyphens) are dropped, so
     * quoted hostile text can neither break a line nor lie about itself. {@code null} is {@code ""}.
     */
    public static String oneLine(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        boolean space = false;
        for (int i = 0; i < s.length() && b.length() < max; ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) == Character.FORMAT) {
                continue;
            }
            boolean blank = Character.isISOControl(cp) || Character.isWhitespace(cp) || cp == 0x2028 || cp == 0x2029
                    || cp == 0x85 || Character.isSpaceChar(cp);
            if (blank) {
                space = b.length() > 0;
                continue;
            }
            if (space) {
                b.append(' ');
                space = false;
            }
            if (b.length() + Character.charCount(cp) > max) {
                break;
            }
            b.appendCodePoint(cp);
        }
        return b.toString();
    }
}
