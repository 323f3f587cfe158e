package org.streamail.detect.auth.internal.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

class DnsJavaResolverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10); // generous: CI may share the machine

    private final Zone zone = new Zone();
    private TestDnsServer server;

    @BeforeEach
    void start() throws Exception {
        zone.a("mail.example.com", "192.0.2.1", "192.0.2.2")
                .aaaa("mail.example.com", "2001:db8::1")
                .txt("example.com", "v=spf1 -all")
                .txt("example.com", "second record")
                .mx("example.com", 20, "mx2.example.com")
                .mx("example.com", 10, "mx1.example.com")
                .ptr("192.0.2.1", "mail.example.com")
                .ptr("2001:db8::1", "mail6.example.com")
                .cname("www.example.com", "alias.example.com")
                .cname("alias.example.com", "mail.example.com")
                .cname("loop1.example.com", "loop2.example.com")
                .cname("loop2.example.com", "loop1.example.com")
                .servfail("broken.example.com");
        server = new TestDnsServer(zone);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private DnsJavaResolver resolver(int cacheEntries) {
        return new DnsJavaResolver(List.of(server.address()), TIMEOUT, cacheEntries, Duration.ofHours(1));
    }

    @Test
    void answersEachRecordType() throws Exception {
        DnsJavaResolver dns = resolver(0);
        assertThat(dns.a("mail.example.com")).extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(dns.aaaa("MAIL.example.com.")).containsExactly(InetAddress.getByName("2001:db8::1"));
        assertThat(dns.txt("example.com")).containsExactly("v=spf1 -all", "second record");
        assertThat(dns.mx("example.com")).containsExactly("mx1.example.com", "mx2.example.com");
        assertThat(dns.ptr(InetAddress.getByName("192.0.2.1"))).containsExactly("mail.example.com");
        assertThat(dns.ptr(InetAddress.getByName("2001:db8::1"))).containsExactly("mail6.example.com");
    }

    @Test
    void nxdomainAndNodataAreBothEmpty() throws Exception {
        DnsJavaResolver dns = resolver(0);
        assertThat(dns.txt("nothing.example.com")).isEmpty();
        assertThat(dns.a("example.com")).isEmpty(); // exists, holds TXT and MX only
        assertThat(dns.ptr(InetAddress.getByName("192.0.2.99"))).isEmpty();
        assertThat(server.queries()).isEqualTo(3);
    }

    @Test
    void servfailIsTemporaryNamingNameTypeAndServer() {
        DnsJavaResolver dns = resolver(0);
        assertThatThrownBy(() -> dns.txt("broken.example.com"))
                .isInstanceOf(DnsTemporaryException.class)
                .hasMessageContaining("SERVFAIL")
                .hasMessageContaining("broken.example.com")
                .hasMessageContaining("TXT")
                .hasMessageContaining("127.0.0.1:" + server.address().getPort());
    }

    @Test
    void followsCnameChainsAndStopsOnLoops() throws Exception {
        DnsJavaResolver dns = resolver(0);
        assertThat(dns.a("www.example.com")).extracting(InetAddress::getHostAddress)
                .containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(dns.a("loop1.example.com")).isEmpty();
    }

    @Test
    void cnameChainOfEightIsFollowedNineIsNot() throws Exception {
        for (int i = 0; i < 9; i++) {
            zone.cname("c" + i + ".example.com", "c" + (i + 1) + ".example.com");
        }
        zone.a("c8.example.com", "192.0.2.8").a("c9.example.com", "192.0.2.9");
        DnsJavaResolver dns = resolver(0);
        assertThat(dns.a("c0.example.com")).isEmpty(); // nine CNAMEs before the address
        assertThat(dns.a("c1.example.com")).extracting(InetAddress::getHostAddress).containsExactly("192.0.2.9");
    }

    @Test
    void recordsWithTtlZeroAreNotCached() throws Exception {
        zone.ttl(0);
        DnsJavaResolver dns = resolver(16);
        dns.txt("example.com");
        dns.txt("nothing.example.com");
        dns.txt("example.com");
        dns.txt("nothing.example.com");
        assertThat(server.queries()).isEqualTo(4);
    }

    @Test
    void longTxtIsJoinedAndFetchedOverTcpWhenUdpTruncates() throws Exception {
        String medium = "k=rsa; p=" + "A".repeat(400); // > 255: two character-strings, fits in UDP with EDNS
        String large = "v=DKIM1; p=" + "B".repeat(3000); // > the EDNS size: truncated over UDP
        zone.txt("medium.example.com", medium).txt("large.example.com", large);
        DnsJavaResolver dns = resolver(0);

        assertThat(dns.txt("medium.example.com")).containsExactly(medium);
        assertThat(server.tcpQueries()).isZero();
        assertThat(dns.txt("large.example.com")).containsExactly(large);
        assertThat(server.tcpQueries()).isEqualTo(1);
    }

    @Test
    void serverTruncatesUdpAnswersOver512BytesWithoutEdns() throws Exception {
        zone.txt("medium.example.com", "x".repeat(600));
        SimpleResolver raw = new SimpleResolver(server.address());
        raw.setEDNS(-1, 0, 0, List.of());
        raw.setIgnoreTruncation(true);
        raw.setTimeout(TIMEOUT);
        Message answer = raw.send(Message.newQuery(
                Record.newRecord(Name.fromString("medium.example.com."), Type.TXT, DClass.IN)));
        assertThat(answer.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(answer.getSection(org.xbill.DNS.Section.ANSWER)).isEmpty();
    }

    @Test
    void txtOver8KiBIsDropped() throws Exception {
        zone.txt("huge.example.com", "z".repeat(DnsJavaResolver.MAX_TXT_BYTES + 1))
                .txt("huge.example.com", "small");
        assertThat(resolver(0).txt("huge.example.com")).containsExactly("small");
    }

    @Test
    void atMost100RecordsPerAnswer() throws Exception {
        for (int i = 0; i < 120; i++) {
            zone.txt("many.example.com", "r" + i);
        }
        assertThat(resolver(0).txt("many.example.com")).hasSize(DnsJavaResolver.MAX_RECORDS);
    }

    @Test
    void cachedAnswersAreNotAskedAgain() throws Exception {
        DnsJavaResolver dns = resolver(16);
        assertThat(dns.txt("example.com")).hasSize(2);
        assertThat(dns.txt("nothing.example.com")).isEmpty(); // negative answer, SOA minimum 300 s
        int asked = server.queries();
        assertThat(dns.txt("EXAMPLE.com.")).hasSize(2);
        assertThat(dns.txt("nothing.example.com")).isEmpty();
        assertThat(server.queries()).isEqualTo(asked);

        assertThat(dns.a("example.com")).isEmpty(); // another type is another entry
        assertThat(server.queries()).isEqualTo(asked + 1);
    }

    @Test
    void noCacheWhenDisabledOrTtlZero() throws Exception {
        DnsJavaResolver uncached = resolver(0);
        uncached.txt("example.com");
        uncached.txt("example.com");
        assertThat(server.queries()).isEqualTo(2);

        DnsJavaResolver zeroTtl = new DnsJavaResolver(List.of(server.address()), TIMEOUT, 16, Duration.ZERO);
        zeroTtl.txt("example.com");
        zeroTtl.txt("example.com");
        assertThat(server.queries()).isEqualTo(4);
    }

    @Test
    void instancesDoNotShareTheirCache() throws Exception {
        resolver(16).txt("example.com");
        resolver(16).txt("example.com");
        assertThat(server.queries()).isEqualTo(2);
    }

    @Test
    void cacheIsBoundedLeastRecentlyUsedFirst() throws Exception {
        DnsJavaResolver dns = resolver(2);
        dns.txt("a.example.com");
        dns.txt("b.example.com");
        dns.txt("a.example.com"); // a is now the most recently used
        dns.txt("c.example.com"); // evicts b
        int asked = server.queries();
        dns.txt("a.example.com");
        assertThat(server.queries()).isEqualTo(asked);
        dns.txt("b.example.com");
        assertThat(server.queries()).isEqualTo(asked + 1);
    }

    @Test
    void silentServerTimesOut() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            InetSocketAddress address = new InetSocketAddress(silent.getLocalAddress(), silent.getLocalPort());
            DnsJavaResolver dns = new DnsJavaResolver(List.of(address), Duration.ofMillis(300), 0, Duration.ZERO);
            assertThatThrownBy(() -> dns.a("example.com"))
                    .isInstanceOf(DnsTemporaryException.class)
                    .hasMessageContaining("example.com")
                    .hasMessageContaining("127.0.0.1:" + address.getPort());
        }
    }

    @Test
    void nextServerIsAskedWhenTheFirstIsSilent() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            InetSocketAddress dead = new InetSocketAddress(silent.getLocalAddress(), silent.getLocalPort());
            DnsJavaResolver dns = new DnsJavaResolver(List.of(dead, server.address()), TIMEOUT, 0, Duration.ZERO);
            assertThat(dns.txt("example.com")).hasSize(2);
        }
    }

    @Test
    void aNegativeAnswerWithoutAnSoaIsKeptAMinuteWithOneAsTheSoaSays() throws Exception {
        org.xbill.DNS.Message nx = new org.xbill.DNS.Message();
        nx.getHeader().setRcode(org.xbill.DNS.Rcode.NXDOMAIN);
        assertThat(DnsJavaResolver.negativeTtl(nx)).isEqualTo(60);
        nx.addRecord(new org.xbill.DNS.SOARecord(org.xbill.DNS.Name.fromString("example.com."),
                org.xbill.DNS.DClass.IN, 3600, org.xbill.DNS.Name.fromString("ns.example.com."),
                org.xbill.DNS.Name.fromString("admin.example.com."), 1, 7200, 900, 86400, 120),
                org.xbill.DNS.Section.AUTHORITY);
        assertThat(DnsJavaResolver.negativeTtl(nx)).isEqualTo(120);
    }

    @Test
    void lostQueriesAreSentAgainSoonerThanTheTimeOut() throws Exception {
        // two queries lost in a row: a resolver that split its 2 s into two halves would give up; one that tries
        // again after an eighth (250 ms) and then a quarter (500 ms) has the answer on its third try
        server.dropUdp(2);
        DnsJavaResolver dns = new DnsJavaResolver(List.of(server.address()), Duration.ofSeconds(2), 0, Duration.ZERO);
        assertThat(dns.txt("example.com")).hasSize(2);
        assertThat(server.queries()).isEqualTo(3);
    }

    @Test
    void invalidNamesAreEmptyWithoutAQuery() throws Exception {
        DnsJavaResolver dns = resolver(0);
        assertThat(dns.txt("")).isEmpty();
        assertThat(dns.txt(".")).isEmpty();
        assertThat(dns.txt("a..example.com")).isEmpty();
        assertThat(dns.txt("x".repeat(64) + ".example.com")).isEmpty();
        assertThat(dns.txt(("abcdefghi.".repeat(26)) + "com")).isEmpty(); // 263 characters
        assertThat(dns.txt("bad name.example.com")).isEmpty();
        assertThat(dns.txt("back\\slash.example.com")).isEmpty();
        assertThat(dns.txt(null)).isEmpty();
        assertThat(server.queries()).isZero();
        assertThat(dns.txt("x".repeat(63) + ".example.com")).isEmpty(); // valid: asked
        assertThat(server.queries()).isEqualTo(1);
    }

    @Test
    void serverIgnoresGarbageAndKeepsAnswering() throws Exception {
        try (DatagramSocket client = new DatagramSocket()) {
            byte[] junk = {1, 2, 3};
            client.send(new java.net.DatagramPacket(junk, junk.length, server.address()));
        }
        assertThat(resolver(0).txt("example.com")).hasSize(2);
        assertThat(server.queries()).isEqualTo(1);
    }
}
