package org.streamail.rest.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.net.IpLiteral;

/** Validation of {@code trusted.proxies} and which addresses a valid list contains. */
class TrustedProxiesTest {

    static InetAddress ip(String literal) {
        return IpLiteral.parse(literal).orElseThrow(() -> new AssertionError("not a literal: " + literal));
    }

    @Test
    void anEmptyOrBlankListTrustsNobody() {
        for (String text : new String[] {null, "", "  ", " , "}) {
            TrustedProxies none = TrustedProxies.parse(text);
            assertThat(none.isEmpty()).as("'%s'", text).isTrue();
            assertThat(none.contains(ip("127.0.0.1"))).isFalse();
        }
    }

    @Test
    void addressesAndRangesMaySeparateWithCommasOrSpaces() {
        TrustedProxies t = TrustedProxies.parse(" 10.0.0.0/8, 192.0.2.1\t2001:db8::/32 ,,::1 ");
        assertThat(t.isEmpty()).isFalse();
        assertThat(t.contains(ip("10.0.0.0"))).isTrue();
        assertThat(t.contains(ip("10.255.255.255"))).isTrue();
        assertThat(t.contains(ip("11.0.0.0"))).isFalse();
        assertThat(t.contains(ip("9.255.255.255"))).isFalse();
        assertThat(t.contains(ip("192.0.2.1"))).isTrue();
        assertThat(t.contains(ip("192.0.2.2"))).isFalse();
        assertThat(t.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(t.contains(ip("2001:db9::1"))).isFalse();
        assertThat(t.contains(ip("::1"))).isTrue();
        assertThat(t.contains(ip("::2"))).isFalse();
        assertThat(t.contains(ip("::ffff:10.1.2.3"))).as("IPv4-mapped peer").isTrue();
        assertThat(t).hasToString("10.0.0.0/8, 192.0.2.1/32, 2001:db8::/32, ::1/128");
    }

    @Test
    void prefixesThatAreNotMultiplesOfEightCompareTheRightBits() {
        TrustedProxies t = TrustedProxies.parse("172.16.0.0/12, 2001:db8:8000::/33");
        assertThat(t.contains(ip("172.31.255.255"))).isTrue();
        assertThat(t.contains(ip("172.32.0.0"))).isFalse();
        assertThat(t.contains(ip("172.15.255.255"))).isFalse();
        assertThat(t.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(t.contains(ip("2001:db8:7fff::1"))).isFalse();
    }

    @Test
    void aBadEntryNamesThePropertyAndTheEntry() {
        for (String bad : List.of("proxy.example.com", "10.0.0", "010.0.0.1", "256.0.0.1", "fe80::1%eth0",
                "[2001:db8::1]", "10.0.0.1:8080", "2001:db8::1::2", "-")) {
            assertThatThrownBy(() -> TrustedProxies.parse("192.0.2.1, " + bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("trusted.proxies: '" + bad + "' is not an IPv4/IPv6 address or CIDR range (host"
                            + " names and zone ids are not accepted)");
        }
    }

    @Test
    void aBadPrefixLengthIsRefused() {
        for (String bad : List.of("10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-8", "2001:db8::/129",
                "10.0.0.0/0008", "10.0.0.0/8x")) {
            assertThatThrownBy(() -> TrustedProxies.parse(bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("trusted.proxies: '" + bad + "' has a bad prefix length (0..");
        }
    }

    @Test
    void hostBitsAfterThePrefixAreATypoAndSaySo() {
        assertThatThrownBy(() -> TrustedProxies.parse("10.1.2.3/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trusted.proxies: '10.1.2.3/8' has host bits set after the prefix; did you mean"
                        + " 10.0.0.0/8?");
        assertThatThrownBy(() -> TrustedProxies.parse("2001:db8::1/32"))
                .hasMessageContaining("did you mean 2001:db8::/32?");
        assertThatThrownBy(() -> TrustedProxies.parse("::ffff:10.0.0.0/104"))
                .hasMessage("trusted.proxies: '::ffff:10.0.0.0/104' is an IPv4-mapped IPv6 range; write the IPv4"
                        + " range instead");
    }

    @Test
    void rangesThatTrustAlmostEveryoneAreRefused() {
        for (String wide : List.of("0.0.0.0/0", "::/0", "10.0.0.0/7", "0.0.0.0/1", "2000::/15", "::/1")) {
            assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.1 " + wide))
                    .as(wide).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("trusted.proxies: '" + wide + "' is too wide (at most /")
                    .hasMessageEndingWith("trusting that many addresses would let any client choose its own address");
        }
        assertThat(TrustedProxies.parse("10.0.0.0/8 2001::/16").isEmpty()).as("the widest allowed").isFalse();
    }

    @Test
    void theListIsBounded() {
        String entries = String.join(",", Collections.nCopies(256, "192.0.2.1"));
        assertThat(TrustedProxies.parse(entries).contains(ip("192.0.2.1"))).isTrue();
        assertThatThrownBy(() -> TrustedProxies.parse(entries + ",192.0.2.2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trusted.proxies: more than 256 entries");
    }

    @Test
    void controlCharactersAndLongEntriesAreShownSafely() {
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.1\u0007x"))
                .hasMessageContaining("'10.0.0.1?x'");
        assertThatThrownBy(() -> TrustedProxies.parse("a".repeat(200)))
                .hasMessageContaining("'" + "a".repeat(64) + "...'");
    }
}
