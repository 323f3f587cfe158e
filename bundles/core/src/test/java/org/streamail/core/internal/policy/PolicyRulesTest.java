package org.streamail.core.internal.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;

class PolicyRulesTest {

    private static Finding f(String detector, String rule, double score, Category c) {
        return new Finding(detector, rule, score, c, "detail");
    }

    private final PolicyRules defaults = PolicyRules.defaults();

    @Test
    void noFindingsIsDeliverWithScoreZero() {
        Verdict v = defaults.evaluate(List.of());
        assertThat(v.action()).isEqualTo(Action.DELIVER);
        assertThat(v.score()).isZero();
        assertThat(v.reason()).isEqualTo("no findings");
    }

    @Test
    void scoreThresholdsAreInclusiveAndSummed() {
        assertThat(defaults.evaluate(List.of(f("a", "x", 4.9, Category.SPAM))).action()).isEqualTo(Action.DELIVER);
        assertThat(defaults.evaluate(List.of(f("a", "x", 2.5, Category.SPAM), f("b", "y", 2.5, Category.PHISHING)))
                .action()).isEqualTo(Action.TAG);
        assertThat(defaults.evaluate(List.of(f("a", "x", 7.99, Category.SPAM))).action()).isEqualTo(Action.TAG);
        Verdict q = defaults.evaluate(List.of(f("a", "x", 8.0, Category.SPAM)));
        assertThat(q.action()).isEqualTo(Action.QUARANTINE);
        assertThat(q.reason()).isEqualTo("score 8.0 >= quarantine.score 8.0");
        Verdict r = defaults.evaluate(List.of(f("a", "x", 10, Category.SPAM), f("b", "y", 5, Category.PHISHING)));
        assertThat(r.action()).isEqualTo(Action.REJECT);
        assertThat(r.score()).isEqualTo(15.0);
        assertThat(r.categories()).containsExactly(Category.PHISHING, Category.SPAM);
    }

    @Test
    void negativeScoresReassure() {
        Verdict v = defaults.evaluate(List.of(f("a", "x", 9, Category.SPAM), f("b", "dkim-pass", -2, Category.INFO)));
        assertThat(v.action()).isEqualTo(Action.TAG);
        assertThat(v.score()).isEqualTo(7.0);
    }

    @Test
    void aWelcomeSendersSpamFindingsBelowTheRejectScoreAreNotCountedAndEverythingElseIs() {
        Finding welcome = f("auth", "welcome", 0, Category.INFO);
        Finding bayes = f("spam", "bayes", 6, Category.SPAM);
        Finding softfail = f("auth", "spf-softfail", 1, Category.SPAM);
        Finding form = f("content", "html-form-external", 4, Category.MALWARE);
        // without the welcome: 11, quarantined
        assertThat(defaults.evaluate(List.of(bayes, softfail, form)).action()).isEqualTo(Action.QUARANTINE);
        Verdict v = defaults.evaluate(List.of(welcome, bayes, softfail, form));
        assertThat(v.action()).isEqualTo(Action.DELIVER);
        assertThat(v.score()).isEqualTo(4.0);
        assertThat(v.reason()).isEqualTo("score 4.0 < tag.score 5.0 (welcome sender, auth/welcome: spam findings 7.0 not counted)");
        assertThat(v.findings()).contains(bayes, softfail);
        // malware and phishing still count in full
        assertThat(defaults.evaluate(List.of(welcome, bayes, f("clamav", "virus", 10, Category.MALWARE))).action())
                .isEqualTo(Action.QUARANTINE);
        assertThat(defaults.evaluate(List.of(welcome, f("phishing", "intent-credential", 8, Category.PHISHING)))
                .action()).isEqualTo(Action.QUARANTINE);
        // a reported campaign's fingerprint is refusal-level: it still refuses
        Verdict reported = defaults.evaluate(List.of(welcome, f("spam", "fuzzy-match", 100, Category.SPAM)));
        assertThat(reported.action()).isEqualTo(Action.REJECT);
        assertThat(reported.reason()).doesNotContain("welcome");
        // the category and rule actions of the findings not counted do not apply either; other findings' do
        PolicyRules strict = PolicyRules.parse(5, 8, 15, "", "SPAM=QUARANTINE", "spam/bayes=REJECT", "QUARANTINE");
        assertThat(strict.evaluate(List.of(bayes)).action()).isEqualTo(Action.REJECT);
        assertThat(strict.evaluate(List.of(welcome, bayes)).action()).isEqualTo(Action.DELIVER);
        assertThat(strict.evaluate(List.of(welcome, bayes, f("spam", "fuzzy-match", 100, Category.SPAM))).reason())
                .isEqualTo("score 100.0 >= reject.score 15.0 (welcome sender, auth/welcome: spam findings 6.0 not counted)");
    }

