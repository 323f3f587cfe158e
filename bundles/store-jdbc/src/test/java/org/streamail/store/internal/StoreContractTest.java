package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.Directory.RecipientCheck;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineEntry.Status;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;
import org.streamail.testsupport.MutableClock;

/**
 * What every database behind the store must do. Subclasses supply a fresh, empty database per test
 * ({@link H2StoreTest}, {@link PostgresStoreTest}); every component is constructed as DS would, with a
 * plain DataSource.
 */
abstract class StoreContractTest {

    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00.123Z");

    /** A new empty database; called once per test, more than once for multi-node tests that need it. */
    protected abstract DataSource newDatabase() throws Exception;

    protected DataSource ds;
    protected MutableClock clock;
    protected JdbcQuarantineStore quarantine;
    protected JdbcMessageLog log;
    protected JdbcDirectory directory;
    private ExecutorService pool;

    @BeforeEach
    void createStore() throws Exception {
        ds = newDatabase();
        clock = new MutableClock(T0);
        quarantine = new JdbcQuarantineStore(ds, clock);
        log = new JdbcMessageLog(ds, clock);
        directory = new JdbcDirectory(ds, "example.org, Example.NET", 1, clock);
        pool = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    // ---------------------------------------------------------------- fixtures

    private static Envelope envelope(String sender, String... recipients) {
        return new Envelope(sender, List.of(recipients), "203.0.113.7", "mx.sender.example", true,
                Instant.parse("2026-03-01T08:59:59.987654321Z"), Direction.INBOUND, null);
    }

    private static Verdict verdict(Action action, Category... categories) {
        List<Finding> findings = new ArrayList<>();
        for (Category c : categories) {
            findings.add(new Finding("test", "rule-" + c.name().toLowerCase(), 4.5, c, "détail \"quoted\"", "a/b.exe"));
        }
        return new Verdict(action, 4.5 * categories.length, Verdict.categoriesOf(findings), findings,
                "score >= quarantine.score");
    }

    private static byte[] rawMessage() {
        byte[] text = "Subject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] raw = new byte[text.length + 256];
        System.arraycopy(text, 0, raw, 0, text.length);
        for (int i = 0; i < 256; i++) {
            raw[text.length + i] = (byte) i; // every byte value, NUL and 0xFF included
        }
        return raw;
    }

    private QuarantineEntry hold(String id, Envelope envelope, Category... categories) {
        clock.advance(Duration.ofSeconds(1));
        return quarantine.hold(id, "<" + id + "@sender.example>", "subject " + id, envelope,
                verdict(Action.QUARANTINE, categories), rawMessage());
    }

    private LogEntry logEntry(String id, Envelope envelope, Instant receivedAt) {
        return new LogEntry(id, "<" + id + "@x>", "subject " + id, envelope,
                List.of("from a by b; Sun, 1 Mar 2026 09:00:00 +0000", "from c by a"), 1234, null,
                DeliveryStatus.RECEIVED, "", receivedAt, receivedAt);
    }

    private <T> List<T> runConcurrently(int n, Callable<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get(30, TimeUnit.SECONDS));
        }
        return results;
    }

    private long countRows(String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ---------------------------------------------------------------- migrations

    @Test
    void migrationShouldRecordEachVersionOnceAndDoNothingTheSecondTime() throws Exception {
        SchemaMigrator migrator = SchemaMigrator.fromBundle();
        assertThat(migrator.latestVersion()).isGreaterThanOrEqualTo(1);

        assertThat(migrator.migrate(ds)).isEmpty(); // the components already migrated at construction
        assertThat(migrator.migrate(ds)).isEmpty();
        assertThat(countRows("SELECT COUNT(*) FROM streamail_schema_version")).isEqualTo(migrator.latestVersion());
        assertThat(countRows("SELECT COUNT(*) FROM streamail_schema_lock")).isEqualTo(1);
    }

    @Test
    void concurrentMigrationsOfAFreshDatabaseShouldApplyEachVersionExactlyOnce() throws Exception {
        DataSource fresh = newDatabase();
        List<List<Integer>> applied = runConcurrently(6, () -> SchemaMigrator.fromBundle().migrate(fresh));

        List<Integer> all = applied.stream().flatMap(List::stream).toList();
        assertThat(all).containsExactlyInAnyOrderElementsOf(
                SchemaMigrator.fromBundle().migrations().stream().map(SchemaMigrator.Migration::version).toList());
        try (Connection c = fresh.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM streamail_schema_version")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(SchemaMigrator.fromBundle().latestVersion());
        }
        // And the schema works.
        new JdbcDirectory(fresh, "example.org", 5, clock).add("a@example.org", "A");
    }

    @Test
    void aNewMigrationFileShouldBeAppliedOnTopAndAFailingOneShouldBeReportedAndLeaveNoVersionRow() throws Exception {
        List<SchemaMigrator.Migration> shipped = SchemaMigrator.fromBundle().migrations();
        List<SchemaMigrator.Migration> broken = new ArrayList<>(shipped);
        int next = shipped.size() + 1;
        broken.add(new SchemaMigrator.Migration(next, "broken", "ALTER TABLE no_such_table ADD COLUMN x INTEGER;",
                "c1"));

        assertThatThrownBy(() -> new SchemaMigrator(broken).migrate(ds))
                .isInstanceOf(StoreException.class).hasMessageContaining("V" + next);
        assertThat(countRows("SELECT COUNT(*) FROM streamail_schema_version WHERE version = " + next)).isZero();

        List<SchemaMigrator.Migration> fixed = new ArrayList<>(shipped);
        fixed.add(new SchemaMigrator.Migration(next, "note",
                "-- adds a note; a ; inside a 'quoted; literal' must not split\n"
                        + "ALTER TABLE directory_address ADD COLUMN note VARCHAR(100) DEFAULT 'a;b' NOT NULL;\n"
                        + "CREATE TABLE extra_blob (id INTEGER PRIMARY KEY, data ${blob});",
                "c2"));
        assertThat(new SchemaMigrator(fixed).migrate(ds)).containsExactly(next);
        assertThat(new SchemaMigrator(fixed).migrate(ds)).isEmpty();

        directory.add("n@example.org", "N");
        assertThat(countRows("SELECT COUNT(*) FROM directory_address WHERE note = 'a;b'")).isEqualTo(1);
        // Old code keeps working on the newer schema.
        assertThat(SchemaMigrator.fromBundle().migrate(ds)).isEmpty();
    }

    /**
     * H2 commits each DDL statement, so a migration that fails half-way (a unique index refused by the data, a full
     * disk, a crash) used to leave its first statements applied without a version row; the next start ran the script
     * from the top, failed on "table already exists" and kept failing at every start: the embedded gateway never came
     * up again without editing the database by hand. It now resumes after the statements already done, as PostgreSQL
     * (whose DDL rolls back) simply runs the script again.
     */
    @Test
    void aMigrationThatFailedHalfWayShouldSucceedOnceTheCauseIsGoneWithoutRepeatingItsFirstStatements()
            throws Exception {
        List<SchemaMigrator.Migration> withNext = new ArrayList<>(SchemaMigrator.fromBundle().migrations());
        int next = withNext.size() + 1;
        withNext.add(new SchemaMigrator.Migration(next, "half", "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
                + "INSERT INTO half_done (id) VALUES (1);\n"
                + "CREATE UNIQUE INDEX directory_by_name ON directory_address (display_name);\n"
                + "INSERT INTO half_done (id) VALUES (2);", "c-half"));
        directory.add("a@example.org", "Same");
        directory.add("b@example.org", "Same");

        assertThatThrownBy(() -> new SchemaMigrator(withNext).migrate(ds))
                .isInstanceOf(StoreException.class).hasMessageContaining("V" + next);
        assertThat(countRows("SELECT COUNT(*) FROM streamail_schema_version WHERE version = " + next)).isZero();

        directory.add("b@example.org", "Other"); // the administrator fixes the data, then restarts
        assertThat(new SchemaMigrator(withNext).migrate(ds)).containsExactly(next);
        assertThat(new SchemaMigrator(withNext).migrate(ds)).isEmpty();
        assertThat(countRows("SELECT COUNT(*) FROM half_done")).isEqualTo(2);
        assertThat(countRows("SELECT COUNT(*) FROM streamail_schema_version WHERE version = " + next)).isEqualTo(1);
        // The next migration starts from its first statement.
        withNext.add(new SchemaMigrator.Migration(next + 1, "after", "CREATE TABLE after_half (id INTEGER);\n"
                + "INSERT INTO after_half (id) VALUES (1);", "c-after"));
        assertThat(new SchemaMigrator(withNext).migrate(ds)).containsExactly(next + 1);
        assertThat(countRows("SELECT COUNT(*) FROM after_half")).isEqualTo(1);
    }

    /**
     * Another connection (another node's long housekeeping batch) holds a transaction on a table a migration alters.
     * On PostgreSQL the migration waited for it with no end, and every store call of this node waited behind it; it
     * must give up within its lock timeout (the next store call tries again) and succeed once the table is free.
     */
    @Test
    void aMigrationBlockedByAnotherTransactionShouldGiveUpAndSucceedLater() throws Exception {
        List<SchemaMigrator.Migration> withNext = new ArrayList<>(SchemaMigrator.fromBundle().migrations());
        int next = withNext.size() + 1;
        withNext.add(new SchemaMigrator.Migration(next, "alter",
                "ALTER TABLE directory_address ADD COLUMN migrated_note VARCHAR(20);", "c-alter"));
        directory.add("a@example.org", "A");
        List<Integer> first;
        try (Connection other = ds.getConnection()) {
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.executeUpdate("UPDATE directory_address SET display_name = 'B' WHERE display_name = 'A'");
            }
            java.util.concurrent.Future<List<Integer>> run = pool.submit(() -> {
                try {
                    return new SchemaMigrator(withNext, 500).migrate(ds);
                } catch (StoreException e) {
                    return null; // gave up on the lock
                }
            });
            try {
                // a TimeoutException here is the failure: the migration waits for the other transaction's end
                first = run.get(60, TimeUnit.SECONDS);
            } finally {
                other.rollback();
            }
        }
        if (first == null) {
            assertThat(new SchemaMigrator(withNext, 500).migrate(ds)).containsExactly(next);
        } else {
            assertThat(first).containsExactly(next); // a database whose DDL does not wait for row locks
        }
        assertThat(countRows("SELECT COUNT(*) FROM directory_address WHERE migrated_note IS NULL")).isEqualTo(1);
        assertThat(new SchemaMigrator(withNext).migrate(ds)).isEmpty();
    }

    // ---------------------------------------------------------------- quarantine

    @Test
    void holdShouldKeepEnvelopeVerdictAndEveryRawByteIntact() {
        Envelope env = envelope("Alice@Sender.example", "bob@example.org", "Carol@Example.org");
        QuarantineEntry held = hold("q1", env, Category.PHISHING, Category.MALWARE);

        QuarantineEntry read = quarantine.get("q1").orElseThrow();
        assertThat(read).isEqualTo(held);
        assertThat(read.envelope()).isEqualTo(env);
        assertThat(read.verdict()).isEqualTo(verdict(Action.QUARANTINE, Category.PHISHING, Category.MALWARE));
        assertThat(read.status()).isEqualTo(Status.HELD);
        assertThat(read.actedAt()).isNull();
        assertThat(read.size()).isEqualTo(rawMessage().length);
        assertThat(quarantine.raw("q1")).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(rawMessage()));
        assertThat(quarantine.get("nope")).isEmpty();
        assertThat(quarantine.raw("nope")).isEmpty();
    }

    @Test
    void holdShouldBeIdempotentOnTheId() {
        QuarantineEntry first = hold("q1", envelope("a@x.example", "b@example.org"), Category.SPAM);
        QuarantineEntry again = quarantine.hold("q1", "<other@x>", "other subject",
                envelope("z@z.example", "y@example.org"), verdict(Action.REJECT, Category.MALWARE), new byte[] {1});

        assertThat(again).isEqualTo(first);
        assertThat(quarantine.count(Status.HELD)).isEqualTo(1);
        assertThat(quarantine.raw("q1")).hasValueSatisfying(raw -> assertThat(raw).isEqualTo(rawMessage()));
    }

    @Test
    void concurrentHoldsOfOneIdShouldStoreOneEntryAndReturnItToEveryCaller() throws Exception {
        List<QuarantineEntry> results = runConcurrently(8, () -> quarantine.hold("same", "", "s",
                envelope("a@x.example", "b@example.org"), verdict(Action.QUARANTINE, Category.SPAM), rawMessage()));

        assertThat(results).hasSize(8).allSatisfy(e -> assertThat(e).isEqualTo(results.get(0)));
        assertThat(quarantine.count(null)).isEqualTo(1);
    }

    /**
     * A lone surrogate (a UTF-16 encoded word can decode to one) has no UTF-8 form: PostgreSQL stored '?', H2 kept it,
     * and on PostgreSQL the entry hold() returned differed from what get() read. Display columns now store U+FFFD on
     * both, so the returned entry equals the stored one everywhere.
     */
    @Test
    void aLoneSurrogateInDisplayTextShouldBeStoredAndReadBackTheSameOnEveryDatabase() {
        String subject = "lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00, at the end \uD83D";
        QuarantineEntry held = quarantine.hold("q1", "<\uDFFF@x>", subject, envelope("a@x.example", "b@example.org"),
                verdict(Action.QUARANTINE, Category.MALFORMED), new byte[0]);

        assertThat(quarantine.get("q1")).contains(held);
        assertThat(held.subject()).isEqualTo("lone \uFFFD high, lone \uFFFD low, pair \uD83D\uDE00, at the end \uFFFD");
        assertThat(held.messageId()).isEqualTo("<\uFFFD@x>");
        log.received(logEntry("l1", envelope("a@x.example", "b@example.org"), T0));
        log.status("l1", DeliveryStatus.FAILED, "550 \uD800 refused");
        assertThat(log.get("l1").orElseThrow().statusDetail()).isEqualTo("550 \uFFFD refused");
    }

    /**
     * The envelope, verdict and Received chain are kept whole as JSON, but Jackson wrote a lone surrogate (a finding
     * quoting a UTF-16 encoded word, say) as the bare character, which pgjdbc sends as '?': on PostgreSQL get() read a
     * different verdict than hold() returned, and the stored text was no longer what the detector found, while H2 kept
     * it. Surrogates are now written as JSON escapes, so both databases store ASCII for them and read them back
     * exactly.
     */
    @Test
    void aLoneSurrogateInTheEnvelopeVerdictOrReceivedChainShouldBeReadBackExactly() {
        Finding finding = new Finding("test", "display-name", 4.5, Category.PHISHING,
                "name \uD800 and \uDC00, pair \uD83D\uDE00", "a\uDBFF.exe");
        Verdict verdict = new Verdict(Action.QUARANTINE, 4.5, Verdict.categoriesOf(List.of(finding)), List.of(finding),
                "lone \uDFFF");
        Envelope envelope = envelope("a\uD800@x.example", "b@example.org", "c\uDC00@example.org");
        QuarantineEntry held = quarantine.hold("q1", "<q1@x>", "s", envelope, verdict, new byte[0]);

        assertThat(quarantine.get("q1")).contains(held);
        assertThat(quarantine.get("q1").orElseThrow().verdict().findings().get(0).detail())
                .isEqualTo("name \uD800 and \uDC00, pair \uD83D\uDE00");
        LogEntry entry = new LogEntry("l1", "<l1@x>", "s", envelope, List.of("from \uD800 by b"), 1, verdict,
                DeliveryStatus.RECEIVED, "", T0, T0);
        log.received(entry);
        assertThat(log.get("l1")).contains(entry);
    }

    @Test
    void holdShouldStoreAHostileSubjectSafelyAndRefuseABadId() {
        String subject = "nul\u0000 emoji \uD83D\uDE00 " + "x".repeat(5000);
        QuarantineEntry held = quarantine.hold("q1", null, subject, envelope("", "b@example.org"),
                verdict(Action.QUARANTINE, Category.MALFORMED), new byte[0]);

        assertThat(quarantine.get("q1")).contains(held);
        assertThat(held.subject()).startsWith("nul\uFFFD emoji \uD83D\uDE00").hasSize(StoreConstants.SUBJECT_WIDTH);
        assertThat(held.envelope().sender()).isEmpty();
        assertThat(quarantine.raw("q1")).hasValueSatisfying(raw -> assertThat(raw).isEmpty());
        assertThatThrownBy(() -> quarantine.hold(" ", "", "", envelope("a@b.example"), Verdict.clean(), new byte[0]))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> quarantine.hold("x".repeat(129), "", "", envelope("a@b.example"), Verdict.clean(),
                new byte[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("128");
    }

    @Test
    void listShouldReturnNewestFirstWithLimitAndOffset() {
        for (int i = 1; i <= 5; i++) {
            hold("q" + i, envelope("a@x.example", "b@example.org"), Category.SPAM);
        }

        assertThat(quarantine.list(QuarantineQuery.held(3))).extracting(QuarantineEntry::id)
                .containsExactly("q5", "q4", "q3");
        assertThat(quarantine.list(new QuarantineQuery(3, 3, null, null, null, null))).extracting(QuarantineEntry::id)
                .containsExactly("q2", "q1");
        assertThat(quarantine.list(new QuarantineQuery(10, 5, null, null, null, null))).isEmpty();
    }

    @Test
    void listShouldFilterByStatusCategorySenderAndRecipientIgnoringCase() {
        hold("phish", envelope("Evil@Bad.example", "Bob@example.org"), Category.PHISHING);
        hold("spam", envelope("bulk@spam.example", "bob@example.org", "carol@example.org"), Category.SPAM);
        hold("both", envelope("evil@bad.example", "carol@example.org"), Category.SPAM, Category.PHISHING);
        quarantine.transition("spam", Status.RELEASED, "admin");

        assertThat(ids(new QuarantineQuery(10, 0, Status.HELD, null, null, null))).containsExactly("both", "phish");
        assertThat(ids(new QuarantineQuery(10, 0, null, Category.PHISHING, null, null))).containsExactly("both", "phish");
        assertThat(ids(new QuarantineQuery(10, 0, null, Category.MALWARE, null, null))).isEmpty();
        assertThat(ids(new QuarantineQuery(10, 0, null, null, "EVIL@bad.example", null)))
                .containsExactly("both", "phish");
        assertThat(ids(new QuarantineQuery(10, 0, null, null, null, "BOB@EXAMPLE.ORG"))).containsExactly("spam", "phish");
        assertThat(ids(new QuarantineQuery(10, 0, Status.HELD, Category.SPAM, "evil@bad.example", "carol@example.org")))
                .containsExactly("both");
        assertThat(ids(new QuarantineQuery(10, 0, null, null, null, "b%@example.org"))).isEmpty();
    }

    private List<String> ids(QuarantineQuery q) {
        return quarantine.list(q).stream().map(QuarantineEntry::id).toList();
    }

    @Test
    void pagingAfterTheLastEntryReadSkipsNoneWhenTheListChangesBetweenPages() {
        // seven held entries, two of them at the same millisecond (the id breaks the tie)
        for (int i = 1; i <= 5; i++) {
            hold("k" + i, envelope("a@x.example", "b@example.org"), Category.SPAM);
        }
        quarantine.hold("k6b", "<k6b@x>", "s", envelope("a@x.example", "b@example.org"), verdict(Action.QUARANTINE,
                Category.SPAM), rawMessage());
        quarantine.hold("k6a", "<k6a@x>", "s", envelope("a@x.example", "b@example.org"), verdict(Action.QUARANTINE,
                Category.SPAM), rawMessage());
        QuarantineQuery first = new QuarantineQuery(3, 0, Status.HELD, null, null, null);
        List<QuarantineEntry> page1 = quarantine.list(first);
        assertThat(page1).extracting(QuarantineEntry::id).containsExactly("k6b", "k6a", "k5");
        // released between two pages: an offset of 3 would now start at k3 and skip k4
        assertThat(quarantine.transition("k6a", Status.RELEASED, "admin")).isTrue();
        List<QuarantineEntry> page2 = quarantine.list(first.after(page1.get(2)));
        assertThat(page2).extracting(QuarantineEntry::id).containsExactly("k4", "k3", "k2");
        assertThat(quarantine.list(first.after(page2.get(2)))).extracting(QuarantineEntry::id).containsExactly("k1");
        assertThat(quarantine.list(new QuarantineQuery(3, 3, Status.HELD, null, null, null)))
                .extracting(QuarantineEntry::id).as("what an offset does").startsWith("k3");
        // within one millisecond the id orders: after k6b comes k6a (released now), then k5
        assertThat(quarantine.list(new QuarantineQuery(10, 0, null, null, null, null).after(page1.get(0))))
                .extracting(QuarantineEntry::id).startsWith("k6a", "k5");
        assertThatThrownBy(() -> new QuarantineQuery(1, 0, null, null, null, null, T0, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void transitionShouldMoveOnlyHeldEntriesAndRecordWhoAndWhen() {
        hold("q1", envelope("a@x.example", "b@example.org"), Category.SPAM);
        clock.advance(Duration.ofMinutes(5));

        assertThat(quarantine.transition("q1", Status.RELEASED, "alice")).isTrue();
        assertThat(quarantine.transition("q1", Status.RELEASED, "bob")).isFalse();
        assertThat(quarantine.transition("q1", Status.DELETED, "bob")).isFalse();
        assertThat(quarantine.transition("missing", Status.RELEASED, "bob")).isFalse();

        QuarantineEntry e = quarantine.get("q1").orElseThrow();
        assertThat(e.status()).isEqualTo(Status.RELEASED);
        assertThat(e.actedBy()).isEqualTo("alice");
        assertThat(e.actedAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(quarantine.raw("q1")).isPresent(); // released mail keeps its bytes
        assertThatThrownBy(() -> quarantine.transition("q1", Status.HELD, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deletingShouldDropTheRawBytesButKeepTheRecord() {
        hold("q1", envelope("a@x.example", "b@example.org"), Category.MALWARE);

        assertThat(quarantine.transition("q1", Status.DELETED, null)).isTrue();

        assertThat(quarantine.raw("q1")).isEmpty();
        assertThat(quarantine.get("q1")).hasValueSatisfying(e -> {
            assertThat(e.status()).isEqualTo(Status.DELETED);
            assertThat(e.actedBy()).isEmpty();
        });
        assertThat(quarantine.count(Status.DELETED)).isEqualTo(1);
        assertThat(quarantine.count(Status.HELD)).isZero();
    }

    @Test
    void concurrentReleasesOfOneEntryShouldLetExactlyOneSucceed() throws Exception {
        for (int round = 0; round < 3; round++) {
            String id = "race" + round;
            hold(id, envelope("a@x.example", "b@example.org"), Category.SPAM);
            List<Boolean> results = runConcurrently(8, () -> quarantine.transition(id, Status.RELEASED,
                    Thread.currentThread().getName()));
            assertThat(results).filteredOn(Boolean::booleanValue).as("round %d", round).hasSize(1);
        }
    }

    @Test
    void aRecipientReleasedOnTheirOwnIsRecordedOnceAndTheLastOneReleasesTheEntry() {
        hold("q1", envelope("a@x.example", "Bob@Example.org", "carol@example.org"), Category.SPAM);
        hold("q2", envelope("a@x.example", "bob@example.org"), Category.SPAM);
        clock.advance(Duration.ofMinutes(5));

        assertThat(quarantine.releaseRecipient("q1", "BOB@example.org", "digest:bob@example.org")).isTrue();
        assertThat(quarantine.releaseRecipient("q1", "bob@example.org", "admin")).as("once").isFalse();
        assertThat(quarantine.releaseRecipient("q1", "mallory@example.org", "admin")).as("not a recipient")
                .isFalse();
        assertThat(quarantine.releaseRecipient("missing", "bob@example.org", "admin")).isFalse();
        assertThat(quarantine.releaseRecipient("q1", "bob\0@example.org", "admin")).isFalse();
        QuarantineEntry partly = quarantine.get("q1").orElseThrow();
        assertThat(partly.status()).isEqualTo(Status.HELD);
        assertThat(partly.releasedTo()).containsExactly("bob@example.org");
        assertThat(partly.heldFor("Bob@Example.org")).isFalse();
        assertThat(partly.heldFor("carol@example.org")).isTrue();
        assertThat(partly.actedBy()).isEmpty();
        assertThat(quarantine.list(QuarantineQuery.held(10))).filteredOn(e -> e.id().equals("q1")).singleElement()
                .extracting(QuarantineEntry::releasedTo).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories
                        .collection(String.class)).containsExactly("bob@example.org");
        assertThat(quarantine.get("q2").orElseThrow().releasedTo()).as("other entries untouched").isEmpty();

        clock.advance(Duration.ofMinutes(1));
        assertThat(quarantine.releaseRecipient("q1", "carol@example.org", "digest:carol@example.org")).isTrue();
        QuarantineEntry all = quarantine.get("q1").orElseThrow();
        assertThat(all.status()).as("every recipient released").isEqualTo(Status.RELEASED);
        assertThat(all.actedBy()).isEqualTo("digest:carol@example.org");
        assertThat(all.actedAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(all.releasedTo()).containsExactlyInAnyOrder("bob@example.org", "carol@example.org");
        assertThat(quarantine.raw("q1")).isPresent();

        // an entry released or deleted as a whole releases no recipient any more
        assertThat(quarantine.transition("q2", Status.DELETED, "admin")).isTrue();
        assertThat(quarantine.releaseRecipient("q2", "bob@example.org", "admin")).isFalse();
        assertThat(quarantine.get("q2").orElseThrow().releasedTo()).isEmpty();
    }

    @Test
    void ofEightNodesReleasingOneRecipientAtOnceExactlyOneRecordsIt() throws Exception {
        for (int round = 0; round < 3; round++) {
            String id = "rr" + round;
            hold(id, envelope("a@x.example", "bob@example.org", "carol@example.org"), Category.SPAM);
            List<Boolean> results = runConcurrently(8, () -> quarantine.releaseRecipient(id, "bob@example.org",
                    Thread.currentThread().getName()));
            assertThat(results).filteredOn(Boolean::booleanValue).as("round %d", round).hasSize(1);
            assertThat(quarantine.get(id).orElseThrow()).satisfies(e -> {
                assertThat(e.status()).isEqualTo(Status.HELD);
                assertThat(e.releasedTo()).containsExactly("bob@example.org");
            });
        }
    }

    // ---------------------------------------------------------------- shared records (V9)

    @Test
    void aSharedRecordIsCreatedOnceThenChangedOnlyFromTheVersionItIsAt() {
        JdbcSharedState a = new JdbcSharedState(ds);
        JdbcSharedState b = new JdbcSharedState(ds);
        assertThat(a.read("digest")).isEmpty();
        assertThat(a.compareAndSet("digest", 1, "x")).as("no version 1 of a record that does not exist").isEmpty();

        assertThat(a.compareAndSet("digest", 0, "first")).contains(new SharedState.Entry("digest", "first", 1));
        assertThat(b.compareAndSet("digest", 0, "also first")).as("created already").isEmpty();
        assertThat(b.read("digest")).contains(new SharedState.Entry("digest", "first", 1));

        assertThat(b.compareAndSet("digest", 1, "second")).contains(new SharedState.Entry("digest", "second", 2));
        assertThat(a.compareAndSet("digest", 1, "stale")).as("a read before the change").isEmpty();
        assertThat(a.compareAndSet("digest", 3, "future")).isEmpty();
        assertThat(a.read("digest")).contains(new SharedState.Entry("digest", "second", 2));
        assertThat(a.read("other")).isEmpty();
    }

    @Test
    void ofEightNodesNamingTheSameSharedRecordVersionAtOnceExactlyOneWins() throws Exception {
        JdbcSharedState a = new JdbcSharedState(ds);
        List<JdbcSharedState> nodes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add(new JdbcSharedState(ds));
        }
        for (long version = 0; version < 5; version++) {
            long expected = version;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<SharedState.Entry>>> tries = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                JdbcSharedState node = nodes.get(i);
                String value = "node " + i;
                tries.add(pool.submit(() -> {
                    start.await();
                    return node.compareAndSet("lease", expected, value);
                }));
            }
            start.countDown();
            List<SharedState.Entry> won = new ArrayList<>();
            for (Future<Optional<SharedState.Entry>> f : tries) {
                f.get(60, TimeUnit.SECONDS).ifPresent(won::add);
            }
            assertThat(won).as("winners from version " + version).hasSize(1);
            assertThat(won.get(0).version()).isEqualTo(version + 1);
            assertThat(a.read("lease")).contains(won.get(0));
        }
    }

    @Test
    void sharedValuesUpToTheLimitAreKeptWholeAndBadArgumentsAreRefused() {
        JdbcSharedState a = new JdbcSharedState(ds);
        JdbcSharedState b = new JdbcSharedState(ds);
        String big = "é".repeat(SharedState.MAX_VALUE);
        String name = "n".repeat(SharedState.MAX_NAME);
        assertThat(a.compareAndSet(name, 0, big)).isPresent();
        assertThat(b.read(name)).get().extracting(SharedState.Entry::value).isEqualTo(big);
        assertThat(a.compareAndSet(name, 1, "")).contains(new SharedState.Entry(name, "", 2));

        assertThatThrownBy(() -> a.compareAndSet("x", 0, big + "é")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + SharedState.MAX_VALUE);
        assertThatThrownBy(() -> a.compareAndSet(name + "n", 0, "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.compareAndSet(" ", 0, "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.compareAndSet("x", -1, "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.compareAndSet("x", 0, "a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.read("x")).as("nothing written by a refused call").isEmpty();
        assertThat(a.read("a\0b")).isEmpty();
        assertThat(a.read(name + "n")).isEmpty();
    }

    @Test
    void aLoneSurrogateInASharedRecordIsStoredAndReadTheSameOnEveryDatabase() {
        JdbcSharedState a = new JdbcSharedState(ds);
        JdbcSharedState b = new JdbcSharedState(ds);
        assertThat(a.compareAndSet("s\uD800", 0, "v\uDC00")).contains(new SharedState.Entry("s\uFFFD", "v\uFFFD", 1));
        assertThat(b.read("s\uD800")).contains(new SharedState.Entry("s\uFFFD", "v\uFFFD", 1));
    }

    @Test
    void aDatabaseThatFailsIsAStoreExceptionNotASharedRecordAnswer() {
        JdbcSharedState a = new JdbcSharedState(ds);
        a.compareAndSet("digest", 0, "v");
        DataSource refusing = (DataSource) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    if (method.getName().equals("getConnection")) {
                        throw new java.sql.SQLException("Connection refused", "08001");
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        JdbcSharedState broken = new JdbcSharedState(refusing);
        assertThatThrownBy(() -> broken.read("digest")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> broken.compareAndSet("digest", 1, "w")).isInstanceOf(StoreException.class);
        assertThat(a.read("digest")).contains(new SharedState.Entry("digest", "v", 1));
    }

    // ---------------------------------------------------------------- message log

    @Test
    void receivedShouldBeIdempotentAndKeepTheFirstRow() {
        Envelope env = envelope("Alice@Sender.example", "bob@example.org");
        LogEntry first = logEntry("m1", env, T0);
        log.received(first);
        log.received(new LogEntry("m1", "<other>", "other", envelope("z@z.example"), List.of(), 1, null,
                DeliveryStatus.DELIVERED, "x", T0.plusSeconds(60), null));

        LogEntry read = log.get("m1").orElseThrow();
        assertThat(read).isEqualTo(first);
        assertThat(read.verdict()).isNull();
        assertThat(read.action()).isNull();
        assertThat(log.get("m2")).isEmpty();
    }

    @Test
    void decidedAndStatusShouldUpdateTheEntry() {
        log.received(logEntry("m1", envelope("a@x.example", "b@example.org"), T0));
        clock.advance(Duration.ofSeconds(3));
        Verdict v = verdict(Action.TAG, Category.SPAM);

        log.decided("m1", v);
        log.status("m1", DeliveryStatus.DEFERRED, "451 4.3.0 try later \u0000");
        log.decided("unknown", v); // logged, not thrown: the message itself is not affected

        LogEntry e = log.get("m1").orElseThrow();
        assertThat(e.verdict()).isEqualTo(v);
        assertThat(e.action()).isEqualTo(Action.TAG);
        assertThat(e.status()).isEqualTo(DeliveryStatus.DEFERRED);
        assertThat(e.statusDetail()).isEqualTo("451 4.3.0 try later \uFFFD");
        assertThat(e.updatedAt()).isEqualTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(e.receivedAt()).isEqualTo(T0);
    }

    @Test
    void queryShouldReturnNewestFirstAndApplyEveryFilter() {
        log.received(logEntry("m1", envelope("a@x.example", "bob@example.org"), T0));
        log.received(logEntry("m2", envelope("A@X.example", "carol@example.org"), T0.plusSeconds(10)));
        log.received(logEntry("m3", envelope("z@y.example", "Bob@example.org", "carol@example.org"), T0.plusSeconds(20)));
        log.decided("m1", verdict(Action.QUARANTINE, Category.PHISHING));
        log.decided("m3", verdict(Action.QUARANTINE, Category.SPAM));
        log.decided("m2", Verdict.clean());

        assertThat(logIds(LogQuery.newest(10))).containsExactly("m3", "m2", "m1");
        assertThat(logIds(new LogQuery(1, 1, null, null, null, null, null))).containsExactly("m2");
        assertThat(logIds(new LogQuery(10, 0, Action.QUARANTINE, null, null, null, null))).containsExactly("m3", "m1");
        assertThat(logIds(new LogQuery(10, 0, null, "a@x.EXAMPLE", null, null, null))).containsExactly("m2", "m1");
        assertThat(logIds(new LogQuery(10, 0, null, null, "BOB@example.org", null, null))).containsExactly("m3", "m1");
        assertThat(logIds(new LogQuery(10, 0, null, null, null, T0.plusSeconds(10), T0.plusSeconds(20))))
                .containsExactly("m2");
        assertThat(logIds(new LogQuery(10, 0, Action.DELIVER, "a@x.example", "carol@example.org", T0, null)))
                .containsExactly("m2");
    }

    private List<String> logIds(LogQuery q) {
        return log.query(q).stream().map(LogEntry::id).toList();
    }

    @Test
    void seenBeforeShouldMatchSenderAndRecipientIgnoringCaseAndOnlyEarlierMail() {
        log.received(logEntry("m1", envelope("Alice@Sender.example", "bob@example.org", "carol@example.org"), T0));

        assertThat(log.seenBefore("alice@sender.example", "BOB@example.org", T0.plusMillis(1))).isTrue();
        assertThat(log.seenBefore("alice@sender.example", "carol@example.org", T0.plusSeconds(60))).isTrue();
        assertThat(log.seenBefore("alice@sender.example", "bob@example.org", T0)).isFalse();
        assertThat(log.seenBefore("alice@sender.example", "dave@example.org", T0.plusSeconds(60))).isFalse();
        assertThat(log.seenBefore("mallory@sender.example", "bob@example.org", T0.plusSeconds(60))).isFalse();
        assertThat(log.seenBefore(null, "bob@example.org", T0.plusSeconds(60))).isFalse();
    }

    @Test
    void countByActionShouldCountDecidedMessagesSinceTheInstant() {
        log.received(logEntry("old", envelope("a@x.example", "b@example.org"), T0.minusSeconds(3600)));
        log.received(logEntry("m1", envelope("a@x.example", "b@example.org"), T0));
        log.received(logEntry("m2", envelope("a@x.example", "b@example.org"), T0.plusSeconds(1)));
        log.received(logEntry("m3", envelope("a@x.example", "b@example.org"), T0.plusSeconds(2)));
        log.received(logEntry("undecided", envelope("a@x.example", "b@example.org"), T0.plusSeconds(3)));
        log.decided("old", verdict(Action.REJECT, Category.MALWARE));
        log.decided("m1", verdict(Action.REJECT, Category.MALWARE));
        log.decided("m2", verdict(Action.REJECT, Category.MALWARE));
        log.decided("m3", Verdict.clean());

        Map<Action, Long> counts = log.countByAction(T0);
        assertThat(counts).containsEntry(Action.REJECT, 2L).containsEntry(Action.DELIVER, 1L)
                .containsEntry(Action.TAG, 0L).containsEntry(Action.QUARANTINE, 0L);
    }

    // ---------------------------------------------------------------- directory

    @Test
    void checkShouldTellLocalUnknownLocalAndForeign() {
        directory.add("Bob@Example.org", "Bob");

        assertThat(directory.check("bob@example.org")).isEqualTo(RecipientCheck.LOCAL);
        assertThat(directory.check(" BOB@EXAMPLE.ORG ")).isEqualTo(RecipientCheck.LOCAL);
        assertThat(directory.check("alice@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        assertThat(directory.check("alice@example.net")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        assertThat(directory.check("bob@elsewhere.example")).isEqualTo(RecipientCheck.FOREIGN);
        assertThat(directory.check("bob@sub.example.org")).isEqualTo(RecipientCheck.FOREIGN);
        assertThat(directory.check("bob@example.org.")).isEqualTo(RecipientCheck.FOREIGN);
        assertThat(directory.check("bob%elsewhere.example@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        assertThat(directory.check("\"bob@elsewhere.example\"@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        assertThat(directory.check("@example.org:bob@elsewhere.example")).isEqualTo(RecipientCheck.FOREIGN);
        assertThat(directory.check("postmaster")).isEqualTo(RecipientCheck.FOREIGN);
        assertThat(directory.check(null)).isEqualTo(RecipientCheck.FOREIGN);
        assertThat(directory.protectedDomains()).containsExactlyInAnyOrder("example.org", "example.net");
        assertThat(directory.isProtectedDomain("EXAMPLE.net")).isTrue();
        assertThat(directory.isProtectedDomain("example.com")).isFalse();
    }

    @Test
    void addShouldRefuseAnythingButAPlainAddressInAProtectedDomain() {
        for (String bad : new String[] {"bob@elsewhere.example", "bob", "@example.org", "bob@", "a@b@example.org",
                "bob%elsewhere.example@example.org", "bang!path@example.org", "\"quoted\"@example.org",
                "bo b@example.org", ".bob@example.org", "bob.@example.org", "b..ob@example.org",
                "x".repeat(65) + "@example.org", "bob@example.org.", "bøb@example.org", ""}) {
            assertThatThrownBy(() -> directory.add(bad, "x")).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot register");
        }
        assertThatThrownBy(() -> directory.add("bob@example.org", "Bob\r\nBcc: x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("control character");
        assertThatThrownBy(() -> directory.add("bob@example.org", "n".repeat(257)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(directory.list()).isEmpty();
    }

    @Test
    void addShouldUpdateTheDisplayNameAndKeepTheCreationTime() {
        DirectoryEntry first = directory.add("o'brien+tag@example.org", "Pat O'Brien");
        clock.advance(Duration.ofHours(1));
        DirectoryEntry second = directory.add("O'Brien+Tag@example.org", " Patrick ");

        assertThat(second.address()).isEqualTo("o'brien+tag@example.org");
        assertThat(second.displayName()).isEqualTo("Patrick");
        assertThat(second.createdAt()).isEqualTo(first.createdAt()).isEqualTo(T0);
        assertThat(directory.list()).containsExactly(second);
        assertThat(directory.find("O'BRIEN+TAG@EXAMPLE.ORG")).contains(second);
    }

    @Test
    void addAndRemoveShouldBeVisibleAtOnceOnThisNode() {
        // Load the cache first, so the answers below come from the patched copy, not a fresh read.
        assertThat(directory.check("bob@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);

        directory.add("bob@example.org", null);
        assertThat(directory.check("bob@example.org")).isEqualTo(RecipientCheck.LOCAL);

        assertThat(directory.remove("BOB@example.org")).isTrue();
        assertThat(directory.remove("bob@example.org")).isFalse();
        assertThat(directory.check("bob@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        assertThat(directory.find("bob@example.org")).isEmpty();
    }

    @Test
    void changesOnAnotherNodeShouldBeVisibleAfterTheRefreshInterval() throws Exception {
        JdbcDirectory otherNode = new JdbcDirectory(ds, "example.org", 1, clock);
        assertThat(otherNode.check("bob@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);

        directory.add("bob@example.org", "Bob");

        assertThat(otherNode.check("bob@example.org")).as("within the interval the copy may be stale")
                .isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (otherNode.check("bob@example.org") != RecipientCheck.LOCAL && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(otherNode.check("bob@example.org")).isEqualTo(RecipientCheck.LOCAL);
    }

    /**
     * Audit: list() and the recipient cache read the whole directory_address table into memory. Both stop at a cap
     * (100,000; 3 here) in address order, with a WARN at most once a minute; an address past the cache's cap is
     * still LOCAL, looked up in the database.
     */
    @Test
    void listingsOfTheDirectoryStopAtTheCapInAddressOrderAndRecipientsPastItAreStillLocal() {
        for (String a : List.of("eve", "dan", "ann", "cat", "bob")) {
            directory.add(a + "@example.org", a);
        }
        JdbcDirectory capped = new JdbcDirectory(ds, "example.org", 5, clock, 3);
        assertThat(capped.list()).extracting(DirectoryEntry::address)
                .containsExactly("ann@example.org", "bob@example.org", "cat@example.org");
        assertThat(capped.list()).hasSize(3);
        assertThat(capped.listCap().warnings()).as("warned, once a minute at most").isEqualTo(1);
        assertThat(capped.cacheCap().warnings()).isEqualTo(1);

        assertThat(capped.check("eve@example.org")).as("past the cache's cap").isEqualTo(RecipientCheck.LOCAL);
        assertThat(capped.check("ann@example.org")).isEqualTo(RecipientCheck.LOCAL);
        assertThat(capped.check("zed@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);
        capped.add("zed@example.org", "Zed");
        assertThat(capped.check("zed@example.org")).isEqualTo(RecipientCheck.LOCAL);
        capped.remove("eve@example.org");
        assertThat(capped.check("eve@example.org")).isEqualTo(RecipientCheck.UNKNOWN_LOCAL);

        JdbcDirectory roomy = new JdbcDirectory(ds, "example.org", 5, clock, 6);
        assertThat(roomy.list()).hasSize(5);
        assertThat(roomy.listCap().warnings()).isZero();
        assertThat(roomy.cacheCap().warnings()).isZero();
    }

    @Test
    void domainsConfigurationShouldRejectWhatIsNotADomain() {
        assertThatThrownBy(() -> new JdbcDirectory(ds, "example.org, bad_domain!.example", 5, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bad_domain!.example");
        assertThat(new JdbcDirectory(ds, "", 5, clock).check("bob@example.org")).isEqualTo(RecipientCheck.FOREIGN);
    }

    // ---------------------------------------------------------------- NUL in keys (H2 vs PostgreSQL)

    @Test
    void aKeyWithNulShouldBeAbsentWhenLookedUpAndRefusedWhenWrittenOnEveryDatabase() throws Exception {
        // PostgreSQL refuses NUL in any text value (SQL state 22021), H2 stores and compares it: before, a lookup by
        // such an id (a REST path parameter) was a StoreException on PostgreSQL and "absent" on H2, and a write
        // stored the row on H2 only.
        String nul = "q\u0000id";
        hold("real", envelope("a@x.example", "b@example.org"), Category.SPAM);
        log.received(logEntry("real", envelope("a@x.example", "b@example.org"), T0));

        assertThat(quarantine.get(nul)).isEmpty();
        assertThat(quarantine.raw(nul)).isEmpty();
        assertThat(quarantine.transition(nul, Status.RELEASED, "admin")).isFalse();
        assertThat(log.get(nul)).isEmpty();
        log.decided(nul, verdict(Action.DELIVER)); // logged, not thrown, as for any unknown id
        log.status(nul, DeliveryStatus.DELIVERED, "250 ok");
        assertThat(directory.find("b\u0000@example.org")).isEmpty();
        assertThat(directory.remove("b\u0000@example.org")).isFalse();

        assertThatThrownBy(() -> quarantine.hold(nul, "<m@x>", "s", envelope("a@x.example", "b@example.org"),
                verdict(Action.QUARANTINE, Category.SPAM), rawMessage()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> log.received(logEntry(nul, envelope("a@x.example", "b@example.org"), T0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThat(countRows("SELECT COUNT(*) FROM quarantine")).isEqualTo(1);
        assertThat(countRows("SELECT COUNT(*) FROM message_log")).isEqualTo(1);
        assertThat(quarantine.get("real")).isPresent();
    }

    // ---------------------------------------------------------------- corruption

    @Test
    void aCorruptRowShouldGiveAClearErrorNamingItAndLeaveTheOthersReadable() throws Exception {
        hold("good", envelope("a@x.example", "b@example.org"), Category.SPAM);
        hold("bad", envelope("a@x.example", "b@example.org"), Category.SPAM);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE quarantine SET verdict_json = '{\"action\":\"EXPLODE\"' WHERE id = 'bad'");
        }

        assertThatThrownBy(() -> quarantine.get("bad")).isInstanceOf(StoreException.class)
                .hasMessageContaining("quarantine row bad");
        assertThat(quarantine.get("good")).isPresent();
        assertThat(quarantine.raw("bad")).isPresent(); // the message itself is still there to re-scan
    }

    // ---------------------------------------------------------------- retention audit (V2)

    private static AuditRecord audit(String mailbox, String messageId, AuditRecord.Action action, Instant time,
            boolean dryRun) {
        return new AuditRecord(mailbox, "INBOX/Offers", messageId, "ab".repeat(32),
                time.minus(Duration.ofDays(1)), "signed:X-Retention-Period=P14D", action, time, "sweeper", dryRun,
                "détail \u0000 with NUL");
    }

    @Test
    void retentionAuditShouldKeepEveryFieldAndListNewestFirst() {
        JdbcRetentionAuditStore audit = new JdbcRetentionAuditStore(ds);
        audit.record(audit("Alice@Example.org", "<m1@x>", AuditRecord.Action.DELETE, T0, false));
        audit.record(audit("alice@example.org", "<m2@x>", AuditRecord.Action.MOVE, T0.plusSeconds(5), true));
        audit.record(new AuditRecord("bob@example.org", "INBOX", "", "", null, "", AuditRecord.Action.EXTEND_REFUSED,
                T0.plusSeconds(9), "bob", false, "no signed permission"));

        List<AuditRecord> all = audit.query(AuditQuery.newest(10));
        assertThat(all).extracting(AuditRecord::messageId).containsExactly("", "<m2@x>", "<m1@x>");
        AuditRecord first = all.get(2);
        assertThat(first.mailbox()).isEqualTo("alice@example.org");
        assertThat(first.folder()).isEqualTo("INBOX/Offers");
        assertThat(first.contentHash()).isEqualTo("ab".repeat(32));
        assertThat(first.expiry()).isEqualTo(T0.minus(Duration.ofDays(1)));
        assertThat(first.rule()).isEqualTo("signed:X-Retention-Period=P14D");
        assertThat(first.action()).isEqualTo(AuditRecord.Action.DELETE);
        assertThat(first.time()).isEqualTo(T0);
        assertThat(first.actor()).isEqualTo("sweeper");
        assertThat(first.dryRun()).isFalse();
        assertThat(first.detail()).isEqualTo("détail \uFFFD with NUL");
        assertThat(all.get(1).dryRun()).isTrue();
        assertThat(all.get(0).expiry()).isNull();
    }

    @Test
    void retentionAuditShouldFilterByMailboxAndMessageIdAndHonourTheLimit() {
        JdbcRetentionAuditStore audit = new JdbcRetentionAuditStore(ds);
        for (int i = 0; i < 5; i++) {
            audit.record(audit("alice@example.org", "<a" + i + "@x>", AuditRecord.Action.FLAG, T0.plusSeconds(i), false));
            audit.record(audit("bob@example.org", "<b" + i + "@x>", AuditRecord.Action.DELETE, T0.plusSeconds(i), false));
        }
        assertThat(audit.query(new AuditQuery(100, "ALICE@example.org", null))).hasSize(5)
                .allMatch(r -> r.mailbox().equals("alice@example.org"));
        assertThat(audit.query(new AuditQuery(100, null, "<b3@x>"))).singleElement()
                .extracting(AuditRecord::mailbox).isEqualTo("bob@example.org");
        assertThat(audit.query(new AuditQuery(3, null, null))).hasSize(3);
        assertThat(audit.query(new AuditQuery(100, "nobody@example.org", null))).isEmpty();
    }

    @Test
    void retentionAuditShouldSkipARowWithAnActionFromANewerNode() throws Exception {
        JdbcRetentionAuditStore audit = new JdbcRetentionAuditStore(ds);
        audit.record(audit("alice@example.org", "<ok@x>", AuditRecord.Action.DELETE, T0, false));
        audit.record(audit("alice@example.org", "<new@x>", AuditRecord.Action.DELETE, T0.plusSeconds(1), false));
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE retention_audit SET action = 'SHRED' WHERE message_id = '<new@x>'");
        }
        assertThat(audit.query(AuditQuery.newest(10))).extracting(AuditRecord::messageId).containsExactly("<ok@x>");
    }

    @Test
    void retentionAuditShouldBeAppendedConcurrentlyWithoutLoss() throws Exception {
        JdbcRetentionAuditStore audit = new JdbcRetentionAuditStore(ds);
        runConcurrently(8, () -> {
            for (int i = 0; i < 10; i++) {
                audit.record(audit("alice@example.org", "<c@x>", AuditRecord.Action.DELETE, T0, false));
            }
            return null;
        });
        assertThat(countRows("SELECT COUNT(*) FROM retention_audit")).isEqualTo(80);
    }
}
