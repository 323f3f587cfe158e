package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.Severity;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.store.StoreException;

/**
 * The issue-6 stores, like the others, activate while the database refuses connections and then fail each
 * call fast with a StoreException, without opening a connection per call.
 */
class IncidentStoresDatabaseDownTest {

    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
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
    void incidentStoresShouldActivateWhileTheDatabaseIsDownAndFailEveryCallWithAStoreException() {
        JdbcAlertStore alerts = new JdbcAlertStore(down);
        JdbcIsolationStore isolation = new JdbcIsolationStore(down);
        JdbcLinkStore links = new JdbcLinkStore(down);
        int afterActivation = connectionAttempts.get();

        assertThatThrownBy(() -> alerts.add(new Alert("a", T0, Severity.LOW, "k", "s", "", "", "", "", 1)))
                .isInstanceOf(StoreException.class).hasMessageContaining("Connection refused");
        assertThatThrownBy(() -> alerts.query(AlertQuery.newest(5))).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> alerts.count("k", "s", T0)).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> isolation.put(new Isolation("10.0.0.1", "", "", "", T0, null, 1)))
                .isInstanceOf(StoreException.class);
        assertThatThrownBy(isolation::list).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> isolation.offences("10.0.0.1")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> links.recordLinks("gw", List.of("a@example.org"), List.of("https://a.example/"), T0))
                .isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> links.badReason("https://a.example/")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> links.clicks(10, true)).isInstanceOf(StoreException.class);
        // Bad input is refused before the database is asked.
        assertThatThrownBy(() -> links.markBad("https://a.example/" + "x".repeat(9000), "r", T0))
                .isInstanceOf(IllegalArgumentException.class);
        // Within the retry interval nobody opens a connection again.
        assertThat(connectionAttempts.get()).isEqualTo(afterActivation);
    }
}
