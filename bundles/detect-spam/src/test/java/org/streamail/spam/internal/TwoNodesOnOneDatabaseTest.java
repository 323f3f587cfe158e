package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.streamail.api.model.Finding;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.store.internal.JdbcSpamStore;

/**
 * Two gateway nodes, each with its own engine and its own JDBC store instance, on one database: a report
 * or a rule made on node A refuses the copy on node B after B's next refresh (what the component does
 * every {@code refresh.seconds}). Runs on H2 always, and on PostgreSQL when {@code STREAMAIL_TEST_PG_URL}
 * is set (a fresh schema, dropped afterwards).
 */
class TwoNodesOnOneDatabaseTest {

    @TempDir
    Path dir;

    private static SpamEngine node(DataSource ds) {
        // classifier.model = LR: the model whose state is the trained messages, not the counts
        return new SpamEngine(new JdbcSpamStore(ds), SpamEngine.Settings.defaults(), Clock.systemUTC(),
                id -> Optional.empty(), d -> false, Classifier.Tuning.logistic(), Tokenizer.DEFAULT);
    }

    private static boolean refused(SpamEngine node, byte[] raw) {
        List<Finding> f = node.inspect("x", raw, List.of(), List.of(), () -> false);
        return f.stream().anyMatch(x -> x.rule().equals("fuzzy-match") && x.score() >= 100);
    }

    private static void reportOnAThenRefuseOnB(DataSource ds) {
        SpamEngine a = node(ds);
        SpamEngine b = node(ds);
        a.refresh();
        b.refresh();
        byte[] copyForB = SpamEngineTest.variant("Bob", "trk-b2", 2002);
        assertThat(refused(b, copyForB)).isFalse();

        assertThat(a.report(ReportKind.SPAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "root", true).blocking()).isTrue();
        assertThat(refused(a, copyForB)).as("node A at once").isTrue();
        b.refresh();
        assertThat(refused(b, copyForB)).as("node B after one refresh").isTrue();

        BlockRule rule = a.add(BlockRule.Type.CLIENT_IP, "198.51.100.0/24", "botnet", null, "root");
        b.refresh();
        SmtpSession s = new SmtpSession("s", "198.51.100.7", null, false, null, null, List.of());
        assertThat(b.onConnect(s)).isPresent();

        a.report(ReportKind.HAM, SpamEngineTest.variant("Alice", "trk-a1", 1001), "root", true);
        a.remove(rule.id(), "root");
        b.refresh();
        assertThat(refused(b, copyForB)).as("lifted on B").isFalse();
        assertThat(b.onConnect(s)).isEmpty();
        assertThat(b.classifier().hamMessages()).isEqualTo(1); // re-trained as ham, seen through the store
        assertThat(b.classifier().spamMessages()).isZero();

        // the logistic model: trained through A, learned by each node from the store's trained messages, alike
        java.util.Random r = new java.util.Random(12);
        for (int i = 0; i < 12; i++) {
            a.trainOnly(SpamEngineTest.generated(r, SpamEngineTest.SPAMMY, "p" + i + "@spam.example", i), ReportKind.SPAM);
            a.trainOnly(SpamEngineTest.generated(r, SpamEngineTest.HAMMY, "d" + i + "@work.example", i), ReportKind.HAM);
        }
        a.refresh();
        a.learn();
        b.refresh();
        b.learn();
        assertThat(b.logistic().messages()).isEqualTo(a.logistic().messages()).isEqualTo(25);
        for (String[] words : List.of(SpamEngineTest.SPAMMY, SpamEngineTest.HAMMY)) {
            byte[] probe = SpamEngineTest.generated(r, words, "new@example.net", 77);
            assertThat(Double.doubleToRawLongBits(b.probability(probe)))
                    .isEqualTo(Double.doubleToRawLongBits(a.probability(probe)));
        }
        assertThat(a.probability(SpamEngineTest.generated(r, SpamEngineTest.SPAMMY, "x@spam.example", 78)))
                .isGreaterThan(0.9);
    }

    @Test
    void aReportOnNodeARefusesTheCopyOnNodeBOnH2() throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:file:" + dir.resolve("db") + ";DB_CLOSE_DELAY=-1");
        ds.setUser("sa");
        ds.setPassword("");
        try {
            reportOnAThenRefuseOnB(ds);
        } finally {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("SHUTDOWN");
            }
        }
    }

    @Test
    void aReportOnNodeARefusesTheCopyOnNodeBOnPostgres() throws Exception {
        String url = System.getProperty("STREAMAIL_TEST_PG_URL", System.getenv("STREAMAIL_TEST_PG_URL"));
        Assumptions.assumeTrue(url != null && !url.isBlank(), "STREAMAIL_TEST_PG_URL not set");
        String schema = "spam_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        PGSimpleDataSource admin = new PGSimpleDataSource();
        admin.setURL(url);
        try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        }
        try {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setURL(url);
            ds.setCurrentSchema(schema);
            reportOnAThenRefuseOnB(ds);
        } finally {
            try (Connection c = admin.getConnection(); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
