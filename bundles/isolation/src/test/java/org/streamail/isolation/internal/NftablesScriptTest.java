package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.isolation.Enforcer.EnforcementChange;
import org.streamail.api.isolation.Isolation;

class NftablesScriptTest {

    @Test
    void theScriptShouldReplaceTheDedicatedTableWholeWithCanonicalElements() {
        String script = NftablesScript.build("streamail", List.of("10.0.1.2", "2001:DB8::0:1", "10.0.1.3", "10.0.1.2"),
                List.of("10.0.3.2", "10.0.4.0/24", "FD00::/8"));
        assertThat(script).isEqualTo("""
                table inet streamail
                delete table inet streamail
                table inet streamail {
                \tset isolated4 {
                \t\ttype ipv4_addr
                \t\telements = { 10.0.1.2, 10.0.1.3 }
                \t}
                \tset isolated6 {
                \t\ttype ipv6_addr
                \t\telements = { 2001:db8::1 }
                \t}
                \tset management4 {
                \t\ttype ipv4_addr
                \t\tflags interval
                \t\tauto-merge
                \t\telements = { 10.0.3.2, 10.0.4.0/24 }
                \t}
                \tset management6 {
                \t\ttype ipv6_addr
                \t\tflags interval
                \t\tauto-merge
                \t\telements = { fd00::/8 }
                \t}
                \tchain input {
                \t\ttype filter hook input priority filter - 10; policy accept;
                \t\tip saddr @isolated4 ip daddr @management4 accept
                \t\tip6 saddr @isolated6 ip6 daddr @management6 accept
                \t\tip saddr @isolated4 drop
                \t\tip6 saddr @isolated6 drop
                \t}
                \tchain forward {
                \t\ttype filter hook forward priority filter - 10; policy accept;
                \t\tip saddr @isolated4 ip daddr @management4 accept
                \t\tip6 saddr @isolated6 ip6 daddr @management6 accept
                \t\tip saddr @management4 ip daddr @isolated4 ct state established,related accept
                \t\tip6 saddr @management6 ip6 daddr @isolated6 ct state established,related accept
                \t\tip saddr @isolated4 drop
                \t\tip daddr @isolated4 drop
                \t\tip6 saddr @isolated6 drop
                \t\tip6 daddr @isolated6 drop
                \t}
                }
                """);
    }

    @Test
    void theMacsShouldBeOneSetCutInInputAndForwardExceptTowardsManagement() {
        // the same MAC in two spellings (two addresses of one workstation) is one element
        String script = NftablesScript.build("streamail", List.of("10.0.1.2", "10.0.1.3"),
                List.of("52:54:00:AB:cd:01", "52-54-00-ab-cd-01", "02:00:00:00:00:07"), List.of("10.0.3.2", "fd00::/8"));
        assertThat(script).isEqualTo("""
                table inet streamail
                delete table inet streamail
                table inet streamail {
                \tset isolated4 {
                \t\ttype ipv4_addr
                \t\telements = { 10.0.1.2, 10.0.1.3 }
                \t}
                \tset isolated6 {
                \t\ttype ipv6_addr
                \t}
                \tset management4 {
                \t\ttype ipv4_addr
                \t\tflags interval
                \t\tauto-merge
                \t\telements = { 10.0.3.2 }
                \t}
                \tset management6 {
                \t\ttype ipv6_addr
                \t\tflags interval
                \t\tauto-merge
                \t\telements = { fd00::/8 }
                \t}
                \tset isolated_mac {
                \t\ttype ether_addr
                \t\telements = { 52:54:00:ab:cd:01, 02:00:00:00:00:07 }
                \t}
                \tchain input {
                \t\ttype filter hook input priority filter - 10; policy accept;
                \t\tether saddr @isolated_mac icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept
                \t\tip saddr @isolated4 ip daddr @management4 accept
                \t\tip6 saddr @isolated6 ip6 daddr @management6 accept
                \t\tip saddr @isolated4 drop
                \t\tip6 saddr @isolated6 drop
                \t\tether saddr @isolated_mac ip daddr @management4 accept
                \t\tether saddr @isolated_mac ip6 daddr @management6 accept
                \t\tether saddr @isolated_mac drop
                \t}
                \tchain forward {
                \t\ttype filter hook forward priority filter - 10; policy accept;
                \t\tip saddr @isolated4 ip daddr @management4 accept
                \t\tip6 saddr @isolated6 ip6 daddr @management6 accept
                \t\tip saddr @management4 ip daddr @isolated4 ct state established,related accept
                \t\tip6 saddr @management6 ip6 daddr @isolated6 ct state established,related accept
                \t\tip saddr @isolated4 drop
                \t\tip daddr @isolated4 drop
                \t\tip6 saddr @isolated6 drop
                \t\tip6 daddr @isolated6 drop
                \t\tether saddr @isolated_mac ip daddr @management4 accept
                \t\tether saddr @isolated_mac ip6 daddr @management6 accept
                \t\tether saddr @isolated_mac drop
                \t}
                }
                """);
        // no MAC known yet: the set and rules are there all the same, so the table keeps one shape
        assertThat(NftablesScript.build("streamail", List.of(), List.of(), List.of()))
                .contains("\tset isolated_mac {\n\t\ttype ether_addr\n\t}\n").contains("ether saddr @isolated_mac drop");
    }

