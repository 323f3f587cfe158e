package org.streamail.detect.phishing.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the detector knows of the organisation: its protected domains and the display names of its
 * registered people. An immutable snapshot, refreshed by the component from the optional
 * {@code Directory} service. Thread-safe.
 *
 * @param protectedDomains lower-case ASCII domains
 * @param people           {@link #nameKey name key} to the person's address
 */
record Org(Set<String> protectedDomains, Map<String, String> people) {

    static final Org EMPTY = new Org(Set.of(), Map.of());

    Org {
        protectedDomains = Set.copyOf(protectedDomains);
        people = Map.copyOf(people);
    }

    /** Whether {@code host} is a protected domain or under one. */
    boolean isProtected(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        for (String d : protectedDomains) {
            if (Hosts.within(host, d)) {
                return true;
            }
        }
        return false;
    }

    /** Most words of a display name read. */
    static final int MAX_NAME_WORDS = 8;
    /**
     * Most words a display name may carry besides a colleague's whole name and still be read as that name
     * ("Marie Dupont (CEO)", "CEO Marie Dupont via DocuSign"): more, and the name is likely a sentence or a
     * company's that happens to hold the words.
     */
    static final int MAX_EXTRA_WORDS = 3;
    /** Longest colleague name looked for inside a longer display name, in words. */
    static final int MAX_COLLEAGUE_WORDS = 4;

    /**
     * A display name reduced for comparison: folded, accents stripped, letters-only words sorted, so
     * "DUPONT, Marie" and "Marie Dupont" compare equal. {@code ""} for names of fewer than two words, which
     * are too common ("Support", "Marie") to say anything.
     */
    static String nameKey(String displayName) {
        List<String> words = words(displayName);
        return words.size() < 2 ? "" : String.join(" ", words);
    }

    /**
     * The address of the colleague whose name the display name carries: the whole name ({@link #nameKey}), or a
     * colleague's name of two to {@value #MAX_COLLEAGUE_WORDS} words with at most {@value #MAX_EXTRA_WORDS} other
     * words around it, the way impostors dress a name up ("Marie Dupont (CEO)", "Dupont Marie - Finance", "Marie
     * Dupont via DocuSign"); {@code null} when none. The longest colleague name found wins. At most
     * C(8,2) + C(8,3) + C(8,4) = 154 lookups.
     */
    String colleagueIn(String displayName) {
        List<String> words = words(displayName);
        if (words.size() < 2) {
            return null;
        }
        String exact = people.get(String.join(" ", words));
        if (exact != null) {
            return exact;
        }
        int n = words.size();
        for (int k = Math.min(n - 1, MAX_COLLEAGUE_WORDS); k >= 2 && n - k <= MAX_EXTRA_WORDS; k--) {
            String found = subsets(words, k, 0, new ArrayList<>());
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The first colleague whose key is a {@code k}-word subset of the sorted {@code words} (from {@code from}). */
    private String subsets(List<String> words, int k, int from, List<String> chosen) {
        if (chosen.size() == k) {
            return people.get(String.join(" ", chosen));
        }
        for (int i = from; i <= words.size() - (k - chosen.size()); i++) {
            chosen.add(words.get(i));
            String found = subsets(words, k, i + 1, chosen);
            chosen.remove(chosen.size() - 1);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The display name's distinct words (folded, accents stripped, letters only), sorted; the first 8 read. */
    private static List<String> words(String displayName) {
        if (displayName == null || displayName.isBlank()) {
            return List.of();
        }
        String s = TextNormalizer.stripAccents(TextNormalizer.fold(displayName, 200));
        java.util.TreeSet<String> words = new java.util.TreeSet<>();
        int read = 0;
        for (String w : s.split("[^\\p{L}]+")) {
            if (!w.isEmpty() && read++ < MAX_NAME_WORDS) {
                words.add(w);
            }
        }
        return List.copyOf(words);
    }
}
