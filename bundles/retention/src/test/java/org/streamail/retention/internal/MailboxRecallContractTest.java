package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.retention.AuditRecord;

/**
 * What the campaign pull-back must do against every real IMAP server ({@link MailboxRecallGreenMailTest}
 * in-JVM, {@link MailboxRecallDovecotTest} with a private Dovecot and its master-user login). Each test uses a
 * fresh mailbox; messages are put in with APPEND by the mailbox's owner.
 */
abstract class MailboxRecallContractTest {

    static final String PASSWORD = SweeperContractTest.PASSWORD;

    final MemoryAuditStore audit = new MemoryAuditStore();

    /** A new, empty mailbox the component may reach. */
    protected abstract String newMailbox() throws Exception;

    /** The IMAP settings (host, port, security, admin login) for the component. */
    protected abstract Map<String, Object> imapSettings(String mailbox);

    /** A client session logged in as the mailbox's owner, for setting up and checking. */
    protected abstract Store userStore(String mailbox) throws Exception;

    MailboxRecallImpl recall(String mailbox, Map<String, Object> extra) {
        Map<String, Object> props = new HashMap<>(imapSettings(mailbox));
        props.put("exempt.folders", "Archives/Local");
        props.put("sweep.interval", "");
        props.putAll(extra);
        return new MailboxRecallImpl(TestConfig.of(props), audit, Clock.systemUTC());
    }

    private static String id() {
        return "<" + UUID.randomUUID() + "@phish.example>";
    }

    private static byte[] message(String messageIdHeader) {
        return ("From: ceo@phish.example\r\nTo: user@corp.example\r\nMessage-ID: " + messageIdHeader + "\r\n"
                + "Subject: urgent invoice\r\n\r\nPlease pay.\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    void append(String mailbox, String folder, byte[] raw, Flags.Flag... flags) throws Exception {
        try (Store store = userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                f.create(Folder.HOLDS_MESSAGES);
            }
            MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
            for (Flags.Flag flag : flags) {
                m.setFlag(flag, true);
            }
            f.appendMessages(new Message[] {m});
        }
    }

    /** The Message-ID headers in a folder, as stored (empty when the folder does not exist). */
    List<String> ids(String mailbox, String folder) throws Exception {
        List<String> out = new ArrayList<>();
        try (Store store = userStore(mailbox)) {
            Folder f = store.getFolder(folder);
            if (!f.exists()) {
                return out;
            }
            f.open(Folder.READ_ONLY);
            try {
                for (Message m : f.getMessages()) {
                    String[] v = m.getHeader("Message-ID");
                    out.add(v == null ? "" : v[0].strip());
                }
            } finally {
                f.close(false);
            }
        }
        return out;
    }

    @Test
    void copiesInInboxAndANormalFolderArePulledIntoQuarantineAndExemptAndOtherMailAreUntouched() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        String other = id();
        append(mailbox, "INBOX", message(phish));
        append(mailbox, "INBOX", message(other));
        append(mailbox, "Projects", message(phish));
        append(mailbox, "Archives/Local", message(phish));

        RecallOutcome outcome = recall(mailbox, Map.of()).recall(mailbox, phish, "campaign abc: bad URL", "linkguard");

