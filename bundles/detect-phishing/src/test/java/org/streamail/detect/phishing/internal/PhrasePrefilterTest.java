package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The literal pre-check in front of the phrase regexes must never hide a match the regex would find. */
class PhrasePrefilterTest {

    @Test
    void aPhraseIsSkippedOnlyWhenItsFirstWordIsAbsent() {
        Pattern p = RuleParser.phrase("verify your account");
        assertThat(PhishingAnalyzer.mayMatch(p, "please verify  your account today")).isTrue();
        assertThat(p.matcher("please verify  your account today").find()).isTrue();
        assertThat(PhishingAnalyzer.mayMatch(p, "nothing to see here")).isFalse();
        assertThat(p.matcher("nothing to see here").find()).isFalse();
    }

    @Test
    void aWildcardPhraseStillMatchesThroughThePreCheck() {
        Pattern p = RuleParser.phrase("identifi* bancaires");
        String text = "merci de confirmer vos identifiants bancaires";
        assertThat(PhishingAnalyzer.mayMatch(p, text)).isTrue();
        assertThat(p.matcher(text).find()).isTrue();
    }

    @Test
    void aRegularExpressionRequiresItsPlainTextAndOneAlternativeOfEachRequiredGroup() {
        assertThat(PhishingAnalyzer.requirements("(enter|type) your (current )?password"))
                .containsExactly(List.of("enter", "type"), List.of(" your "), List.of("password"));
        assertThat(PhishingAnalyzer.requirements("(vpn|citrix) (credentials|password)"))
                .containsExactly(List.of("vpn", "citrix"), List.of("credentials", "password"));
        assertThat(PhishingAnalyzer.requirements("e-?mail quota")).containsExactly(List.of("mail quota"));
        assertThat(PhishingAnalyzer.requirements("wire transfer|gift ?cards"))
                .containsExactly(List.of("wire transfer", "cards"));
        assertThat(PhishingAnalyzer.requirements("pass(word|wort)"))
                .containsExactly(List.of("pass"), List.of("word", "wort"));
        assertThat(PhishingAnalyzer.requirements("[abc]def")).containsExactly(List.of("def"));
        assertThat(PhishingAnalyzer.requirements("abcd+efgh")).containsExactly(List.of("abc"), List.of("efgh"));
        assertThat(PhishingAnalyzer.requirements("a(b|)cdef")).containsExactly(List.of("cdef"));
        assertThat(PhishingAnalyzer.requirements("(account)? ok")).containsExactly(List.of(" ok"));
        // nothing is required: each of these must always be run
        assertThat(PhishingAnalyzer.requirements("(foo|ba)x")).isEmpty(); // an alternative too short
        assertThat(PhishingAnalyzer.requirements("(account)?ab")).isEmpty(); // optional group
        assertThat(PhishingAnalyzer.requirements("(?i)password")).isEmpty(); // inline flags
        assertThat(PhishingAnalyzer.requirements("\\Qa.b\\E")).isEmpty();
        assertThat(PhishingAnalyzer.requirements("x{2}yz")).isEmpty();
        assertThat(PhishingAnalyzer.requirements("pass|(word")).isEmpty(); // broken groups read conservatively
        // a phrase needs every one of its words
        assertThat(PhishingAnalyzer.requirements(RuleParser.phrase("as soon as poss*")))
                .containsExactly(List.of("as"), List.of("soon"), List.of("as"), List.of("poss"));

        Pattern p = Pattern.compile("(vpn|citrix) (credentials|password)");
        assertThat(PhishingAnalyzer.mayMatch(p, "unrelated mail about lunch")).isFalse();
        assertThat(PhishingAnalyzer.mayMatch(p, "the vpn is down, no password needed")).isTrue(); // the regex decides
        assertThat(PhishingAnalyzer.mayMatch(p, "a password for the printer")).isFalse();
        assertThat(PhishingAnalyzer.mayMatch(p, "send the citrix password")).isTrue();
        Pattern caseless = Pattern.compile("Password", Pattern.CASE_INSENSITIVE);
        assertThat(PhishingAnalyzer.mayMatch(caseless, "unrelated")).isTrue(); // flags: never pre-filtered
    }

    /**
     * The pre-check may only skip what the regex would not find: every bundled intent pattern, in both
     * forms, over the labelled corpus and over random texts built from the patterns' own words (which
     * match many of them), never has a match the pre-check hides.
     */
    @Test
    void thePreCheckNeverHidesAMatchOfABundledPattern() throws Exception {
        RuleSet rules = RuleStore.loadDefaults();
        List<Pattern> patterns = new ArrayList<>();
        Set<String> words = new TreeSet<>();
        for (RuleSet.IntentPattern ip : rules.intents()) {
            if (ip.folded() != null) {
                patterns.add(ip.folded());
            }
            patterns.add(ip.stripped());
            for (String w : ip.source().replaceFirst("^re:", "").split("[^\\p{L}\\p{N}'-]+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        List<String> texts = PrefilterTest.corpusTexts();
        List<String> vocabulary = new ArrayList<>(words);
        Random r = new Random(11);
        for (int i = 0; i < 4000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = 2 + r.nextInt(5); n > 0; n--) {
                b.append(vocabulary.get(r.nextInt(vocabulary.size()))).append(r.nextInt(8) == 0 ? "-" : " ");
            }
            texts.add(b.toString());
        }
        int matches = 0;
        int skipped = 0;
        for (Pattern p : patterns) {
            for (String t : texts) {
                boolean may = PhishingAnalyzer.mayMatch(p, t);
                if (p.matcher(t).find()) {
                    matches++;
                    assertThat(may).as("pre-check of /%s/ on %s", p.pattern(), t).isTrue();
                } else if (!may) {
                    skipped++;
                }
            }
        }
        assertThat(matches).as("matches exercised").isGreaterThan(200);
        assertThat(skipped).as("scans the pre-check saved").isGreaterThan(patterns.size() * texts.size() / 2);
    }
}
