package org.streamail.store.internal;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared-state contract on the PostgreSQL named by {@code STREAMAIL_TEST_PG_URL}; skipped without it unless
 * {@code STREAMAIL_REQUIRE_PG=true}. A fresh schema per test, dropped afterwards ({@link PostgresSchemas}).
 */
class PostgresSharedStateTest extends SharedStateContractTest {

    private static PostgresSchemas postgres;

    @BeforeAll
    static void needsPostgres() {
        postgres = PostgresSchemas.orSkip("PostgreSQL shared state tests", "ss");
    }

    @Override
    protected DataSource newDatabase() throws SQLException {
        return postgres.newSchema();
    }

    @AfterEach
    void dropSchemas() throws SQLException {
        if (postgres != null) {
            postgres.dropAll();
        }
    }
}
