package org.streamail.store.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The incident stores contract (alerts, isolation, link guard) on the PostgreSQL named by
 * {@code STREAMAIL_TEST_PG_URL}; skipped without it unless {@code STREAMAIL_REQUIRE_PG=true}. Same conventions
 * as {@link PostgresStoreTest}: a fresh schema per test, dropped afterwards.
 */
class PostgresIncidentStoreTest extends IncidentStoreContractTest {

    private static String url;
    private final List<String> schemas = new ArrayList<>();

    @BeforeAll
    static void needsPostgres() {
        url = setting("STREAMAIL_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            if ("true".equalsIgnoreCase(setting("STREAMAIL_REQUIRE_PG"))) {
                fail("STREAMAIL_REQUIRE_PG=true but STREAMAIL_TEST_PG_URL is not set");
            }
            Assumptions.abort("STREAMAIL_TEST_PG_URL not set: PostgreSQL incident store tests skipped");
        }
    }

    private static String setting(String name) {
        String v = System.getProperty(name);
        return v != null ? v : System.getenv(name);
    }

    @Override
    protected DataSource newDatabase() throws SQLException {
        String schema = "in_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        PGSimpleDataSource admin = new PGSimpleDataSource();
        admin.setURL(url);
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        schemas.add(schema);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(url);
        ds.setCurrentSchema(schema);
        return ds;
    }

    @AfterEach
    void dropSchemas() throws SQLException {
        PGSimpleDataSource admin = new PGSimpleDataSource();
        admin.setURL(url);
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            for (String schema : schemas) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
        }
    }
}
