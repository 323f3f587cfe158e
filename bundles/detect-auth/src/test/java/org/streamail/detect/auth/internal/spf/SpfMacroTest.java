package org.streamail.detect.auth.internal.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** RFC 7208 7.4 examples: sender strong-bad@email.example.com, client 192.0.2.3 or 2001:db8::cb01. */
class SpfMacroTest {

    private static final byte[] V4 = {(byte) 192, 0, 2, 3};
    private static final byte[] V6 = Ip.parse6("2001:db8::cb01");

    private static SpfMacro.Values values(byte[] ip) {
        return new SpfMacro.Values("strong-bad@email.example.com", "strong-bad", "email.example.com", ip,
                "mx.example.net", "mx.example.org", 1_000_000_000L);
    }

    private static String expand(String spec, byte[] ip) throws SpfException {
        return SpfMacro.expand(spec, "email.example.com", values(ip), false);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%{s} | strong-bad@email.example.com",
        "%{o} | email.example.com",
        "%{d} | email.example.com",
        "%{d4} | email.example.com",
        "%{d3} | email.example.com",
        "%{d2} | example.com",
        "%{d1} | com",
        "%{dr} | com.example.email",
        "%{d2r} | example.email",
        "%{l} | strong-bad",
        "%{l-} | strong.bad",
        "%{lr} | strong-bad",
        "%{lr-} | bad.strong",
        "%{l1r-} | strong",
        "%{ir}.%{v}._spf.%{d2} | 3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2} | bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2} | bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2} | 3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net | example.com.trusted-domains.example.net",
        "%{i} | 192.0.2.3",
        "%{p} | unknown",
        "%{h} | mx.example.net",
        "%{d999} | email.example.com",
        "%{S} | strong-bad%40email.example.com",
        "%{l-+}%%%_%- | strong.bad% %20",
        "%{dR} | com.example.email",
    })
    void section74Ipv4(String spec, String expected) throws SpfException {
        assertThat(expand(spec, V4)).isEqualTo(expected);
    }

    @Test
    void section74Ipv6() throws SpfException {
        assertThat(expand("%{ir}.%{v}._spf.%{d2}", V6)).isEqualTo(
                "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
        assertThat(SpfMacro.expand("%{c}", "d.example", values(V6), true)).isEqualTo("2001:db8::cb01");
    }

    @Test
    void explanationOnlyLetters() throws SpfException {
        assertThat(SpfMacro.expand("%{c} %{r} %{t}", "d.example", values(V4), true))
                .isEqualTo("192.0.2.3 mx.example.org 1000000000");
        assertThatThrownBy(() -> expand("%{r}", V4)).isInstanceOf(SpfException.class);
        // explain-string may hold spaces; a domain-spec may not
        assertThat(SpfMacro.check("not allowed", true)).isFalse();
        assertThatThrownBy(() -> SpfMacro.check("not allowed", false)).isInstanceOf(SpfException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"%", "%{", "%{}", "%{x}", "%{d0}", "%{d2x}", "%x", "a b", "%{dr2}", "\u00e9"})
    void badMacrosAreRejected(String spec) {
        assertThatThrownBy(() -> SpfMacro.check(spec, false)).isInstanceOf(SpfException.class)
                .satisfies(e -> assertThat(((SpfException) e).result()).isEqualTo(SpfResult.PERMERROR));
    }

    @Test
    void urlEscapeKeepsOnlyUnreserved() {
        assertThat(SpfMacro.urlEscape("a-b.c_d~e f/g@h\u00e9")).isEqualTo("a-b.c_d~e%20f%2Fg%40h%C3%A9");
    }

    @ParameterizedTest
    @CsvSource({"2001:db8::cb01, 2001:db8::cb01", "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1", "::, ::", "::1, ::1", "1::, 1::"})
    void readableIpv6(String literal, String expected) {
        assertThat(Ip.readable(Ip.parse6(literal))).isEqualTo(expected);
    }
}
