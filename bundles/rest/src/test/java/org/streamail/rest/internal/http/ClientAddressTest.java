package org.streamail.rest.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.streamail.api.net.IpLiteral;

/** The client address resolver on its own: which peer is trusted, how the header list is walked, the bounds. */
class ClientAddressTest {

    static final String PROXY = "10.0.0.1";

    final ClientAddress xff = ClientAddress.configured("10.0.0.0/24, 2001:db8:100::/48", "X-Forwarded-For");
    final ClientAddress forwarded = ClientAddress.configured("10.0.0.0/24, 2001:db8:100::/48", "Forwarded");

    /** A request with a peer and header instances; counts how often any header is read. */
    static HttpServletRequest request(String peer, String headerName, List<String> values, AtomicInteger reads) {
        return (HttpServletRequest) Proxy.newProxyInstance(ClientAddressTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                    case "getRemoteAddr" -> peer;
                    case "getHeaders" -> {
                        reads.incrementAndGet();
                        yield Collections.enumeration(((String) args[0]).equalsIgnoreCase(headerName) ? values
                                : List.<String>of());
                    }
                    default -> throw new UnsupportedOperationException("request." + m.getName());
                });
    }

    @Test
    void anUntrustedPeerIsTheClientAndItsHeaderIsNotEvenRead() {
        AtomicInteger reads = new AtomicInteger();
        String client = xff.of(request("198.51.100.9", "X-Forwarded-For", List.of("203.0.113.7"), reads));
        assertThat(client).isEqualTo("198.51.100.9");
        assertThat(reads).hasValue(0);
    }

    @Test
    void withoutTrustedProxiesEveryPeerIsTheClientAsToday() {
        AtomicInteger reads = new AtomicInteger();
        assertThat(ClientAddress.DIRECT.of(request("10.0.0.1", "X-Forwarded-For", List.of("203.0.113.7"), reads)))
                .isEqualTo("10.0.0.1");
        assertThat(ClientAddress.configured("", "").of(request("127.0.0.1", "X-Forwarded-For",
                List.of("203.0.113.7"), reads))).isEqualTo("127.0.0.1");
        assertThat(reads).hasValue(0);
    }

    @Test
    void aTrustedPeerNamesTheClientInXForwardedFor() {
        AtomicInteger reads = new AtomicInteger();
        assertThat(xff.of(request(PROXY, "X-Forwarded-For", List.of("203.0.113.7"), reads)))
                .isEqualTo("203.0.113.7");
        assertThat(reads).hasValue(1);
    }

    @Test
    void aChainOfTrustedProxiesIsSkippedFromTheRight() {
        assertThat(xff.resolve(PROXY, List.of("203.0.113.7, 10.0.0.5, 10.0.0.6"))).isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of("203.0.113.7,10.0.0.5 ,  2001:db8:100::9")))
                .isEqualTo("203.0.113.7");
    }

    @Test
    void aSpoofedLeftmostEntryIsIgnored() {
        // The client sent "X-Forwarded-For: 192.0.2.1" (or garbage); its proxy appended the real peer.
        assertThat(xff.resolve(PROXY, List.of("192.0.2.1, 203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of("not an address;<script>, unknown, 203.0.113.7")))
                .isEqualTo("203.0.113.7");
        // An untrusted hop ends the walk even if a trusted-looking address is left of it.
        assertThat(xff.resolve(PROXY, List.of("10.0.0.5, 198.51.100.2, 10.0.0.6"))).isEqualTo("198.51.100.2");
    }

    @Test
    void whenEveryEntryIsATrustedProxyTheLeftmostIsTheClient() {
        assertThat(xff.resolve(PROXY, List.of("10.0.0.7, 10.0.0.5"))).isEqualTo("10.0.0.7");
    }

    @Test
    void severalHeaderInstancesFormOneListInOrder() {
        assertThat(xff.resolve(PROXY, List.of("203.0.113.1", "198.51.100.7"))).isEqualTo("198.51.100.7");
        assertThat(xff.resolve(PROXY, List.of("198.51.100.7", "203.0.113.1"))).isEqualTo("203.0.113.1");
        assertThat(xff.resolve(PROXY, List.of("203.0.113.1", "10.0.0.5, 10.0.0.6"))).isEqualTo("203.0.113.1");
    }

    @Test
    void portsBracketsAndSpellingsOfOneAddressGiveOneCanonicalAddress() {
        assertThat(xff.resolve(PROXY, List.of("203.0.113.7:5678"))).isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of("[2001:DB8::1]:443"))).isEqualTo("2001:db8::1");
        assertThat(xff.resolve(PROXY, List.of("[2001:db8:0:0:0:0:0:1]"))).isEqualTo("2001:db8::1");
        assertThat(xff.resolve(PROXY, List.of("2001:0db8:0000:0000:0001:0000:0000:0001")))
                .isEqualTo("2001:db8::1:0:0:1");
        assertThat(xff.resolve(PROXY, List.of("[::1]:123"))).isEqualTo("::1");
        assertThat(xff.resolve(PROXY, List.of("::ffff:203.0.113.7"))).as("IPv4-mapped").isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of("2001:db8:0:1:1:1:1:1"))).as("one zero group stays")
                .isEqualTo("2001:db8:0:1:1:1:1:1");
    }

    @Test
    void ipv6ProxiesAndPeersInBracketsOrWithAZoneAreRecognised() {
        assertThat(xff.resolve("[2001:db8:100::1]", List.of("2001:db8:200::5"))).isEqualTo("2001:db8:200::5");
        assertThat(xff.resolve("2001:db8:100:0:0:0:0:1", List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        ClientAddress linkLocal = ClientAddress.configured("fe80::/64", null);
        assertThat(linkLocal.resolve("fe80::1%eth0", List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        assertThat(xff.resolve("[2001:db8:999::1]", List.of("203.0.113.7"))).as("untrusted IPv6 peer")
                .isEqualTo("2001:db8:999::1");
        assertThat(xff.resolve("0:0:0:0:0:0:0:1", List.of())).isEqualTo("::1");
    }

    @Test
    void aMalformedUnknownOrObfuscatedEntryReachedByTheWalkGivesThePeer() {
        for (String bad : List.of("unknown", "_hidden", "", " ", "203.0.113", "203.0.113.256", "010.0.0.1",
                "[203.0.113.7]", "203.0.113.7:99999", "203.0.113.7:", "fe80::1%eth0", "[2001:db8::1",
                "2001:db8::1]:80", "[2001:db8::1]80", "proxy.example.com", "203.0.113.7 198.51.100.1", "\u0000",
                "1:2:3:4:5:6:7:8:9", "::ffff:999.0.0.1", "[]", "0x7f000001", "2130706433", ".::1", "..")) {
            assertThat(xff.resolve(PROXY, List.of("198.51.100.5, " + bad))).as("'%s'", bad).isEqualTo(PROXY);
            assertThat(xff.resolve(PROXY, List.of(bad + ", 10.0.0.5"))).as("'%s' behind a proxy", bad)
                    .isEqualTo(PROXY);
        }
    }

    @Test
    void anAbsentOrEmptyHeaderGivesThePeer() {
        assertThat(xff.resolve(PROXY, List.of())).isEqualTo(PROXY);
        assertThat(xff.resolve(PROXY, List.of("   "))).isEqualTo(PROXY);
        assertThat(xff.resolve(PROXY, Collections.singletonList(null))).isEqualTo(PROXY);
    }

    @Test
    void aHeaderOverFourKiBOrThirtyTwoEntriesGivesThePeer() {
        String padded = " ".repeat(ClientAddress.MAX_HEADER_LENGTH - "203.0.113.7".length()) + "203.0.113.7";
        assertThat(xff.resolve(PROXY, List.of(padded))).as("exactly 4096").isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of(" " + padded))).as("4097").isEqualTo(PROXY);
        assertThat(xff.resolve(PROXY, List.of(padded.substring(9), "10.0.0.5"))).as("4096 over two instances")
                .isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of(padded.substring(8), "10.0.0.5"))).as("4097 over two instances")
                .isEqualTo(PROXY);

        String thirtyTwo = IntStream.range(0, 32).mapToObj(i -> "10.0.0." + (i + 2)).collect(Collectors.joining(","));
        assertThat(xff.resolve(PROXY, List.of("203.0.113.7," + thirtyTwo.substring(thirtyTwo.indexOf(',') + 1))))
                .as("32 entries").isEqualTo("203.0.113.7");
        assertThat(xff.resolve(PROXY, List.of("203.0.113.7," + thirtyTwo))).as("33 entries").isEqualTo(PROXY);
        List<String> instances = new ArrayList<>(Collections.nCopies(33, "10.0.0.9"));
        assertThat(xff.resolve(PROXY, instances)).as("33 instances").isEqualTo(PROXY);
    }

    @Test
    void theForwardedHeaderIsReadWhenConfiguredAndXForwardedForThenIgnored() {
        AtomicInteger reads = new AtomicInteger();
        assertThat(forwarded.of(request(PROXY, "X-Forwarded-For", List.of("203.0.113.7"), reads))).isEqualTo(PROXY);
        assertThat(forwarded.of(request(PROXY, "Forwarded", List.of("for=203.0.113.7"), reads)))
                .isEqualTo("203.0.113.7");
        assertThat(xff.of(request(PROXY, "Forwarded", List.of("for=203.0.113.7"), reads))).isEqualTo(PROXY);
    }

    @Test
    void forwardedElementsAreWalkedFromTheRightLikeXForwardedFor() {
        assertThat(forwarded.resolve(PROXY, List.of(
                "for=192.0.2.1, For=198.51.100.7;proto=https;by=10.0.0.1, for=\"[2001:db8:100::5]:4711\"")))
                .isEqualTo("198.51.100.7");
        assertThat(forwarded.resolve(PROXY, List.of("for=\"[2001:DB8::17]:4711\";proto=http")))
                .isEqualTo("2001:db8::17");
        assertThat(forwarded.resolve(PROXY, List.of("for=[2001:db8::17]"))).as("unquoted IPv6, lenient")
                .isEqualTo("2001:db8::17");
        assertThat(forwarded.resolve(PROXY, List.of("for=\"203.0.113.7:_p1\""))).as("obfuscated port")
                .isEqualTo("203.0.113.7");
        assertThat(forwarded.resolve(PROXY, List.of("proto=http;for=\"20\\3.0.113.7\" ,  ,for=10.0.0.5")))
                .as("quoted-pair, empty element").isEqualTo("203.0.113.7");
        assertThat(forwarded.resolve(PROXY, List.of("for=203.0.113.7", "for=198.51.100.3")))
                .as("two instances").isEqualTo("198.51.100.3");
        assertThat(forwarded.resolve(PROXY, List.of("for=\"evil, for=1.2.3.4\", for=198.51.100.3")))
                .as("comma inside quotes").isEqualTo("198.51.100.3");
    }

    @Test
    void anUnusableForwardedHeaderGivesThePeer() {
        for (String bad : List.of("for=unknown", "for=_hidden", "for=\"_hidden\"", "proto=https",
                "for=203.0.113.7;for=198.51.100.1", "for=\"203.0.113.7", "for=203.0.113.7 x", "for =203.0.113.7",
                "=203.0.113.7", "for=", "for=\"[2001:db8::1%eth0]\"", "for=example.com", "for=203.0.113.7;;by",
                "for=\"\\")) {
            assertThat(forwarded.resolve(PROXY, List.of(bad))).as(bad).isEqualTo(PROXY);
        }
        String many = IntStream.range(0, 33).mapToObj(i -> "for=10.0.0." + (i + 2)).collect(Collectors.joining(","));
        assertThat(forwarded.resolve(PROXY, List.of(many))).as("33 elements").isEqualTo(PROXY);
    }

    @Test
    void aPeerThatIsNoAddressIsReturnedUnchanged() {
        assertThat(xff.resolve(null, List.of("203.0.113.7"))).isNull();
        assertThat(xff.resolve("", List.of("203.0.113.7"))).isEmpty();
        assertThat(xff.resolve("unix:/run/jetty.sock", List.of("203.0.113.7"))).isEqualTo("unix:/run/jetty.sock");
    }

    @Test
    void randomHeadersNeverThrowAndGiveThePeerOrAnAddressTheHeaderNamed() {
        Random random = new Random(7239);
        String alphabet = "0123456789abcdefABCDEF:.[]%_,; \t\"\\=forFOR-unknown\u0000\u00e9";
        for (int round = 0; round < 5000; round++) {
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(60);
            for (int i = 0; i < length; i++) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String header = sb.toString();
            for (ClientAddress resolver : List.of(xff, forwarded)) {
                String client = resolver.resolve(PROXY, List.of(header));
                assertThat(client.equals(PROXY) || IpLiteral.parse(client).isPresent()).as(header).isTrue();
            }
        }
    }

    @Test
    void onlyTheTwoKnownHeadersCanBeConfigured() {
        assertThat(ClientAddress.Header.parse("forwarded")).isEqualTo(ClientAddress.Header.FORWARDED);
        assertThat(ClientAddress.Header.parse(" x-forwarded-for ")).isEqualTo(ClientAddress.Header.X_FORWARDED_FOR);
        assertThat(ClientAddress.Header.parse("")).isEqualTo(ClientAddress.Header.X_FORWARDED_FOR);
        assertThatThrownBy(() -> ClientAddress.Header.parse("X-Real-IP"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("trusted.proxies.header must be X-Forwarded-For or Forwarded, got 'X-Real-IP'");
    }
}
