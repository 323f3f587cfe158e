package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;

/** The spam commands against recording fakes, asserting what they print and what they ask the services. */
class SpamCommandsTest extends CommandTestSupport {

    final List<String> calls = new ArrayList<>();
    final Map<String, BlockRule> rules = new LinkedHashMap<>();
    final ReportService reports = new ReportService() {
        @Override
        public ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin) {
            calls.add(kind + " raw " + raw.length + " by " + reporter);
            return new ReportResult("0123abcd", kind, true, 3, 0, true);
        }

        @Override
        public ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin) {
            if (!id.startsWith("q-")) {
                throw new NoSuchElementException("no message " + id);
            }
            calls.add(kind + " id " + id + " by " + reporter);
            return new ReportResult("0123abcd", kind, false, 0, 1, false);
        }
    };
    final BlockListService blockList = new BlockListService() {
        @Override
        public List<BlockRule> list() {
            return List.copyOf(rules.values());
        }

        @Override
        public BlockRule add(BlockRule.Type type, String value, String reason, Instant expiresAt, String actor) {
            if (value.equals("bad")) {
                throw new IllegalArgumentException("'bad' is not an IPv4/IPv6 address or CIDR block");
            }
            BlockRule r = new BlockRule("id" + rules.size(), type, value, reason, actor, Instant.parse("2026-01-02T03:04:05Z"),
                    expiresAt, BlockRule.Source.ADMIN);
            rules.put(r.id(), r);
            return r;
        }

        @Override
        public boolean remove(String id, String actor) {
            return rules.remove(id) != null;
        }

        @Override
        public Optional<BlockRule> match(BlockRule.Type type, String value) {
            return Optional.empty();
        }
    };


    @TempDir
    Path dir;




    @Test
    void reportSpamReadsAFileAndSaysWhetherItNowBlocks() throws Exception {
        Path eml = Files.write(dir.resolve("spam.eml"), "Subject: buy\r\n\r\nnow\r\n".getBytes(StandardCharsets.US_ASCII));
        ReportSpamCommand c = new ReportSpamCommand();
        c.reports = reports;
        c.target = eml.toString();
        String out = run(c::execute);
        assertThat(calls).containsExactly("SPAM raw 21 by shell");
        assertThat(out).contains("Reported SPAM as shell", "Reference:  0123abcd", "Reporters:  3 spam, 0 ham",
                "Blocking:   yes");
    }

    /** Named like Karaf's JAAS role principal, which is how the commands recognise roles. */
    record RolePrincipal(String getName) implements java.security.Principal {
    }

    /** Named like Karaf's JAAS user principal, which is how the commands recognise the logged-in user. */
    record UserPrincipal(String getName) implements java.security.Principal {
    }

    @Test
    void aViewerCannotReportUnderAnotherNameBySettingTheUserVariable() throws Exception {
        // USER is an ordinary Gogo session variable: "USER = alice" at the prompt overwrites it. Taken as the
        // reporter, one viewer could report a message as any number of users and make it block for everyone.
        javax.security.auth.Subject viewer = new javax.security.auth.Subject();
        viewer.getPrincipals().add(new UserPrincipal("bob"));
        viewer.getPrincipals().add(new RolePrincipal("viewer"));
        for (String spoofed : List.of("alice", "carol")) {
            javax.security.auth.Subject.doAs(viewer, (java.security.PrivilegedExceptionAction<Void>) () -> {
                ReportSpamCommand c = new ReportSpamCommand();
                c.reports = reports;
                c.session = ShellFakes.session(Map.of("USER", spoofed), dir);
                c.target = "q-1";
                c.execute();
                return null;
            });
        }
        assertThat(calls).containsExactly("SPAM id q-1 by bob", "SPAM id q-1 by bob");
    }

    @Test
    void aViewerReportsByIdOnlyAndCannotMakeTheGatewayReadOrProbeAFile() throws Exception {
        Path secret = Files.write(dir.resolve("users.properties"), "admin = x\r\n".getBytes(StandardCharsets.US_ASCII));
        javax.security.auth.Subject viewer = new javax.security.auth.Subject();
        viewer.getPrincipals().add(new RolePrincipal("viewer"));
        java.security.PrivilegedExceptionAction<Void> reportFile = () -> {
            ReportHamCommand c = new ReportHamCommand();
            c.reports = reports;
            c.target = secret.toString();
            c.execute();
            return null;
        };
        assertThatThrownBy(() -> javax.security.auth.Subject.doAs(viewer, reportFile))
                .isInstanceOf(CommandFailure.class).hasMessageContaining("No stored message named")
                .hasMessageContaining("for administrators").hasMessageNotContaining("No file");
        assertThat(calls).isEmpty(); // nothing was read or reported

        // the same answer for a path that does not exist: no existence oracle
        java.security.PrivilegedExceptionAction<Void> reportMissing = () -> {
            ReportHamCommand c = new ReportHamCommand();
            c.reports = reports;
            c.target = dir.resolve("nothing-here").toString();
            c.execute();
            return null;
        };
        assertThatThrownBy(() -> javax.security.auth.Subject.doAs(viewer, reportMissing))
                .isInstanceOf(CommandFailure.class).hasMessageContaining("No stored message named").hasMessageContaining("for administrators");

        // by id a viewer still reports
        javax.security.auth.Subject.doAs(viewer, (java.security.PrivilegedExceptionAction<Void>) () -> {
            ReportHamCommand c = new ReportHamCommand();
            c.reports = reports;
            c.target = "q-77";
            c.execute();
            return null;
        });
        assertThat(calls).singleElement().asString().startsWith("HAM id q-77");
    }

    @Test
    void reportHamTakesAStoredMessageIdWhenNoSuchFileExists() throws Exception {
        ReportHamCommand c = new ReportHamCommand();
        c.reports = reports;
        c.target = "q-77";
        String out = run(c::execute);
        assertThat(calls).containsExactly("HAM id q-77 by shell");
        assertThat(out).contains("already reported by you", "Blocking:   no");

        c.target = "nothing-here";
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("No file and no stored message");
        assertThatThrownBy(new ReportSpamCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("report service (detect-spam) is not available");
    }

    @Test
    void aDirectoryOrDeviceIsNamedForWhatItIsAndNothingIsRead() throws Exception {
        // audit finding: a directory was answered "No file and no stored message named <dir>", which is untrue
        ReportSpamCommand c = new ReportSpamCommand();
        c.reports = reports;
        c.target = dir.toString();
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("is a directory or a special file, not a message file").hasMessageNotContaining("\n");
        if (Files.exists(Path.of("/dev/zero"))) {
            c.target = "/dev/zero";
            assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("special file");
        }
        assertThat(calls).isEmpty();
    }

    @Test
    void anEmptyRuleIdIsAskedForNotReportedAsAnUnknownRule() {
        // audit finding: block-remove '' printed "No block rule " with nothing after it
        BlockRemoveCommand remove = new BlockRemoveCommand();
        remove.blockList = blockList;
        remove.id = "  ";
        assertThatThrownBy(remove::execute).isInstanceOf(CommandFailure.class).hasMessageStartingWith("Name the rule");
    }

    @Test
    void anAbsurdExpiryIsOneClearLine() throws Exception {
        // audit finding: --expires P999999999999D printed the JDK's "Instant exceeds minimum or maximum instant"
        BlockAddCommand add = new BlockAddCommand();
        add.blockList = blockList;
        add.type = "SENDER";
        add.value = "big@spam.example";
        add.expires = "P999999999999D";
        assertThatThrownBy(add::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("--expires must be at most 36500 days").hasMessageNotContaining("Instant");
        add.expires = "P36501D";
        assertThatThrownBy(add::execute).hasMessageContaining("at most 36500 days");
        assertThat(rules).isEmpty();
        add.expires = "P36500D";
        run(add::execute);
        assertThat(rules).hasSize(1);
    }

    @Test
    void blockListShowsBidiOverridesAndLineSeparatorsInAReasonAsQuestionMarks() throws Exception {
        // audit finding: a reason (or a value read from a damaged row) with U+202E reordered the table on the
        // operator's terminal; U+2028/U+2029 are line breaks to some terminals and viewers
        rules.put("r1", new BlockRule("r1", BlockRule.Type.SENDER, "x@spam.example", "safe \u202egnp.exe\u2029next",
                "admin", Instant.parse("2026-01-02T03:04:05Z"), null, BlockRule.Source.ADMIN));
        BlockListCommand list = new BlockListCommand();
        list.blockList = blockList;
        String out = run(list::execute);
        assertThat(out).contains("safe ?gnp.exe?next").doesNotContain("\u202e").doesNotContain("\u2029");
        assertThat(Format.visible("Kasino über 🎰")).isEqualTo("Kasino über 🎰");
    }

    @Test
    void blockAddListAndRemoveWorkTogether() throws Exception {
        BlockAddCommand add = new BlockAddCommand();
        add.blockList = blockList;
        add.type = "client_ip";
        add.value = "203.0.113.0/24";
        add.expires = "PT24H";
        add.reason = "botnet";
        assertThat(run(add::execute)).contains("Added rule id0: CLIENT_IP 203.0.113.0/24 until ");
        assertThat(rules.get("id0").expiresAt()).isAfter(Instant.now().plusSeconds(23 * 3600));

        BlockListCommand list = new BlockListCommand();
        list.blockList = blockList;
        assertThat(run(list::execute)).contains("id0", "CLIENT_IP", "203.0.113.0/24", "botnet", "yes");

        BlockRemoveCommand remove = new BlockRemoveCommand();
        remove.blockList = blockList;
        remove.id = "id0";
        assertThat(run(remove::execute)).contains("Removed rule id0");
        assertThatThrownBy(remove::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("No block rule id0");
        assertThat(run(list::execute)).contains("No block rules.");
    }

    @Test
    void blockAddRefusesBadInputWithAReason() {
        BlockAddCommand add = new BlockAddCommand();
        add.blockList = blockList;
        add.type = "ASN";
        add.value = "1";
        assertThatThrownBy(add::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("Unknown rule type");
        add.type = "CLIENT_IP";
        add.value = "bad";
        assertThatThrownBy(add::execute).hasMessageContaining("not an IPv4");
        add.value = "203.0.113.1";
        add.expires = "tomorrow";
        assertThatThrownBy(add::execute).hasMessageContaining("ISO-8601 duration");
        assertThat(rules).isEmpty();
    }
}
