package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;

/** Intent phrases (EN and FR), forms, combinations and text normalisation. */
class IntentAndFormRulesTest extends DetectorTestBase {

    static Set<String> fired(Msg m) {
        return detector.inspect(m.build()).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    @ParameterizedTest(name = "{0} fires on \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "credential       | Please verify your account before Friday.",
            "credential       | Vérifiez votre compte avant vendredi.",
            "credential       | verifiez votre compte avant vendredi",
            "credential       | Merci de saisir votre mot de passe ci-dessous.",
            "remote-access    | Please install TeamViewer so we can help.",
            "remote-access    | Téléchargez AnyDesk et donnez-moi le code.",
            "exfiltration     | Could you export the customer database tonight?",
            "exfiltration     | Envoyez-moi la liste des salariés.",
            "forward-contacts | Forward this email to all your contacts!",
            "forward-contacts | Transférez ce message à tous vos contacts.",
            "payment-change   | We have changed our bank details.",
            "payment-change   | Voici nos nouvelles coordonnées bancaires.",
            "urgency          | Reply within 24 hours.",
            "urgency          | Répondez sous 48 heures.",
            "secrecy          | Keep this between us.",
            "secrecy          | N'en parlez à personne.",
            "mfa-code         | Send me the code you received by SMS.",
            "mfa-code         | Peux-tu me transmettre le code reçu par SMS ?",
            "exfiltration     | Please grant me full access to the shared drive.",
            "exfiltration     | Donnez-moi l'accès à votre boîte.",
            "security-bypass  | Disable your antivirus before installing the patch.",
            "security-bypass  | Approve the sign-in request on your phone.",
            "security-bypass  | Désactivez votre antivirus pendant la mise à jour.",
            "credential       | Send your VPN credentials to the new admin."})
    void intentPhrasesShouldFire(String intent, String text) {
        assertThat(fired(msg().text(text))).contains("intent-" + intent);
    }

    @ParameterizedTest(name = "{0} stays silent on \"{1}\"")
    @CsvSource(delimiter = '|', value = {
            "credential       | We verified the account balance with your team.",
            "credential       | Voici le compte rendu de la réunion.",
            "remote-access    | The team viewer meeting is at noon.",
            "exfiltration     | The database export finished without errors.",
            "forward-contacts | Forward this email to your manager, please.",
            "forward-contacts | Transférez ce message à votre responsable.",
            "payment-change   | Our bank holiday schedule is attached.",
            "payment-change   | Vos coordonnées ont bien été enregistrées.",
            "urgency          | Our support line is open 24 hours a day.",
            "secrecy          | The contract is between us and our partner.",
            "mfa-code         | Please review the code before the release.",
            "exfiltration     | Access to the shared drive is restored.",
            "security-bypass  | Our firewall was upgraded last night.",
            "security-bypass  | Ne désactivez pas votre antivirus."})
    void nearMissesShouldNotFire(String intent, String text) {
        assertThat(fired(msg().text(text))).doesNotContain("intent-" + intent);
    }

    @Test
    void anIntentShouldScoreItsStrongestPhraseNotTheSumAndQuoteTheEvidence() {
        List<Finding> f = detector.inspect(msg().text("Your password: verify your account, enter your password.").build());
        Finding c = f.stream().filter(x -> x.rule().equals("intent-credential")).findFirst().orElseThrow();
        assertThat(c.score()).isEqualTo(4.0);
        assertThat(c.detail()).contains("\"verify your account\"");
    }

    @Test
    void textHiddenWithZeroWidthOrFullWidthCharactersShouldStillMatch() {
        assertThat(fired(msg().text("ver\u200Bify your acc\u200Dount"))).contains("intent-credential");
        assertThat(fired(msg().text("ＶＥＲＩＦＹ your account"))).contains("intent-credential");
        assertThat(fired(msg().html("<p>Verify <b>your</b>\n   account</p>"))).contains("intent-credential");
    }

    /**
     * Hidden text salting: words the reader never sees (an inline display:none, visibility:hidden, font-size:0 or
     * opacity:0, the hidden attribute) put between the words of a request do not break it.
     */
    @Test
    void wordsHiddenInsideARequestShouldNotBreakIt() {
        assertThat(fired(msg().html("<p>Please verify your <span style='display:none'>weekly news</span>account</p>")))
                .contains("intent-credential");
        assertThat(fired(msg().html("<p>Please confirm your pass<span style=\"font-size: 0px\">zz</span>word</p>")))
                .contains("intent-credential");
        assertThat(fired(msg().html("<p>V\u00e9rifiez <font style='opacity:0'>les actualit\u00e9s de</font> votre compte</p>")))
                .contains("intent-credential");
        assertThat(fired(msg().html("<p>Verify your <b hidden>latest</b> identity</p>"))).contains("intent-credential");
        assertThat(fired(msg().attach("facture.html", "text/html",
                "<p>Saisissez votre mot <span style='visibility:hidden'>-clé</span> de passe</p>")))
                .contains("intent-credential");
        // small but visible text is read as written
        assertThat(fired(msg().html("<p>Verify your <span style='font-size:0.8em'>monthly</span> account statement</p>")))
                .doesNotContain("intent-credential");
    }

