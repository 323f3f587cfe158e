package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostsTest {

    @Test
    void theRegistrableDomainFollowsThePublicSuffixList() {
        assertThat(Hosts.registrable("www.paypal.com")).isEqualTo("paypal.com");
        assertThat(Hosts.registrable("secure.login.paypal.co.uk")).isEqualTo("paypal.co.uk");
        assertThat(Hosts.registrable("impots.gouv.fr")).isEqualTo("impots.gouv.fr");
        // suffixes the old two-level heuristic did not know
        assertThat(Hosts.registrable("online.bank.com.au")).isEqualTo("bank.com.au");
        assertThat(Hosts.registrable("shop.example.kyoto.jp")).isEqualTo("example.kyoto.jp");
    }

    @Test
    void aSiteOnSharedHostingIsItsOwnSiteNotTheHostingCompanys() {
        assertThat(Hosts.registrable("paypal-verify.github.io")).isEqualTo("paypal-verify.github.io");
        assertThat(Hosts.registrable("a.b.blogspot.com")).isEqualTo("b.blogspot.com");
        assertThat(Hosts.label(Hosts.registrable("paypal-verify.github.io"))).isEqualTo("paypal-verify");
    }

    @Test
    void unlistedSuffixesFallBackToTheLastTwoLabels() {
        assertThat(Hosts.registrable("mail.hr.corp.internal")).isEqualTo("corp.internal");
        assertThat(Hosts.registrable("under_score.example.invalid")).isEqualTo("example.invalid");
    }

    @Test
    void literalsSingleLabelsAndSuffixesStayAsTheyAre() {
        assertThat(Hosts.registrable("192.0.2.7")).isEqualTo("192.0.2.7");
        assertThat(Hosts.registrable("localhost")).isEqualTo("localhost");
        assertThat(Hosts.registrable("co.uk")).isEqualTo("co.uk");
    }

    @Test
    void unicodeHostsAreJudgedToo() {
        assertThat(Hosts.registrable("www.b\u00fccher.de")).isEqualTo("b\u00fccher.de");
    }
}
