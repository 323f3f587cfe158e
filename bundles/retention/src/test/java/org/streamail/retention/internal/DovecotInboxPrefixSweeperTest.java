package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.SweepReport;

/**
 * A Dovecot set up as Courier and Cyrus servers are: the personal namespace has the prefix {@code INBOX.}
 * and the separator {@code .}, so every folder is listed as {@code INBOX.<name>}. The administrator writes
 * {@code exempt.folders} as documented, with {@code /} and without the prefix ({@code Archives/Local}); the
 * exempt folder must still be kept. Skipped like {@link DovecotSweeperTest} when Dovecot is not installed.
 */
class DovecotInboxPrefixSweeperTest {

    private static final String NAMESPACES = """
            namespace inbox {
              inbox = yes
              separator = .
              prefix = INBOX.
            }
            """;
    private static final Instant DAYS_AGO_30 = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(9))
            .minus(Duration.ofDays(30));

    private static DovecotFixture dovecot;
    private final Signer signer = new Signer(SignerTest.KEY);
    private final MemoryAuditStore audit = new MemoryAuditStore();

    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = DovecotFixture.startOrSkip("px", 4, SweeperContractTest.PASSWORD, NAMESPACES, dir -> { });
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    private byte[] expired(String mid) {
        return ("From: ceo@corp.example\r\nMessage-ID: " + mid + "\r\nX-Retention-Period: P14D\r\n"
                + "X-Streamail-Retention-Sig: " + signer.sign("P14D", false, mid) + "\r\n\r\nbody\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private void append(String mailbox, String folder, byte[] raw) throws Exception {
        try (Store store = dovecot.userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                f.create(Folder.HOLDS_MESSAGES);
            }
            f.appendMessages(new Message[] {new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(raw)) {
                @Override
                public Date getReceivedDate() {
                    return Date.from(DAYS_AGO_30);
                }
            }});
        }
    }

    private List<String> ids(String mailbox, String folder) throws Exception {
        List<String> out = new ArrayList<>();
        try (Store store = dovecot.userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            f.open(Folder.READ_ONLY);
            for (Message m : f.getMessages()) {
                out.add(m.getHeader("Message-ID")[0].strip());
            }
            f.close(false);
        }
        return out;
    }

    @Test
    void theDocumentedSpellingOfAnExemptFolderKeepsItUnderThePersonalPrefix() throws Exception {
        String mailbox = dovecot.newMailbox();
        String archived = "<" + UUID.randomUUID() + "@corp.example>";
        String sub = "<" + UUID.randomUUID() + "@corp.example>";
        String work = "<" + UUID.randomUUID() + "@corp.example>";
        append(mailbox, "INBOX.Archives.Local", expired(archived));
        append(mailbox, "INBOX.archives.local.2019", expired(sub));
        append(mailbox, "INBOX.Work", expired(work));
        Map<String, Object> props = new HashMap<>(dovecot.masterSettings());
        props.put("mailboxes", mailbox);
        props.put("signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY));
        props.put("internal.domains", "corp.example");
        props.put("sweep.interval", "");
        props.put("exempt.folders", "Archives/Local");

        SweepReport report = new RetentionComponent(TestConfig.of(props), audit, null, Clock.systemUTC(), null, false)
                .sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(ids(mailbox, "INBOX.Work")).isEmpty();
        assertThat(ids(mailbox, "INBOX.Archives.Local")).containsExactly(archived);
        assertThat(ids(mailbox, "INBOX.archives.local.2019")).containsExactly(sub);
        assertThat(audit.all()).singleElement().satisfies(r -> assertThat(r.folder()).isEqualTo("INBOX.Work"));
    }

    @Test
    void aRecallAndAMoveReachTheirConfiguredFoldersUnderThePersonalPrefix() throws Exception {
        String mailbox = dovecot.newMailbox();
        String phish = "<" + UUID.randomUUID() + "@corp.example>";
        String old = "<" + UUID.randomUUID() + "@corp.example>";
        append(mailbox, "INBOX", expired(phish));
        append(mailbox, "INBOX.Work", expired(old));
        Map<String, Object> props = new HashMap<>(dovecot.masterSettings());
        props.put("sweep.interval", "");
        props.put("recall.folder", "Security/Recalled");

        var outcome = new MailboxRecallImpl(TestConfig.of(props), audit, Clock.systemUTC())
                .recall(mailbox, phish, "campaign", "admin");

        assertThat(outcome.error()).isEmpty();
        assertThat(outcome.moved()).isEqualTo(1);
        assertThat(ids(mailbox, "INBOX.Security.Recalled")).containsExactly(phish);

        props.put("mailboxes", mailbox);
        props.put("signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY));
        props.put("internal.domains", "corp.example");
        props.put("action", "move:Expired");
        props.put("exempt.folders", "Security");
        RetentionComponent retention = new RetentionComponent(TestConfig.of(props), audit, null, Clock.systemUTC(),
                null, false);
        SweepReport first = retention.sweep();
        SweepReport second = retention.sweep();

        assertThat(first.errors()).as(first.problems().toString()).isZero();
        assertThat(first.moved()).isEqualTo(1);
        assertThat(second.moved()).as("the target is recognised as such").isZero();
        assertThat(ids(mailbox, "INBOX.Expired")).containsExactly(old);
        assertThat(ids(mailbox, "INBOX.Security.Recalled")).as("exempt").containsExactly(phish);
    }
}
