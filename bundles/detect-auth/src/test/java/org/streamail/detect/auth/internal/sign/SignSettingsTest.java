package org.streamail.detect.auth.internal.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The signing configuration, checked strictly: every bad value fails naming the PID and the property. */
class SignSettingsTest {

    private static SignSettings of(Map<String, Object> values) {
        return SignSettings.from(SignFixtures.config(values));
    }

    private static void refused(String method, Object value, String message) {
        Map<String, Object> values = new HashMap<>();
        values.put(method, value);
        assertThatThrownBy(() -> of(values)).as(method + " = " + value).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.dkim.sign: " + message);
    }

    @Test
    void theDefaultsSignNothingAndSayWhatWouldBeSigned() {
        SignSettings s = of(Map.of());
        assertThat(s.enabled()).isFalse();
        assertThat(s.keys()).isEmpty();
        assertThat(s.headers()).containsExactly("from", "to", "cc", "subject", "date", "message-id", "in-reply-to",
                "references", "reply-to", "mime-version", "content-type", "content-transfer-encoding",
                "list-unsubscribe", "list-unsubscribe-post", "list-id");
        assertThat(s.oversign()).containsExactlyInAnyOrder("from", "to", "cc", "subject", "date", "reply-to");
        assertThat(s.relaxedHeader()).isTrue();
        assertThat(s.relaxedBody()).isTrue();
        assertThat(s.expiry()).isNull();
    }

    @Test
    void keysAreDomainSelectorAndAbsolutePathOnePerDomainAndTheClosestParentSigns() {
        SignSettings s = of(Map.of("keys", " Example.ORG:S2026:/etc/dkim/a.pem ,, b\u00fccher.example:s1:/k/b.pem",
                "expiry", "P7D", "canonicalization", "Simple/Relaxed"));
        assertThat(s.keys()).containsExactly(new SignSettings.Key("example.org", "s2026", Path.of("/etc/dkim/a.pem")),
                new SignSettings.Key("xn--bcher-kva.example", "s1", Path.of("/k/b.pem")));
        assertThat(s.keysFor("example.org")).singleElement().satisfies(k -> assertThat(k.selector()).isEqualTo("s2026"));
        assertThat(s.keysFor("news.eu.example.org")).singleElement()
                .satisfies(k -> assertThat(k.domain()).isEqualTo("example.org"));
        assertThat(s.keysFor("example.net")).isEmpty();
        assertThat(s.keysFor("org")).isEmpty();
        assertThat(s.keysFor("example.org.evil.example")).isEmpty();
        assertThat(s.expiry()).isEqualTo(Duration.ofDays(7));
        assertThat(s.relaxedHeader()).isFalse();
        assertThat(s.relaxedBody()).isTrue();
        // a path may hold a colon
        assertThat(of(Map.of("keys", "example.org:s1:/k/a:b.pem")).keys().get(0).file()).isEqualTo(Path.of("/k/a:b.pem"));
    }

    @Test
    void aDomainMayHaveTwoKeysUnderTwoSelectorsAndItsOwnPairWinsOverItsParents() {
        SignSettings s = of(Map.of("keys", "example.org:s1:/k/rsa.pem, shop.example:e1:/k/shop.pem,"
                + " example.org:e1:/k/ed.pem, eu.example.org:r1:/k/eu.pem"));
        // the pair in configuration order, whichever file holds which algorithm (that is known when they are read)
        assertThat(s.keysFor("example.org")).containsExactly(
                new SignSettings.Key("example.org", "s1", Path.of("/k/rsa.pem")),
                new SignSettings.Key("example.org", "e1", Path.of("/k/ed.pem")));
        assertThat(s.keysFor("news.example.org")).extracting(SignSettings.Key::selector).containsExactly("s1", "e1");
        // the closest domain with a key signs alone: a parent's pair does not add to it
        assertThat(s.keysFor("news.eu.example.org")).extracting(SignSettings.Key::selector).containsExactly("r1");
        // one file may serve two domains, as before
        assertThat(of(Map.of("keys", "a.example:s1:/k/one.pem, b.example:s1:/k/one.pem")).keys()).hasSize(2);
    }

