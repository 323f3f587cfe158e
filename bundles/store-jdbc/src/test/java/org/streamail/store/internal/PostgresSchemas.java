package org.streamail.store.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL the store tests run on, named by {@code STREAMAIL_TEST_PG_URL} (environment variable or
 * system property): without it the calling tests are skipped, unless {@code STREAMAIL_REQUIRE_PG=true}, then
 * they fail. Each {@link #newSchema()} is a fresh schema, and {@link #dropAll()} drops every schema made, so
 * runs never see each other's rows. Not thread-safe: one instance per test class (its tests run one after another).
 */
final class PostgresSchemas {

    private final String url;
    private final String prefix;
    private final List<String> schemas = new ArrayList<>();

    /**
     * @param what   what is skipped without a database, for the skip message
     * @param prefix schema name prefix (a few letters), so leftovers show which tests made them
     */
    static PostgresSchemas orSkip(String what, String prefix) {
        String url = setting("STREAMAIL_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(setting("STREAMAIL_REQUIRE_PG"))) {
                fail("STREAMAIL_REQUIRE_PG=true but STREAMAIL_TEST_PG_URL is not set, e.g. "
                        + "jdbc:postgresql://127.0.0.1:5432/streamail_test?user=streamail&password=...");
            }
            Assumptions.abort("STREAMAIL_TEST_PG_URL not set: " + what + " skipped");
        }
        return new PostgresSchemas(url, prefix);
    }

    private PostgresSchemas(String url, String prefix) {
        this.url = url;
        this.prefix = prefix;
    }

    private static String setting(String name) {
        String v = System.getProperty(name);
        return v != null ? v : System.getenv(name);
    }

    /** A data source on a new, empty schema. */
    DataSource newSchema() throws SQLException {
        String schema = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = admin().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        schemas.add(schema);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setCurrentSchema(schema);
        noCommitFlush(ds);
        return ds;
    }

    /** Drops every schema {@link #newSchema()} made. */
    void dropAll() throws SQLException {
        try (Connection c = admin().getConnection(); Statement s = c.createStatement()) {
            for (String schema : schemas) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
        schemas.clear();
    }

    private PGSimpleDataSource admin() {
        PGSimpleDataSource admin = new PGSimpleDataSource();
        admin.setURL(url);
        noCommitFlush(admin);
        return admin;
    }

    /**
     * {@code synchronous_commit=off} for the test's sessions: a commit returns without waiting for its WAL flush
     * to disk (about 7 ms per commit on the CI machine; every test migrates a fresh schema, many commits). What
     * other sessions see, locks and isolation are unchanged; only a crash of the server could lose the last
     * commits, which no test looks at. Options already in the URL are kept.
     */
    private static void noCommitFlush(PGSimpleDataSource ds) {
        String options = ds.getOptions();
        ds.setOptions((options == null || options.isBlank() ? "" : options + " ") + "-c synchronous_commit=off");
    }
}
