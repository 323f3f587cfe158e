package org.streamail.api.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class IpLiteralTest {

    static InetAddress mapped(int a, int b, int c, int d) throws Exception {
        byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
        return Inet6Address.getByAddress(null, bytes, -1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "192.0.2.1", "255.255.255.255", "10.0.0.1"})
    void dottedQuadsAreIpv4(String text) {
        assertThat(IpLiteral.parse(text)).get().isInstanceOf(Inet4Address.class)
                .extracting(InetAddress::getHostAddress).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "fe80::1:2:3:4",
        "1:2:3:4:5:6:7:8", "::1.2.3.4", "64:ff9b::192.0.2.1", "0:0:0:0:0:0:0:0"})
    void ipv6LiteralsAreIpv6(String text) {
        assertThat(IpLiteral.parse(text)).get().isInstanceOf(Inet6Address.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "example.com", "localhost", "mail.example.org", "256.0.0.1", "1.2.3",
        "1.2.3.4.5", "10.1", "010.0.0.1", "10.00.0.1", "1.2.3.4x", "0x7f.0.0.1", "a.b.c.d", "ab.cd.ef.ad",
        "fe80::1%eth0", "fe80::1%1", "[::1]", "[2001:db8::1]", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1:8080",
        "2001:db8::1::2", "1:2:3:4:5:6:7:8:9", "gggg::1", "abc:def", "2001:db8::12345", "::ffff:010.0.0.1",
        "::1.2.3", "-", "::1/128", "1.2.3.4/32", "１.２.３.４"})
    void anythingButALiteralIsEmptyAndNeverLookedUp(String text) {
        assertThat(IpLiteral.parse(text)).as(text).isEmpty();
    }

    @Test
    void nullAndOverlongTextsAreNotLiterals() {
        assertThat(IpLiteral.parse(null)).isEmpty();
        assertThat(IpLiteral.parse("1".repeat(46))).isEmpty();
        assertThat(IpLiteral.parse("0000:0000:0000:0000:0000:ffff:192.168.100.200")).as("45 characters").isPresent();
    }

    @Test
    void anIpv4MappedLiteralIsTheIpv4Address() {
        assertThat(IpLiteral.parse("::ffff:10.1.2.3")).get().isInstanceOf(Inet4Address.class)
                .extracting(InetAddress::getHostAddress).isEqualTo("10.1.2.3");
        assertThat(IpLiteral.parse("::FFFF:a01:203")).get().isInstanceOf(Inet4Address.class)
                .extracting(InetAddress::getHostAddress).isEqualTo("10.1.2.3");
        assertThat(IpLiteral.parse("::a01:203")).as("IPv4-compatible stays IPv6").get()
                .isInstanceOf(Inet6Address.class);
    }

    @Test
    void unmappedTurnsAMappedSocketAddressIntoIpv4AndLeavesOthersAlone() throws Exception {
        InetAddress m = mapped(10, 1, 2, 3);
        assertThat(m).isInstanceOf(Inet6Address.class);
        assertThat(IpLiteral.unmapped(m)).isInstanceOf(Inet4Address.class).hasToString("/10.1.2.3");
        InetAddress v6 = IpLiteral.parse("2001:db8::1").orElseThrow();
        assertThat(IpLiteral.unmapped(v6)).isSameAs(v6);
        InetAddress v4 = IpLiteral.parse("192.0.2.1").orElseThrow();
        assertThat(IpLiteral.unmapped(v4)).isSameAs(v4);
    }

    @Test
    void canonicalTextIsRfc5952() {
        assertThat(IpLiteral.canonical("2001:0DB8:0000:0000:0000:0000:0000:0001")).isEqualTo("2001:db8::1");
        assertThat(IpLiteral.canonical("2001:db8:0:1:0:0:0:1")).isEqualTo("2001:db8:0:1::1");
        assertThat(IpLiteral.canonical("2001:db8:0:0:1:0:0:1")).as("first of two equal runs")
                .isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpLiteral.canonical("2001:db8:0:1:1:1:1:1")).as("one zero group is not shortened")
                .isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(IpLiteral.canonical("fe80:0:1:0:1:0:1:0")).isEqualTo("fe80:0:1:0:1:0:1:0");
        assertThat(IpLiteral.canonical("0:0:0:0:0:0:0:0")).isEqualTo("::");
        assertThat(IpLiteral.canonical("0:0:0:0:0:0:0:1")).isEqualTo("::1");
        assertThat(IpLiteral.canonical("1::")).isEqualTo("1::");
        assertThat(IpLiteral.canonical("1:0:0:2:0:0:0:3")).as("the longer run").isEqualTo("1:0:0:2::3");
        assertThat(IpLiteral.canonical("::ffff:10.1.2.3")).isEqualTo("10.1.2.3");
        assertThat(IpLiteral.canonical("::1.2.3.4")).isEqualTo("::102:304");
        assertThat(IpLiteral.canonical("192.0.2.1")).isEqualTo("192.0.2.1");
    }

    @Test
    void canonicalOfAMappedSocketAddressIsTheDottedQuad() throws Exception {
        assertThat(IpLiteral.canonical(mapped(192, 0, 2, 200))).isEqualTo("192.0.2.200");
    }

    @Test
    void requireNamesTheBadTextSafely() {
        assertThatThrownBy(() -> IpLiteral.require("mail.example.org"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'mail.example.org' is not an IP address literal (host names and zone ids are not accepted)");
        assertThatThrownBy(() -> IpLiteral.require("10.0.0.1\u0007"))
                .hasMessageStartingWith("'10.0.0.1?' is not");
        assertThatThrownBy(() -> IpLiteral.require("x".repeat(500)))
                .hasMessageStartingWith("'" + "x".repeat(64) + "...' is not")
                .message().hasSizeLessThan(200);
        assertThatThrownBy(() -> IpLiteral.require(null)).hasMessage("an IP address is required");
        assertThatThrownBy(() -> IpLiteral.require("  ")).hasMessage("an IP address is required");
        assertThat(IpLiteral.require("::1")).isInstanceOf(Inet6Address.class);
    }
}
