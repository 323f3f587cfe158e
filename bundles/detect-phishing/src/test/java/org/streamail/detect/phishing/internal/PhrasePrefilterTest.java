package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
    void aRegularExpressionIsNeverPreFiltered() {
        Pattern p = Pattern.compile("pass(word|wort)");
        assertThat(PhishingAnalyzer.mayMatch(p, "unrelated")).isTrue();
    }
}
