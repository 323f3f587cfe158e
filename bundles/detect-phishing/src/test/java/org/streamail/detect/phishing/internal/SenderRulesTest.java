package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Finding;

/** Sender rules and first contact: each fires on its case and stays silent on a near miss. */
class SenderRulesTest extends DetectorTestBase {

    Fixtures.MemoryLog log;

    @BeforeEach
    void freshLog() {
        log = new Fixtures.MemoryLog();
        detector.setMessageLog(log);
    }

    Set<String> fired(Msg m) {
        return detector.inspect(m.build()).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    Finding finding(Msg m, String rule) {
        return detector.inspect(m.build()).stream().filter(f -> f.rule().equals(rule)).findFirst()
                .orElseThrow(() -> new AssertionError(rule + " did not fire"));
    }

    @Test
    void colleaguesNameOnAnOutsideAddressShouldFireWhateverTheOrderOfNames() {
        Finding f = finding(msg().from("Marie Dupont <marie.dupont@gmail.com>"), Rules.SENDER_DISPLAY_NAME);
        assertThat(f.detail()).contains("marie.dupont@contoso.com").contains("marie.dupont@gmail.com");
        assertThat(fired(msg().from("DUPONT, Marie <md@example.org>"))).contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("Jean Martín <jm@example.org>"))).as("accents ignored").contains(Rules.SENDER_DISPLAY_NAME);
    }

    @Test
    void colleaguesNameDressedUpWithAFewMoreWordsShouldFire() {
        assertThat(finding(msg().from("Marie Dupont (CEO) <ceo.office@gmail.com>"), Rules.SENDER_DISPLAY_NAME)
                .detail()).contains("marie.dupont@contoso.com");
        assertThat(fired(msg().from("CEO Marie Dupont via DocuSign <dse@docusign-mail.example>")))
                .as("three words besides the name").contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"DUPONT, Marie - Finance\" <md@example.org>")))
                .contains(Rules.SENDER_DISPLAY_NAME);
    }

    @Test
    void aNameInALongerTextOrOneWordOfAColleaguesNameShouldNotFire() {
        assertThat(fired(msg().from("Marie from the Dupont family bakery team <hello@bakery.example>")))
                .as("more than three other words: a sentence, not a dressed-up name")
                .doesNotContain(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("Marie Durand (CEO) <md@gmail.com>"))).doesNotContain(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("Dupont Consulting <info@dupont-consulting.example>")))
                .as("one word of the name").doesNotContain(Rules.SENDER_DISPLAY_NAME);
    }

    @Test
    void theLongestColleagueNameInsideADisplayNameIsTheOneNamed() {
        Org org = new Org(Set.of("contoso.com"), java.util.Map.of("dupont marie", "marie.dupont@contoso.com",
                "anne dupont marie", "anne-marie.dupont@contoso.com"));
        assertThat(org.colleagueIn("Anne Marie Dupont (Finance)")).isEqualTo("anne-marie.dupont@contoso.com");
        assertThat(org.colleagueIn("Marie Dupont | Contoso")).isEqualTo("marie.dupont@contoso.com");
        assertThat(org.colleagueIn("Anne-Marie DUPONT")).as("exact").isEqualTo("anne-marie.dupont@contoso.com");
        assertThat(org.colleagueIn("Marie")).isNull();
        assertThat(org.colleagueIn("a b c d e f g h i j Marie Dupont")).as("only the first 8 words are read")
                .isNull();
    }

    @Test
    void colleagueWritingFromInsideOrAStrangerWithAnotherNameShouldNotFire() {
        assertThat(fired(msg().from("Marie Dupont <marie.dupont@contoso.com>").auth("marie.dupont@contoso.com")))
                .doesNotContain(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("Marie Durand <marie.durand@gmail.com>"))).doesNotContain(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("Marie <marie@gmail.com>"))).as("one word says nothing")
                .doesNotContain(Rules.SENDER_DISPLAY_NAME);
    }

    @Test
    void theDirectoryGoingAwayShouldSilenceTheDisplayNameRuleNotBreakTheScan() {
        PhishingDetector d = new PhishingDetector(Fixtures.config(rules, 0));
        try {
            Fixtures.MemoryDirectory dir = new Fixtures.MemoryDirectory();
            d.setDirectory(dir);
            Msg m = msg().from("Marie Dupont <marie.dupont@gmail.com>");
            assertThat(d.inspect(m.build()).stream().map(Finding::rule)).contains(Rules.SENDER_DISPLAY_NAME);
            d.unsetDirectory(dir);
            assertThat(d.inspect(m.build()).stream().map(Finding::rule)).doesNotContain(Rules.SENDER_DISPLAY_NAME);
        } finally {
            d.deactivate();
        }
    }

    @Test
    void senderDomainImitatingAProtectedDomainOrABrandShouldFire() {
        assertThat(finding(msg().from("IT <it@contoso-it.com>"), Rules.SENDER_LOOKALIKE).detail())
                .contains("contoso-it.com").contains("your organisation's domain");
        assertThat(fired(msg().from("PayPal <service@paypa1.com>"))).contains(Rules.SENDER_LOOKALIKE);
    }

    @Test
    void replyToADomainImitatingAProtectedDomainOrABrandShouldFire() {
        Finding f = finding(msg().from("Alice <alice@fabrikam.com>").replyTo("ceo@contoso-it.com"),
                Rules.REPLY_TO_LOOKALIKE);
        assertThat(f.detail()).contains("ceo@contoso-it.com").contains("your organisation's domain");
        assertThat(f.score()).isEqualTo(6.0);
        assertThat(fired(msg().from("Alice <alice@fabrikam.com>").replyTo("ceo@contoso-it.com")))
                .doesNotContain(Rules.REPLY_TO_DIVERGENT);
        assertThat(fired(msg().from("PayPal <service@paypal.com>").replyTo("help@paypa1.com")))
                .contains(Rules.REPLY_TO_LOOKALIKE);
        // another company, a genuine brand domain, our own domain, the sender's own (look-alike) domain
        assertThat(fired(msg().replyTo("billing@northwind.example"))).doesNotContain(Rules.REPLY_TO_LOOKALIKE);
        assertThat(fired(msg().from("Shop <news@shop.example>").replyTo("service@paypal.com")))
                .doesNotContain(Rules.REPLY_TO_LOOKALIKE);
        assertThat(fired(msg().replyTo("marie.dupont@contoso.com"))).doesNotContain(Rules.REPLY_TO_LOOKALIKE);
        assertThat(fired(msg().from("IT <it@contoso-it.com>").replyTo("desk@contoso-it.com")))
                .contains(Rules.SENDER_LOOKALIKE).doesNotContain(Rules.REPLY_TO_LOOKALIKE);
    }

    @Test
    void unrelatedOrGenuineSenderDomainsShouldNotFire() {
        assertThat(fired(msg().from("Alice <alice@fabrikam.com>"))).doesNotContain(Rules.SENDER_LOOKALIKE);
        assertThat(fired(msg().from("PayPal <service@paypal.com>"))).isEmpty();
    }

    @Test
    void ownDomainArrivingFromOutsideWithoutAuthenticationShouldFire() {
        Finding f = finding(msg().from("CEO <ceo@contoso.com>"), Rules.SENDER_SPOOFED);
        assertThat(f.detail()).contains("ceo@contoso.com").contains("without authentication");
    }

    @Test
    void ownDomainAuthenticatedOrOutgoingShouldNotBeSpoofing() {
        assertThat(fired(msg().from("CEO <ceo@contoso.com>").auth("ceo@contoso.com"))).doesNotContain(Rules.SENDER_SPOOFED);
        assertThat(fired(msg().from("CEO <ceo@contoso.com>").direction(Direction.OUTBOUND)))
                .doesNotContain(Rules.SENDER_SPOOFED);
    }

    @Test
    void brandNameOnAForeignAddressShouldFireButNotOnTheBrandsOwn() {
        assertThat(finding(msg().from("PayPal Service <help@fabrikam-mail.com>"), Rules.SENDER_BRAND_MISMATCH).detail())
                .contains("PayPal").contains("fabrikam-mail.com");
        assertThat(fired(msg().from("PayPal <service@paypal.com>"))).doesNotContain(Rules.SENDER_BRAND_MISMATCH);
        assertThat(fired(msg().from("Pay Pal fan club <x@example.org>"))).doesNotContain(Rules.SENDER_BRAND_MISMATCH);
    }

    /** Look-alike letters of another script in the display name (a Cyrillic "а", "о", "І") read as the Latin ones. */
    @Test
    void brandOrColleagueNameWithLookAlikeLettersShouldStillFire() {
        assertThat(finding(msg().from("P\u0430yPal Service <help@fabrikam-mail.com>"), Rules.SENDER_BRAND_MISMATCH)
                .detail()).contains("fabrikam-mail.com");
        assertThat(fired(msg().from("Mari\u0435 Dup\u043Ent <md@example.org>"))).contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"\u0456t@c\u043Entoso.com\" <x@example.org>"))).contains(Rules.SENDER_DISPLAY_NAME);
        // other scripts and the small capitals too (\u1D18\u1D00\u028F\u1D18\u1D00\u029F, Cherokee \u13A2 for T)
        assertThat(finding(msg().from("\u1D18\u1D00\u028F\u1D18\u1D00\u029F Service <help@fabrikam-mail.com>"),
                Rules.SENDER_BRAND_MISMATCH).detail()).contains("fabrikam-mail.com");
        assertThat(fired(msg().from("Marie Dupon\u13A2 <md@example.org>"))).contains(Rules.SENDER_DISPLAY_NAME);
        // a name written in Cyrillic is a name, not a disguise
        assertThat(fired(msg().from("\u041C\u0430\u0440\u0438\u044F \u0414\u044E\u043F\u043E\u043D <m@example.org>")))
                .doesNotContain(Rules.SENDER_DISPLAY_NAME, Rules.SENDER_BRAND_MISMATCH);
    }

    @Test
    void replyToAFreeMailAddressShouldFireAndReplyToASubdomainShouldNot() {
        assertThat(finding(msg().replyTo("acc.pay@gmail.com"), Rules.REPLY_TO_FREEMAIL).detail()).contains("acc.pay@gmail.com");
        assertThat(fired(msg().replyTo("support@help.fabrikam.com"))).doesNotContain(Rules.REPLY_TO_FREEMAIL,
                Rules.REPLY_TO_DIVERGENT);
    }

    @Test
    void replyToAnotherCompanyShouldFireLightlyAndReplyToUsShouldNot() {
        assertThat(finding(msg().replyTo("billing@northwind.example"), Rules.REPLY_TO_DIVERGENT).score()).isEqualTo(1.5);
        assertThat(fired(msg().replyTo("marie.dupont@contoso.com"))).doesNotContain(Rules.REPLY_TO_DIVERGENT);
    }

    @Test
    void firstContactWithARiskyRequestShouldAddTheCombinationOnly() {
        Msg m = msg().text("Please enter your password on our portal.");
        Set<String> r = fired(m);
        assertThat(r).contains("combo-first-contact-intent").doesNotContain(Rules.FIRST_CONTACT);
    }

    @Test
    void aKnownCorrespondentOrAMessageWithoutRequestShouldNotBeFirstContact() {
        log.seen("alice@fabrikam.com", "marie.dupont@contoso.com");
        assertThat(fired(msg().text("Please enter your password on our portal."))).doesNotContain("combo-first-contact-intent");
        Fixtures.MemoryLog fresh = new Fixtures.MemoryLog();
        detector.setMessageLog(fresh);
        assertThat(fired(msg().text("Lunch on Friday?"))).isEmpty();
        assertThat(fresh.queries).as("no request, no log query").isZero();
    }

    @Test
    void anAddressOfTheOrganisationShownAsTheDisplayNameIsASpoofedSender() {
        assertThat(fired(msg().from("\"servicedesk@contoso.com\" <it@evil.example>").text("hello")))
                .contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"Support (paie@contoso.fr)\" <rh@evil.example>").text("hello")))
                .contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"news@fabrikam.com\" <news@fabrikam.com>").text("hello")))
                .doesNotContain(Rules.SENDER_DISPLAY_NAME);
    }

    /** A full-width or small "@" reads as "@": the name still shows an address of the organisation. */
    @Test
    void anAddressShownWithALookAlikeAtSignIsStillAnAddress() {
        assertThat(fired(msg().from("\"servicedesk\uff20contoso.com\" <it@evil.example>").text("hello")))
                .contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"paie\ufe6bcontoso.fr\" <rh@evil.example>").text("hello")))
                .contains(Rules.SENDER_DISPLAY_NAME);
    }
}
