package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
