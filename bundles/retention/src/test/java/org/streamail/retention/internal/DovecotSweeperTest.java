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
        dovecot = DovecotFixture.startOrSkip("user", 40, PASSWORD);
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

    /**
     * Brief retention-2, finding 3: folder names with modified UTF-7, LIST wildcards, quotes, an ampersand or a
     * backslash are opened and swept like any other; an exempt one written in Unicode is kept. Run here only:
     * GreenMail refuses a LIST argument with a wildcard before its end, which Jakarta Mail sends to see whether
     * {@code star*} exists.
     */
    @Test
    void foldersWithOddNamesAreSweptAndAnExemptOneIsKept() throws Exception {
        String mailbox = newMailbox();
        List<String> odd = List.of("\u00c4rger & Co", "50% \"Rabatt\"", "star*", "back\\slash", "Stra\u00dfe/\u65e5\u672c");
        for (String folder : odd) {
            append(mailbox, folder, signedMessage(id(), "P14D", false), DAYS_AGO_30);
        }
        String kept = id();
        append(mailbox, "Priv\u00e9 \"alt\"", signedMessage(kept, "P14D", false), DAYS_AGO_30);
        RetentionComponent retention = component(mailbox, Map.of("exempt.folders", "Priv\u00e9 \"alt\""));

        SweepReport report = retention.sweep();

        assertThat(report.errors()).as(report.problems().toString()).isZero();
        assertThat(report.deleted()).isEqualTo(odd.size());
        for (String folder : odd) {
            assertThat(contents(mailbox, folder)).as(folder).isEmpty();
        }
        assertThat(contents(mailbox, "Priv\u00e9 \"alt\"")).containsOnlyKeys(kept);
    }

    /**
     * Brief retention-2, finding 4: a message bigger than a fetch part ({@link RetentionSweeper#HEADER_FETCH_BYTES})
     * was fetched alone, but its header fields were read whatever their size: a user could APPEND one with hundreds
     * of megabytes of folded retention fields and the gateway held them all. Such a message's fields are measured
     * first with a partial FETCH; over {@link RetentionSweeper#MAX_FIELD_BYTES} they are not read, and the message
     * is kept and reported. A big message with small fields is swept as usual. Run here only (GreenMail is slow).
     */
    @Test
    void theHeaderFieldsOfAGiantMessageAreReadOnlyWithinTheirBound() throws Exception {
        String mailbox = newMailbox();
        StringBuilder fold = new StringBuilder("X-Retention-Modifiable: no");
        for (int i = 0; i < 9_000; i++) {
            fold.append("\r\n ").append("x".repeat(990));
        }
        String giant = "<giant." + id().substring(1);
        String raw = new String(signedMessage(giant, "P14D", false), StandardCharsets.US_ASCII);
        append(mailbox, "INBOX", raw.replace("\r\nSubject: ", "\r\n" + fold + "\r\nSubject: ")
                .getBytes(StandardCharsets.US_ASCII), DAYS_AGO_30);
        String bigBody = "<body." + id().substring(1);
        String attachment = ("y".repeat(998) + "\r\n").repeat(9_000);
        append(mailbox, "INBOX", (new String(signedMessage(bigBody, "P14D", false), StandardCharsets.US_ASCII)
                + attachment).getBytes(StandardCharsets.US_ASCII), DAYS_AGO_30);
        String small = id();
        append(mailbox, "INBOX", signedMessage(small, "P14D", false), DAYS_AGO_30);
        int port = (Integer) dovecot.masterSettings().get("imap.port");
        try (ImapResponseMeter meter = new ImapResponseMeter(port)) {
            SweepReport report = component(mailbox, Map.of("imap.port", meter.port())).sweep();

            assertThat(report.deleted()).isEqualTo(2);
            assertThat(report.errors()).isEqualTo(1);
            assertThat(report.problems()).singleElement().asString().contains("exceed " + RetentionSweeper.MAX_FIELD_BYTES);
            assertThat(meter.largestReply()).as("bytes of the largest reply")
                    .isLessThan(RetentionSweeper.HEADER_FETCH_BYTES);
        }
        assertThat(contents(mailbox, "INBOX")).containsOnlyKeys(giant);
    }
}
