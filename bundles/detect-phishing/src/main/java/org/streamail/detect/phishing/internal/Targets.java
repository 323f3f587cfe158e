package org.streamail.detect.phishing.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The domains worth imitating — the protected domains and every brand's legitimate domains — with their
 * TR39 skeletons computed once, and the test of whether a host imitates one of them. Built per rule set
 * and organisation snapshot, immutable, thread-safe.
 */
final class Targets {

    /** Labels shorter than this are not searched inside other hosts ("hp" would be everywhere). */
    static final int MIN_CONTAINED_LABEL = 4;
    /** Labels shorter than this are not compared by edit distance ("ups" vs "ops"). */
    static final int MIN_TYPO_LABEL = 5;
    static final int MAX_TOKENS = 16;
    /** Labels shorter than this are not searched at the start or end of other labels ("orange" is). */
    static final int MIN_GLUED_LABEL = 6;

    private record Target(String domain, String owner, String label, String labelSkeleton, String fullSkeleton,
                          String joinedSkeleton, boolean exactOnly) {
    }

    /** What a host imitates and how, for the explanation. */
    record Imitation(String domain, String owner, String how) {
        String describe() {
            return domain + " (" + owner + ")" + how;
        }
    }

    private final List<Target> targets;
    private final Set<String> owned;

    Targets(Set<String> protectedDomains, List<RuleSet.Brand> brands) {
        Map<String, Target> byDomain = new LinkedHashMap<>();
        for (String d : new java.util.TreeSet<>(protectedDomains)) { // sorted: stable explanations
            add(byDomain, d, "your organisation's domain", false);
        }
        for (RuleSet.Brand b : brands) {
            for (String d : b.domains()) {
                add(byDomain, d, b.name(), b.exactOnly().contains(d));
            }
        }
        this.targets = List.copyOf(byDomain.values());
        this.owned = Set.copyOf(byDomain.keySet());
    }

    private static void add(Map<String, Target> map, String domain, String owner, boolean exactOnly) {
        String reg = Hosts.registrable(domain);
        String label = Hosts.label(reg);
        map.putIfAbsent(domain, new Target(domain, owner, label, Confusables.skeleton(label),
                Confusables.skeleton(reg), Confusables.skeleton(label.replace("-", "")), exactOnly));
    }

    /**
     * Whether {@code asciiHost} imitates a target: same look (TR39 skeleton) as a target, a target's name
     * as a whole word of the host ({@code paypal.com.evil.example}, {@code paypal-secure.xyz}), or a
     * registrable label one or two edits away from a target's ({@code contosso.com}). {@code null} when it
     * does not, or when the host belongs to a target.
     */
    Imitation imitation(String asciiHost) {
        for (String d : owned) {
            if (Hosts.within(asciiHost, d)) {
                return null;
            }
        }
        String uni = Hosts.toUnicode(asciiHost);
        String reg = Hosts.registrable(uni);
        String regSkeleton = Confusables.skeleton(reg);
        String labelSkeleton = Confusables.skeleton(Hosts.label(reg));
        List<String> tokenSkeletons = tokens(uni);
        String joined = Confusables.skeleton(Hosts.label(reg).replace("-", ""));
        for (Target t : targets) {
            if (regSkeleton.equals(t.fullSkeleton())) {
                return new Imitation(t.domain(), t.owner(), ": the names look the same");
            }
        }
        for (Target t : targets) {
            if (!t.exactOnly() && t.label().length() >= MIN_CONTAINED_LABEL && tokenSkeletons.contains(t.labelSkeleton())) {
                return new Imitation(t.domain(), t.owner(), ": it uses the name '" + t.label() + "' on another domain");
            }
        }
        for (Target t : targets) {
            // "paypalsecure", "credit-agricole-securite": the brand glued to a word of the attacker's
            if (!t.exactOnly() && t.joinedSkeleton().length() >= MIN_GLUED_LABEL
                    && (joined.startsWith(t.joinedSkeleton()) || joined.endsWith(t.joinedSkeleton()))) {
                return new Imitation(t.domain(), t.owner(), ": it glues the name '" + t.label() + "' to other words");
            }
        }
        for (Target t : targets) {
            int len = t.label().length();
            if (len < MIN_TYPO_LABEL || t.exactOnly()) {
                continue;
            }
            int max = len >= 9 ? 2 : 1;
            if (Confusables.distance(labelSkeleton, t.labelSkeleton(), max) <= max) {
                return new Imitation(t.domain(), t.owner(), ": the name differs by a letter or two");
            }
        }
        return null;
    }

    /** Skeletons of the words of the host but its last label ("paypal", "com", "evil" of paypal.com.evil.ru). */
    private static List<String> tokens(String unicodeHost) {
        int lastDot = unicodeHost.lastIndexOf('.');
        String head = lastDot < 0 ? unicodeHost : unicodeHost.substring(0, lastDot);
        List<String> out = new ArrayList<>();
        for (String tok : head.split("[.\\-_]+")) {
            if (!tok.isEmpty() && out.size() < MAX_TOKENS) {
                out.add(Confusables.skeleton(tok));
            }
        }
        return out;
    }
}