        assertThat(outcome.error()).isEmpty();
        assertThat(outcome.found()).isEqualTo(2);
        assertThat(outcome.moved()).isEqualTo(2);
        assertThat(outcome.deleted()).isZero();
        assertThat(ids(mailbox, "INBOX")).containsExactly(other);
        assertThat(ids(mailbox, "Projects")).isEmpty();
        assertThat(ids(mailbox, "Archives/Local")).as("exempt folder").containsExactly(phish);
        assertThat(ids(mailbox, "Quarantine")).containsExactly(phish, phish);
        List<AuditRecord> rows = audit.all();
        assertThat(rows).hasSize(2).allSatisfy(r -> {
            assertThat(r.action()).isEqualTo(AuditRecord.Action.MOVE);
            assertThat(r.rule()).isEqualTo("campaign abc: bad URL");
            assertThat(r.actor()).isEqualTo("linkguard");
            assertThat(r.detail()).startsWith("recall-move to=Quarantine");
            assertThat(r.contentHash()).hasSize(64);
            assertThat(r.messageId()).isEqualTo(phish);
            assertThat(r.dryRun()).isFalse();
        });
        assertThat(rows).extracting(AuditRecord::folder).containsExactlyInAnyOrder("INBOX", "Projects");
    }

    /**
     * Brief retention-2, finding 1: without MOVE a recall is UID COPY + \\Deleted + UID EXPUNGE. A connection lost
     * after the COPY left the copy in INBOX and one in Quarantine, and the next recall copied it again. The next
     * recall now finds the earlier copy and only removes the message from INBOX.
     */
    @Test
    void aRecallCutOffAfterItsCopyIsFinishedByTheNextRecallWithoutASecondCopy() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        append(mailbox, "INBOX", message(phish));
        int port = ((Number) imapSettings(mailbox).get("imap.port")).intValue();
        try (CuttingImapProxy proxy = new CuttingImapProxy(port, true)) {
            MailboxRecallImpl recall = recall(mailbox, Map.of("imap.port", proxy.port()));
            recall.maxRetries = 0; // else the same recall searches the folder again and finishes the move itself
            proxy.cutBefore("+FLAGS.SILENT (\\Deleted)");
            RecallOutcome cut = recall.recall(mailbox, phish, "campaign", "linkguard");
            assertThat(proxy.cutHappened()).isTrue();
            assertThat(cut.error()).isNotEmpty();
            assertThat(ids(mailbox, "Quarantine")).containsExactly(phish);

            RecallOutcome again = recall.recall(mailbox, phish, "campaign", "linkguard");

            assertThat(again.error()).isEmpty();
            assertThat(again.moved()).isEqualTo(1);
        }
        assertThat(ids(mailbox, "INBOX")).isEmpty();
        assertThat(ids(mailbox, "Quarantine")).as("copies in the recall folder").containsExactly(phish);
    }

    /** A message as the gateway delivers it: its own Received field on top, naming the gateway id. */
    private static byte[] delivered(String gatewayId, String messageIdHeader) {
        String ours = "Received: from mx.phish.example (mx.phish.example [203.0.113.9])\r\n\tby gw.corp.example "
                + org.streamail.api.model.GatewayReceived.MARK + " with ESMTPS id " + gatewayId
                + "\r\n\tfor <user@corp.example>; Sat, 5 Dec 2026 10:00:00 +0000\r\n";
        return (ours + new String(message(messageIdHeader), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void aRecallOfOneDeliveryLeavesAnotherMessageThatReusesItsMessageId() throws Exception {
        // Fifth finding of the eighth audit: a lure may reuse the Message-ID of a genuine message the user has (read
        // from a thread's References); recalling the lure by Message-ID alone pulled the genuine one too.
        String mailbox = newMailbox();
        String reused = id();
        byte[] genuine = delivered("gw-genuine-1", reused);
        byte[] lure = delivered("gw-lure-2", reused);
        // a sender may also write a gateway line of its own below ours, naming the genuine delivery: ours counts
        byte[] forged = delivered("gw-lure-3", reused);
        String forgedText = new String(forged, StandardCharsets.US_ASCII).replace("From: ceo@phish.example\r\n",
                "Received: by gw.corp.example " + org.streamail.api.model.GatewayReceived.MARK
                        + " with ESMTP id gw-genuine-1; Sat, 5 Dec 2026 09:00:00 +0000\r\nFrom: ceo@phish.example\r\n");
        append(mailbox, "INBOX", genuine);
        append(mailbox, "INBOX", lure);
        append(mailbox, "Projects", forgedText.getBytes(StandardCharsets.US_ASCII));
        append(mailbox, "Projects", message(reused)); // never passed through the gateway
        MailboxRecallImpl recall = recall(mailbox, Map.of());

        RecallOutcome outcome = recall.recall(mailbox, reused, "gw-lure-2", "campaign abc", "linkguard");
        assertThat(outcome.error()).isEmpty();
        assertThat(outcome.moved()).isEqualTo(1);
        assertThat(ids(mailbox, "INBOX")).containsExactly(reused);
        assertThat(ids(mailbox, "Projects")).containsExactly(reused, reused);
        assertThat(recall.recall(mailbox, reused, "gw-lure-3", "campaign abc", "linkguard").moved()).isEqualTo(1);
        assertThat(ids(mailbox, "Projects")).hasSize(1);
        assertThat(ids(mailbox, "Quarantine")).hasSize(2);
        // what remains in INBOX is the genuine delivery
        assertThat(recall.recall(mailbox, reused, "gw-genuine-1", "admin check", "admin").moved()).isEqualTo(1);
        assertThat(ids(mailbox, "INBOX")).isEmpty();
        assertThatThrownBy(() -> recall.recall(mailbox, reused, "gw id; drop", "r", "admin"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gatewayId");
    }

    @Test
    void aSecondRecallFindsNothingBecauseTheRecallFolderIsNotSearched() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        append(mailbox, "INBOX", message(phish));
        MailboxRecallImpl recall = recall(mailbox, Map.of());

        RecallOutcome first = recall.recall(mailbox, phish, "r", "admin");
        RecallOutcome second = recall.recall(mailbox, phish, "r", "admin");

        assertThat(first.moved()).isEqualTo(1);
        assertThat(second.found()).isZero();
        assertThat(second.moved()).isZero();
        assertThat(second.error()).isEmpty();
        assertThat(ids(mailbox, "Quarantine")).containsExactly(phish);
        assertThat(audit.all()).hasSize(1);
    }

    @Test
    void theIdIsFoundWithOrWithoutBracketsAndALongerIdContainingItIsLeftAlone() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        String bare = phish.substring(1, phish.length() - 1);
        String longer = "<x" + bare + ">";
        append(mailbox, "INBOX", message(bare)); // a sender that wrote it without brackets
        append(mailbox, "INBOX", message(longer));

        RecallOutcome outcome = recall(mailbox, Map.of()).recall(mailbox, bare, "r", "admin");

        assertThat(outcome.found()).isEqualTo(1);
        assertThat(ids(mailbox, "INBOX")).containsExactly(longer);
        assertThat(ids(mailbox, "Quarantine")).containsExactly(bare);
    }

    @Test
    void anotherClientsDeletedFlagIsNotExpunged() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        String theirs = id();
        append(mailbox, "INBOX", message(theirs), Flags.Flag.DELETED);
        append(mailbox, "INBOX", message(phish));

        RecallOutcome deleted = recall(mailbox, Map.of("recall.action", "delete")).recall(mailbox, phish, "r", "admin");

        assertThat(deleted.deleted()).isEqualTo(1);
        assertThat(ids(mailbox, "INBOX")).containsExactly(theirs);
    }

    @Test
    void deleteModeRemovesTheCopiesByUidAndAuditsThem() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        append(mailbox, "INBOX", message(phish));
        append(mailbox, "Work/Clients", message(phish));

        RecallOutcome outcome = recall(mailbox, Map.of("recall.action", "delete")).recall(mailbox, phish, "r", "admin");

        assertThat(outcome.found()).isEqualTo(2);
        assertThat(outcome.deleted()).isEqualTo(2);
        assertThat(outcome.moved()).isZero();
        assertThat(ids(mailbox, "INBOX")).isEmpty();
        assertThat(ids(mailbox, "Work/Clients")).isEmpty();
        assertThat(ids(mailbox, "Quarantine")).as("no recall folder needed").isEmpty();
        assertThat(audit.all()).hasSize(2).allSatisfy(r -> {
            assertThat(r.action()).isEqualTo(AuditRecord.Action.DELETE);
            assertThat(r.detail()).startsWith("recall-delete");
        });
    }

    @Test
    void aConfiguredRecallFolderIsCreatedAndUsed() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        append(mailbox, "INBOX", message(phish));

        RecallOutcome outcome = recall(mailbox, Map.of("recall.folder", "Security/Recalled"))
                .recall(mailbox, phish, "r", "admin");

        assertThat(outcome.moved()).isEqualTo(1);
        String serverName;
        try (Store store = userStore(mailbox)) {
            // "Security.Recalled" where the separator is '.' (GreenMail): a real hierarchy, as configured
            serverName = OwnFolders.serverName(store, "Security/Recalled");
        }
        assertThat(ids(mailbox, serverName)).containsExactly(phish);
    }

    @Test
    void aDryRunOnlyAuditsWhatItWouldDo() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        append(mailbox, "INBOX", message(phish));

        RecallOutcome outcome = recall(mailbox, Map.of("dry.run", "true")).recall(mailbox, phish, "r", "admin");

        assertThat(outcome.found()).isEqualTo(1);
        assertThat(outcome.moved()).isZero();
        assertThat(ids(mailbox, "INBOX")).containsExactly(phish);
        assertThat(audit.all()).singleElement().satisfies(r -> assertThat(r.dryRun()).isTrue());
    }

    @Test
    void withTheAuditStoreDownNothingIsTouchedAndTheOutcomeCarriesTheError() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        append(mailbox, "INBOX", message(phish));
        audit.down = true;

        RecallOutcome outcome = recall(mailbox, Map.of()).recall(mailbox, phish, "r", "admin");

        assertThat(outcome.moved()).isZero();
        assertThat(outcome.error()).contains("database down");
        assertThat(ids(mailbox, "INBOX")).containsExactly(phish);
    }

    @Test
    void imapTroubleIsReportedInTheOutcomeNotThrown() throws Exception {
        String mailbox = newMailbox();
        RecallOutcome outcome = new MailboxRecallImpl(TestConfig.of(Map.of("imap.host", "127.0.0.1", "imap.port", 1,
                "imap.security", "none", "imap.user", mailbox, "imap.password", "x", "imap.master.separator", "",
                "imap.timeout.seconds", 2)), audit, Clock.systemUTC()).recall(mailbox, id(), "r", "admin");

        assertThat(outcome.error()).isNotEmpty();
        assertThat(outcome.found()).isZero();
    }

    @Test
    void badIdsAndMailboxesAreRejected() throws Exception {
        String mailbox = newMailbox();
        MailboxRecallImpl recall = recall(mailbox, Map.of());
        for (String bad : new String[] {"", "   ", "<>", "no-at-sign", "<a b@c>", "<a@b>\r\nX: y", "a\"b@c",
                "<@x>", "<x@>", "<" + "a".repeat(600) + "@x>", "<é@x>"}) {
            assertThatThrownBy(() -> recall.recall(mailbox, bad, "r", "admin")).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> recall.recall(null, id(), "r", "admin")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> recall.recall("a b", id(), "r", "admin")).isInstanceOf(IllegalArgumentException.class);
        assertThat(audit.all()).isEmpty();
    }

    @Test
    void badRecallSettingsFailActivationNamingTheProperty() {
        assertThatThrownBy(() -> recall("x@corp.example", Map.of("recall.action", "shred")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recall.action");
        assertThatThrownBy(() -> recall("x@corp.example", Map.of("recall.folder", "Bad*Folder")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recall.folder");
    }

    /**
     * Brief recall-folders: a recall searched only the first 10,000 folders in the server's LIST order (the sweeper's
     * per-run bound) and reported the rest as a problem, so a copy the user had filed in folder 10,001 stayed. It now
     * searches every own folder, in name order, up to {@link MailboxRecallImpl#MAX_FOLDERS} (ten times as many).
     * Here the bound is lowered to 7 for seven folders to search: with the old cut at that bound, the copy in the
     * folder created last (last in LIST order) and the one past the first six were left.
     */
    @Test
    void aCopyInEveryFolderUpToTheBoundIsRecalledWhateverTheListOrder() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        List<String> folders = List.of("Zeta", "Projects", "Alpha", "Projects/Deep", "Mid", "Beta");
        append(mailbox, "INBOX", message(phish));
        for (String folder : folders) {
            append(mailbox, folder, message(phish));
        }
        append(mailbox, "Archives/Local", message(phish));
        MailboxRecallImpl recall = recall(mailbox, Map.of());
        recall.maxFolders = 7 + extraFolders(mailbox);

        RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

        assertThat(outcome.error()).isEmpty();
        assertThat(outcome.moved()).isEqualTo(7);
        for (String folder : folders) {
            assertThat(ids(mailbox, folder)).as(folder).isEmpty();
        }
        assertThat(ids(mailbox, "INBOX")).isEmpty();
        assertThat(ids(mailbox, "Archives/Local")).as("exempt").containsExactly(phish);
        assertThat(ids(mailbox, "Quarantine")).hasSize(7);
    }

    /**
     * Folders a server lists besides those the test made (a parent {@code Archives} that holds messages on
     * GreenMail): the test's bound counts them, as the recall does.
     */
    int extraFolders(String mailbox) throws Exception {
        try (Store store = userStore(mailbox)) {
            Folder archives = store.getFolder("Archives");
            return archives.exists() && (archives.getType() & Folder.HOLDS_MESSAGES) != 0 ? 1 : 0;
        }
    }

    /**
     * Brief recall-folders: past its bound of folders a recall stops and says exactly which folders it did not
     * search (in name order), instead of "N folders, more than 10,000; only the first searched" with no names. The
     * folders searched are those first by name, whatever the server's LIST order.
     */
    @Test
    void pastTheFolderBoundTheOutcomeNamesTheFoldersNotSearched() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        for (String folder : List.of("Zeta", "Beta", "Mid", "Alpha", "Omega")) {
            append(mailbox, folder, message(phish));
        }
        MailboxRecallImpl recall = recall(mailbox, Map.of());
        int extra = extraFolders(mailbox); // "Archives" sorts after "Alpha"
        recall.maxFolders = 2 + extra;

        RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

        // INBOX sorts after Beta: Alpha, (Archives,) Beta searched; INBOX, Mid, Omega, Zeta not
        assertThat(outcome.moved()).isEqualTo(2);
        assertThat(ids(mailbox, "Alpha")).isEmpty();
        assertThat(ids(mailbox, "Beta")).isEmpty();
        for (String folder : List.of("Mid", "Omega", "Zeta")) {
            assertThat(ids(mailbox, folder)).as(folder).containsExactly(phish);
        }
        int total = 6 + extra;
        assertThat(outcome.error()).isEqualTo("not searched, the bound of " + (2 + extra) + " folders per recall: 4 of "
                + total + " folders (" + (total - 3) + "-" + total + " in name order): 'INBOX', 'Mid', 'Omega', 'Zeta'");
    }

    /**
     * Brief recall-folders: a recall has a time budget per mailbox (checked before each folder); when it is used up
     * the outcome names the folders not searched. The clock here advances one minute per reading, against a budget
     * of three: the recall starts at minute 0 and searches the folders it reaches at minutes 1 and 2.
     */
    @Test
    void whenTheTimeBudgetIsUsedUpTheOutcomeNamesTheFoldersNotSearched() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        for (String folder : List.of("B", "A", "C", "D")) {
            append(mailbox, folder, message(phish));
        }
        MailboxRecallImpl recall = recall(mailbox, Map.of());
        long[] minutes = {0};
        recall.ticker = () -> java.time.Duration.ofMinutes(minutes[0]++).toNanos();
        recall.timeBudget = java.time.Duration.ofMinutes(3);

        RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

        assertThat(outcome.moved()).isEqualTo(2);
        assertThat(ids(mailbox, "A")).isEmpty();
        assertThat(ids(mailbox, "B")).isEmpty();
        assertThat(ids(mailbox, "C")).containsExactly(phish);
        assertThat(outcome.error()).startsWith("not searched, the time budget of 180 s per mailbox: ")
                .contains("(3-").contains("'C', 'D'");
    }

    /**
     * Brief recall-folders, point 2 (the recall already went on; this confirms it with the new loop): a folder removed
     * between the LIST and its SELECT is reported by name in the outcome, and the other folders are still searched.
     */
    @Test
    void aFolderRemovedAfterTheListIsReportedAndTheRecallGoesOn() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        for (String folder : List.of("Alpha", "Doomed", "Zeta")) {
            append(mailbox, folder, message(phish));
        }
        MailboxRecallImpl recall = recall(mailbox, Map.of());
        recall.afterListing = ours -> {
            try (Store store = userStore(mailbox)) {
                assertThat(store.getFolder("Doomed").delete(true)).isTrue();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

        assertThat(outcome.moved()).isEqualTo(2);
        assertThat(outcome.error()).startsWith("Doomed: ").doesNotContain("not searched");
        assertThat(ids(mailbox, "Alpha")).isEmpty();
        assertThat(ids(mailbox, "Zeta")).isEmpty();
        assertThat(ids(mailbox, "Quarantine")).hasSize(2);
    }

    /**
     * Brief recall-folders, point 2: a connection lost in one folder (here cut before its \\Deleted STORE, on a server
     * without MOVE, after its COPY) made that folder a failure, and its copy stayed until the next recall. The folder
     * is now searched again on a new connection (at most {@link MailboxRecallImpl#MAX_RETRIES} times per recall),
     * which finishes the cut move without a second copy, and the recall goes on with the next folders.
     */
    @Test
    void aConnectionLostInOneFolderIsReportedAndTheNextFoldersAreStillSearched() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        for (String folder : List.of("Alpha", "Beta", "Gamma")) {
            append(mailbox, folder, message(phish));
        }
        int port = ((Number) imapSettings(mailbox).get("imap.port")).intValue();
        try (CuttingImapProxy proxy = new CuttingImapProxy(port, true)) {
            MailboxRecallImpl recall = recall(mailbox, Map.of("imap.port", proxy.port()));
            proxy.cutBefore("+FLAGS.SILENT (\\Deleted)");

            RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

            assertThat(proxy.cutHappened()).isTrue();
            assertThat(outcome.error()).isEmpty();
            assertThat(outcome.found()).isEqualTo(3);
            assertThat(outcome.moved()).isEqualTo(3);
        }
        for (String folder : List.of("Alpha", "Beta", "Gamma")) {
            assertThat(ids(mailbox, folder)).as(folder).isEmpty();
        }
        assertThat(ids(mailbox, "Quarantine")).as("one copy each, none twice").hasSize(3);
    }

    /**
     * Brief recall-folders, point 2 (confirms; Angus opens each folder on a connection of its own): with the recall's
     * own session closed between the LIST and the first SELECT, every folder is still searched.
     */
    @Test
    void aRecallWhoseSessionIsClosedAfterTheListStillSearchesEveryFolder() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        for (String folder : List.of("Alpha", "Beta")) {
            append(mailbox, folder, message(phish));
        }
        MailboxRecallImpl recall = recall(mailbox, Map.of());
        recall.afterListing = store -> {
            try {
                store.close();
            } catch (jakarta.mail.MessagingException e) {
                throw new AssertionError(e);
            }
        };

        RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

        assertThat(outcome.error()).isEmpty();
        assertThat(outcome.moved()).isEqualTo(2);
        assertThat(ids(mailbox, "Alpha")).isEmpty();
        assertThat(ids(mailbox, "Beta")).isEmpty();
    }

    /**
     * Brief recall-folders, bounds: with the server gone after the LIST, every folder's connection fails; after the
     * retries and {@link MailboxRecallImpl#MAX_LOST_IN_A_ROW} such folders in a row the recall stops and names the
     * folders it did not search, instead of trying (and waiting for) each of the others.
     */
    @Test
    void withTheServerGoneTheRecallStopsAfterAFewFoldersAndNamesTheRest() throws Exception {
        String mailbox = newMailbox();
        String phish = id();
        List<String> folders = List.of("A", "B", "C", "D", "E", "F", "G");
        for (String folder : folders) {
            append(mailbox, folder, message(phish));
        }
        int port = ((Number) imapSettings(mailbox).get("imap.port")).intValue();
        CuttingImapProxy proxy = new CuttingImapProxy(port, false);
        MailboxRecallImpl recall = recall(mailbox, Map.of("imap.port", proxy.port(), "imap.timeout.seconds", 5));
        recall.afterListing = store -> {
            try {
                proxy.serverGone();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        };

        RecallOutcome outcome = recall.recall(mailbox, phish, "campaign", "linkguard");

        assertThat(outcome.moved()).isZero();
        assertThat(outcome.error()).startsWith("not searched, the connection to the IMAP server was lost in 5 folders "
                + "in a row: 3 of 8 folders (6-8 in name order): 'F', 'G', 'INBOX'; A: ").contains("; E: ");
        for (String folder : folders) {
            assertThat(ids(mailbox, folder)).as(folder).containsExactly(phish);
        }
    }

    @Test
    void theRecallFolderAndItsSubfoldersAreSkippedWhateverTheSeparator() {
        MailboxRecallImpl recall = recall("x@corp.example", Map.of("recall.folder", "Security/Recalled"));
        assertThat(recall.skipped("Security.Recalled", '.')).isTrue();
        assertThat(recall.skipped("Security/Recalled/Old", '/')).isTrue();
        assertThat(recall.skipped("Security/RecalledNot", '/')).isFalse();
        assertThat(recall.skipped("Archives/Local/2020", '/')).isTrue();
        assertThat(recall.skipped("INBOX", '/')).isFalse();
    }
}
