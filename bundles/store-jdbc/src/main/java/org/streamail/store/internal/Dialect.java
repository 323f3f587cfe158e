package org.streamail.store.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import org.streamail.api.store.StoreException;

/**
 * The few places where H2 and PostgreSQL differ in the schema. Migration scripts are written once with
 * {@code ${name}} placeholders that each dialect fills in; everything else is portable SQL.
 */
enum Dialect {
    /** H2 2.x in its regular mode: LOB types for large values; DDL commits the open transaction. */
    H2(Map.of("blob", "BLOB", "text", "CLOB"), false),
    /** PostgreSQL 12+: BYTEA/TEXT; DDL is transactional, so a migration and its version row commit together. */
    POSTGRESQL(Map.of("blob", "BYTEA", "text", "TEXT"), true);

    private final Map<String, String> placeholders;
    private final boolean transactionalDdl;

    Dialect(Map<String, String> placeholders, boolean transactionalDdl) {
        this.placeholders = placeholders;
        this.transactionalDdl = transactionalDdl;
    }

    /** Values for {@code ${name}} in migration scripts. */
    Map<String, String> placeholders() {
        return placeholders;
    }

    /**
     * Whether DDL runs inside the migration transaction. When it does not (H2), the database row lock is
     * released by the first DDL statement, so the migrator also serialises migrations inside the JVM.
     */
    boolean transactionalDdl() {
        return transactionalDdl;
    }

    /** The dialect of the connected database; a clear error for anything else. */
    static Dialect of(Connection connection) throws SQLException {
        String product = connection.getMetaData().getDatabaseProductName();
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.equals("h2")) {
            return H2;
        }
        if (p.contains("postgresql")) {
            return POSTGRESQL;
        }
        throw new StoreException("unsupported database '" + product + "': Streamail's store runs on H2 or PostgreSQL");
    }
}
