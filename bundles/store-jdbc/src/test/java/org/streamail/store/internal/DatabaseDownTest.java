package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.StoreException;

/**
 * pax-jdbc registers the DataSource even when PostgreSQL is down: the components must still activate,
 * and then fail each call with a StoreException (SMTP answers 4xx) without hammering the database.
 */
class DatabaseDownTest {

    private final AtomicInteger connectionAttempts = new AtomicInteger();

    private final DataSource down = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                if (method.getName().equals("getConnection")) {
                    connectionAttempts.incrementAndGet();
                    throw new SQLException("Connection refused", "08001");
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void componentsShouldActivateWhileTheDatabaseIsDownAndFailCallsFastWithAStoreException() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        JdbcQuarantineStore quarantine = new JdbcQuarantineStore(down, clock);
        JdbcMessageLog log = new JdbcMessageLog(down, clock);
        JdbcDirectory directory = new JdbcDirectory(down, "example.org", 5, clock);
        int afterActivation = connectionAttempts.get();

        assertThatThrownBy(() -> quarantine.list(QuarantineQuery.held(10)))
                .isInstanceOf(StoreException.class).hasMessageContaining("Connection refused");
        assertThatThrownBy(() -> log.get("x")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> directory.check("bob@example.org")).isInstanceOf(StoreException.class);
        // A foreign domain needs no database.
        assertThat(directory.check("bob@elsewhere.example")).isEqualTo(
                org.streamail.api.store.Directory.RecipientCheck.FOREIGN);
        // Within the retry interval nobody opens a connection again.
        assertThat(connectionAttempts.get()).isEqualTo(afterActivation);
    }
}
