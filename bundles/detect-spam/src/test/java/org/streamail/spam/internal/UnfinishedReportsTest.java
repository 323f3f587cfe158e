package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.spam.ReportKind;

class UnfinishedReportsTest {

    @TempDir
    Path dir;

    private static SpamEngine.Recorded report(String fingerprint, String reporter, long second, long... tokens) {
        return new SpamEngine.Recorded(fingerprint, ReportKind.SPAM, reporter, false, "spammer@bad.example",
                Instant.ofEpochSecond(1_780_000_000L + second, 123), second % 2 == 0 ? "GW" + second : null,
                second % 2 == 0 ? "<m" + second + "@bad.example>" : null, "ref-" + fingerprint, tokens);
    }

    private List<Path> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aNewInstanceLoadsWhatTheLastOneLeftOldestFirstWithEveryField() throws Exception {
        UnfinishedReports first = UnfinishedReports.journaled(dir);
        first.add(report("f2", "bob", 20, 7L, -1L, Long.MIN_VALUE));
        first.add(report("f1", "alice", 10, 42L));
        first.add(report("f3", "carol", 31));

        UnfinishedReports second = UnfinishedReports.journaled(dir);
        assertThat(second.size()).isEqualTo(3);
        SpamEngine.Recorded oldest = second.oldest().orElseThrow();
        assertThat(oldest.fingerprintId()).as("by report time, not by file name or insertion").isEqualTo("f1");
        assertThat(oldest.tokens()).containsExactly(42L);
        second.finished(oldest);
        SpamEngine.Recorded next = second.oldest().orElseThrow();
        SpamEngine.Recorded expected = report("f2", "bob", 20, 7L, -1L, Long.MIN_VALUE);
        assertThat(next).usingRecursiveComparison().isEqualTo(expected);
        assertThat(next.recallId()).isEqualTo("GW20");
        second.finished(next);
        assertThat(second.oldest().orElseThrow().recallId()).isNull();
        assertThat(files()).hasSize(1);
    }

    @Test
    void aReportInFlightIsJournaledButNotOfferedUntilItsCallFailsAndANewInstanceOffersIt() throws Exception {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        SpamEngine.Recorded r = report("f1", "alice", 10, 1L);
        u.begin(r);
        assertThat(files()).as("on disk before the store records it").hasSize(1);
        assertThat(u.oldest()).as("its reporting call is still running").isEmpty();
        // the process dies here: the next instance finishes it
        assertThat(UnfinishedReports.journaled(dir).oldest()).isPresent();
        u.failed(r);
        assertThat(u.oldest()).contains(r);
        u.finished(r);
        assertThat(files()).isEmpty();
        assertThat(u.size()).isZero();
    }

    @Test
    void aNewerReportOfTheOtherKindBySameReporterSupersedesTheUnfinishedOne() throws Exception {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        u.add(report("f1", "alice", 10, 1L));
        u.add(report("f1", "bob", 11, 1L));
        SpamEngine.Recorded ham = new SpamEngine.Recorded("f1", ReportKind.HAM, "alice", false, "spammer@bad.example",
                Instant.ofEpochSecond(1_780_000_100L), null, null, "ref-f1", new long[] {1L});
        u.begin(ham);
        u.finished(ham);
        // finished later, alice's SPAM report would be recorded again over her HAM
        assertThat(u.size()).isEqualTo(1);
        assertThat(u.oldest().orElseThrow().reporter()).isEqualTo("bob");
        assertThat(files()).hasSize(1);
        assertThat(UnfinishedReports.journaled(dir).oldest().orElseThrow().reporter()).isEqualTo("bob");
    }

    @Test
    void aSecondTryOfTheSameReportReplacesTheFirstAndATakenEffectReportLeavesNoFile() throws Exception {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        u.add(report("f1", "alice", 10, 1L));
        u.add(report("f1", "alice", 12, 2L));
        assertThat(u.size()).isEqualTo(1);
        assertThat(files()).hasSize(1);
        assertThat(UnfinishedReports.journaled(dir).oldest().orElseThrow().tokens()).containsExactly(2L);

        u.remove(UnfinishedReports.key(report("f1", "alice", 99)));
        assertThat(u.size()).isZero();
        assertThat(files()).isEmpty();
    }

    @Test
    void aNewerTryIsNotForgottenWhenAnOlderOneFinishes() {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        SpamEngine.Recorded older = report("f1", "alice", 10);
        u.add(older);
        u.add(report("f1", "alice", 12));
        u.finished(older);
        assertThat(u.size()).isEqualTo(1);
        assertThat(UnfinishedReports.journaled(dir).size()).isEqualTo(1);
    }

    @Test
    void beyondTheLimitTheOldestIsDroppedWithItsFile() throws Exception {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        for (int i = 0; i < UnfinishedReports.MAX; i++) {
            assertThat(u.add(report("f" + i, "user", i))).isEmpty();
        }
        assertThat(u.add(report("late", "user", 10_000)).orElseThrow().fingerprintId()).isEqualTo("f0");
        assertThat(files()).hasSize(UnfinishedReports.MAX);
        UnfinishedReports reloaded = UnfinishedReports.journaled(dir);
        assertThat(reloaded.size()).isEqualTo(UnfinishedReports.MAX);
        assertThat(reloaded.oldest().orElseThrow().fingerprintId()).isEqualTo("f1");
    }

    @Test
    void anUnreadableFileIsMovedAsideAndTheOthersStillLoad() throws Exception {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        u.add(report("f1", "alice", 10, 5L));
        u.add(report("f2", "bob", 20, 6L));
        List<Path> written = files();
        byte[] whole = Files.readAllBytes(written.get(0));
        Files.write(written.get(0), java.util.Arrays.copyOf(whole, whole.length - 3)); // cut short
        Files.write(dir.resolve("0123456789abcdef0123456789abcdef.report"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Files.write(dir.resolve("left-by-a-crash.report.tmp"), new byte[] {9});

        UnfinishedReports reloaded = UnfinishedReports.journaled(dir);
        assertThat(reloaded.size()).isEqualTo(1);
        assertThat(files().stream().map(p -> p.getFileName().toString()))
                .as("the broken ones kept for the administrator, never read again; the half-written one removed")
                .filteredOn(n -> n.endsWith(".bad")).hasSize(2);
        assertThat(files().stream().map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        assertThat(UnfinishedReports.journaled(dir).size()).isEqualTo(1);
    }

    @Test
    void aFileWithMoreTokensThanAMessageCanHaveIsRefused() throws Exception {
        UnfinishedReports u = UnfinishedReports.journaled(dir);
        u.add(report("f1", "alice", 10, new long[Tokenizer.MAX_FEATURES + 1]));
        assertThat(UnfinishedReports.journaled(dir).size()).isZero();
        assertThat(files()).singleElement().satisfies(p -> assertThat(p.toString()).endsWith(".bad"));
    }

    @Test
    void withoutAJournalNothingIsWritten() {
        UnfinishedReports u = UnfinishedReports.inMemory();
        u.add(report("f1", "alice", 10));
        assertThat(u.size()).isEqualTo(1);
        assertThat(dir.toFile().list()).isEmpty();
    }
}