    /**
     * Hidden text salting through the mail's own style sheet: a class, id or tag that a {@code <style>} rule hides
     * (inside {@code @media} blocks and after comments too) is left out like an inline style.
     */
    @Test
    void wordsHiddenByAStyleSheetRuleShouldNotBreakARequest() {
        assertThat(fired(msg().html("<html><head><style>p{margin:0} .n { display : none !important }</style></head>"
                + "<body><p>Please verify your <span class='n'>weekly news</span>account</p></body></html>")))
                .contains("intent-credential");
        assertThat(fired(msg().html("<style>/* layout */ @media screen { #z1, .x span { font-size:0 } }</style>"
                + "<p>Please confirm your pass<i id='z1'>zz</i>word</p>")))
                .contains("intent-credential");
        assertThat(fired(msg().html("<style><!-- .q{visibility:hidden} --></style>"
                + "<p>Vérifiez <em class='a q'>les actualités de</em> votre compte</p>")))
                .contains("intent-credential");
        // a class whose rule does not hide, and a selector the detector does not apply, leave the text as written
        assertThat(fired(msg().html("<style>.n{color:#333}</style><p>Please verify your <span class='n'>weekly news</span>account</p>")))
                .doesNotContain("intent-credential");
        assertThat(fired(msg().html("<style>span:hover{display:none}</style><p>Please verify your <span>weekly news</span>account</p>")))
                .doesNotContain("intent-credential");
    }

    @Test
    void styleSheetsShouldBeReadWithinTheirBounds() {
        StringBuilder sheet = new StringBuilder("<style>");
        for (int i = 0; i < 200; i++) {
            sheet.append(".h").append(i).append("{display:none}");
        }
        sheet.append(" x".repeat(PhishingAnalyzer.MAX_STYLE_CHARS)).append("{{{{ .late{display:none}</style>");
        List<String> selectors = PhishingAnalyzer.hidingSelectors(org.jsoup.Jsoup.parse(sheet.toString()));
        assertThat(selectors).hasSize(PhishingAnalyzer.MAX_HIDING_SELECTORS).startsWith(".h0", ".h1").doesNotContain(".late");
        assertThat(PhishingAnalyzer.hidingSelectors(org.jsoup.Jsoup.parse(
                "<style>@media (max-width:600px){ .m { display:none } } .a:not(.b){display:none} div{{{ .c{opacity:0}</style>")))
                .containsExactly(".m", ".c");
    }

    /** A non-breaking or typographic hyphen (U+2010 to U+2013, U+2212) reads as "-" for the rules written with one. */
    @Test
    void typographicHyphensShouldMatchRulesWrittenWithAHyphen() {
        assertThat(fired(msg().text("Connectez\u2011vous pour \u00e9viter la fermeture de votre messagerie")))
                .contains("intent-credential");
        assertThat(fired(msg().text("Connectez\u2010vous afin de conserver vos messages"))).contains("intent-credential");
        assertThat(fired(msg().text("Envoyez\u2013moi le code, merci"))).contains("intent-mfa-code");
        assertThat(detector.inspect(msg().text("Donnez\u2011moi l'identifiant AnyDesk").build()))
                .as("the request itself (5), not only the tool's name (3)")
                .anyMatch(f -> f.rule().equals("intent-remote-access") && f.score() == 5.0);
    }

    @Test
    void passwordFormInTheBodyShouldFireAndASearchFormShouldNot() {
        assertThat(fired(msg().html("<form action='x'><input type=PASSWORD name=p></form>"))).contains(Rules.FORM_PASSWORD);
        assertThat(fired(msg().html("<form action='x'><input type=text name=q><input type=submit></form>")))
                .doesNotContain(Rules.FORM_PASSWORD);
    }

    @Test
    void passwordFormInAnHtmlAttachmentShouldFireNamingTheAttachment() {
        Msg m = msg().attach("invoice.html", "text/html", "<form><input type='password'></form>");
        Finding f = detector.inspect(m.build()).stream().filter(x -> x.rule().equals(Rules.FORM_PASSWORD_ATTACHMENT))
                .findFirst().orElseThrow();
        assertThat(f.part()).isEqualTo("invoice.html");
        assertThat(fired(msg().attach("menu.html", "text/html", "<p>Lunch menu</p>")))
                .doesNotContain(Rules.FORM_PASSWORD_ATTACHMENT);
        assertThat(fired(msg().attach("notes.txt", "text/plain", "<input type=password>")))
                .as("not HTML").doesNotContain(Rules.FORM_PASSWORD_ATTACHMENT);
    }

    @Test
    void intentPlusLookAlikeSenderPlusDeceptiveLinkShouldAddTheTriadCombination() {
        Msg all = msg().from("IT <it@contoso-it.com>").text("Verify your account now.")
                .anchor("https://evil.example/x", "contoso.com");
        assertThat(fired(all)).contains("combo-intent-lookalike-link");
        Msg twoOnly = msg().from("IT <it@contoso-it.com>").text("Verify your account now.");
        assertThat(fired(twoOnly)).doesNotContain("combo-intent-lookalike-link");
    }

    @Test
    void everyPhishingFindingShouldBeCategorisedPhishing() {
        List<Finding> f = detector.inspect(msg().from("PayPal <x@paypa1.com>").text("Verify your account").build());
        assertThat(f).isNotEmpty().allSatisfy(x -> assertThat(x.category()).isEqualTo(Category.PHISHING));
    }

    @Test
    void anExpiredDeadlineShouldStopTheScanAndSaySo() {
        List<Finding> f = detector.inspect(msg().text("Verify your account").deadline(Instant.now().minusSeconds(1)).build());
        assertThat(f).anySatisfy(x -> {
            assertThat(x.rule()).isEqualTo("incomplete");
            assertThat(x.category()).isEqualTo(Category.ERROR);
        });
    }

    @Test
    void hugeBodiesShouldBeCutAtTheLimitAndScannedQuickly() {
        String big = "lorem ipsum ".repeat(500_000) + " verify your account";
        long t0 = System.nanoTime();
        Set<String> r = fired(msg().text(big));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r).as("the phrase lies beyond max.text.chars").doesNotContain("intent-credential");
        assertThat(ms).isLessThan(5_000);
    }
}