    @Test
    void welcomeRulesAreConfigurableAndCheckedAndEmptyTurnsTheWelcomeOff() {
        Finding welcome = f("auth", "welcome", 0, Category.INFO);
        Finding bayes = f("spam", "bayes", 6, Category.SPAM);
        PolicyRules off = PolicyRules.parse(5, 8, 15, "", "", "", "QUARANTINE", "");
        assertThat(off.evaluate(List.of(welcome, bayes)).action()).isEqualTo(Action.TAG);
        PolicyRules own = PolicyRules.parse(5, 8, 15, "", "", "", "QUARANTINE", "Mine/Partner, auth/welcome");
        assertThat(own.evaluate(List.of(f("mine", "partner", 0, Category.INFO), bayes)).action())
                .isEqualTo(Action.DELIVER);
        assertThat(own.toString()).contains("welcome.rules=[mine/partner, auth/welcome]");
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "", "", "QUARANTINE", "welcome"))
                .hasMessage("welcome.rules: 'welcome' is not detector/rule");
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "", "", "QUARANTINE", "auth/"))
                .hasMessage("welcome.rules: 'auth/' is not detector/rule");
    }

    @Test
    void floatingPointSumsCompareAsPeopleExpect() {
        PolicyRules r = PolicyRules.parse(0.3, 8, 15, "", "", "", "QUARANTINE");
        assertThat(r.evaluate(List.of(f("a", "x", 0.1, Category.SPAM), f("a", "y", 0.2, Category.SPAM))).action())
                .isEqualTo(Action.TAG);
    }

    @Test
    void aRuleActionMatchesWhateverTheCaseItIsWrittenIn() {
        PolicyRules r = PolicyRules.parse(5, 8, 15, "", "", "Phishing/Intent-Credential=QUARANTINE", "QUARANTINE");
        Verdict v = r.evaluate(List.of(f("phishing", "intent-credential", 1, Category.PHISHING)));
        assertThat(v.action()).isEqualTo(Action.QUARANTINE);
        assertThat(r.evaluate(List.of(f("Content", "PDF-JavaScript", 1, Category.MALWARE))).action())
                .isEqualTo(Action.DELIVER);
        assertThat(PolicyRules.parse(5, 8, 15, "", "", "content/pdf-javascript=REJECT", "QUARANTINE")
                .evaluate(List.of(f("Content", "PDF-JavaScript", 1, Category.MALWARE))).action()).isEqualTo(Action.REJECT);
    }

    @Test
    void categoryActionRaisesTheActionButNeverLowersIt() {
        PolicyRules r = PolicyRules.parse(5, 8, 15, "", "MALFORMED=QUARANTINE, malware=reject", "", "QUARANTINE");
        Verdict v = r.evaluate(List.of(f("content", "exe", 0.5, Category.MALWARE)));
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.reason()).isEqualTo("category MALWARE (content/exe) -> REJECT");
        PolicyRules tagOnly = PolicyRules.parse(5, 8, 15, "", "INFO=TAG", "", "QUARANTINE");
        assertThat(tagOnly.evaluate(List.of(f("x", "y", 20, Category.INFO))).action()).isEqualTo(Action.REJECT);
    }

    @Test
    void malformedIsQuarantinedByDefault() {
        assertThat(defaults.evaluate(List.of(f("core", "malformed", 0, Category.MALFORMED))).action())
                .isEqualTo(Action.QUARANTINE);
    }

    @Test
    void ruleActionMatchesDetectorSlashRule() {
        PolicyRules r = PolicyRules.parse(5, 8, 15, "", "", "content/encrypted-archive=QUARANTINE", "QUARANTINE");
        Verdict v = r.evaluate(List.of(f("content", "encrypted-archive", 1, Category.MALWARE)));
        assertThat(v.action()).isEqualTo(Action.QUARANTINE);
        assertThat(v.reason()).isEqualTo("rule content/encrypted-archive -> QUARANTINE");
        assertThat(r.evaluate(List.of(f("other", "encrypted-archive", 1, Category.MALWARE))).action())
                .isEqualTo(Action.DELIVER);
    }

    @Test
    void errorOfAMandatoryDetectorTakesTheErrorActionButOthersOnlyCount() {
        PolicyRules r = PolicyRules.parse(5, 8, 15, "Content", "", "", "REJECT");
        Verdict mandatory = r.evaluate(List.of(f("content", "timeout", 0, Category.ERROR)));
        assertThat(mandatory.action()).isEqualTo(Action.REJECT);
        assertThat(mandatory.reason()).isEqualTo("mandatory detector 'content' timeout -> REJECT");
        assertThat(r.evaluate(List.of(f("spam", "timeout", 0, Category.ERROR))).action()).isEqualTo(Action.DELIVER);
        assertThat(r.mandatory()).containsExactly("content");
    }

    @Test
    void badConfigurationIsRefusedNamingThePropertyAndEntry() {
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "VIRUS=REJECT", "", "QUARANTINE"))
                .hasMessageContaining("category.actions").hasMessageContaining("VIRUS");
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "MALWARE=BOUNCE", "", "QUARANTINE"))
                .hasMessageContaining("unknown action 'BOUNCE'");
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "", "norule=REJECT", "QUARANTINE"))
                .hasMessageContaining("rule.actions").hasMessageContaining("detector/rule");
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "MALWARE", "", "QUARANTINE"))
                .hasMessageContaining("KEY=ACTION");
        assertThatThrownBy(() -> PolicyRules.parse(9, 8, 15, "", "", "", "QUARANTINE"))
                .hasMessageContaining("tag.score <= quarantine.score <= reject.score");
        assertThatThrownBy(() -> PolicyRules.parse(5, 8, 15, "", "", "", "maybe"))
                .hasMessageContaining("error.action");
    }

    @Test
    void reasonIsAsciiOnly() {
        PolicyRules r = PolicyRules.parse(5, 8, 15, "", "", "d\u00e9tecteur/r\u00e8gle=REJECT", "QUARANTINE");
        Verdict v = r.evaluate(List.of(f("d\u00e9tecteur", "r\u00e8gle", 0, Category.POLICY)));
        assertThat(v.action()).isEqualTo(Action.REJECT);
        assertThat(v.reason()).matches("[\\x20-\\x7e]+").contains("d?tecteur");
    }
}
