package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.net.IpBlock;

/** Networks, the neighbour table, settings validation, transfer codecs and URL helpers. */
class SupportTest {

    @Test
    void forwardedForIsWalkedFromTheRightSkippingTrustedProxies() {
        List<IpBlock> proxies = Settings.proxies("10.1.0.0/16, 2001:db8::/32");
        assertThat(Networks.clientAddress("10.1.2.3", List.of("198.51.100.7, 10.1.9.9"), proxies))
                .isEqualTo("198.51.100.7");
        assertThat(Networks.clientAddress("10.1.2.3", List.of("6.6.6.6, 198.51.100.7"), proxies))
                .as("only the right-most untrusted entry counts; the left ones are client-supplied")
                .isEqualTo("198.51.100.7");
        assertThat(Networks.clientAddress("203.0.113.1", List.of("198.51.100.7"), proxies)).isEqualTo("203.0.113.1");
        assertThat(Networks.clientAddress("10.1.2.3", List.of("garbage"), proxies)).isEqualTo("10.1.2.3");
        assertThat(Networks.clientAddress("10.1.2.3", List.of(), proxies)).isEqualTo("10.1.2.3");
        assertThat(Networks.clientAddress("2001:db8::1", List.of("[2001:DB9::5]:443"), proxies))
                .isEqualTo("2001:db9::5");
        assertThat(Networks.clientAddress("10.1.2.3", List.of("198.51.100.7:5555"), proxies))
                .isEqualTo("198.51.100.7");
        assertThat(Networks.clientAddress("0:0:0:0:0:0:0:1", List.of(), List.of())).isEqualTo("::1");
    }

    @Test
    void anOversizedForwardedForNeverHidesTheEntriesTheTrustedProxyAppended() {
        // Audit: the walk read the headers left to right and stopped reading at 8192 characters, so a client
        // that sent a long X-Forwarded-For of its own (a proxy that adds its own header line after it, or joins
        // them into one value) got the proxy's entry ignored: its own right-most entry (any internal host) was
        // taken as the clicking host, or the proxy itself, and isolated.
        List<IpBlock> proxies = Settings.proxies("10.1.0.0/16");
        String spoof = "10.0.0.53, ".repeat(Networks.MAX_HEADER_CHARS / 11) + "10.0.0.53";
        assertThat(Networks.clientAddress("10.1.2.3", List.of(spoof, "198.51.100.7"), proxies)).isEqualTo("198.51.100.7");
        assertThat(Networks.clientAddress("10.1.2.3", List.of(spoof + ", 198.51.100.7"), proxies)).isEqualTo("198.51.100.7");
        assertThat(Networks.clientAddress("10.1.2.3", List.of(spoof + ", 198.51.100.7, 10.1.9.9"), proxies))
                .isEqualTo("198.51.100.7");
        // a trailing comma or an empty header is no entry; only trusted hops within the bound: the last one seen
        assertThat(Networks.clientAddress("10.1.2.3", List.of("198.51.100.7,", ""), proxies)).isEqualTo("198.51.100.7");
        assertThat(Networks.clientAddress("10.1.2.3", List.of("10.1.0.1, ".repeat(100) + "10.1.0.2"), proxies))
                .isEqualTo("10.1.0.1");
    }

    @Test
    void ipParsingNeverAcceptsNames() {
        assertThat(Networks.parseIp("example.com")).isEmpty();
        assertThat(Networks.parseIp("256.1.1.1")).isEmpty();
        assertThat(Networks.parseIp("1.2.3")).isEmpty();
        assertThat(Networks.parseIp("abc:def")).isEmpty();
        assertThat(Networks.parseIp("192.0.2.1")).isPresent();
        assertThat(Networks.parseIp("[::1]")).isPresent();
        assertThat(Networks.parseIp(" [::ffff:192.0.2.1] ")).isEqualTo(Networks.parseIp("192.0.2.1"));
    }

    @Test
    void trustedProxiesAreBoundedLiteralBlocks() {
        assertThat(Settings.proxies(" ")).isEmpty();
        assertThatThrownBy(() -> Settings.proxies("10.1.0.0/16, proxy.example"))
                .hasMessageStartingWith("trusted.proxies: 'proxy.example' is not");
        assertThatThrownBy(() -> Settings.proxies("10.1.2.3/16")).hasMessageContaining("did you mean 10.1.0.0/16?");
        String tooMany = String.join(",", java.util.Collections.nCopies(Settings.MAX_PROXIES + 1, "10.1.2.3"));
        assertThatThrownBy(() -> Settings.proxies(tooMany)).hasMessage("trusted.proxies: more than 256 entries");
    }

