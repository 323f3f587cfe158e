package org.streamail.detect.auth.internal.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which domain a message is signed for: the one address of the one From field, as RFC 5322 writes addresses. */
class FromDomainTest {

    private static String domainOf(String value) {
        return FromDomain.of(List.of(value)).domain();
    }

    private static String reasonOf(String... values) {
        FromDomain d = FromDomain.of(List.of(values));
        assertThat(d.domain()).as(List.of(values).toString()).isNull();
        return d.reason();
    }

    @Test
    void theDomainOfTheOneAddressInAnyOfItsWritings() {
        assertThat(domainOf(" alice@example.org")).isEqualTo("example.org");
        assertThat(domainOf(" Alice <alice@Example.ORG>")).isEqualTo("example.org");
        assertThat(domainOf(" \"Doe, Alice (Sales)\" <alice@example.org>")).isEqualTo("example.org");
        assertThat(domainOf(" \"a <b@evil.example>\" <alice@example.org>")).isEqualTo("example.org");
        assertThat(domainOf(" alice@example.org (Alice, Sales)")).isEqualTo("example.org");
        assertThat(domainOf(" (comment (nested, with \\) a quoted pair)) alice@example.org")).isEqualTo("example.org");
        assertThat(domainOf(" \"alice@evil.example\"@example.org")).isEqualTo("example.org");
        assertThat(domainOf(" =?UTF-8?Q?Al=C3=AFce?=\r\n <alice@news.example.org>")).isEqualTo("news.example.org");
        assertThat(domainOf(" <@relay.example:alice@example.org>")).isEqualTo("example.org");
        assertThat(domainOf(" alice @ example.org.")).isEqualTo("example.org");
        assertThat(domainOf(" Sales: alice@example.org;")).isEqualTo("example.org");
        // RFC 6532: UTF-8 in the field; the domain becomes A-labels
        String utf8 = new String(" J\u00f6rg <j@b\u00fccher.example>".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1);
        assertThat(domainOf(utf8)).isEqualTo("xn--bcher-kva.example");
    }

    @Test
    void noSingleAuthorNoDomain() {
        assertThat(reasonOf()).isEqualTo("no From field");
        assertThat(reasonOf(" a@example.org", " b@example.org")).isEqualTo("2 From fields");
        assertThat(reasonOf(" a@example.org, b@example.org")).isEqualTo("several addresses in From");
        assertThat(reasonOf(" Team: a@example.org, b@example.org;")).isEqualTo("several addresses in From");
        assertThat(reasonOf(" Doe, John <j@example.org>")).isEqualTo("several addresses in From");
        assertThat(reasonOf(" undisclosed-recipients:;")).isEqualTo("no address in From");
        assertThat(reasonOf(" (only a comment)")).isEqualTo("no address in From");
        assertThat(reasonOf(" alice")).isEqualTo("the From address has no domain");
        assertThat(reasonOf(" alice@[192.0.2.1]")).isEqualTo("the From domain is an address literal");
        assertThat(reasonOf(" alice@localhost")).isEqualTo("the From domain is not a domain name");
        assertThat(reasonOf(" alice@exa_mple.org")).isEqualTo("the From domain is not a domain name");
        for (String broken : List.of(" <alice@example.org", " \"alice@example.org", " (alice@example.org",
                " alice@example.org>", " <a@example.org> <b@example.org>", " <a@example.org> text",
                " a@example.org;", " x: y: a@example.org;", " G: a@example.org")) {
            assertThat(reasonOf(broken)).as(broken).isEqualTo("the From field cannot be read as addresses");
        }
    }

    @Test
    void aVeryLongFieldIsReadInOnePass() {
        String many = " " + "a@example.org, ".repeat(200_000) + "b@example.org";
        assertThat(reasonOf(many)).isEqualTo("several addresses in From");
        String deep = " " + "(".repeat(100_000) + ")".repeat(100_000) + " a@example.org";
        assertThat(domainOf(deep)).isEqualTo("example.org");
    }
}
