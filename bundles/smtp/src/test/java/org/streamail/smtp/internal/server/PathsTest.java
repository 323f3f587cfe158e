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

    /** Found by SmtpFuzzTest: any bracketed text passed as a sender's domain, spaces and brackets included. */
    @ParameterizedTest
    @ValueSource(strings = {"<a@[3\\E]\\E]]84.0.2.1]>", "<a@[]>", "<a@[a b]>", "<a@[1.2.3.256]>", "<a@[[1.2.3.4]>",
        "<a@[IPv6:]>", "<a@[:1]>", "<a@[x]y]>"})
    void aSenderAddressLiteralMustBeOneByRfc5321(String arg) {
        Paths.Parsed p = Paths.parse(arg, false);
        assertThat(p.ok()).isFalse();
        assertThat(p.error().line()).startsWith("501 5.1.7");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a@[192.0.2.1]", "a@[ipv6:2001:db8::1]", "a@[x-tag:some.thing]"})
    void wellFormedSenderAddressLiteralsAreKept(String address) {
        assertThat(Paths.parse("<" + address + ">", false).address()).isEqualTo(address);
        assertThat(Paths.parse("<" + address + ">", true).error()).isEqualTo(Paths.RELAY_DENIED);
    }

    /** Found by SmtpFuzzTest: whatever stood between "<@" and the first colon was skipped unread. */
    @ParameterizedTest
    @ValueSource(strings = {"<@<rst:bob@sender.test>", "<@:bob@sender.test>", "<@a b:bob@sender.test>",
        "<@relay.test,:bob@sender.test>", "<@relay.test,relay2.test:bob@sender.test>", "<@[1.2.3.4]:bob@sender.test>"})
    void aMalformedSourceRouteInTheSenderIsASyntaxError(String arg) {
        Paths.Parsed p = Paths.parse(arg, false);
        assertThat(p.ok()).isFalse();
        assertThat(p.error().line()).startsWith("501 5.1.7");
    }

    @Test
    void aSourceRouteOfSeveralHopsInTheSenderIsIgnored() {
        assertThat(Paths.parse("<@one.test,@Two.test:bob@sender.test>", false).address()).isEqualTo("bob@sender.test");
    }

    /** Found by SmtpFuzzTest: a local part that merely began and ended with a quote passed as one Quoted-string. */
    @ParameterizedTest
    @ValueSource(strings = {"<\"a\"b\"c\"@example.org>", "<\"<\"jser.n doe\"jser.n doe\"@example.org>",
        "<\"a\".\"b\"@example.org>"})
    void aLocalPartOfSeveralQuotedPiecesIsASyntaxError(String arg) {
        assertThat(Paths.parse(arg, true).error().line()).startsWith("501 5.1.3");
        assertThat(Paths.parse(arg, false).error().line()).startsWith("501 5.1.7");
    }

    @Test
    void quotedPairsStayInsideOneQuotedString() {
        assertThat(Paths.parse("<\"a\\\"b\"@example.org>", true).address()).isEqualTo("\"a\\\"b\"@example.org");
        assertThat(Paths.parse("<\"a\\@b\"@example.org>", true).error()).isEqualTo(Paths.RELAY_DENIED);
    }
}
