package org.streamail.store.internal;

import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on a real PostgreSQL named by {@code STREAMAIL_TEST_PG_URL} (environment variable or
 * system property). Skipped without it, unless {@code STREAMAIL_REQUIRE_PG=true}, then it fails. Each test
 * gets a fresh schema, dropped afterwards, so runs never see each other's rows ({@link PostgresSchemas}).
 */
class PostgresStoreTest extends StoreContractTest {

    /** One per class; the tests of a class run one after another. */
    private static PostgresSchemas postgres;

    @BeforeAll
    static void needsPostgres() {
        postgres = PostgresSchemas.orSkip("PostgreSQL store tests", "st");
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
