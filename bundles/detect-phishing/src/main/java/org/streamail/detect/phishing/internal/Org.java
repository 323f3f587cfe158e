package org.streamail.detect.phishing.internal;

import java.util.ArrayList;
import java.util.Arrays;
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

    /**
     * A display name reduced for comparison: folded, accents stripped, letters-only words sorted, so
     * "DUPONT, Marie" and "Marie Dupont" compare equal. {@code ""} for names of fewer than two words, which
     * are too common ("Support", "Marie") to say anything.
     */
    static String nameKey(String displayName) {
        if (displayName == null || displayName.isBlank()) {
            return "";
        }
        String s = TextNormalizer.stripAccents(TextNormalizer.fold(displayName, 200));
        List<String> words = new ArrayList<>();
        for (String w : s.split("[^\\p{L}]+")) {
            if (!w.isEmpty() && words.size() < 8) {
                words.add(w);
            }
        }
        if (words.size() < 2) {
            return "";
        }
        String[] arr = words.toArray(new String[0]);
        Arrays.sort(arr);
        return String.join(" ", arr);
    }
}