    @Test
    void aThirdKeyOrASelectorOrFileTwiceForOneDomainIsRefusedNamingTheDomainAndTheRule() {
        refused("keys", "example.org:s1:/a.pem, example.org:e1:/b.pem, example.org:s2:/c.pem", "keys has more than two"
                + " entries for example.org (selectors s1, e1 and s2): a domain may have two keys, one RSA and one"
                + " Ed25519; for a rollover, replace the entry of the same algorithm once the new selector is"
                + " published");
        refused("keys", "example.org:s1:/a.pem, Example.ORG:S1:/b.pem", "keys has two entries for example.org with"
                + " selector s1: a domain's two keys (one RSA, one Ed25519) are published under two selectors");
        refused("keys", "example.org:s1:/k/a.pem, example.org:e1:/k/./a.pem", "keys names /k/a.pem for both keys of"
                + " example.org: its two keys (one RSA, one Ed25519) are two files");
    }

    @Test
    void noSignatureOfOursSignsADkimSignatureField() {
        refused("headers", "from,subject,DKIM-Signature", "headers must not include dkim-signature: each of our"
                + " signatures covers the message as it was before any of them, so neither of a domain's two signatures"
                + " signs the other, nor one the inside's");
    }

    @Test
    void everyBadValueIsRefusedNamingTheProperty() {
        refused("keys", "example.org:s1", "keys entry 'example.org:s1' is not domain:selector:/path/to/key.pem");
        refused("keys", "exa mple.org:s1:/k.pem", "keys entry 'exa mple.org:s1:/k.pem': 'exa mple.org' is not a domain"
                + " name");
        refused("keys", "co.uk:s1:/k.pem", "keys entry 'co.uk:s1:/k.pem': co.uk is a public suffix; a key for it would"
                + " sign for every domain under it");
        refused("keys", "example.org:s 1:/k.pem", "keys entry 'example.org:s 1:/k.pem': 's 1' is not a selector"
                + " (letters, digits, hyphens, underscores, dots)");
        refused("keys", "example.org:s1:k.pem", "keys entry 'example.org:s1:k.pem': the key file must be an absolute"
                + " path (${karaf.etc}/dkim/... is one in the .cfg file)");
        refused("headers", "to,subject", "headers must include from (RFC 6376 5.4: the From field is always signed)");
        refused("headers", "from,x-a:b", "headers entry 'x-a:b' is not a header field name");
        refused("headers", "from,To,to", "headers lists 'to' twice");
        refused("oversign", "from,x-custom", "oversign lists 'x-custom', which is not in headers (only a signed field"
                + " can be over-signed)");
        refused("canonicalization", "relaxed", "canonicalization must be header/body with each relaxed or simple"
                + " (relaxed/relaxed), got 'relaxed'");
        refused("canonicalization", "relaxed/nowsp", "canonicalization must be header/body with each relaxed or simple"
                + " (relaxed/relaxed), got 'relaxed/nowsp'");
        refused("expiry", "7 days", "expiry must be an ISO-8601 duration such as P7D or PT12H, got '7 days'");
        refused("expiry", "PT5M", "expiry must be between PT1H and P366D, got PT5M");
        refused("expiry", "P400D", "expiry must be between PT1H and P366D, got PT9600H");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= SignSettings.MAX_KEYS; i++) {
            many.append("d").append(i).append(".example:s:/k.pem,");
        }
        refused("keys", many.toString(), "keys holds more than 1000 entries");
    }

    @Test
    void theRawPropertiesAreCheckedBeforeDsReadsThemAndUnknownKeysAreOnlyReported() {
        // DS would read "yes" as false: a typo must not switch signing off without a word
        assertThatThrownBy(() -> DkimSigning.checked(SignFixtures.config(Map.of()), Map.of("enabled", "yes")))
                .hasMessage("org.streamail.dkim.sign: enabled must be true or false, got 'yes'");
        assertThat(DkimSigning.checked(SignFixtures.config(Map.of("enabled", true)),
                Map.of("enabled", "true", "kyes", "x", "service.pid", "org.streamail.dkim.sign")).enabled()).isTrue();
        assertThat(List.of(SignSettings.MIN_EXPIRY, SignSettings.MAX_EXPIRY))
                .containsExactly(Duration.ofHours(1), Duration.ofDays(366));
    }
}
