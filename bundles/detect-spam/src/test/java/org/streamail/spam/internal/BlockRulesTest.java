package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.BlockRule.Type;

class BlockRulesTest {

    static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    private static BlockRule rule(Type type, String value, Instant expires) {
        return new BlockRule(type + value, type, BlockRules.normalize(type, value), "", "admin", NOW.minusSeconds(60),
                expires, BlockRule.Source.ADMIN);
    }

    private static boolean matches(Type type, String ruleValue, String probe) {
        return new BlockRules(List.of(rule(type, ruleValue, null))).match(type, probe, NOW).isPresent();
    }

    @Test
    void senderRulesMatchTheAddressIgnoringCaseAndBrackets() {
        assertThat(matches(Type.SENDER, "Spammer@Evil.Example", "<spammer@evil.example>")).isTrue();
        assertThat(matches(Type.SENDER, "spammer@evil.example", "other@evil.example")).isFalse();
    }

    @Test
    void senderDomainRulesCoverSubdomainsButNotLookAlikes() {
        assertThat(matches(Type.SENDER_DOMAIN, "evil.example", "a@mail.evil.example")).isTrue();
        assertThat(matches(Type.SENDER_DOMAIN, "evil.example", "a@evil.example")).isTrue();
        assertThat(matches(Type.SENDER_DOMAIN, "evil.example", "a@notevil.example")).isFalse();
    }

