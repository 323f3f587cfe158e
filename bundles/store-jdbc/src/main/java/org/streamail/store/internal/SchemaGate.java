package org.streamail.store.internal;

import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.store.StoreException;

/**
 * Makes sure the schema is migrated before a component touches its tables, without making the component
 * fail for good when the database is down at activation (pax-jdbc registers the DataSource whether or not
 * PostgreSQL answers). The first attempt runs at activation; while it has not succeeded, each store call
 * retries at most once per {@link #RETRY_NANOS} and otherwise fails fast with a {@link StoreException}.
 * Thread-safe.
 */
final class SchemaGate {

    static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Logger LOG = LoggerFactory.getLogger(SchemaGate.class);

    private final DataSource dataSource;
    private final SchemaMigrator migrator;
    private volatile boolean ready;
    private long lastAttempt;
    private StoreException lastFailure;

    SchemaGate(DataSource dataSource, SchemaMigrator migrator) {
        this.dataSource = dataSource;
        this.migrator = migrator;
    }

    /** First attempt, at activation: logs instead of throwing so the component still comes up. */
    void tryNow(String component) {
        try {
            ensure();
        } catch (StoreException e) {
            LOG.warn("{}: the database is not ready ({}); store calls fail and the migration is retried every {} s",
                    component, e.getMessage(), TimeUnit.NANOSECONDS.toSeconds(RETRY_NANOS));
        }
    }

    /** Returns once the schema is current; throws the last failure while the database stays unavailable. */
    void ensure() {
        if (ready) {
            return;
        }
        synchronized (this) {
            if (ready) {
                return;
            }
            long now = System.nanoTime();
            if (lastFailure != null && now - lastAttempt < RETRY_NANOS) {
                throw new StoreException("database not ready: " + lastFailure.getMessage(), lastFailure);
            }
            lastAttempt = now;
            try {
                List<Integer> applied = migrator.migrate(dataSource);
                if (!applied.isEmpty()) {
                    LOG.info("Schema migrated to V{} (applied {})", migrator.latestVersion(), applied);
                }
                lastFailure = null;
                ready = true;
            } catch (StoreException e) {
                lastFailure = e;
                throw e;
            } catch (RuntimeException e) {
                lastFailure = new StoreException("schema migration failed: " + e, e);
                throw lastFailure;
            }
        }
    }
}
