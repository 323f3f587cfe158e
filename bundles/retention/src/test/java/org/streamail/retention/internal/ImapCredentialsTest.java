package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.retention.SweepReport;

/**
 * Per-mailbox credentials ({@code imap.credentials.file}) and the password file: parsing, the refusal of
 * files other users can read, which login each mailbox uses, and one sweep over two GreenMail mailboxes
 * that each log in as themselves with their own password (GreenMail has no master user).
 */
class ImapCredentialsTest {

    @TempDir
    Path dir;

    Path secret(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        return p;
    }

    Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("imap.host", "127.0.0.1");
        m.put("imap.security", "none");
        return m;
    }

    @Test
    void aListedMailboxLogsInAsItselfWithItsOwnPasswordTheOthersThroughTheMasterUser() throws Exception {
        Path creds = secret("creds", "# mailbox = password\n\nAlice@Corp.example = a=b c\nbob@corp.example=pw-bob\n");
        Map<String, Object> props = base();
        props.put("imap.user", "master");
        props.put("imap.password", "master-secret");
        props.put("imap.credentials.file", creds.toString());
        ImapSettings s = ImapSettings.from(TestConfig.of(props));
        assertThat(s.loginFor("alice@corp.example")).isEqualTo("alice@corp.example");
        assertThat(s.passwordFor("ALICE@corp.example")).isEqualTo("a=b c");
        assertThat(s.passwordFor("bob@corp.example")).isEqualTo("pw-bob");
        assertThat(s.loginFor("carol@corp.example")).isEqualTo("carol@corp.example*master");
        assertThat(s.passwordFor("carol@corp.example")).isEqualTo("master-secret");
        assertThat(s.toString()).doesNotContain("pw-bob").doesNotContain("master-secret");
    }

    @Test
    void theMasterPasswordMayComeFromAFileInsteadOfEtc() throws Exception {
        Map<String, Object> props = base();
        props.put("imap.user", "master");
        props.put("imap.password.file", secret("pw", "from-file\n").toString());
        assertThat(ImapSettings.from(TestConfig.of(props)).passwordFor("x@corp.example")).isEqualTo("from-file");
    }

    @Test
    void badOrExposedSecretFilesAreRefusedWithoutEchoingThem() throws Exception {
        Map<String, Object> props = base();
        props.put("imap.credentials.file", secret("bad", "alice@corp.example pw-in-clear\n").toString());
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(props))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 1 is not 'mailbox = password'").hasMessageNotContaining("pw-in-clear");

        props.put("imap.credentials.file", secret("twice", "a@x.example = 1\nA@x.example = 2\n").toString());
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(props))).hasMessageContaining("twice");

        Path open = secret("open", "a@x.example = 1\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        props.put("imap.credentials.file", open.toString());
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(props))).hasMessageContaining("readable by other users");

        props.put("imap.credentials.file", dir.resolve("missing").toString());
        assertThatThrownBy(() -> ImapSettings.from(TestConfig.of(props))).hasMessageContaining("cannot be read");
    }

    @Test
    void oneSweepReachesTwoMailboxesEachWithItsOwnCredentials() throws Exception {
        GreenMail greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        greenMail.start();
        try {
            greenMail.setUser("ann@corp.example", "ann@corp.example", "ann-pw");
            greenMail.setUser("ben@corp.example", "ben@corp.example", "ben-pw");
            Path creds = secret("creds", "ann@corp.example = ann-pw\nben@corp.example = ben-pw\n");

            // an expired signed message in each mailbox, through the contract test's fixtures
            SweeperContractTest fixtures = new GreenMailSweeperTest();
            String annId = SweeperContractTest.id();
            String benId = SweeperContractTest.id();
            appendAs(greenMail, "ann@corp.example", "ann-pw", fixtures.signedMessage(annId, "P7D", false));
            appendAs(greenMail, "ben@corp.example", "ben-pw", fixtures.signedMessage(benId, "P7D", false));

            Map<String, Object> props = base();
            props.put("imap.port", greenMail.getImap().getPort());
            props.put("imap.master.separator", "");
            props.put("imap.credentials.file", creds.toString());
            props.put("mailboxes", "ann@corp.example,ben@corp.example");
            props.put("signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY));
            props.put("internal.domains", "corp.example");
            props.put("sweep.interval", "");
            MemoryAuditStore audit = new MemoryAuditStore();
            RetentionComponent component = new RetentionComponent(TestConfig.of(props), audit, null,
                    java.time.Clock.systemUTC(), null, false);
            try {
                SweepReport r = component.sweep();
                assertThat(r.errors()).as(String.valueOf(r.problems())).isZero();
                assertThat(r.mailboxes()).isEqualTo(2);
                assertThat(r.deleted()).isEqualTo(2);
            } finally {
                component.deactivate();
            }
        } finally {
            greenMail.stop();
        }
    }

    private static void appendAs(GreenMail greenMail, String user, String password, byte[] raw) throws Exception {
        var session = jakarta.mail.Session.getInstance(new java.util.Properties());
        try (var store = session.getStore("imap")) {
            store.connect("127.0.0.1", greenMail.getImap().getPort(), user, password);
            var inbox = store.getFolder("INBOX");
            var m = new jakarta.mail.internet.MimeMessage(session, new java.io.ByteArrayInputStream(raw)) {
                @Override
                public java.util.Date getReceivedDate() {
                    return java.util.Date.from(java.time.Instant.now().minus(Duration.ofDays(30)));
                }
            };
            inbox.appendMessages(new jakarta.mail.Message[] {m});
        }
    }
}
