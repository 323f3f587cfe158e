package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

/** Link rules: each fires on its case and stays silent on a near miss. */
class LinkRulesTest extends DetectorTestBase {

    static List<Finding> scan(Msg m) {
        return detector.inspect(m.build());
    }

    static Set<String> fired(Msg m) {
        return scan(m).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    static Finding finding(Msg m, String rule) {
        return scan(m).stream().filter(f -> f.rule().equals(rule)).findFirst().orElseThrow(
                () -> new AssertionError(rule + " did not fire; got " + scan(m)));
    }

    @Test
    void linkTextShowingOneDomainWhileGoingToAnotherShouldBeExplained() {
        Finding f = finding(msg().anchor("https://paypa1-secure.xyz/x", "paypal.com"), Rules.LINK_TEXT_MISMATCH);
        assertThat(f.detail()).isEqualTo("The link text shows paypal.com but the link goes to paypa1-secure.xyz");
        assertThat(f.score()).isEqualTo(5.0);
    }

    @Test
    void linkTextOnTheSameSiteOrAFileNameOrATrackerShouldNotBeAMismatch() {
        assertThat(fired(msg().anchor("https://shop.fabrikam.com/catalogue", "www.fabrikam.com/catalogue")))
                .doesNotContain(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://files.fabrikam.com/a", "invoice.pdf")))
                .doesNotContain(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://fabrikam.us1.list-manage.com/track/click?u=1", "fabrikam.com")))
                .doesNotContain(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://www.paypalobjects.com/x", "paypal.com")))
                .as("two domains of one brand").doesNotContain(Rules.LINK_TEXT_MISMATCH);
    }

    /** The text is read as the reader sees it: capitals, invisible characters and full-width forms do not hide it. */
    @Test
    void linkTextWrittenInCapitalsOrWithInvisibleCharactersIsStillTheSiteItShows() {
        assertThat(fired(msg().anchor("https://evil.example/x", "HTTPS://WWW.PAYPAL.COM/SIGNIN")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/x", "Https://www.paypal.com")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/x", "www.pay\u200bpal.com")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/x", "paypal\u2060.com")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/x", "\uff50\uff41\uff59\uff50\uff41\uff4c\uff0e\uff43\uff4f\uff4d")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://www.paypal.com/x", "HTTPS://WWW.PAYPAL.COM")))
                .doesNotContain(Rules.LINK_TEXT_MISMATCH);
    }

    /** "Node.js", "E.ON": a name with a dot whose last part is no top-level domain is not a site the text shows. */
    @Test
    void productNamesWithADotAreNotDomainsInLinkText() {
        assertThat(fired(msg().anchor("https://nodejs.org/en/blog", "Node.js"))).doesNotContain(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://vuejs.org/guide/", "Vue.js"))).doesNotContain(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://www.eon.com/de.html", "E.ON"))).doesNotContain(Rules.LINK_TEXT_MISMATCH);
        // a real suffix, a private one, or an internal name written as a URL still counts
        assertThat(fired(msg().anchor("https://evil.example/", "paypal.co.uk"))).contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/", "github.io"))).contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/", "https://intranet.corp/"))).contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/", "www.contoso.internal"))).contains(Rules.LINK_TEXT_MISMATCH);
    }

    @Test
    void ipLiteralHostsInEveryNotationShouldFire() {
        assertThat(fired(msg().anchor("http://192.0.2.7/login", "Log in"))).contains(Rules.LINK_IP_LITERAL);
        assertThat(fired(msg().link("http://[2001:db8::1]/a"))).contains(Rules.LINK_IP_LITERAL);
        assertThat(fired(msg().link("http://3232235777/a"))).contains(Rules.LINK_IP_LITERAL);
        assertThat(fired(msg().link("http://0xC0.0xA8.0x1.0x1/a"))).contains(Rules.LINK_IP_LITERAL);
    }

    @Test
    void hostNamesThatMerelyContainNumbersShouldNotCountAsIpLiterals() {
        assertThat(fired(msg().link("http://ip-192-0-2-7.fabrikam.com/a"))).doesNotContain(Rules.LINK_IP_LITERAL);
        assertThat(fired(msg().link("https://365.fabrikam.com/"))).doesNotContain(Rules.LINK_IP_LITERAL);
    }

    @Test
    void punycodeHomographOfABrandShouldFireWithTheUnicodeFormShown() {
        Finding f = finding(msg().anchor("https://xn--pypal-4ve.com/x", "Dispute"), Rules.LINK_HOMOGRAPH);
        assertThat(f.detail()).contains("pаypal.com").contains("paypal.com (PayPal)").contains("Cyrillic");
        Finding raw = finding(msg().link("https://micrоsoft.com/login"), Rules.LINK_HOMOGRAPH);
        assertThat(raw.detail()).contains("microsoft.com");
    }

    @Test
    void singleScriptInternationalDomainsShouldNotFire() {
        Set<String> r = fired(msg().link("https://www.xn--mnchen-3ya.de/stadt"));
        assertThat(r).doesNotContain(Rules.LINK_HOMOGRAPH, Rules.LINK_MIXED_SCRIPT, Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://пример.рф/"))).doesNotContain(Rules.LINK_MIXED_SCRIPT);
    }

    @Test
    void hostMixingLatinAndCyrillicShouldFireEvenWhenItImitatesNothingKnown() {
        Finding f = finding(msg().link("https://shoрping-deals.net/"), Rules.LINK_MIXED_SCRIPT);
        assertThat(f.detail()).contains("Cyrillic").contains("Latin");
    }

    @Test
    void lookAlikesOfProtectedDomainsAndBrandsShouldFire() {
        assertThat(finding(msg().link("https://contosso.com/reset"), Rules.LINK_LOOKALIKE).detail())
                .contains("contoso").contains("your organisation's domain");
        assertThat(fired(msg().link("https://c0ntoso.fr/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://paypal.com.account-check.net/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://paypalsecure.net/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://rnicrosoft.com/"))).contains(Rules.LINK_LOOKALIKE);
    }

    @Test
    void theRealDomainsAndUnrelatedNamesShouldNotBeLookAlikes() {
        assertThat(fired(msg().link("https://intranet.contoso.com/"))).doesNotContain(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://www.paypal.com/signin"))).isEmpty();
        assertThat(fired(msg().link("https://papaya.com/"))).doesNotContain(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://office-supplies.example.com/")))
                .as("generic brand domains marked '=' are compared by look only").doesNotContain(Rules.LINK_LOOKALIKE);
    }

    /**
     * The big brands' own country sites are theirs (a newsletter's link to google.co.uk or amazon.it is no
     * look-alike of google.com or amazon.com), while their names inside other domains still are.
     */
    @Test
    void theBrandsCountrySitesShouldNotBeLookAlikes() {
        for (String site : List.of("https://www.google.co.uk/maps", "https://www.google.de/", "https://www.google.com.au/",
                "https://www.amazon.it/gp/order", "https://www.amazon.ca/", "https://www.amazon.co.jp/")) {
            assertThat(fired(msg().link(site))).as(site).doesNotContain(Rules.LINK_LOOKALIKE);
        }
        assertThat(fired(msg().link("https://google.co.uk.account-check.net/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://amazon-it-orders.com/"))).contains(Rules.LINK_LOOKALIKE);
    }

    @Test
    void urlShortenersShouldFireAndLookAlikeNamesShouldNot() {
        assertThat(finding(msg().link("https://bit.ly/3abc"), Rules.LINK_SHORTENER).score()).isEqualTo(1.5);
        assertThat(fired(msg().link("https://www.bitlyfe.com/x"))).doesNotContain(Rules.LINK_SHORTENER);
    }

    @Test
    void suspiciousTopLevelDomainShouldFireOnlyAsTheLastLabel() {
        assertThat(fired(msg().link("https://deals.example.xyz/"))).contains(Rules.LINK_SUSPICIOUS_TLD);
        assertThat(fired(msg().link("https://example.xyz.com/"))).doesNotContain(Rules.LINK_SUSPICIOUS_TLD);
    }

    @Test
    void javascriptAndDataLinksShouldFireButInlineImagesShouldNot() {
        assertThat(fired(msg().anchor("javascript:alert(1)", "Open"))).contains(Rules.LINK_SCRIPT_SCHEME);
        assertThat(fired(msg().anchor("data:text/html;base64,PGgxPg==", "View"))).contains(Rules.LINK_SCRIPT_SCHEME);
        assertThat(fired(msg().resource("data:image/png;base64,iVBORw0KGgo="))).isEmpty();
        assertThat(fired(msg().anchor("mailto:someone@fabrikam.com", "write to us"))).isEmpty();
    }

    @Test
    void signInLinkOffTheBrandMentionedShouldFire() {
        Msg m = msg().text("Your PayPal account needs a review.").anchor("https://account-review.example.net/signin", "Review");
        assertThat(finding(m, Rules.LINK_LOGIN_PAGE).detail()).contains("PayPal").contains("account-review.example.net");
        Msg labelled = msg().anchor("https://portal.example.net/auth/login", "Sign in");
        assertThat(fired(labelled)).contains(Rules.LINK_LOGIN_PAGE);
        // the label spelled with look-alike letters (Cyrillic \u0456, Cherokee \u13A5, small capitals) reads the same
        for (String label : List.of("S\u0456gn in", "Sign \u13A5n", "\uA731\u026A\u0262\u0274 \u026A\u0274")) {
            assertThat(fired(msg().anchor("https://portal.example.net/auth/login", label))).as(label)
                    .contains(Rules.LINK_LOGIN_PAGE);
        }
    }

    @Test
    void signInLinksOnTheSendersOwnSiteOrWithoutLoginWordsShouldNotFire() {
        Msg own = msg().from("Example <news@example.net>").text("PayPal accepted here")
                .anchor("https://account.example.net/login", "Sign in");
        assertThat(fired(own)).doesNotContain(Rules.LINK_LOGIN_PAGE);
        Msg plain = msg().text("Pay with PayPal").anchor("https://shop.example.net/catalogue", "Shop");
        assertThat(fired(plain)).doesNotContain(Rules.LINK_LOGIN_PAGE);
    }

    @Test
    void userInfoBeforeTheHostShouldFireAndNameTheRealHost() {
        Finding f = finding(msg().anchor("https://www.paypal.com@evil.example/x", "PayPal"), Rules.LINK_USERINFO);
        assertThat(f.detail()).contains("evil.example");
        assertThat(fired(msg().link("https://fabrikam.com/people/@alice"))).doesNotContain(Rules.LINK_USERINFO);
    }

    @Test
    void manyLinksToTheSameBadPlaceShouldGiveOneFindingThatCountsThem() {
        Msg m = msg().link("https://bit.ly/1").link("https://bit.ly/2").link("https://bit.ly/3");
        List<Finding> f = scan(m).stream().filter(x -> x.rule().equals(Rules.LINK_SHORTENER)).toList();
        assertThat(f).hasSize(1);
        assertThat(f.get(0).detail()).endsWith("(and 2 more)");
    }

    // ---- written the way a browser still understands, a naive parser does not (sixth audit)

    @Test
    void hostsBehindBackslashesOrMissingSlashesAreStillHosts() {
        // Browsers read "https:\\host", "https:/\host" and "https:host" as https://host/.
        assertThat(fired(msg().link("https:\\\\paypa1.com\\login"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https:/\\paypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("HTTPS:paypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().anchor("https:\\\\paypa1-secure.xyz\\x", "paypal.com")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().link("https:\\\\paypal.com@203.0.113.7\\"))).contains(Rules.LINK_USERINFO,
                Rules.LINK_IP_LITERAL);
    }

    @Test
    void protocolRelativeLinksAndWindowsSharesHaveHostsToo() {
        // "//host/x" opens with the page's scheme (https in webmail); "\\host\share" is a file share that a
        // desktop client opens, sending the user's Windows credentials
        assertThat(fired(msg().link("//paypa1.com/login"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().anchor("//paypa1-secure.xyz/x", "paypal.com"))).contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().link("\\\\203.0.113.7\\share\\invoice.pdf"))).contains(Rules.LINK_IP_LITERAL);
        assertThat(fired(msg().link("//paypal.com@203.0.113.7/"))).contains(Rules.LINK_USERINFO,
                Rules.LINK_IP_LITERAL);
        assertThat(fired(msg().link("//www.paypal.com/signin"))).doesNotContain(Rules.LINK_LOOKALIKE,
                Rules.LINK_USERINFO);
        assertThat(fired(msg().link("/account/login"))).as("a path, no host").isEmpty();
    }

    @Test
    void linkTextReversedByARightToLeftOverrideIsReadAsShown() {
        // U+202E makes "moc.lapyap" show as "paypal.com"
        assertThat(fired(msg().anchor("https://evil.example/x", "\u202emoc.lapyap"))).contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://evil.example/x", "\u202emoc.lapyap.www\u202c")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().anchor("https://www.paypal.com/x", "\u202emoc.lapyap")))
                .doesNotContain(Rules.LINK_TEXT_MISMATCH);
        assertThat(TextNormalizer.asDisplayed("a\u202ecba\u202cd\u202efe")).isEqualTo("aabcdef");
        assertThat(TextNormalizer.asDisplayed("plain")).isEqualTo("plain");
    }

    @Test
    void tabsAndNewlinesInsideAnHrefAreIgnoredAsBrowsersDo() {
        assertThat(fired(msg().link("ht\ttps://paypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().anchor("java\tscript:alert(1)", "open"))).contains(Rules.LINK_SCRIPT_SCHEME);
        assertThat(fired(msg().anchor("\njavascript:alert(1)", "open"))).contains(Rules.LINK_SCRIPT_SCHEME);
    }

    @Test
    void percentEncodedHostsAreDecoded() {
        assertThat(fired(msg().link("https://%70aypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://%31%32%37.0.0.1/"))).contains(Rules.LINK_IP_LITERAL);
    }

    @Test
    void aSafeLinkStaysSafe() {
        assertThat(fired(msg().link("https:\\\\www.paypal.com\\signin"))).doesNotContain(Rules.LINK_LOOKALIKE,
                Rules.LINK_USERINFO);
        assertThat(fired(msg().link("https://www.paypal.com/a%20b"))).isEmpty();
    }
}
