package org.streamail.detect.phishing.internal;

import com.ibm.icu.text.Normalizer2;

/**
 * Text normalisation shared by messages and rule patterns, so that both sides are compared in the same
 * form: NFKC with Unicode case folding (which also drops default-ignorable characters such as zero-width
 * spaces, a classic filter-evasion trick), whitespace collapsed to one space, and a second form with
 * accents stripped so "verifiez" matches "vérifiez" and the other way round. Stateless and thread-safe.
 */
final class TextNormalizer {

    private static final Normalizer2 NFKC_CASEFOLD = Normalizer2.getNFKCCasefoldInstance();
    private static final Normalizer2 NFD = Normalizer2.getNFDInstance();
    private static final Normalizer2 NFC = Normalizer2.getNFCInstance();

    private TextNormalizer() {
    }

    /** NFKC + case fold + collapsed whitespace, after cutting the input to {@code maxChars}. */
    static String fold(String s, int maxChars) {
        if (s == null || s.isEmpty()) {
            return "";
        }
        String bounded = truncate(s, maxChars);
        return collapseWhitespace(unifyQuotes(NFKC_CASEFOLD.normalize(bounded)));
    }

    /**
     * {@code s} in the order a reader sees it where a right-to-left override ({@code U+202E}) reverses it, up to its
     * pop ({@code U+202C}) or the end of the line: U+202E and "moc.lapyap" show "paypal.com". Overrides
     * nested inside are read as part of the outer run (an approximation of the bidi algorithm that is exact for the
     * one-override trick); the override and its pop are dropped, other text and controls are left for {@link #fold}.
     */
    static String asDisplayed(String s) {
        if (s == null || s.indexOf('\u202e') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != '\u202e') {
                out.append(c);
                i++;
                continue;
            }
            int depth = 1;
            int j = i + 1;
            for (; j < s.length() && depth > 0; j++) {
                char d = s.charAt(j);
                if (d == '\n' || d == '\r') {
                    break;
                } else if (d >= '\u202a' && d <= '\u202e') {
                    depth += d == '\u202c' ? -1 : 1;
                }
            }
            int end = depth == 0 ? j - 1 : j; // the closing pop, or the line's end
            out.append(new StringBuilder(s.substring(i + 1, end)).reverse());
            i = depth == 0 ? end + 1 : end; // past the pop
        }
        return out.toString();
    }

    /** {@code folded} without combining marks (accents): "coordonnées" becomes "coordonnees". */
    static String stripAccents(String folded) {
        String d = NFD.normalize(folded);
        StringBuilder sb = new StringBuilder(d.length());
        for (int i = 0; i < d.length(); i++) {
            char c = d.charAt(i);
            if (Character.getType(c) != Character.NON_SPACING_MARK) {
                sb.append(c);
            }
        }
        return NFC.normalize(sb);
    }

    /**
     * Typographic apostrophes, quotes and hyphens as their ASCII forms, so patterns need write only one
     * ("connectez\u2011vous" with a non-breaking hyphen is "connectez-vous").
     */
    static String unifyQuotes(String s) {
        return s.replace('\u2019', '\'').replace('\u2018', '\'').replace('\u02bc', '\'')
                .replace('\u201c', '"').replace('\u201d', '"').replace('\u00ab', '"').replace('\u00bb', '"')
                .replace('\u2010', '-').replace('\u2011', '-').replace('\u2012', '-').replace('\u2013', '-')
                .replace('\u2212', '-');
    }

    /** Cuts to at most {@code max} chars without splitting a surrogate pair. */
    static String truncate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max;
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    static String collapseWhitespace(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = true;
            } else {
                if (space && sb.length() > 0) {
                    sb.append(' ');
                }
                space = false;
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
