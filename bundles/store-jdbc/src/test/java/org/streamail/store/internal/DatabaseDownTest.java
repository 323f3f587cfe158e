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
import org.streamail.testsupport.MutableClock;

/**
 * pax-jdbc registers the DataSource even when PostgreSQL is down: the components must still activate,
 * and then fail each call with a StoreException (SMTP answers 4xx) without hammering the database.
 */
class DatabaseDownTest {

    private final AtomicInteger connectionAttempts = new AtomicInteger();
    /** Set to let {@link #flaky} answer with an in-memory H2 database. */
    private volatile DataSource up;

    private final DataSource flaky = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                if (method.getName().equals("getConnection")) {
                    connectionAttempts.incrementAndGet();
                    DataSource ds = up;
                    if (ds == null) {
                        throw new SQLException("Connection refused", "08001");
                    }
                    return ds.getConnection();
                }
                throw new UnsupportedOperationException(method.getName());
            });

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

    /**
     * Booted with the database down, the directory says it cannot check recipients (the gateway's status is then
     * not ready), asks the database at most once per retry interval however often the status is read, and
     * becomes available on its own once the database answers, without a recipient check to trigger it.
     */
    @Test
    void directoryShouldBeUnavailableUntilItHasReadTheAddressesOnceAndRecoverFromStatusCallsAlone()
            throws InterruptedException {
        JdbcDirectory directory = new JdbcDirectory(flaky, "example.org", 5,
                java.time.Clock.systemUTC());
        int afterActivation = connectionAttempts.get();

        for (int i = 0; i < 50; i++) {
            assertThat(directory.unavailableReason()).hasValueSatisfying(r -> assertThat(r)
                    .contains("recipient directory not read yet").contains("Connection refused"));
        }
        assertThat(connectionAttempts.get()).as("status calls within the retry interval").isEqualTo(afterActivation);

        org.h2.jdbcx.JdbcDataSource h2 = new org.h2.jdbcx.JdbcDataSource();
        h2.setURL("jdbc:h2:mem:directory-down-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1");
        up = h2;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (directory.unavailableReason().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(directory.unavailableReason()).isEmpty();
        assertThat(directory.check("bob@example.org"))
                .isEqualTo(org.streamail.api.store.Directory.RecipientCheck.UNKNOWN_LOCAL);

        // Read once, the directory stays available when the database goes away again (it answers from its copy).
        up = null;
        assertThat(directory.unavailableReason()).isEmpty();
        assertThat(directory.check("bob@example.org"))
                .isEqualTo(org.streamail.api.store.Directory.RecipientCheck.UNKNOWN_LOCAL);
    }
}
