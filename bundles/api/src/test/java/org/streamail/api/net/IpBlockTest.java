package org.streamail.api.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpBlockTest {

    static InetAddress ip(String literal) {
        return IpLiteral.parse(literal).orElseThrow(() -> new AssertionError("not a literal: " + literal));
    }

    static InetAddress mapped(int a, int b, int c, int d) throws Exception {
        return IpLiteralTest.mapped(a, b, c, d);
    }

    @Test
    void anIpv4BlockHoldsItsAddressesOnly() {
        IpBlock b = IpBlock.parse("10.0.0.0/8");
        assertThat(b.contains(ip("10.0.0.0"))).isTrue();
        assertThat(b.contains(ip("10.255.255.255"))).isTrue();
        assertThat(b.contains(ip("11.0.0.0"))).isFalse();
        assertThat(b.contains(ip("9.255.255.255"))).isFalse();
        assertThat(b.contains(ip("::a00:1"))).as("IPv4-compatible IPv6 is not IPv4").isFalse();
        assertThat(b.contains((InetAddress) null)).isFalse();
        assertThat(b.isIpv4()).isTrue();
        assertThat(b.prefix()).isEqualTo(8);
        assertThat(b.network()).isEqualTo(ip("10.0.0.0"));
    }

    @Test
    void prefixesThatAreNotWholeBytesCompareTheRightBits() {
        IpBlock b = IpBlock.parse("172.16.0.0/12");
        assertThat(b.contains(ip("172.16.0.1"))).isTrue();
        assertThat(b.contains(ip("172.31.255.255"))).isTrue();
        assertThat(b.contains(ip("172.32.0.0"))).isFalse();
        assertThat(b.contains(ip("172.15.255.255"))).isFalse();
        IpBlock half = IpBlock.parse("192.0.2.128/25");
        assertThat(half.contains(ip("192.0.2.200"))).isTrue();
        assertThat(half.contains(ip("192.0.2.127"))).isFalse();
        IpBlock v6 = IpBlock.parse("2001:db8:8000::/33");
        assertThat(v6.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(v6.contains(ip("2001:db8:7fff::1"))).isFalse();
    }

    @Test
    void anIpv6BlockHoldsItsAddressesOnlyAndNoIpv4Client() throws Exception {
        IpBlock b = IpBlock.parse("2001:DB8::/32");
        assertThat(b.contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(b.contains(ip("2001:db9::1"))).isFalse();
        assertThat(b.isIpv4()).isFalse();
        IpBlock all = IpBlock.parse("::/0");
        assertThat(all.contains(ip("fe80::1"))).isTrue();
        assertThat(all.contains(ip("10.0.0.1"))).as("families never mix").isFalse();
        assertThat(all.contains(mapped(10, 0, 0, 1))).as("a mapped client is IPv4").isFalse();
    }

    @Test
    void aBareAddressIsASingleHost() {
        IpBlock b = IpBlock.parse("192.0.2.7");
        assertThat(b).isEqualTo(IpBlock.parse("192.0.2.7/32")).hasToString("192.0.2.7/32");
        assertThat(b.isSingleAddress()).isTrue();
        assertThat(b.contains(ip("192.0.2.7"))).isTrue();
        assertThat(b.contains(ip("192.0.2.8"))).isFalse();
        assertThat(IpBlock.parse("::1")).hasToString("::1/128").isEqualTo(IpBlock.of(ip("::1")));
        assertThat(IpBlock.parse("::1").isSingleAddress()).isTrue();
        assertThat(IpBlock.parse("10.0.0.0/8").isSingleAddress()).isFalse();
    }

    @Test
    void zeroPrefixesHoldTheirWholeFamily() {
        assertThat(IpBlock.parse("0.0.0.0/0").contains(ip("203.0.113.9"))).isTrue();
        assertThat(IpBlock.parse("0.0.0.0/0").contains(ip("2001:db8::1"))).isFalse();
    }

    @Test
    void anIpv4MappedClientMatchesTheIpv4Block() throws Exception {
        IpBlock b = IpBlock.parse("10.0.0.0/8");
        assertThat(mapped(10, 1, 2, 3)).isInstanceOf(Inet6Address.class);
        assertThat(b.contains(mapped(10, 1, 2, 3))).isTrue();
        assertThat(b.contains(mapped(11, 1, 2, 3))).isFalse();
        assertThat(b.contains(ip("::ffff:10.0.0.1"))).isTrue();
        assertThat(IpBlock.of(mapped(192, 0, 2, 1))).isEqualTo(IpBlock.parse("192.0.2.1"));
    }

    @Test
    void aBlockWrittenInMappedFormIsTheIpv4BlockWithIpv6PrefixBits() throws Exception {
        IpBlock b = IpBlock.parse("::ffff:10.0.0.0/104");
        assertThat(b).isEqualTo(IpBlock.parse("10.0.0.0/8")).hasToString("10.0.0.0/8");
        assertThat(b.isIpv4()).isTrue();
        assertThat(b.contains(ip("10.9.8.7"))).isTrue();
        assertThat(b.contains(mapped(10, 9, 8, 7))).isTrue();
        assertThat(b.contains(ip("11.0.0.1"))).isFalse();
        assertThat(IpBlock.parse("::ffff:192.0.2.1")).isEqualTo(IpBlock.parse("192.0.2.1/32"));
        assertThat(IpBlock.parse("::ffff:0.0.0.0/96")).isEqualTo(IpBlock.parse("0.0.0.0/0"));
        assertThat(IpBlock.parse("0:0:0:0:0:ffff:c000:200/120")).isEqualTo(IpBlock.parse("192.0.2.0/24"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"::ffff:10.0.0.0/8", "::ffff:0.0.0.0/95", "::ffff:0:0/80"})
    void aMappedFormBlockWithAPrefixShorterThan96IsRefused(String text) {
        assertThatThrownBy(() -> IpBlock.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is written as an IPv4-mapped IPv6 range with a prefix shorter than"
                        + " /96; write the IPv4 range (a.b.c.d/n) or the IPv6 range without the mapped form");
    }

    @Test
    void hostBitsAfterThePrefixAreRefusedNamingTheLikelyBlock() {
        assertThatThrownBy(() -> IpBlock.parse("10.1.2.3/8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'10.1.2.3/8' has host bits set after the prefix; did you mean 10.0.0.0/8?");
        assertThatThrownBy(() -> IpBlock.parse("192.0.2.129/25"))
                .hasMessageEndingWith("did you mean 192.0.2.128/25?");
        assertThatThrownBy(() -> IpBlock.parse("2001:db8::1/32"))
                .hasMessage("'2001:db8::1/32' has host bits set after the prefix; did you mean 2001:db8::/32?");
        assertThatThrownBy(() -> IpBlock.parse("fd00::1/8")).hasMessageContaining("did you mean fd00::/8?");
        assertThatThrownBy(() -> IpBlock.parse("::ffff:10.0.0.1/104"))
                .hasMessageContaining("did you mean ::ffff:10.0.0.0/104?");
        assertThat(IpBlock.parse("10.1.2.3/32")).hasToString("10.1.2.3/32");
    }

    @ParameterizedTest
    @ValueSource(strings = {"proxy.example.com", "10.0.0", "010.0.0.1", "256.0.0.1", "fe80::1%eth0",
        "[2001:db8::1]", "[::1]/128", "10.0.0.1:8080", "2001:db8::1::2", "-", "/8", "gggg::/16",
        "1:2:3:4:5:6:7:8:9/128", "10.0.0.0.0/8", "1.2.3.4x", "a.b.c.d/8", "localhost/32"})
    void aTextThatIsNotALiteralIsRefusedNamingIt(String text) {
        assertThatThrownBy(() -> IpBlock.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not an IPv4/IPv6 address or CIDR range (host names and zone ids are"
                        + " not accepted)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/x", "10.0.0.0/-8", "2001:db8::/129",
        "10.0.0.0/0008", "10.0.0.0/8x", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/+8", "::/1000"})
    void aBadPrefixLengthIsRefusedWithTheRange(String text) {
        String max = text.indexOf(':') >= 0 ? "128" : "32";
        assertThatThrownBy(() -> IpBlock.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' has a bad prefix length (0.." + max + ")");
    }

    @Test
    void surroundingWhiteSpaceIsIgnoredButBlankAndOverlongAreNot() {
        assertThat(IpBlock.parse(" 10.0.0.0/8\t")).isEqualTo(IpBlock.parse("10.0.0.0/8"));
        assertThatThrownBy(() -> IpBlock.parse("  ")).hasMessage("an IP address or CIDR range is required");
        assertThatThrownBy(() -> IpBlock.parse(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> IpBlock.parse("1".repeat(10_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long").message().hasSizeLessThan(200);
    }

    @Test
    void controlCharactersAreNotEchoed() {
        assertThatThrownBy(() -> IpBlock.parse("10.0.0.1\u0007x")).hasMessageStartingWith("'10.0.0.1?x'");
        assertThatThrownBy(() -> IpBlock.parse("a".repeat(60) + "\n")).hasMessageStartingWith("'" + "a".repeat(60) + "'");
    }

    @Test
    void equalBlocksAreEqualWhateverTheirText() {
        assertThat(IpBlock.parse("2001:DB8:0:0::/32")).isEqualTo(IpBlock.parse("2001:db8::/32"))
                .hasSameHashCodeAs(IpBlock.parse("2001:db8::/32")).hasToString("2001:db8::/32");
        assertThat(IpBlock.parse("10.0.0.0/8")).isNotEqualTo(IpBlock.parse("10.0.0.0/9"))
                .isNotEqualTo(IpBlock.parse("::a00:0/104")).isNotEqualTo("10.0.0.0/8");
        assertThat(IpBlock.parse("0:0:0:0:0:0:0:1/128")).hasToString("::1/128");
    }

    @Test
    void aBlockContainsTheBlocksInsideIt() {
        IpBlock b = IpBlock.parse("10.0.0.0/8");
        assertThat(b.contains(IpBlock.parse("10.1.0.0/16"))).isTrue();
        assertThat(b.contains(b)).isTrue();
        assertThat(b.contains(IpBlock.parse("10.0.0.0/7"))).isFalse();
        assertThat(b.contains(IpBlock.parse("11.0.0.0/16"))).isFalse();
        assertThat(IpBlock.parse("::/0").contains(IpBlock.parse("10.0.0.0/8"))).isFalse();
        assertThat(IpBlock.parse("fc00::/7").contains(IpBlock.parse("fd12::/16"))).isTrue();
    }

    @Test
    void theNetworkAddressCannotBeChangedFromOutside() {
        IpBlock b = IpBlock.parse("10.0.0.0/8");
        b.network().getAddress()[0] = 11; // getAddress copies anyway; the block must not share its bytes
        assertThat(b.contains(ip("10.0.0.1"))).isTrue();
        assertThat(b.network()).isNotSameAs(b.network());
    }

    @Test
    void oneBlockIsSafeToShareBetweenThreads() throws Exception {
        IpBlock b = IpBlock.parse("172.16.0.0/12");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                results.add(pool.submit(() -> {
                    int hits = 0;
                    for (int i = 0; i < 256; i++) {
                        if (b.contains(InetAddress.getByAddress(new byte[] {(byte) 172, (byte) i, 0, 1}))) {
                            hits++;
                        }
                    }
                    return hits;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get()).isEqualTo(16);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