    @Test
    void theNeighbourTableGivesCompleteEntriesOnly(@TempDir Path dir) throws Exception {
        Path arp = dir.resolve("arp");
        Files.writeString(arp, "IP address       HW type     Flags       HW address            Mask     Device\n"
                + "10.0.0.7         0x1         0x2         AA:bb:cc:dd:ee:07     *        eth0\n"
                + "10.0.0.70        0x1         0x2         11:22:33:44:55:66     *        eth0\n"
                + "10.0.0.8         0x1         0x0         00:00:00:00:00:00     *        eth0\n");
        NeighbourTable t = new NeighbourTable(arp);
        assertThat(t.macOf("10.0.0.7")).isEqualTo("aa:bb:cc:dd:ee:07");
        assertThat(t.macOf("10.0.0.8")).isEmpty();
        assertThat(t.macOf("10.0.0.9")).isEmpty();
        assertThat(t.macOf("fe80::1")).isEmpty();
        assertThat(new NeighbourTable(dir.resolve("missing")).macOf("10.0.0.7")).isEmpty();
    }

    @Test
    void anIpv6HostsMacComesFromIpNeighForThatOneCanonicalAddress(@TempDir Path dir) throws Exception {
        // a stand-in for iproute2's ip: prints a table whatever it is asked and records its arguments
        Path args = dir.resolve("args");
        Path ip = dir.resolve("ip");
        Files.writeString(ip, "#!/bin/sh\necho \"$@\" >> " + args + "\n"
                + "echo '2001:db8::7 dev eth0 lladdr AA:bb:cc:dd:ee:07 REACHABLE'\n"
                + "echo '2001:db8::8 dev eth0 lladdr 11:22:33:44:55:08 FAILED'\n"
                + "echo '2001:db8::9 dev eth0 INCOMPLETE'\n"
                + "echo 'fe80::1 dev eth0 lladdr 52:54:00:00:00:01 router STALE'\n");
        Files.setPosixFilePermissions(ip, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        NeighbourTable t = new NeighbourTable(dir.resolve("no-arp"), ip);
        assertThat(t.macOf("2001:DB8:0:0::7")).isEqualTo("aa:bb:cc:dd:ee:07");
        assertThat(t.macOf("[fe80::1]")).isEqualTo("52:54:00:00:00:01");
        assertThat(t.macOf("2001:db8::8")).isEmpty(); // FAILED
        assertThat(t.macOf("2001:db8::9")).isEmpty(); // no lladdr
        assertThat(t.macOf("2001:db8::a")).isEmpty(); // not in the table
        assertThat(t.macOf("-6 neigh flush all")).isEmpty(); // not an address: the program is not run
        // the program got the canonical literal as one argument, never the caller's text
        assertThat(Files.readAllLines(args)).startsWith("-6 neigh show 2001:db8::7", "-6 neigh show fe80::1");
        assertThat(Files.readString(args)).doesNotContain("flush");
        // no program, or one that fails: no MAC, no error
        assertThat(new NeighbourTable(dir.resolve("no-arp"), null).macOf("2001:db8::7")).isEmpty();
        assertThat(new NeighbourTable(dir.resolve("no-arp"), dir.resolve("missing-ip")).macOf("2001:db8::7")).isEmpty();
    }

    @Test
    void badSettingsNameTheirProperty() {
        assertThatThrownBy(() -> Settings.baseUrl("ftp://x")).hasMessageContaining("base.url");
        assertThatThrownBy(() -> Settings.baseUrl("http://x/?q=1")).hasMessageContaining("base.url");
        assertThatThrownBy(() -> Settings.baseUrl("http://x/\"a")).hasMessageContaining("base.url");
        assertThat(Settings.baseUrl("HTTPS://GW.Example/")).isEqualTo("https://gw.example");
        assertThatThrownBy(() -> Settings.domains("ok.example, bad_domain!")).hasMessageContaining("exempt.domains");
        assertThat(Settings.domains("Partner.EXAMPLE. b.example")).containsExactly("partner.example", "b.example");
        assertThatThrownBy(() -> Settings.proxies("10.0.0.0/33")).hasMessageContaining("trusted.proxies");
        assertThatThrownBy(() -> Settings.proxies("proxy.example")).hasMessageContaining("trusted.proxies");
        assertThatThrownBy(() -> Settings.blockScore(0)).hasMessageContaining("block.score");
        assertThatThrownBy(() -> Settings.blockScore(Double.NaN)).hasMessageContaining("block.score");
        assertThatThrownBy(() -> Settings.cacheSeconds(-1)).hasMessageContaining("verdict.cache.seconds");
        assertThatThrownBy(() -> Settings.maxLinks(0)).hasMessageContaining("max.links");
    }

    @Test
    void quotedPrintableRoundTripsAndKeepsLinesShort() {
        String text = "Grüße = 100% \tend \r\n" + "x".repeat(200) + "\r\nlast line without break";
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = TransferCodec.encodeQuotedPrintable(data);
        for (String line : new String(encoded, StandardCharsets.US_ASCII).split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(76);
        }
        assertThat(new String(TransferCodec.decodeQuotedPrintable(encoded), StandardCharsets.UTF_8)).isEqualTo(text);
        assertThat(new String(TransferCodec.decodeQuotedPrintable("a=3Db=\r\nc =XY\r\n".getBytes(
                StandardCharsets.US_ASCII)), StandardCharsets.US_ASCII)).isEqualTo("a=bc =XY\r\n");
    }

    @Test
    void urlsAreCleanedTheWayBrowsersDo() {
        assertThat(Urls.httpUrl(" \tHTTPS://Ex\nample.COM:443/P?q#f ")).contains("https://example.com:443/P?q#f");
        assertThat(Urls.httpUrl("https://user@Evil.example\\@corp.example/")).isPresent();
        assertThat(Urls.hostOf("https://evil.example\\@corp.example/")).isEqualTo("evil.example");
        assertThat(Urls.hostOf("http://u:p@[2001:db8::1]:8080/x")).isEqualTo("2001:db8::1");
        assertThat(Urls.httpUrl("javascript:alert(1)")).isEmpty();
        assertThat(Urls.httpUrl("http://")).isEmpty();
        assertThat(Urls.inDomains("a.b.corp.example", Set.of("corp.example"))).isTrue();
        assertThat(Urls.inDomains("notcorp.example", Set.of("corp.example"))).isFalse();
    }

    @Test
    void slashVariantsAndSchemeRelativeLinksLeadToTheHostLikeInABrowser() {
        assertThat(Urls.httpUrl("//bad6.test/rel")).contains("https://bad6.test/rel");
        assertThat(Urls.httpUrl("https:bad7.test/noslash")).contains("https://bad7.test/noslash");
        assertThat(Urls.httpUrl("https:///bad27.test/triple")).contains("https://bad27.test/triple");
        assertThat(Urls.httpUrl("https:/bad28.test/single")).contains("https://bad28.test/single");
        assertThat(Urls.httpUrl("\\\\bad13.test/unc")).contains("https://bad13.test/unc");
        assertThat(Urls.httpUrl("/\\bad29.test/sb")).contains("https://bad29.test/sb");
        assertThat(Urls.httpUrl("\\/bad30.test/bs")).contains("https://bad30.test/bs");
        assertThat(Urls.httpUrl("HTTP:\\\\\\\\Bad31.TEST\\a\\b?q=\\x#f\\g")).contains("http://bad31.test/a/b?q=\\x#f\\g");
        assertThat(Urls.httpUrl("Http:\\/\\/\\/bad32.test")).contains("http://bad32.test");
        assertThat(Urls.httpUrl("http:/x")).contains("http://x");
        assertThat(Urls.httpUrl(" \n\t//\tbad33.te\rst/p\n ")).contains("https://bad33.test/p");
        assertThat(Urls.httpUrl("\u0000 https:u@Bad34.test:8443/p")).contains("https://u@bad34.test:8443/p");
        assertThat(Urls.httpUrl("//bad6.test/rel", "http")).contains("http://bad6.test/rel");
    }

    @Test
    void linksWithoutAHostAreNotHttpUrls() {
        for (String href : List.of("/path", "\\path", "page.html", "#frag", "?q=1", "", "   ", "mailto:x@y.example",
                "https:", "https:///", "http:\\\\?q", "//", "/\\#f", "javascript://bad.test/%0aalert(1)",
                "ftp://bad.test/", "www.bad1.test/plain", "file://bad.test/x")) {
            assertThat(Urls.httpUrl(href)).as(href).isEmpty();
        }
        assertThat(Urls.httpUrl("//bad.test/", "ftp")).isEmpty();
    }

    @Test
    void normalisationIsIdempotent() {
        for (String href : List.of("//bad6.test/rel", "https:bad7.test/a\\b?c\\d", "HTTPS:\\\\\\\\X.test", "http:/x")) {
            String once = Urls.httpUrl(href).orElseThrow();
            assertThat(Urls.httpUrl(once)).as(href).contains(once);
        }
    }
}
