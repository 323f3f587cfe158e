package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
}
