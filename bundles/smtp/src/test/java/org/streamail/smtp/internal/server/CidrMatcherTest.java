package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class CidrMatcherTest {

    static InetAddress ip(String literal) throws UnknownHostException {
        return InetAddress.getByName(literal); // literals only: no DNS
    }

    /** An Inet6Address holding ::ffff:a.b.c.d, as a dual-stack socket could report it. */
    static InetAddress mapped(int a, int b, int c, int d) throws UnknownHostException {
        byte[] bytes = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) a, (byte) b, (byte) c, (byte) d};
        return Inet6Address.getByAddress(null, bytes, -1);
    }

    @Test
    void ipv4NetworksMatchTheirAddressesOnly() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "10.0.0.0/8, 192.168.1.0/24");
        assertThat(m.contains(ip("10.0.0.1"))).isTrue();
        assertThat(m.contains(ip("10.255.255.255"))).isTrue();
        assertThat(m.contains(ip("11.0.0.0"))).isFalse();
        assertThat(m.contains(ip("192.168.1.200"))).isTrue();
        assertThat(m.contains(ip("192.168.2.1"))).isFalse();
        assertThat(m.contains(ip("::a00:1"))).as("IPv4-compatible IPv6 is not IPv4").isFalse();
    }

    @Test
    void prefixesThatAreNotWholeBytesCompareTheRightBits() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "172.16.0.0/12");
        assertThat(m.contains(ip("172.16.0.1"))).isTrue();
        assertThat(m.contains(ip("172.31.255.255"))).isTrue();
        assertThat(m.contains(ip("172.32.0.0"))).isFalse();
        assertThat(m.contains(ip("172.15.255.255"))).isFalse();
    }

    @Test
    void aSlash32OrABareAddressIsOneHost() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "192.0.2.7/32", "192.0.2.9");
        assertThat(m.contains(ip("192.0.2.7"))).isTrue();
        assertThat(m.contains(ip("192.0.2.9"))).isTrue();
        assertThat(m.contains(ip("192.0.2.8"))).isFalse();
        assertThat(m.entries()).containsExactly("192.0.2.7/32", "192.0.2.9/32");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0/0", "::/0", "0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/7", "2000::/3",
        "fc00::/6", "::ffff:0.0.0.0/96", "::ffff:0.0.0.0/100", "::/80", "::/8"})
    void anEntryThatLetsALargePartOfTheInternetInIsRefusedSayingWhy(String entry) {
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", "10.0.0.0/8, " + entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internal.networks: bad entry '" + entry + "': ")
                .hasMessageContaining("open relay");
    }

    @Test
    void theWidestInternalRangesAreStillAccepted() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "10.0.0.0/8", "fc00::/7", "::ffff:172.0.0.0/104");
        assertThat(m.contains(ip("10.200.0.1"))).isTrue();
        assertThat(m.contains(ip("fd12::1"))).isTrue();
        assertThat(m.contains(ip("172.31.0.1"))).isTrue();
        assertThat(m.contains(ip("203.0.113.5"))).isFalse();
        assertThat(m.contains(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void ipv6NetworksMatchTheirAddressesOnly() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "fd00::/8 2001:DB8:1::/48 ::1/128");
        assertThat(m.contains(ip("fd12:3456::1"))).isTrue();
        assertThat(m.contains(ip("fe80::1"))).isFalse();
        assertThat(m.contains(ip("2001:db8:1:ffff::1"))).isTrue();
        assertThat(m.contains(ip("2001:db8:2::1"))).isFalse();
        assertThat(m.contains(ip("::1"))).isTrue();
        assertThat(m.contains(ip("::2"))).isFalse();
        assertThat(m.contains(ip("127.0.0.1"))).isFalse();
    }

    @Test
    void anIpv4MappedClientCountsAsIpv4() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "10.0.0.0/8");
        assertThat(mapped(10, 1, 2, 3)).isInstanceOf(Inet6Address.class);
        assertThat(m.contains(mapped(10, 1, 2, 3))).isTrue();
        assertThat(m.contains(mapped(11, 1, 2, 3))).isFalse();
    }

    @Test
    void aMappedNetworkEntryMatchesPlainIpv4Clients() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "::ffff:10.0.0.0/104");
        assertThat(m.contains(ip("10.9.8.7"))).isTrue();
        assertThat(m.contains(ip("11.0.0.1"))).isFalse();
        assertThat(m.entries()).as("the IPv4 network it is").containsExactly("10.0.0.0/8");
    }

    @Test
    void theDefaultLoopbackListMatchesBothLoopbacksAndNothingElse() throws Exception {
        CidrMatcher m = CidrMatcher.parse("internal.networks", "127.0.0.0/8", "::1/128");
        assertThat(m.contains(ip("127.0.0.1"))).isTrue();
        assertThat(m.contains(ip("127.1.2.3"))).isTrue();
        assertThat(m.contains(ip("::1"))).isTrue();
        assertThat(m.contains(ip("10.0.0.1"))).isFalse();
        assertThat(m.contains(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/08x", "10.0.0/8",
        "10.0.0.0.0/8", "256.0.0.0/8", "010.0.0.0/8", "1.2.3.4x", "mail.example.org", "/8", "fe80::1%eth0",
        "[::1]/128", "1:2:3:4:5:6:7:8:9/128", "gggg::/16", "10.0.0.0/0008"})
    void aBadEntryIsAClearErrorNamingThePropertyAndTheEntry(String entry) {
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", "127.0.0.0/8, " + entry))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("internal.networks: bad entry '")
                .hasMessageContaining(entry.length() > 20 ? entry.substring(0, 20) : entry);
    }

    @Test
    void hostBitsAfterThePrefixAreRefusedWithTheLikelyMeaning() {
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", "10.1.2.3/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host bits")
                .hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", "fd00::1/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host bits");
    }

    @Test
    void anEmptyListIsAnErrorBecauseItWouldRefuseEveryone() {
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", " , "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("internal.networks names no network");
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("internal.networks names no network");
    }

    @Test
    void inputIsBounded() {
        String tooMany = String.join(",", java.util.Collections.nCopies(CidrMatcher.MAX_ENTRIES + 1, "10.0.0.0/8"));
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", tooMany))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 256 entries");
        String longEntry = "1".repeat(10_000);
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", longEntry))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long")
                .message().hasSizeLessThan(200);
        assertThatThrownBy(() -> CidrMatcher.parse("internal.networks", "1".repeat(1_000_000)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
    }

    @Test
    void equalListsAreEqualSoAnUnchangedConfigurationIsRecognised() {
        assertThat(CidrMatcher.parse("internal.networks", "10.0.0.0/8", "::1"))
                .isEqualTo(CidrMatcher.parse("internal.networks", "10.0.0.0/8, 0:0:0:0:0:0:0:1/128"))
                .isNotEqualTo(CidrMatcher.parse("internal.networks", "10.0.0.0/9"));
        assertThat(CidrMatcher.parse("internal.networks", "10.0.0.0/8").toString())
                .isEqualTo("internal.networks=10.0.0.0/8");
    }
}
