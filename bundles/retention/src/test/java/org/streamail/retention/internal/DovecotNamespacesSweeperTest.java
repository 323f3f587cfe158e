package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.retention.SweepReport;

/**
 * The sweeper contract against a Dovecot whose {@code LIST "" "*"} also shows folders that are not the
 * mailbox's own: a public namespace ({@code Public/}, shared by every user) and a virtual namespace whose
 * {@code Virtual/All} (special-use {@code \All}) shows every message of the mailbox, those in exempt folders
 * included. An expunge in a virtual folder expunges the real message. Neither may be swept or recalled from.
 * Skipped like {@link DovecotSweeperTest} when Dovecot is not installed.
 */
class DovecotNamespacesSweeperTest extends DovecotContract {

    static final String NAMESPACES = """
            namespace inbox {
              inbox = yes
              separator = /
            }
            namespace public {
              type = public
              separator = /
              prefix = Public/
              location = maildir:%1$s/home/public:INDEXPVT=%1$s/home/pvt/%%u
              subscriptions = no
              list = yes
            }
            namespace virtual {
              separator = /
              prefix = Virtual/
              location = virtual:%1$s/home/virtual:INDEX=%1$s/home/vindex/%%u
              subscriptions = no
              list = yes
              mailbox All {
                special_use = \\All
              }
            }
            mail_plugins = $mail_plugins virtual
            """;


    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = DovecotFixture.startOrSkip("ns", 35, PASSWORD, NAMESPACES, dir -> {
            Path all = Files.createDirectories(dir.resolve("home/virtual/All"));
            Files.writeString(all.resolve("dovecot-virtual"), "*\n  all\n");
            Files.createDirectories(dir.resolve("home/public"));
            Files.createDirectories(dir.resolve("home/pvt"));
            Files.createDirectories(dir.resolve("home/vindex"));
        });
    }

    @Test
    void aVirtualAllFolderDoesNotLetTheSweepReachIntoAnExemptFolder() throws Exception {
        String mailbox = newMailbox();
        String kept = id();
        append(mailbox, "Archives/Local", signedMessage(kept, "P14D", false), DAYS_AGO_30);
        assertThat(contents(mailbox, "Virtual/All")).as("the virtual folder shows it").containsOnlyKeys(kept);
        try (Store store = userStore(mailbox)) {
            OwnFolders.Listing listing = OwnFolders.list(store);
            assertThat(listing.virtualView()).as("Virtual/All is recognised by \\All").isEqualTo(1);
            assertThat(listing.folders()).extracting(jakarta.mail.Folder::getFullName)
                    .contains("INBOX", "Archives/Local").noneMatch(n -> n.startsWith("Virtual") || n.startsWith("Public"));
        }

        SweepReport report = component(mailbox, Map.of("exempt.folders", "Archives/Local")).sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.deleted()).isZero();
        assertThat(contents(mailbox, "Archives/Local")).containsOnlyKeys(kept);
        assertThat(audit.all()).isEmpty();
    }

    @Test
    void aPublicFolderIsNotPartOfTheMailboxAndIsNeitherSweptNorRecalledFrom() throws Exception {
        String mailbox = newMailbox();
        String shared = "<" + java.util.UUID.randomUUID() + "@corp.example>";
        String own = id();
        String folder = "Public/Team" + mailbox.substring(0, mailbox.indexOf('@'));
        append(mailbox, folder, signedMessage(shared, "P14D", false), DAYS_AGO_30);
        append(mailbox, "INBOX", signedMessage(own, "P14D", false), DAYS_AGO_30);

        SweepReport report = component(mailbox, Map.of()).sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.deleted()).isEqualTo(1);
        assertThat(contents(mailbox, "INBOX")).isEmpty();
        assertThat(contents(mailbox, folder)).as("another namespace's folder").containsOnlyKeys(shared);

        Map<String, Object> props = new HashMap<>(imapSettings(mailbox));
        props.put("sweep.interval", "");
        RecallOutcome outcome = new MailboxRecallImpl(TestConfig.of(props), audit, Clock.systemUTC())
                .recall(mailbox, shared, "campaign", "admin");
        assertThat(outcome.error()).isEmpty();
        assertThat(outcome.found()).isZero();
        assertThat(contents(mailbox, folder)).containsOnlyKeys(shared);
    }
}