    @Test
    void badMacsShouldNeverReachTheScript() {
        for (String evil : List.of("52:54:00:ab:cd:01 }\nflush ruleset", "52:54:00:ab:cd", "52:54:00:ab:cd:01:02",
                "52:54-00:ab:cd:01", "5254.00ab.cd01", "52:54:00:ab:cd:0g", "@isolated_mac", "", " ",
                "52:54:00:ab:cd:01, ff:ff:ff:ff:ff:ff", "５2:54:00:ab:cd:01")) {
            assertThatThrownBy(() -> NftablesScript.build("streamail", List.of("10.0.1.2"), List.of(evil), List.of()))
                    .as(evil).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a MAC address");
        }
        // well formed, but no host's: broadcast would name everyone's frames in a bogus entry
        assertThatThrownBy(() -> NftablesScript.build("streamail", List.of(), List.of("FF-FF-FF-FF-FF-FF"), List.of()))
                .hasMessage("MAC ff:ff:ff:ff:ff:ff is the broadcast address, not one host's");
        assertThatThrownBy(() -> NftablesScript.build("streamail", List.of(), List.of("01:00:5e:00:00:fb"), List.of()))
                .hasMessage("MAC 01:00:5e:00:00:fb is a multicast address, not one host's");
        assertThatThrownBy(() -> NftablesScript.build("streamail", List.of(), List.of("33:33:00:00:00:01"), List.of()))
                .hasMessageContaining("multicast");
        assertThatThrownBy(() -> NftablesScript.build("streamail", List.of(), List.of("00:00:00:00:00:00"), List.of()))
                .hasMessage("MAC 00:00:00:00:00:00 is the all-zero address, not one host's");
        // locally administered (a phone's random Wi-Fi MAC) is a unicast host's all the same
        assertThat(NftablesScript.build("streamail", List.of(), List.of("da:a1:19:00:00:01"), List.of()))
                .contains("elements = { da:a1:19:00:00:01 }");
    }

