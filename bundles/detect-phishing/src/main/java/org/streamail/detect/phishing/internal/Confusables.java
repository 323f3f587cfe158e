package org.streamail.detect.phishing.internal;

import com.ibm.icu.lang.UScript;
import com.ibm.icu.text.SpoofChecker;
import java.util.BitSet;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Unicode TR39 look-alike tests with ICU4J's {@link SpoofChecker}, plus a bounded Damerau-Levenshtein
 * distance. The checkers are built once; ICU documents built checkers as safe for concurrent use.
 */
final class Confusables {

    /** Skeletons only: no restriction checks, so any string gets a skeleton. */
    private static final SpoofChecker SKELETONS = new SpoofChecker.Builder().build();

    /**
     * Hosts whose letters come from a single script (or Latin with Han/Japanese/Korean, as TR39's "highly
     * restrictive" level allows) pass; "pаypal" with a Cyrillic "а" fails.
     */
    private static final SpoofChecker MIXED = new SpoofChecker.Builder()
            .setChecks(SpoofChecker.RESTRICTION_LEVEL | SpoofChecker.MIXED_SCRIPT_CONFUSABLE)
            .setRestrictionLevel(SpoofChecker.RestrictionLevel.HIGHLY_RESTRICTIVE)
            .build();

    private Confusables() {
    }

    /** The TR39 skeleton, lower case: strings that look the same have the same skeleton. */
    static String skeleton(String s) {
        return SKELETONS.getSkeleton(s).toLowerCase(Locale.ROOT);
    }

    /** The TR39 skeleton as ICU gives it, case kept ("VERIFY" is "VERlFY"): for single letters. */
    static String caseSensitiveSkeleton(String s) {
        return SKELETONS.getSkeleton(s);
    }

    /** Whether a (Unicode) host label mixes scripts in a way TR39 calls deceptive. */
    static boolean mixedScript(String label) {
        if (!Hosts.nonAscii(label)) {
            return false;
        }
        return MIXED.failsChecks(label);
    }

    /** Names of the scripts of the letters in {@code s}, for explanations ("Latin, Cyrillic"). */
    static String scripts(String s) {
        Set<String> names = new TreeSet<>();
        BitSet seen = new BitSet();
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) {
                continue;
            }
            int sc = UScript.getScript(cp);
            if (!seen.get(sc)) {
                seen.set(sc);
                names.add(UScript.getName(sc));
            }
        }
        return String.join(", ", names);
    }

    /**
     * Optimal-string-alignment distance (Levenshtein with adjacent transpositions), or {@code max + 1} as
     * soon as it must exceed {@code max}; strings over 64 chars are not compared (host labels are shorter).
     */
    static int distance(String a, String b, int max) {
        if (Math.abs(a.length() - b.length()) > max || a.length() > 64 || b.length() > 64) {
            return max + 1;
        }
        int n = a.length();
        int m = b.length();
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= m; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= n; i++) {
            int rowMin = Integer.MAX_VALUE;
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
                rowMin = Math.min(rowMin, v);
            }
            if (rowMin > max) {
                return max + 1;
            }
        }
        return Math.min(d[n][m], max + 1);
    }
}
