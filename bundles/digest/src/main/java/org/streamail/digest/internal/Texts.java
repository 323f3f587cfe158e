package org.streamail.digest.internal;

import java.util.regex.Pattern;

/** Text rules of the digest: addresses it may write, hostile text made one harmless line, HTML escaping. Stateless. */
final class Texts {

    /** A plain {@code local@domain} address: no display name, comments, quotes, spaces or line breaks. */
    private static final Pattern ADDRESS = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    private Texts() {
    }

    /** Whether {@code s} is a plain address that is safe to put in a header and an envelope. */
    static boolean isAddress(String s) {
        return s != null && s.length() <= 254 && ADDRESS.matcher(s).matches();
    }

    /**
     * One line of at most {@code max} characters: controls and line or paragraph separators become one space, format
     * characters (bidi overrides, zero-width spaces: Unicode Cf) are dropped, so quoted hostile text can neither break
     * a line nor read backwards.
     */
    static String oneLine(String s, int max) {
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
            if (Character.isISOControl(cp) || Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                space = b.length() > 0;
                continue;
            }
            if (b.length() + (space ? 1 : 0) + Character.charCount(cp) > max) {
                break;
            }
            if (space) {
                b.append(' ');
                space = false;
            }
            b.appendCodePoint(cp);
        }
        return b.toString();
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
