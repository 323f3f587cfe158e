package org.streamail.detect.auth.internal.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.detect.auth.internal.dns.Zone;

class SpfEvaluatorTest {

    private static final Instant LATER = Instant.now().plus(1, ChronoUnit.DAYS);

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal); // literals only: no look-up
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static SpfOutcome check(Zone zone, String ip, String domain) {
        return new SpfEvaluator(zone, "mx.example.org").checkHost(ip(ip), domain, "user@" + domain,
                "helo.example.net", LATER);
    }

    private static SpfOutcome check(String record, String ip) {
        return check(new Zone().txt("example.com", record), ip, "example.com");
    }

    /** The example.com and example.org zone of RFC 7208 Appendix A. */
    private static Zone appendixA() {
        return new Zone()
                .mx("example.com", 10, "mail-a.example.com").mx("example.com", 20, "mail-b.example.com")
                .a("example.com", "192.0.2.10", "192.0.2.11")
                .a("amy.example.com", "192.0.2.65")
                .a("bob.example.com", "192.0.2.66")
                .a("mail-a.example.com", "192.0.2.129")
                .a("mail-b.example.com", "192.0.2.130")
                .a("www.example.com", "192.0.2.10", "192.0.2.11")
                .mx("example.org", 10, "mail-c.example.org")
                .a("mail-c.example.org", "192.0.2.140")
                .ptr("192.0.2.10", "example.com").ptr("192.0.2.11", "example.com")
                .ptr("192.0.2.65", "amy.example.com").ptr("192.0.2.66", "bob.example.com")
                .ptr("192.0.2.129", "mail-a.example.com").ptr("192.0.2.130", "mail-b.example.com")
                .ptr("192.0.2.140", "mail-c.example.org").ptr("10.0.0.10", "bob.example.com");
    }

    @ParameterizedTest(name = "[{index}] {0} from {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
        "v=spf1 +all | 198.51.100.7 | PASS",
        "v=spf1 a -all | 192.0.2.10 | PASS",
        "v=spf1 a -all | 192.0.2.11 | PASS",
        "v=spf1 a -all | 192.0.2.12 | FAIL",
        "v=spf1 a:example.org -all | 192.0.2.10 | FAIL",
        "v=spf1 mx -all | 192.0.2.129 | PASS",
        "v=spf1 mx -all | 192.0.2.130 | PASS",
        "v=spf1 mx -all | 192.0.2.10 | FAIL",
        "v=spf1 mx:example.org -all | 192.0.2.140 | PASS",
        "v=spf1 mx:example.org -all | 192.0.2.129 | FAIL",
        "v=spf1 mx mx:example.org -all | 192.0.2.129 | PASS",
        "v=spf1 mx mx:example.org -all | 192.0.2.130 | PASS",
        "v=spf1 mx mx:example.org -all | 192.0.2.140 | PASS",
        "v=spf1 mx/30 mx:example.org/30 -all | 192.0.2.131 | PASS",
        "v=spf1 mx/30 mx:example.org/30 -all | 192.0.2.143 | PASS",
        "v=spf1 mx/30 mx:example.org/30 -all | 192.0.2.132 | FAIL",
        "v=spf1 ptr -all | 192.0.2.65 | PASS",
        "v=spf1 ptr -all | 192.0.2.140 | FAIL",
        "v=spf1 ptr -all | 10.0.0.4 | FAIL",
        "v=spf1 ptr -all | 10.0.0.10 | FAIL",
        "v=spf1 ip4:192.0.2.128/28 -all | 192.0.2.65 | FAIL",
        "v=spf1 ip4:192.0.2.128/28 -all | 192.0.2.129 | PASS",
    })
    void appendixA1SimpleExamples(String record, String ip, SpfResult expected) {
        SpfOutcome o = check(appendixA().txt("example.com", record), ip, "example.com");
        assertThat(o.result()).isEqualTo(expected);
        assertThat(o.domain()).isEqualTo("example.com");
    }

    @ParameterizedTest
    @CsvSource({"+all, PASS", "all, PASS", "-all, FAIL", "~all, SOFTFAIL", "?all, NEUTRAL", "-ALL, FAIL"})
    void qualifiers(String all, SpfResult expected) {
        SpfOutcome o = check("v=spf1 " + all, "192.0.2.1");
        assertThat(o.result()).isEqualTo(expected);
        assertThat(o.explanation()).isEqualTo(all);
        assertThat(o.dnsLookups()).isZero();
    }

    @Test
    void noMatchIsNeutralAndTheMatchingMechanismIsTheExplanation() {
        assertThat(check("v=spf1 ip4:198.51.100.0/24", "192.0.2.1").result()).isEqualTo(SpfResult.NEUTRAL);
        assertThat(check("v=spf1", "192.0.2.1").result()).isEqualTo(SpfResult.NEUTRAL);
        SpfOutcome o = check("v=spf1 ip4:198.51.100.0/24 ~ip4:192.0.2.0/24 -all", "192.0.2.77");
        assertThat(o).isEqualTo(new SpfOutcome(SpfResult.SOFTFAIL, "example.com", "~ip4:192.0.2.0/24", 0));
    }

    @ParameterizedTest
    @CsvSource({
        "ip4:192.0.2.1, 192.0.2.1, PASS", "ip4:192.0.2.1, 192.0.2.2, NEUTRAL",
        "ip4:192.0.2.0/25, 192.0.2.127, PASS", "ip4:192.0.2.0/25, 192.0.2.128, NEUTRAL",
        "ip4:0.0.0.0/0, 203.0.113.9, PASS", "ip4:192.0.2.0/24, 2001:db8::1, NEUTRAL",
        "ip4:192.0.2.0/24, ::ffff:192.0.2.9, PASS",
        "ip6:2001:db8::/32, 2001:db8:ffff::5, PASS", "ip6:2001:db8::/32, 2001:db9::5, NEUTRAL",
        "ip6:2001:db8::cb01, 2001:db8::cb01, PASS", "ip6:2001:db8::cb00/127, 2001:db8::cb01, PASS",
        "ip6:2001:db8::cb00/128, 2001:db8::cb01, NEUTRAL", "ip6:::/0, 192.0.2.1, NEUTRAL",
        "ip6:2001:db8:0:0:0:0:0:1/64, 2001:db8::abcd, PASS", "ip6:::ffff:192.0.2.0/120, 2001:db8::1, NEUTRAL",
    })
    void ipNetworks(String mechanism, String client, SpfResult expected) {
        assertThat(check("v=spf1 " + mechanism, client).result()).isEqualTo(expected);
    }

    @Test
    void aWithDualCidrLengths() {
        Zone zone = new Zone().txt("example.com", "v=spf1 a/24//64 -all")
                .a("example.com", "192.0.2.10").aaaa("example.com", "2001:db8:1:2::10");
        assertThat(check(zone, "192.0.2.200", "example.com").result()).isEqualTo(SpfResult.PASS);
        assertThat(check(zone, "192.0.3.10", "example.com").result()).isEqualTo(SpfResult.FAIL);
        assertThat(check(zone, "2001:db8:1:2::ffff", "example.com").result()).isEqualTo(SpfResult.PASS);
        assertThat(check(zone, "2001:db8:1:3::10", "example.com").result()).isEqualTo(SpfResult.FAIL);
        SpfOutcome o = check(zone, "192.0.2.200", "example.com");
        assertThat(o.explanation()).isEqualTo("a/24//64");
        assertThat(o.dnsLookups()).isEqualTo(1);
    }

    @Test
    void aAndMxWithATargetDomainAndOnlyIp6Length() {
        Zone zone = new Zone().txt("example.com", "v=spf1 a:hosts.example.net//48 mx:example.net -all")
                .aaaa("hosts.example.net", "2001:db8:aa::1")
                .mx("example.net", 5, "mx1.example.net").aaaa("mx1.example.net", "2001:db8:bb::25");
        assertThat(check(zone, "2001:db8:aa:ffff::9", "example.com").result()).isEqualTo(SpfResult.PASS);
        assertThat(check(zone, "2001:db8:bb::25", "example.com").explanation()).isEqualTo("mx:example.net");
        assertThat(check(zone, "2001:db8:bb::26", "example.com").result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void includeMatchesOnlyOnPass() {
        Zone zone = new Zone()
                .txt("example.com", "v=spf1 include:fail.example.org include:pass.example.org -all")
                .txt("fail.example.org", "v=spf1 -all")
                .txt("pass.example.org", "v=spf1 ip4:192.0.2.0/24 ~all");
        SpfOutcome pass = check(zone, "192.0.2.5", "example.com");
        assertThat(pass).isEqualTo(new SpfOutcome(SpfResult.PASS, "example.com", "include:pass.example.org", 2));
        // the inner softfail does not match: the outer -all decides
        assertThat(check(zone, "198.51.100.5", "example.com").result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void includeOfNoRecordIsPermerror() {
        Zone zone = new Zone().txt("example.com", "v=spf1 include:nothing.example.org +all");
        SpfOutcome o = check(zone, "192.0.2.5", "example.com");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.explanation()).contains("include:nothing.example.org");
    }

    @Test
    void includeErrorsPropagate() {
        Zone zone = new Zone().txt("example.com", "v=spf1 include:broken.example.org +all")
                .txt("broken.example.org", "v=spf1 bogus -all");
        assertThat(check(zone, "192.0.2.5", "example.com").result()).isEqualTo(SpfResult.PERMERROR);
        Zone down = new Zone().txt("example.com", "v=spf1 include:down.example.org +all")
                .servfail("down.example.org");
        assertThat(check(down, "192.0.2.5", "example.com").result()).isEqualTo(SpfResult.TEMPERROR);
    }

    @Test
    void existsAndMacroTarget() {
        Zone zone = new Zone().txt("example.com", "v=spf1 exists:%{i}.allow.example.com -all")
                .a("192.0.2.3.allow.example.com", "127.0.0.2");
        assertThat(check(zone, "192.0.2.3", "example.com").result()).isEqualTo(SpfResult.PASS);
        assertThat(check(zone, "192.0.2.4", "example.com").result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void section74MacroExamplesAsTargets() {
        Zone zone = new Zone().txt("email.example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all")
                .a("3.2.0.192.in-addr._spf.example.com", "127.0.0.2")
                .a("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
                        "127.0.0.2");
        SpfEvaluator spf = new SpfEvaluator(zone, "mx.example.org");
        assertThat(spf.checkHost(ip("192.0.2.3"), "email.example.com", "strong-bad@email.example.com",
                "helo.example.net", LATER).result()).isEqualTo(SpfResult.PASS);
        assertThat(spf.checkHost(ip("2001:db8::cb01"), "email.example.com", "strong-bad@email.example.com",
                "helo.example.net", LATER).result()).isEqualTo(SpfResult.PASS);
        assertThat(spf.checkHost(ip("192.0.2.4"), "email.example.com", "strong-bad@email.example.com",
                "helo.example.net", LATER).result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void expandedNamesOver253CharactersLoseLeftLabels() {
        String l = "x".repeat(60);
        Zone zone = new Zone().txt("example.com", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.example.com -all")
                .a(l + "." + l + "." + l + ".example.com", "127.0.0.2");
        SpfOutcome o = new SpfEvaluator(zone, null).checkHost(ip("192.0.2.1"), "example.com",
                l + "@example.com", "h.example.net", LATER);
        assertThat(o.result()).isEqualTo(SpfResult.PASS);
    }

    @Test
    void invalidExpandedNameIsPermerror() {
        Zone zone = new Zone().txt("example.com", "v=spf1 exists:%{l}.example.com -all")
                .a("a+b.example.com", "127.0.0.2");
        // a local part that is not a host name is still a DNS label: asked, found
        SpfOutcome o = new SpfEvaluator(zone, null).checkHost(ip("192.0.2.1"), "example.com",
                "a+b@example.com", "h.example.net", LATER);
        assertThat(o.result()).isEqualTo(SpfResult.PASS);
        assertThat(new SpfEvaluator(zone, null).checkHost(ip("192.0.2.1"), "example.com",
                "c:d/e@example.com", "h.example.net", LATER).result()).isEqualTo(SpfResult.FAIL);
        Zone badTop = new Zone().txt("example.com", "v=spf1 exists:%{d}.%{l} -all");
        assertThat(new SpfEvaluator(badTop, null).checkHost(ip("192.0.2.1"), "example.com",
                "123@example.com", "h.example.net", LATER).result()).isEqualTo(SpfResult.PERMERROR);
        SpfOutcome longLabel = new SpfEvaluator(zone, null).checkHost(ip("192.0.2.1"), "example.com",
                "y".repeat(64) + "@example.com", "h.example.net", LATER);
        assertThat(longLabel.result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void redirectOnlyWhenNothingMatched() {
        Zone zone = new Zone().txt("example.com", "v=spf1 ip4:192.0.2.1 redirect=_spf.example.net")
                .txt("_spf.example.net", "v=spf1 ip4:198.51.100.0/24 -all");
        assertThat(check(zone, "192.0.2.1", "example.com")).isEqualTo(
                new SpfOutcome(SpfResult.PASS, "example.com", "ip4:192.0.2.1", 0));
        SpfOutcome redirected = check(zone, "198.51.100.9", "example.com");
        assertThat(redirected.result()).isEqualTo(SpfResult.PASS);
        assertThat(redirected.dnsLookups()).isEqualTo(1);
        assertThat(redirected.explanation()).contains("redirect=_spf.example.net");
        assertThat(check(zone, "203.0.113.1", "example.com").result()).isEqualTo(SpfResult.FAIL);
        // redirect is ignored when "all" matched, wherever it stands
        Zone withAll = new Zone().txt("example.com", "v=spf1 redirect=_spf.example.net ?all")
                .txt("_spf.example.net", "v=spf1 +all");
        assertThat(check(withAll, "203.0.113.1", "example.com").result()).isEqualTo(SpfResult.NEUTRAL);
    }

    @Test
    void redirectToNoRecordIsPermerror() {
        assertThat(check("v=spf1 redirect=none.example.net", "192.0.2.1").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "v=spf1 redirect=a.example.net redirect=b.example.net",
        "v=spf1 exp=a.example.net exp=b.example.net -all",
        "v=spf1 +all foo:bar",
        "v=spf1 ip4:192.0.2.1/33 +all", "v=spf1 ip4:192.0.2.1/024 +all", "v=spf1 ip6:2001:db8::/129 +all",
        "v=spf1 ip4:192.0.2 +all", "v=spf1 ip4:192.0.2.01 +all", "v=spf1 ip6:2001:db8:::1 +all",
        "v=spf1 ip6:192.0.2.1 +all", "v=spf1 a/33 +all", "v=spf1 a//129 +all", "v=spf1 mx/ +all",
        "v=spf1 a: +all", "v=spf1 include +all", "v=spf1 exists: +all", "v=spf1 all:x.example +all",
        "v=spf1 exists:%{x}.example.com +all", "v=spf1 exists:%{d0}.example.com +all",
        "v=spf1 exists:%{c}.example.com +all", "v=spf1 include:foo% +all", "v=spf1 include:%{d +all",
        "v=spf1 include:%{d2 +all",
        "v=spf1 a:museum +all", "v=spf1 a:example.123 +all", "v=spf1 redirect=", "v=spf1 exp= +all",
        "v=spf1 unknown=%y +all", "v=spf1 + +all",
    })
    void syntaxErrorsAnywhereArePermerror(String record) {
        assertThat(check(record, "192.0.2.1").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void toplabelMayHoldDashesAndTheSpecMayEndWithAMacroOrADot() {
        Zone zone = new Zone().txt("example.com", "v=spf1 a:mail.example.xn--zckzah a:%{d} a:a.example.net. -all")
                .a("mail.example.xn--zckzah", "192.0.2.1").a("example.com", "192.0.2.2")
                .a("a.example.net", "192.0.2.3");
        assertThat(check(zone, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.PASS);
        assertThat(check(zone, "192.0.2.2", "example.com").explanation()).isEqualTo("a:%{d}");
        assertThat(check(zone, "192.0.2.3", "example.com").result()).isEqualTo(SpfResult.PASS);
    }

    @Test
    void unknownModifiersAndExpAreIgnored() {
        // exp's target fails to resolve: it must never be looked up
        Zone zone = new Zone().txt("example.com", "v=spf1 moo.cow-far_out=man:dog/cat exp=why.example.com -all")
                .servfail("why.example.com");
        assertThat(check(zone, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.FAIL);
        assertThat(zone.queries()).isEqualTo(1);
    }

    @Test
    void recordSelection() {
        Zone zone = new Zone().txt("example.com", "google-site-verification=abc")
                .txt("example.com", "v=spf10 +all").txt("example.com", "V=SPF1 -all");
        assertThat(check(zone, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.FAIL);
        assertThat(check(new Zone().txt("example.com", "v=spf1x"), "192.0.2.1", "example.com").result())
                .isEqualTo(SpfResult.NONE);
        SpfOutcome none = check(new Zone(), "192.0.2.1", "example.com");
        assertThat(none.result()).isEqualTo(SpfResult.NONE);
        assertThat(none.explanation()).isNotBlank();
    }

    @Test
    void twoRecordsArePermerror() {
        Zone zone = new Zone().txt("example.com", "v=spf1 +all").txt("example.com", "v=spf1 -all");
        assertThat(check(zone, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.PERMERROR);
    }

    private static Zone includeChain(int includes) {
        StringBuilder record = new StringBuilder("v=spf1");
        Zone zone = new Zone();
        for (int i = 0; i < includes; i++) {
            record.append(" include:i").append(i).append(".example.net");
            zone.txt("i" + i + ".example.net", "v=spf1 -all");
        }
        return zone.txt("example.com", record.append(" +all").toString());
    }

    @Test
    void tenLookupsAreAllowedElevenArePermerror() {
        SpfOutcome ten = check(includeChain(10), "192.0.2.1", "example.com");
        assertThat(ten.result()).isEqualTo(SpfResult.PASS);
        assertThat(ten.dnsLookups()).isEqualTo(10);
        SpfOutcome eleven = check(includeChain(11), "192.0.2.1", "example.com");
        assertThat(eleven.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(eleven.explanation()).contains("10 DNS look-ups");
    }

    @Test
    void lookupsInNestedRecordsCount() {
        Zone zone = new Zone().txt("example.com", "v=spf1 a a a a a a include:n.example.net")
                .a("example.com", "198.51.100.1")
                .txt("n.example.net", "v=spf1 a a a a +all").a("n.example.net", "198.51.100.1");
        assertThat(check(zone, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void moreThanTwoVoidLookupsArePermerror() {
        String two = "v=spf1 a:n1.example.net mx:n2.example.net -all";
        assertThat(check(two, "192.0.2.1").result()).isEqualTo(SpfResult.FAIL);
        String three = "v=spf1 a:n1.example.net mx:n2.example.net exists:n3.example.net -all";
        SpfOutcome o = check(three, "192.0.2.1");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.explanation()).contains("void");
    }

    @Test
    void includeLoopStopsWithPermerror() {
        Zone zone = new Zone().txt("example.com", "v=spf1 include:loop.example.net -all")
                .txt("loop.example.net", "v=spf1 include:example.com -all");
        SpfOutcome o = check(zone, "192.0.2.1", "example.com");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(zone.queries()).isLessThanOrEqualTo(SpfEvaluator.MAX_DNS_LOOKUPS + 1);
        Zone self = new Zone().txt("example.com", "v=spf1 redirect=example.com");
        assertThat(check(self, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void moreThanTenMxNamesArePermerror() {
        Zone zone = new Zone().txt("example.com", "v=spf1 mx -all");
        for (int i = 0; i < 11; i++) {
            zone.mx("example.com", i, "mx" + i + ".example.com").a("mx" + i + ".example.com", "198.51.100." + i);
        }
        assertThat(check(zone, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void temporaryDnsFailuresAreTemperror() {
        Zone txt = new Zone().servfail("example.com");
        assertThat(check(txt, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.TEMPERROR);
        Zone a = new Zone().txt("example.com", "v=spf1 a:down.example.net -all").servfail("down.example.net");
        assertThat(check(a, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.TEMPERROR);
        Zone mxHost = new Zone().txt("example.com", "v=spf1 mx -all").mx("example.com", 1, "down.example.net")
                .servfail("down.example.net");
        assertThat(check(mxHost, "192.0.2.1", "example.com").result()).isEqualTo(SpfResult.TEMPERROR);
    }

    @Test
    void ptrLookupFailureOnlyMakesPtrNotMatch() {
        Zone zone = new Zone().txt("example.com", "v=spf1 ptr -all").servfail(Zone.reverse(ip("192.0.2.65")));
        assertThat(check(zone, "192.0.2.65", "example.com").result()).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void ptrOnIpv6() {
        Zone zone = new Zone().txt("example.com", "v=spf1 ptr:example.com -all")
                .ptr("2001:db8::25", "mail.example.com").aaaa("mail.example.com", "2001:db8::25");
        assertThat(check(zone, "2001:db8::25", "example.com").result()).isEqualTo(SpfResult.PASS);
    }

    @Test
    void deadlinePassedIsTemperrorWithoutLookups() {
        Zone zone = new Zone().txt("example.com", "v=spf1 +all");
        SpfOutcome o = new SpfEvaluator(zone, "mx.example.org").checkHost(ip("192.0.2.1"), "example.com",
                "a@example.com", "h.example.net", Instant.now().minusSeconds(1));
        assertThat(o.result()).isEqualTo(SpfResult.TEMPERROR);
        assertThat(o.explanation()).isEqualTo("time-out");
        assertThat(zone.queries()).isZero();
    }

    @Test
    void nullSenderUsesPostmasterAtHelo() {
        Zone zone = new Zone().txt("helo.example.net", "v=spf1 exists:%{l}.%{o}.chk.example.org -all")
                .a("postmaster.helo.example.net.chk.example.org", "127.0.0.2");
        SpfEvaluator spf = new SpfEvaluator(zone, "mx.example.org");
        SpfOutcome o = spf.checkMailFrom(ip("192.0.2.1"), null, "helo.example.net", LATER);
        assertThat(o.result()).isEqualTo(SpfResult.PASS);
        assertThat(o.domain()).isEqualTo("helo.example.net");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "<>", "helo.example.net", LATER).result())
                .isEqualTo(SpfResult.PASS);
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), null, "[192.0.2.1]", LATER).result())
                .isEqualTo(SpfResult.NONE);
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), null, "192.0.2.1", LATER).result())
                .isEqualTo(SpfResult.NONE);
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), null, null, LATER).result()).isEqualTo(SpfResult.NONE);
    }

    @Test
    void mailFromIdentity() {
        Zone zone = new Zone().txt("example.com", "v=spf1 exists:%{l}.chk.example.org -all")
                .a("postmaster.chk.example.org", "127.0.0.2").a("alice.chk.example.org", "127.0.0.2");
        SpfEvaluator spf = new SpfEvaluator(zone, "mx.example.org");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "alice@example.com", "h.example.net", LATER).result())
                .isEqualTo(SpfResult.PASS);
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), "bob@example.com", "h.example.net", LATER).result())
                .isEqualTo(SpfResult.FAIL);
        SpfOutcome noAt = spf.checkMailFrom(ip("192.0.2.1"), "example.com", "h.example.net", LATER);
        assertThat(noAt.result()).isEqualTo(SpfResult.PASS);
        assertThat(noAt.domain()).isEqualTo("example.com");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "com", "a..example.com", ".example.com", "1.2.3.4", "[192.0.2.1]",
        "exa mple.com", "ex\u0001ample.com"})
    void invalidInitialDomainIsNone(String domain) {
        Zone zone = new Zone().txt(domain.isEmpty() ? "x" : domain, "v=spf1 -all");
        assertThat(check(zone, "192.0.2.1", domain).result()).isEqualTo(SpfResult.NONE);
        assertThat(zone.queries()).isZero();
    }

    @Test
    void overlongInitialDomainIsNone() {
        String label64 = "a".repeat(64) + ".example.com";
        String long254 = ("a".repeat(62) + ".").repeat(4) + "ab";
        assertThat(long254).hasSize(254);
        assertThat(check(new Zone(), "192.0.2.1", label64).result()).isEqualTo(SpfResult.NONE);
        assertThat(check(new Zone(), "192.0.2.1", long254).result()).isEqualTo(SpfResult.NONE);
    }

    @Test
    void explanationIsShortAndPrintable() {
        SpfOutcome o = check("v=spf1 \u0007" + "x".repeat(500) + " -all", "192.0.2.1");
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(o.explanation()).hasSizeLessThanOrEqualTo(200).doesNotContain("\u0007");
        assertThat(o.explanation().chars().noneMatch(Character::isISOControl)).isTrue();
    }

    @Test
    void hostileMacroExpansionIsBounded() {
        String record = "v=spf1 exists:" + "%{s}".repeat(400) + ".example.com -all";
        SpfOutcome o = new SpfEvaluator(new Zone().txt("example.com", record), null).checkHost(ip("192.0.2.1"),
                "example.com", "z".repeat(60) + "@example.com", "h.example.net", LATER);
        assertThat(o.result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void extraSpacesAreHarmlessButTooManyTermsArePermerror() {
        assertThat(check("v=spf1" + " ".repeat(2000) + "-all  ", "192.0.2.1").result()).isEqualTo(SpfResult.FAIL);
        assertThat(check("v=spf1" + " ?ip4:198.51.100.1".repeat(SpfRecord.MAX_TERMS) + " -all", "192.0.2.1")
                .result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void tokens() {
        assertThat(SpfResult.SOFTFAIL.token()).isEqualTo("softfail");
        assertThat(SpfResult.PERMERROR.token()).isEqualTo("permerror");
    }
}
