package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.campaign.RecallOutcome;

/**
 * The pull-back contract against a real Dovecot (Debian {@code dovecot-imapd}) started privately by
 * {@link DovecotFixture}, logging in with the master user ({@code mailbox*sweeper}) as in production.
 * Skipped when {@code /usr/sbin/dovecot} is absent, unless {@code STREAMAIL_REQUIRE_DOVECOT=true}.
 */
class MailboxRecallDovecotTest extends MailboxRecallContractTest {

    private static DovecotFixture dovecot;

    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = DovecotFixture.startOrSkip("recall", 30, PASSWORD);
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) {
            dovecot.close();
        }
    }

    /**
     * Run here only (GreenMail is slow with a thousand messages). The server's SEARCH HEADER is a substring match:
     * a sender that first floods the folder with more than a thousand messages whose ids contain the lure's id
     * used to push the lure past the per-folder bound, which was applied to the substring hits before the exact
     * comparison, so the recall found nothing.
     */
    @Test
    void moreThanAThousandLongerIdsContainingTheIdDoNotHideTheCopy() throws Exception {
        String mailbox = newMailbox();
        String core = java.util.UUID.randomUUID() + "@phish.example";
        List<Message> decoys = new ArrayList<>();
        Session session = Session.getInstance(new Properties());
        for (int i = 0; i <= MailboxRecallImpl.MAX_HITS_PER_FOLDER; i++) {
            decoys.add(new MimeMessage(session, new ByteArrayInputStream(("From: news@phish.example\r\n"
                    + "Message-ID: <d" + i + "." + core + ">\r\nSubject: hello\r\n\r\nhi\r\n")
                    .getBytes(StandardCharsets.US_ASCII))));
        }
        decoys.add(new MimeMessage(session, new ByteArrayInputStream(("From: ceo@phish.example\r\n"
                + "Message-ID: <" + core + ">\r\nSubject: urgent invoice\r\n\r\nPlease pay.\r\n")
                .getBytes(StandardCharsets.US_ASCII))));
        try (Store store = userStore(mailbox)) {
            store.getFolder("INBOX").appendMessages(decoys.toArray(Message[]::new));
        }

        RecallOutcome outcome = recall(mailbox, Map.of()).recall(mailbox, core, "r", "admin");

        assertThat(outcome.found()).isEqualTo(1);
        assertThat(outcome.moved()).isEqualTo(1);
        assertThat(outcome.error()).isEmpty();
        assertThat(ids(mailbox, "Quarantine")).containsExactly("<" + core + ">");
        assertThat(ids(mailbox, "INBOX")).hasSize(MailboxRecallImpl.MAX_HITS_PER_FOLDER + 1);
    }

    /**
     * The hits' fields (with a gateway id, their Received fields, which can be huge) are fetched in parts whose
     * messages add up to at most {@link RetentionSweeper#HEADER_FETCH_BYTES}, not for all hits in one command.
     */
    @Test
    void theHitsFieldsAreFetchedInPartsOfBoundedSize() throws Exception {
        String mailbox = newMailbox();
        String core = java.util.UUID.randomUUID() + "@phish.example";
        StringBuilder received = new StringBuilder("Received: from mx.phish.example\r\n\tby gw.corp.example "
                + org.streamail.api.model.GatewayReceived.MARK + " with ESMTPS id gw-7");
        for (int i = 0; i < 1200; i++) {
            received.append("\r\n ").append("x".repeat(990));
        }
        List<Message> copies = new ArrayList<>();
        Session session = Session.getInstance(new Properties());
        int total = 16;
        for (int i = 0; i < total; i++) {
            copies.add(new MimeMessage(session, new ByteArrayInputStream((received + "\r\nFrom: ceo@phish.example\r\n"
                    + "Message-ID: <" + core + ">\r\nSubject: urgent invoice\r\n\r\nPlease pay.\r\n")
                    .getBytes(StandardCharsets.US_ASCII))));
        }
        try (Store store = userStore(mailbox)) {
            store.getFolder("INBOX").appendMessages(copies.toArray(Message[]::new));
        }
        int port = (Integer) dovecot.masterSettings().get("imap.port");
        try (ImapResponseMeter meter = new ImapResponseMeter(port)) {
            RecallOutcome outcome = recall(mailbox, Map.of("imap.port", meter.port()))
                    .recall(mailbox, core, "gw-7", "r", "admin");

            assertThat(outcome.error()).isEmpty();
            assertThat(outcome.moved()).isEqualTo(total);
            assertThat(meter.largestReply()).as("bytes of the largest reply")
                    .isGreaterThan(1_000_000L).isLessThan(RetentionSweeper.HEADER_FETCH_BYTES + 64 * 1024);
        }
    }

    /**
     * Brief retention-2, finding 4: a copy bigger than a fetch part whose fields exceed
     * {@link RetentionSweeper#MAX_FIELD_BYTES} is not read whole; its first Message-ID and its first (the gateway's)
     * Received field are read from a bounded part instead, so a sender that inflates its Received fields neither
     * makes the gateway hold them nor escapes the recall. Another delivery reusing the id stays.
     */
    @Test
    void aGiantCopyIsRecalledFromTheFirstFieldsOnly() throws Exception {
        String mailbox = newMailbox();
        String core = java.util.UUID.randomUUID() + "@phish.example";
        StringBuilder inflated = new StringBuilder("Received: from evil.example by evil.example");
        for (int i = 0; i < 9_000; i++) {
            inflated.append("\r\n ").append("x".repeat(990));
        }
        Session session = Session.getInstance(new Properties());
        List<Message> copies = new ArrayList<>();
        for (String gw : List.of("gw-9", "gw-other")) {
            copies.add(new MimeMessage(session, new ByteArrayInputStream(("Received: from mx.phish.example\r\n\tby "
                    + "gw.corp.example " + org.streamail.api.model.GatewayReceived.MARK + " with ESMTPS id " + gw
                    + "\r\n" + inflated + "\r\nFrom: ceo@phish.example\r\nMessage-ID: <" + core + ">\r\n"
                    + "Subject: " + gw + "\r\n\r\nPlease pay.\r\n").getBytes(StandardCharsets.US_ASCII))));
        }
        try (Store store = userStore(mailbox)) {
            store.getFolder("INBOX").appendMessages(copies.toArray(Message[]::new));
        }
        int port = (Integer) dovecot.masterSettings().get("imap.port");
        try (ImapResponseMeter meter = new ImapResponseMeter(port)) {
            RecallOutcome outcome = recall(mailbox, Map.of("imap.port", meter.port()))
                    .recall(mailbox, core, "gw-9", "r", "admin");

            assertThat(outcome.error()).isEmpty();
            assertThat(outcome.found()).isEqualTo(1);
            assertThat(outcome.moved()).isEqualTo(1);
            assertThat(meter.largestReply()).as("bytes of the largest reply")
                    .isLessThan(RetentionSweeper.MAX_FIELD_BYTES + 64 * 1024);
        }
        assertThat(ids(mailbox, "Quarantine")).containsExactly("<" + core + ">");
        assertThat(ids(mailbox, "INBOX")).containsExactly("<" + core + ">");
    }

    @Override
    protected String newMailbox() {
        return dovecot.newMailbox();
    }

    @Override
    protected Map<String, Object> imapSettings(String mailbox) {
        return dovecot.masterSettings();
    }

    @Override
    protected Store userStore(String mailbox) throws MessagingException {
        return dovecot.userStore(mailbox);
    }
}
