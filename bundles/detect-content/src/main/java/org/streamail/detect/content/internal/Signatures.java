package org.streamail.detect.content.internal;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The matches of a pattern every match of which begins with one of a few literal strings (the leading bytes of a
 * file signature written as base64 or hex), found by looking for the literals with {@link String#indexOf} (a
 * vectorised intrinsic) and trying the pattern only where one stands. {@link Matcher#find} tries every alternative of
 * such a pattern at every position of the text: on 128 KiB of prose the four signature patterns of
 * {@link TextInspector} took about 21 ms between them, more than the rest of the text scan; through the literals
 * they take well under one (measured with the module's {@code SignaturesTest} texts; see the README).
 *
 * <p>The matches are the ones {@link Matcher#find(int)} gives, in the same order: a match starts where one of the
 * literals does (the constructor's caller guarantees it, and {@code SignaturesTest} checks it against the plain
 * pattern on generated texts), and at that position the pattern is tried as {@code find} would try it. A pattern
 * folding ASCII case ({@code (?i)}) is given lower-case literals and searched in the text with its ASCII letters
 * lower-cased ({@link #foldAscii}: same length, so positions are shared).
 */
final class Signatures {

    private final Pattern pattern;
    private final List<String> literals;
    private final boolean folded;

    /**
     * @param pattern  the pattern, whose every match begins with one of {@code literals}
     * @param folded   whether the literals are lower case and searched in the ASCII-folded text
     * @param literals the literals (at least one, none empty)
     */
    Signatures(Pattern pattern, boolean folded, List<String> literals) {
        if (literals.isEmpty() || literals.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("signature literals must be given and not empty");
        }
        this.pattern = pattern;
        this.folded = folded;
        this.literals = List.copyOf(literals);
    }

    /** The pattern (for tests and for the few places that want {@link Matcher#find} itself). */
    Pattern pattern() {
        return pattern;
    }

    /**
     * A search of {@code text}; {@code foldedText} is {@link #foldAscii}{@code (text)} (computed once per text by
     * the caller and shared by every search), read only when the literals are folded.
     */
    Search in(String text, String foldedText) {
        return new Search(text, folded ? foldedText : text);
    }

    /** {@code s} with the ASCII letters lower-cased and every other character kept: same length, same positions. */
    static String foldAscii(String s) {
        int i = 0;
        while (i < s.length() && !(s.charAt(i) >= 'A' && s.charAt(i) <= 'Z')) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        char[] c = s.toCharArray();
        for (; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') {
                c[i] += 'a' - 'A';
            }
        }
        return new String(c);
    }

    /**
     * One text's search. Each literal's next occurrence is remembered, so over calls with growing {@code from} (as
     * the inspector makes them) each literal's scan moves forward only: linear in the text times the number of
     * literals.
     */
    final class Search {
        private final String hay;
        private final Matcher matcher;
        private final int[] next;
        /** The {@code from} of the previous call: a call from before it starts the literals' scans again. */
        private int lastFrom;

        private Search(String text, String hay) {
            this.hay = hay;
            this.matcher = pattern.matcher(text);
            this.next = new int[literals.size()];
            java.util.Arrays.fill(next, -2); // not looked for yet
        }

        /**
         * The first match starting at or after {@code from}, or null; the returned matcher (the same one at every
         * call) holds it until the next call.
         */
        Matcher find(int from) {
            if (from < lastFrom) {
                java.util.Arrays.fill(next, -2); // the remembered occurrences may lie past earlier ones
            }
            lastFrom = from;
            int length = hay.length();
            while (from >= 0 && from <= length) {
                int best = -1;
                for (int i = 0; i < next.length; i++) {
                    if (next[i] != -1 && next[i] < from) {
                        next[i] = hay.indexOf(literals.get(i), from);
                    }
                    if (next[i] >= 0 && (best < 0 || next[i] < best)) {
                        best = next[i];
                    }
                }
                if (best < 0) {
                    return null;
                }
                matcher.region(best, length);
                if (matcher.lookingAt()) {
                    return matcher;
                }
                from = best + 1;
            }
            return null;
        }
    }
}
