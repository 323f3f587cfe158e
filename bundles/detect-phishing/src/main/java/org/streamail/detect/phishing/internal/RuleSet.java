package org.streamail.detect.phishing.internal;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One consistent, immutable snapshot of every rule file. A reload builds a new snapshot and swaps it in
 * whole, so a scan never sees half of an edit. Thread-safe.
 *
 * @param signals        score per built-in signal ({@code signals.rules}); a missing signal scores 0
 * @param intents        intent phrases and patterns ({@code intents.rules})
 * @param combos         combinations ({@code combos.rules})
 * @param brands         brands with their legitimate domains and keywords ({@code brands.rules})
 * @param shorteners     URL-shortener domains
 * @param redirectors    tracking-redirect domains of mailing services (link text may differ from them)
 * @param suspiciousTlds top-level domains often abused, without the dot
 * @param freemail       free-mail domains
 * @param loginKeywords  words that mark a sign-in page in a URL or a link text, folded
 * @param knownBad       known-bad domains and URLs
 * @param allow          the allow-list, overriding every rule
 * @param description    where it came from and when, for the log
 */
record RuleSet(
        Map<String, Double> signals,
        List<IntentPattern> intents,
        List<Combo> combos,
        List<Brand> brands,
        Set<String> shorteners,
        Set<String> redirectors,
        Set<String> suspiciousTlds,
        Set<String> freemail,
        Set<String> loginKeywords,
        DomainList knownBad,
        DomainList allow,
        String description) {

    RuleSet {
        signals = Map.copyOf(signals);
        intents = List.copyOf(intents);
        combos = List.copyOf(combos);
        brands = List.copyOf(brands);
        shorteners = Set.copyOf(shorteners);
        redirectors = Set.copyOf(redirectors);
        suspiciousTlds = Set.copyOf(suspiciousTlds);
        freemail = Set.copyOf(freemail);
        loginKeywords = Set.copyOf(loginKeywords);
    }

    double score(String signal) {
        return signals.getOrDefault(signal, 0.0);
    }

    /** The same rules with another known-bad list (after an import). */
    RuleSet withKnownBad(DomainList list, String newDescription) {
        return new RuleSet(signals, intents, combos, brands, shorteners, redirectors, suspiciousTlds, freemail,
                loginKeywords, list, allow, newDescription);
    }

    /**
     * One line of {@code intents.rules}.
     *
     * @param intent  intent name (the rule is {@code intent-<intent>})
     * @param weight  the score this phrase gives its intent (the intent scores its highest matched weight)
     * @param lang    {@code en}, {@code fr}, ... or {@code any}
     * @param source  the pattern as written, for explanations
     * @param folded  matched against the folded text (regex patterns only), or {@code null}
     * @param stripped matched against the accent-stripped text
     * @param line    line number in the file
     */
    record IntentPattern(String intent, double weight, String lang, String source, Pattern folded,
                         Pattern stripped, int line) {
    }

    /**
     * One line of {@code combos.rules}: fires when every term has at least one matching rule.
     *
     * @param name  rule name, starts with {@code combo-}
     * @param score the score added
     * @param terms each term is a list of alternatives: exact rule names or prefixes ending in {@code *}
     */
    record Combo(String name, double score, List<List<String>> terms) {
        Combo {
            terms = terms.stream().map(List::copyOf).toList();
        }
    }

    /**
     * One line of {@code brands.rules}.
     *
     * @param name     display name ("PayPal")
     * @param domains  legitimate registrable domains, lower-case ASCII
     * @param exactOnly the domains written with a leading {@code =}: generic words ("office", "live") whose
     *                 name is not searched inside other domains, only compared by look
     * @param keywords folded words or phrases that name the brand in text
     * @param keywordPatterns compiled keyword matchers (on accent-stripped folded text)
     */
    record Brand(String name, List<String> domains, Set<String> exactOnly, List<String> keywords,
                 List<Pattern> keywordPatterns) {
        Brand {
            domains = List.copyOf(domains);
            exactOnly = Set.copyOf(exactOnly);
            keywords = List.copyOf(keywords);
            keywordPatterns = List.copyOf(keywordPatterns);
        }

        boolean owns(String host) {
            for (String d : domains) {
                if (Hosts.within(host, d)) {
                    return true;
                }
            }
            return false;
        }
    }
}
