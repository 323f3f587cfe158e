package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PathsTest {

    @Test
    void aPlainRecipientKeepsItsLocalPartAndLowerCasesItsDomain() {
        Paths.Parsed p = Paths.parse("<Alice.Smith@Example.ORG>", true);
        assertThat(p.ok()).isTrue();
        assertThat(p.address()).isEqualTo("Alice.Smith@example.org");
        assertThat(p.params()).isEmpty();
    }

    @Test
    void theNullSenderIsAllowedOnlyForMailFrom() {
        assertThat(Paths.parse("<>", false).address()).isEmpty();
        assertThat(Paths.parse("<>", true).ok()).isFalse();
    }

    @Test
    void aSourceRouteInTheSenderIsIgnored() {
        assertThat(Paths.parse("<@relay.test:bob@sender.test>", false).address()).isEqualTo("bob@sender.test");
    }

    @Test
    void parametersAreSplitFromThePath() {
        Paths.Parsed p = Paths.parse(" <a@b.test> SIZE=100 BODY=8BITMIME", false);
        assertThat(p.address()).isEqualTo("a@b.test");
        assertThat(p.params()).containsExactly("SIZE=100", "BODY=8BITMIME");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a@b.test", "<a@b.test", "<a@b.test>x", "<a@>", "<a>", "<a..b@c.test>",
        "<.a@c.test>", "<a@b..test>", "<a@-b.test>", "<a b@c.test>", "<a@b_c.test>", "<\u00e9@c.test>",
        "<a\u0000@c.test>", "<\"unterminated@c.test>"})
    void malformedRecipientsAreSyntaxErrors(String arg) {
        Paths.Parsed p = Paths.parse(arg, true);
        assertThat(p.ok()).isFalse();
        assertThat(p.error().line()).startsWith("501 5.1.3");
    }

    @Test
    void overlongPathsAreRefused() {
        assertThat(Paths.parse("<" + "a".repeat(65) + "@b.test>", true).ok()).isFalse();
        assertThat(Paths.parse("<a@" + "b".repeat(60) + ("." + "c".repeat(60)).repeat(4) + ">", true).ok()).isFalse();
    }

    @Test
    void aQuotedLocalPartWithoutRoutingCharactersGoesToTheDirectory() {
        assertThat(Paths.parse("<\"john doe\"@example.org>", true).address()).isEqualTo("\"john doe\"@example.org");
    }
}
