package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.SweepReport;

/**
 * The sweeper contract against a real Dovecot (Debian {@code dovecot-imapd}) started privately by
 * {@link DovecotFixture}, logging in with the master user ({@code mailbox*sweeper}) as in production.
 * Skipped when {@code /usr/sbin/dovecot} is absent, unless {@code STREAMAIL_REQUIRE_DOVECOT=true}.
 */
class DovecotSweeperTest extends DovecotContract {


    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = DovecotFixture.startOrSkip("user", 30, PASSWORD);
    }

    /** Run here only: GreenMail takes over a minute for it. */
    @Test
    void aFolderOfSeveralBatchesIsSweptExactlyAcrossTheBatchBoundaries() throws Exception {
        String mailbox = newMailbox();
        int total = RetentionSweeper.BATCH + 150;
        List<byte[]> raws = new ArrayList<>();
        java.util.Set<String> young = new java.util.HashSet<>();
        for (int i = 0; i < total; i++) {
            String mid = "<b" + i + "." + id().substring(1);
            boolean keep = i % 3 == 0;
            if (keep) {
                young.add(mid);
            }
            raws.add(signedMessage(mid, keep ? "P60D" : "P14D", false));
        }
        appendAll(mailbox, raws, DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of());

        SweepReport report = retention.sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.scanned()).isEqualTo(total);
        assertThat(report.deleted()).isEqualTo(total - young.size());
        assertThat(contents(mailbox, "INBOX").keySet()).isEqualTo(young);
        assertThat(retention.sweep().deleted()).isZero();
    }

    /**
     * A batch's header fields used to be fetched in one command for all its 500 messages, so a folder of messages
     * with huge (folded) retention fields, which any mail user can APPEND, made the gateway hold them all at
     * once. The fetch is now split so that the messages of one command add up to at most
     * {@link RetentionSweeper#HEADER_FETCH_BYTES}.
     */
    @Test
    void theHeaderFieldsOfABatchAreFetchedInPartsOfBoundedSize() throws Exception {
        String mailbox = newMailbox();
        StringBuilder fold = new StringBuilder("X-Retention-Modifiable: no");
        for (int i = 0; i < 1200; i++) {
            fold.append("\r\n ").append("x".repeat(990));
        }
        List<byte[]> raws = new ArrayList<>();
        java.util.Set<String> young = new java.util.HashSet<>();
        int total = 16;
        for (int i = 0; i < total; i++) {
            String mid = "<h" + i + "." + id().substring(1);
            boolean keep = i % 2 == 0;
            if (keep) {
                young.add(mid);
            }
            String raw = new String(signedMessage(mid, keep ? "P60D" : "P14D", false), StandardCharsets.US_ASCII);
            raws.add(raw.replace("\r\nSubject: ", "\r\n" + fold + "\r\nSubject: ").getBytes(StandardCharsets.US_ASCII));
        }
        appendAll(mailbox, raws, DAYS_AGO_30);
        int port = (Integer) dovecot.masterSettings().get("imap.port");
        try (ImapResponseMeter meter = new ImapResponseMeter(port)) {
            RetentionComponent retention = component(mailbox, Map.of("imap.port", meter.port()));

            SweepReport report = retention.sweep();

            assertThat(report.errors()).as(report.problems().toString()).isZero();
            assertThat(report.scanned()).isEqualTo(total);
            assertThat(report.deleted()).isEqualTo(total - young.size());
            assertThat(contents(mailbox, "INBOX").keySet()).isEqualTo(young);
            assertThat(meter.largestReply()).as("bytes of the largest reply")
                    .isGreaterThan(1_000_000L).isLessThan(RetentionSweeper.HEADER_FETCH_BYTES + 64 * 1024);
        }
    }
}
