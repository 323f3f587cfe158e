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