    @Test
    void theEnforcerShouldCutTheMacsOfTheWholeSetAndLeaveOutBadOnesWithoutFailing(@TempDir Path dir) throws Exception {
        Path seen = dir.resolve("seen.nft");
        NftablesEnforcer e = new NftablesEnforcer(recordingNft(dir, seen), "streamail", Duration.ofSeconds(5));
        Isolation a = new Isolation("10.0.1.2", "52:54:00:ab:cd:01", "r", "a", Instant.EPOCH, null, 1);
        Isolation a6 = new Isolation("2001:db8::1", "52:54:00:AB:CD:01", "r", "a", Instant.EPOCH, null, 1);
        Isolation b = new Isolation("10.0.1.3", "", "r", "a", Instant.EPOCH, null, 1);
        Isolation bogus = new Isolation("10.0.1.4", "ff:ff:ff:ff:ff:ff", "r", "a", Instant.EPOCH, null, 1);
        Isolation tampered = new Isolation("10.0.1.5", "52:54:00:ab:cd:01 }; flush ruleset; {", "r", "a",
                Instant.EPOCH, null, 1);

        e.apply(new EnforcementChange("isolate", a6, List.of(a, a6, b, bogus, tampered), List.of("10.0.3.2")));
        String script = Files.readString(seen);
        assertThat(script).contains("\t\telements = { 52:54:00:ab:cd:01 }\n")
                .contains("elements = { 10.0.1.2, 10.0.1.3, 10.0.1.4, 10.0.1.5 }")
                .doesNotContain("ff:ff:ff:ff:ff:ff").doesNotContain("flush");

        // releasing one address of the workstation keeps its MAC while its other address is isolated
        e.apply(new EnforcementChange("release", a, List.of(a6, b), List.of("10.0.3.2")));
        assertThat(Files.readString(seen)).contains("\t\telements = { 52:54:00:ab:cd:01 }\n");
        e.apply(new EnforcementChange("release", a6, List.of(b), List.of("10.0.3.2")));
        assertThat(Files.readString(seen)).contains("\tset isolated_mac {\n\t\ttype ether_addr\n\t}\n")
                .doesNotContain("52:54:00:ab:cd:01");
    }

    @Test
    void isolateByMacOffShouldLeaveTheTableAsWithoutMacs(@TempDir Path dir) throws Exception {
        Path seen = dir.resolve("seen.nft");
        NftablesEnforcer e = new NftablesEnforcer(TestConfigs.of(NftablesConfig.class, Map.of(
                "nft.binary", recordingNft(dir, seen).toString(), "isolate.by.mac", false)),
                Map.of("nft.binary", recordingNft(dir, seen).toString(), "isolate.by.mac", "false"));
        Isolation a = new Isolation("10.0.1.2", "52:54:00:ab:cd:01", "r", "a", Instant.EPOCH, null, 1);
        e.apply(new EnforcementChange("isolate", a, List.of(a), List.of("10.0.3.2")));
        assertThat(Files.readString(seen)).isEqualTo(NftablesScript.build("streamail", List.of("10.0.1.2"),
                List.of("10.0.3.2"))).doesNotContain("ether");

        NftablesEnforcer byDefault = new NftablesEnforcer(TestConfigs.of(NftablesConfig.class, Map.of(
                "nft.binary", recordingNft(dir, seen).toString())), Map.of("nft.binary", recordingNft(dir, seen).toString()));
        byDefault.apply(new EnforcementChange("isolate", a, List.of(a), List.of("10.0.3.2")));
        assertThat(Files.readString(seen)).contains("elements = { 52:54:00:ab:cd:01 }");
    }

