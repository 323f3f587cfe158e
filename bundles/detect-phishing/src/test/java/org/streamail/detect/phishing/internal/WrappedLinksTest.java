package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Finding;

/** Links inside other vendors' URL wrappers are judged by where they really go. */
class WrappedLinksTest extends DetectorTestBase {

    private static final String PHISH = "https://paypa1-secure.xyz/login";

    private static String safeLinks(String url) {
        return "https://nam12.safelinks.protection.outlook.com/?url=" + URLEncoder.encode(url, StandardCharsets.UTF_8)
                + "&data=05%7C01%7Cmarie.dupont%40contoso.com%7C0&sdata=Zm9v&reserved=0";
    }

    private static List<Finding> scan(Msg m) {
        return detector.inspect(m.build());
    }

    private static Set<String> fired(Msg m) {
        return scan(m).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    private static Finding finding(Msg m, String rule) {
        return scan(m).stream().filter(f -> f.rule().equals(rule)).findFirst()
                .orElseThrow(() -> new AssertionError(rule + " did not fire; got " + scan(m)));
    }

    @Test
    void aSafeLinksWrappedLookalikeLoginLinkFiresWhatTheBareLinkFires() {
        Set<String> bare = fired(msg().anchor(PHISH, "Sign in"));
        assertThat(bare).contains(Rules.LINK_LOOKALIKE, Rules.LINK_SUSPICIOUS_TLD, Rules.LINK_LOGIN_PAGE);
        Msg wrapped = msg().anchor(safeLinks(PHISH), "Sign in");
        assertThat(fired(wrapped)).isEqualTo(bare);
        assertThat(finding(wrapped, Rules.LINK_LOOKALIKE).detail()).isEqualTo("A link goes to " + PHISH
                + " (inside a safelinks.protection.outlook.com link), which imitates paypal.com (PayPal): it uses the"
                + " name 'paypal' on another domain");
        assertThat(finding(wrapped, Rules.LINK_LOOKALIKE).score()).isEqualTo(finding(msg().anchor(PHISH, "Sign in"),
                Rules.LINK_LOOKALIKE).score());
    }

    @Test
    void everyWrapperFormAndANestedOneShowTheTargetToTheRules() {
        String v3 = "https://urldefense.com/v3/__" + PHISH + "__;!!abc$";
        List<String> hrefs = List.of(
                v3,
                "https://urldefense.proofpoint.com/v2/url?u=https-3A__paypa1-2Dsecure.xyz_login&d=DwMFaQ&c=x",
                "https://www.google.com/url?q=" + PHISH + "&sa=D",
                "https://l.facebook.com/l.php?u=" + URLEncoder.encode(PHISH, StandardCharsets.UTF_8),
                "https://www.linkedin.com/redir/redirect?url=" + URLEncoder.encode(PHISH, StandardCharsets.UTF_8),
                "https://linkprotect.cudasvc.com/url?a=" + URLEncoder.encode(PHISH, StandardCharsets.UTF_8) + "&c=E,1",
                safeLinks(v3));
        for (String href : hrefs) {
            assertThat(fired(msg().link(href))).as(href).contains(Rules.LINK_LOOKALIKE, Rules.LINK_SUSPICIOUS_TLD);
        }
    }

    @Test
    void aForwardedSafeLinksLinkToThePartnerItNamesFiresNothing() {
        String partner = "https://www.northwind-traders.com/orders/2026-118";
        Msg m = msg().from("Anna Berg <anna.berg@northwind-traders.com>")
                .anchor(safeLinks(partner), "www.northwind-traders.com/orders");
        assertThat(scan(m)).isEmpty();
        // the wrapped target still counts: text naming the partner, target elsewhere
        assertThat(fired(msg().anchor(safeLinks("https://evil.example/orders"), "www.northwind-traders.com")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(finding(msg().anchor(safeLinks("https://evil.example/orders"), "www.northwind-traders.com"),
                Rules.LINK_TEXT_MISMATCH).detail()).isEqualTo("The link text shows www.northwind-traders.com but the"
                + " link goes to https://evil.example/orders (inside a safelinks.protection.outlook.com link)");
    }

    /** The link guard's probe: the text is the wrapper's own address. The target is judged, the text is no lie. */
    @Test
    void aLinkWhoseTextIsTheWrapperItselfIsJudgedByItsTarget() {
        String href = safeLinks(PHISH);
        Set<String> rules = fired(msg().anchor(href, href));
        assertThat(rules).contains(Rules.LINK_LOOKALIKE).doesNotContain(Rules.LINK_TEXT_MISMATCH);
    }

    @Test
    void aRuleFiringOnTheWrapperAndOnTheTargetCountsOnce() {
        String href = "https://paypal.com@nam12.safelinks.protection.outlook.com/?url="
                + URLEncoder.encode("https://paypal.com@evil.example/", StandardCharsets.UTF_8);
        Finding f = finding(msg().link(href), Rules.LINK_USERINFO);
        assertThat(f.detail()).doesNotContain("more").contains("https://paypal.com@evil.example/ (inside a");
        assertThat(f.score()).isEqualTo(5.0);
    }
}