    @Test
    void clientIpRulesMatchExactAddressesAndCidrBlocksInBothFamilies() {
        assertThat(matches(Type.CLIENT_IP, "203.0.113.7", "203.0.113.7")).isTrue();
        assertThat(matches(Type.CLIENT_IP, "203.0.113.0/24", "203.0.113.200")).isTrue();
        assertThat(matches(Type.CLIENT_IP, "203.0.113.0/24", "203.0.114.1")).isFalse();
        assertThat(matches(Type.CLIENT_IP, "2001:DB8::/32", "2001:db8:0:0:0:0:0:1")).isTrue();
        assertThat(matches(Type.CLIENT_IP, "2001:db8::1", "2001:db8::2")).isFalse();
        assertThat(matches(Type.CLIENT_IP, "203.0.113.7", "::ffff:203.0.113.7")).isTrue();
        assertThat(matches(Type.CLIENT_IP, "203.0.113.7", "not-an-ip.example")).isFalse();
        // an IPv4-mapped IPv6 block is refused with what to write instead (it used to speak of "8..32")
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP,
                "::ffff:203.0.113.0/120")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IPv4-mapped IPv6 block: write the IPv4 block instead");
    }

    @Test
    void ipv6RulesStoredInTheJdkLongFormStillMatchAndCountAsTheSameValue() {
        // until 2026-12-06 an IPv6 rule was stored as 2001:db8:0:0:0:0:0:1; now as 2001:db8::1
        BlockRule host = new BlockRule("old-host", Type.CLIENT_IP, "2001:db8:0:0:0:0:0:1", "", "admin",
                NOW.minusSeconds(60), null, BlockRule.Source.ADMIN);
        BlockRule net = new BlockRule("old-net", Type.CLIENT_IP, "2001:db9:0:0:0:0:0:0/32", "", "admin",
                NOW.minusSeconds(60), null, BlockRule.Source.ADMIN);
        BlockRules rules = new BlockRules(List.of(host, net));
        assertThat(rules.match(Type.CLIENT_IP, "2001:DB8::1", NOW)).contains(host);
        assertThat(rules.match(Type.CLIENT_IP, "2001:db9::7", NOW)).contains(net);
        assertThat(rules.sameValue(Type.CLIENT_IP, BlockRules.normalize(Type.CLIENT_IP, "2001:db8::1"), NOW))
                .contains(host);
        assertThat(rules.sameValue(Type.CLIENT_IP, BlockRules.normalize(Type.CLIENT_IP, "2001:db9::/32"), NOW))
                .contains(net);
        assertThat(rules.sameValue(Type.CLIENT_IP, BlockRules.normalize(Type.CLIENT_IP, "2001:db9::/48"), NOW))
                .isEmpty();
        assertThat(rules.sameValue(Type.CLIENT_IP, "2001:db8::2", NOW)).isEmpty();
    }

    @Test
    void heloRulesMatchTheNameWithoutTrailingDot() {
        assertThat(matches(Type.HELO, "bulk.evil.example", "BULK.evil.example.")).isTrue();
        assertThat(matches(Type.HELO, "bulk.evil.example", "evil.example")).isFalse();
    }

    @Test
    void urlDomainRulesCoverHostsBelowTheDomain() {
        assertThat(matches(Type.URL_DOMAIN, "shop-example.biz", "deals.shop-example.biz")).isTrue();
        assertThat(matches(Type.URL_DOMAIN, "shop-example.biz", "shop-example.biz.evil.example")).isFalse();
    }

    @Test
    void attachmentHashRulesMatchTheExactHash() {
        String h = "a".repeat(64);
        assertThat(matches(Type.ATTACHMENT_HASH, h.toUpperCase(), h)).isTrue();
        assertThat(matches(Type.ATTACHMENT_HASH, h, "b".repeat(64))).isFalse();
    }

    @Test
    void anExpiredRuleNoLongerMatches() {
        BlockRules rules = new BlockRules(List.of(rule(Type.CLIENT_IP, "198.51.100.1", NOW.plusSeconds(1))));
        assertThat(rules.match(Type.CLIENT_IP, "198.51.100.1", NOW)).isPresent();
        assertThat(rules.match(Type.CLIENT_IP, "198.51.100.1", NOW.plusSeconds(1))).isEmpty();
    }

    @Test
    void aDamagedRowFromTheDatabaseIsSkippedAndTheOthersStillApply() {
        BlockRule damaged = new BlockRule("bad", Type.CLIENT_IP, "10.0.0.0/xx", "", "root", NOW, null, BlockRule.Source.ADMIN);
        BlockRules rules = new BlockRules(List.of(damaged, rule(Type.CLIENT_IP, "192.0.2.0/24", null)));
        assertThat(rules.match(Type.CLIENT_IP, "192.0.2.9", NOW)).isPresent();
        assertThat(rules.match(Type.CLIENT_IP, "10.0.0.1", NOW)).isEmpty();
    }

    @Test
    void invalidValuesAreRefusedWithAReason() {
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "203.0.113.5/24")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "10.0.0.0/4")).hasMessageContaining("too broad");
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "mail.example.org")).hasMessageContaining("not an IPv4");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER_DOMAIN, "com")).hasMessageContaining("too broad");
        assertThatThrownBy(() -> BlockRules.normalize(Type.URL_DOMAIN, "CO.UK.")).hasMessageContaining("public suffix");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER_DOMAIN, "github.io")).hasMessageContaining("too broad");
        assertThat(BlockRules.normalize(Type.URL_DOMAIN, "Shop.Example.CO.UK")).isEqualTo("shop.example.co.uk");
        assertThat(BlockRules.normalize(Type.HELO, "co.uk")).isEqualTo("co.uk"); // HELO matches exactly, not parents
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER, "nobody")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> BlockRules.normalize(Type.ATTACHMENT_HASH, "abc")).hasMessageContaining("SHA-256");
        assertThatThrownBy(() -> BlockRules.normalize(Type.HELO, "a b")).hasMessageContaining("spaces");
        assertThatThrownBy(() -> BlockRules.normalize(Type.URL_DOMAIN, " ")).hasMessageContaining("empty");
        assertThat(BlockRules.normalize(Type.CLIENT_IP, "2001:DB8:0:0::1")).isEqualTo("2001:db8::1");
        assertThat(BlockRules.normalize(Type.CLIENT_IP, "2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(BlockRules.normalize(Type.CLIENT_IP, "[2001:DB8::]/32")).isEqualTo("2001:db8::/32");
        assertThat(BlockRules.normalize(Type.CLIENT_IP, "::ffff:203.0.113.7")).isEqualTo("203.0.113.7");
        // letters a-f and three dots once reached InetAddress.getByName as a host name (a DNS lookup)
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "ab.cd.ef.ad")).hasMessageContaining("not an IPv4");
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "010.0.0.1")).hasMessageContaining("not an IPv4");
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "10.0.0.0/33")).hasMessageContaining("8..32");
        assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, "10.0.0.0/x")).hasMessageContaining("not a number");
    }

    @Test
    void garbageThatLooksLikeAValueIsRefusedNotStoredAsARuleThatNeverMatches() {
        // audit findings: each of these was accepted and stored, and could never match anything
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER, "*@spam.example")).hasMessageContaining("SENDER_DOMAIN");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER, "sales*@spam.example")).hasMessageContaining("wildcards");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER, "a@b@spam.example")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER, "a<b@spam.example")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER, "a@192.0.2.1")).hasMessageContaining("not an address");
        assertThatThrownBy(() -> BlockRules.normalize(Type.HELO, "[]")).hasMessageContaining("address literal");
        assertThatThrownBy(() -> BlockRules.normalize(Type.HELO, "[garbage]")).hasMessageContaining("address literal");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER_DOMAIN, "192.0.2.1")).hasMessageContaining("CLIENT_IP");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER_DOMAIN, "mail.123")).hasMessageContaining("not a domain");
        assertThatThrownBy(() -> BlockRules.normalize(Type.URL_DOMAIN, "2.0.1")).hasMessageContaining("not a domain");
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER_DOMAIN, "*.spam.example")).hasMessageContaining("covers every name below");
        for (String nobody : new String[] {"0.0.0.0", "::", "255.255.255.255", "224.0.0.1", "ff02::1"}) {
            assertThatThrownBy(() -> BlockRules.normalize(Type.CLIENT_IP, nobody)).as(nobody)
                    .hasMessageContaining("no SMTP client connects from it");
        }
        // what stays valid
        assertThat(BlockRules.normalize(Type.HELO, "[192.0.2.1]")).isEqualTo("[192.0.2.1]");
        assertThat(BlockRules.normalize(Type.HELO, "[IPv6:2001:db8::1]")).isEqualTo("[ipv6:2001:db8::1]");
        assertThat(BlockRules.normalize(Type.HELO, "192.0.2.1")).isEqualTo("192.0.2.1"); // bots say HELO 1.2.3.4
        assertThat(BlockRules.normalize(Type.URL_DOMAIN, "192.0.2.7")).isEqualTo("192.0.2.7"); // http://192.0.2.7/
        assertThat(BlockRules.normalize(Type.SENDER, "o'brien+tag@Spam.Example")).isEqualTo("o'brien+tag@spam.example");
        assertThat(matches(Type.HELO, "[192.0.2.1]", "[192.0.2.1]")).isTrue();
    }

    @Test
    void internationalisedDomainsAreStoredAsPunycodeAndMatchEitherSpelling() {
        // audit finding: "münchen-spam.de" was refused as "not a domain name", and a punycode rule could never
        // match the Unicode link host the MIME reader keeps, so an IDN link could not be blocked at all
        assertThat(BlockRules.normalize(Type.URL_DOMAIN, "München-Spam.de")).isEqualTo("xn--mnchen-spam-thb.de");
        assertThat(matches(Type.URL_DOMAIN, "münchen-spam.de", "shop.münchen-spam.de")).isTrue();
        assertThat(matches(Type.URL_DOMAIN, "xn--mnchen-spam-thb.de", "münchen-spam.de")).isTrue();
        assertThat(matches(Type.URL_DOMAIN, "münchen-spam.de", "munchen-spam.de")).isFalse();
        assertThat(matches(Type.SENDER_DOMAIN, "münchen-spam.de", "a@mail.xn--mnchen-spam-thb.de")).isTrue();
        assertThat(matches(Type.SENDER, "info@münchen-spam.de", "<INFO@xn--mnchen-spam-thb.de>")).isTrue();
        assertThat(matches(Type.SENDER, "info@xn--mnchen-spam-thb.de", "info@münchen-spam.de")).isTrue();
        assertThat(matches(Type.HELO, "mx.münchen-spam.de", "mx.xn--mnchen-spam-thb.de")).isTrue();
        assertThatThrownBy(() -> BlockRules.normalize(Type.SENDER_DOMAIN, "bad\u00a0space.de")).hasMessageContaining("not a domain");
    }
}