    /** A fake nft that keeps the script it is given and succeeds. */
    private static Path recordingNft(Path dir, Path seen) throws Exception {
        Path fake = dir.resolve("nft-ok");
        Files.writeString(fake, "#!/bin/sh\ncat > '" + seen + "'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        return fake;
    }

    @Test
    void anEmptySetShouldLeaveTheTableWithoutElements() {
        String script = NftablesScript.build("gw_1", List.of(), List.of());
        assertThat(script).startsWith("table inet gw_1\ndelete table inet gw_1\ntable inet gw_1 {\n")
                .doesNotContain("elements").contains("chain forward {");
    }

    @Test
    void injectionAttemptsShouldNeverReachTheScript() {
        for (String evil : List.of("10.0.0.1 }\nflush ruleset", "10.0.0.1, 0.0.0.0/0", "10.0.0.1;", "@management4",
                "10.0.0.0/8", "host.example", "::1 } ; delete table inet filter", "")) {
            assertThatThrownBy(() -> NftablesScript.build("streamail", List.of(evil), List.of()))
                    .as(evil).isInstanceOf(IllegalArgumentException.class);
        }
        for (String evil : List.of("10.0.0.0/8 }", "10.0.0.0/8\nflush ruleset", "10.0.0.0/099", "10.0.0.0/-1", "*",
                "10.0.4.9/24")) {
            assertThatThrownBy(() -> NftablesScript.build("streamail", List.of(), List.of(evil)))
                    .as(evil).isInstanceOf(IllegalArgumentException.class);
        }
        for (String table : List.of("filter; flush ruleset", "1abc", "", "a".repeat(33), "stream mail", "x\n")) {
            assertThatThrownBy(() -> NftablesScript.build(table, List.of(), List.of()))
                    .as(table).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aFailingNftShouldThrowWithItsOwnErrorMessage(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("nft");
        Path seen = dir.resolve("seen.nft");
        Files.writeString(fake, "#!/bin/sh\ncat > '" + seen + "'\necho 'Error: Could not process rule: Operation not permitted' >&2\nexit 1\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        NftablesEnforcer e = new NftablesEnforcer(fake, "streamail", Duration.ofSeconds(5));
        Isolation i = new Isolation("10.0.1.2", "", "r", "a", Instant.EPOCH, null, 1);

        assertThatThrownBy(() -> e.apply(new EnforcementChange("isolate", i, List.of(i), List.of("10.0.3.2"))))
                .hasMessageContaining("exit status 1").hasMessageContaining("Operation not permitted");
        assertThat(Files.readString(seen)).contains("elements = { 10.0.1.2 }").contains("elements = { 10.0.3.2 }");
    }

    @Test
    void aHangingNftShouldBeKilledAfterTheTimeout(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("nft");
        Files.writeString(fake, "#!/bin/sh\nexec sleep 30\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        NftablesEnforcer e = new NftablesEnforcer(fake, "streamail", Duration.ofSeconds(1));
        long start = System.nanoTime();
        assertThatThrownBy(() -> e.run("table inet streamail\n")).hasMessageContaining("did not finish within 1 s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aHangingNftThatReadsNoInputShouldStillBeKilledAfterTheTimeout(@TempDir Path dir) throws Exception {
        // a script larger than a pipe buffer (64 KiB): with 4,096 IPv6 hosts the real one is ~170 KB
        Path fake = dir.resolve("nft");
        Files.writeString(fake, "#!/bin/sh\nexec sleep 30\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        NftablesEnforcer e = new NftablesEnforcer(fake, "streamail", Duration.ofSeconds(1));
        String big = "table inet streamail\n" + "# padding\n".repeat(40_000);
        long start = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThatThrownBy(() -> e.run(big)).hasMessageContaining("did not finish within 1 s"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void anInterruptedRunShouldNotLeaveNftBehindToCommitLater(@TempDir Path dir) throws Exception {
        // e.g. the service is deactivated mid-change: its rollback must not race a left-over nft
        Path fake = dir.resolve("nft");
        Path committed = dir.resolve("committed");
        Files.writeString(fake, "#!/bin/sh\ncat > /dev/null\nsleep 2\ntouch '" + committed + "'\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        NftablesEnforcer e = new NftablesEnforcer(fake, "streamail", Duration.ofSeconds(10));
        Thread caller = Thread.currentThread();
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException ignored) {
                return;
            }
            caller.interrupt();
        });
        interrupter.start();
        assertThatThrownBy(() -> e.run("table inet streamail\n")).isInstanceOf(InterruptedException.class);
        Thread.interrupted();
        Thread.sleep(3000);
        assertThat(committed).doesNotExist();
    }

    @Test
    void aMissingBinaryShouldFailClearly() {
        NftablesEnforcer e = new NftablesEnforcer(Path.of("/nonexistent/nft"), "streamail", Duration.ofSeconds(1));
        assertThatThrownBy(() -> e.run("table inet streamail\n")).hasMessageContaining("cannot run /nonexistent/nft");
        assertThatThrownBy(() -> new NftablesEnforcer(Path.of("nft"), "streamail", Duration.ofSeconds(1)))
                .hasMessageContaining("absolute");
    }
}
