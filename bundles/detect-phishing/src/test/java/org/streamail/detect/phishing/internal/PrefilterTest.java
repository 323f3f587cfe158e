package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The one-pass automaton must answer exactly as a {@code contains} per requirement would. */
class PrefilterTest {

    private static final RuleSet DEFAULTS = RuleStore.loadDefaults();

    private static List<Pattern> patterns(RuleSet rules) {
        List<Pattern> out = new ArrayList<>();
        for (RuleSet.IntentPattern ip : rules.intents()) {
            if (ip.folded() != null) {
                out.add(ip.folded());
            }
            out.add(ip.stripped());
        }
        rules.brands().forEach(b -> out.addAll(b.keywordPatterns()));
        return out;
    }

    /** Every labelled corpus message as the analyzer reads it: folded, and folded without accents. */
    static List<String> corpusTexts() throws java.io.IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/test/resources/corpus"), 3)) {
            for (Path f : files.filter(x -> x.toString().endsWith(".eml")).toList()) {
                String folded = TextNormalizer.fold(Files.readString(f, StandardCharsets.ISO_8859_1), 200_000);
                texts.add(folded);
                texts.add(TextNormalizer.stripAccents(folded));
            }
        }
        return texts;
    }

    private static List<String> texts() throws Exception {
        List<String> texts = corpusTexts();
        // random texts from the required strings themselves, with accents and noise between them
        List<String> pieces = new ArrayList<>();
        for (Pattern p : patterns(DEFAULTS)) {
            PhishingAnalyzer.requirements(p).forEach(pieces::addAll);
        }
        pieces.addAll(List.of(" ", "é", "ü", "x", "-", "\u00a0", "ß", "😀"));
        Random r = new Random(3);
        for (int i = 0; i < 3000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = 1 + r.nextInt(8); n > 0; n--) {
                String piece = pieces.get(r.nextInt(pieces.size()));
                // sometimes only part of a string, so near misses are exercised too
                b.append(r.nextInt(4) == 0 && piece.length() > 1 ? piece.substring(0, piece.length() - 1) : piece);
                b.append(r.nextInt(3) == 0 ? " " : "");
            }
            texts.add(b.toString());
        }
        return texts;
    }

    @Test
    void theAutomatonAgreesWithAContainsPerRequirementForEveryBundledPattern() throws Exception {
        Prefilter pf = Prefilter.of(DEFAULTS);
        assertThat(pf.literals()).isGreaterThan(100);
        List<Pattern> patterns = patterns(DEFAULTS);
        int may = 0;
        int not = 0;
        for (String text : texts()) {
            Prefilter.Hits hits = pf.scan(text);
            for (Pattern p : patterns) {
                boolean expected = PhishingAnalyzer.mayMatch(p, text);
                assertThat(pf.mayMatch(p, hits)).as("/%s/ on %s", p.pattern(), text).isEqualTo(expected);
                if (expected) {
                    may++;
                } else {
                    not++;
                }
            }
        }
        assertThat(may).as("pattern/text pairs that may match").isGreaterThan(1000);
        assertThat(not).as("pairs skipped").isGreaterThan(may);
    }

    @Test
    void overlappingAndNestedStringsAreAllFound() throws Exception {
        RuleSet rules = new RuleParser().parse(java.util.Map.of(RuleParser.INTENTS, String.join("\n",
                "credential | 4 | en | re:(password|pass) reset",
                "credential | 4 | en | re:(sword) fight",
                "credential | 4 | fr | re:(mot de passe) oubli(e|é)")), "test");
        Prefilter pf = Prefilter.of(rules);
        Pattern password = rules.intents().get(0).stripped();
        Pattern sword = rules.intents().get(1).stripped();
        Prefilter.Hits hits = pf.scan("your password reset and a sword fight");
        assertThat(pf.mayMatch(password, hits)).isTrue();
        assertThat(pf.mayMatch(sword, hits)).isTrue();
        Prefilter.Hits none = pf.scan("passwor rese swor figh");
        assertThat(pf.mayMatch(password, none)).isFalse();
        assertThat(pf.mayMatch(sword, none)).isFalse();
        // a pattern it was not built for falls back to the contains check
        Pattern other = Pattern.compile("(vpn|citrix) password");
        assertThat(pf.mayMatch(other, pf.scan("citrix password"))).isTrue();
        assertThat(pf.mayMatch(other, pf.scan("nothing"))).isFalse();
        // and a newer rule set gets its own automaton
        assertThat(Prefilter.of(DEFAULTS)).isNotSameAs(pf);
    }
}
