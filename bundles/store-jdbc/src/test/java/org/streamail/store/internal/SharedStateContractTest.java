package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.SharedState.Entry;
import org.streamail.api.store.StoreException;

/**
 * What every database behind {@link SharedState} (migration V9) must do. Subclasses supply a fresh database per test
 * ({@link H2SharedStateTest}, {@link PostgresSharedStateTest}); "nodes" are separate store instances on one database,
 * as two gateways on one PostgreSQL.
 */
abstract class SharedStateContractTest {

    protected abstract DataSource newDatabase() throws Exception;

    private DataSource ds;
    private JdbcSharedState a;
    private JdbcSharedState b;
    private final ExecutorService pool = Executors.newFixedThreadPool(8);

    @BeforeEach
    void createNodes() throws Exception {
        ds = newDatabase();
        a = new JdbcSharedState(ds);
        b = new JdbcSharedState(ds);
    }

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aRecordIsCreatedOnceThenChangedOnlyFromTheVersionItIsAt() {
        assertThat(a.read("digest")).isEmpty();
        assertThat(a.compareAndSet("digest", 1, "x")).as("no version 1 of a record that does not exist").isEmpty();

        assertThat(a.compareAndSet("digest", 0, "first")).contains(new Entry("digest", "first", 1));
        assertThat(b.compareAndSet("digest", 0, "also first")).as("created already").isEmpty();
        assertThat(b.read("digest")).contains(new Entry("digest", "first", 1));

        assertThat(b.compareAndSet("digest", 1, "second")).contains(new Entry("digest", "second", 2));
        assertThat(a.compareAndSet("digest", 1, "stale")).as("a read before the change").isEmpty();
        assertThat(a.compareAndSet("digest", 3, "future")).isEmpty();
        assertThat(a.read("digest")).contains(new Entry("digest", "second", 2));
        assertThat(a.read("other")).isEmpty();
    }

    @Test
    void ofEightNodesNamingTheSameVersionAtOnceExactlyOneWins() throws Exception {
        List<JdbcSharedState> nodes = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            nodes.add(new JdbcSharedState(ds));
        }
        for (long version = 0; version < 5; version++) {
            long expected = version;
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Optional<Entry>>> tries = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                JdbcSharedState node = nodes.get(i);
                String value = "node " + i;
                tries.add(pool.submit(() -> {
                    start.await();
                    return node.compareAndSet("lease", expected, value);
                }));
            }
            start.countDown();
            List<Entry> won = new ArrayList<>();
            for (Future<Optional<Entry>> f : tries) {
                f.get(60, TimeUnit.SECONDS).ifPresent(won::add);
            }
            assertThat(won).as("winners from version " + version).hasSize(1);
            assertThat(won.get(0).version()).isEqualTo(version + 1);
            assertThat(a.read("lease")).contains(won.get(0));
        }
    }

    @Test
    void valuesUpToTheLimitAreKeptWholeAndBadArgumentsAreRefused() {
        String big = "é".repeat(SharedState.MAX_VALUE);
        String name = "n".repeat(SharedState.MAX_NAME);
        assertThat(a.compareAndSet(name, 0, big)).isPresent();
        assertThat(b.read(name)).get().extracting(Entry::value).isEqualTo(big);
        assertThat(a.compareAndSet(name, 1, "")).contains(new Entry(name, "", 2));

        assertThatThrownBy(() -> a.compareAndSet("x", 0, big + "é")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + SharedState.MAX_VALUE);
        assertThatThrownBy(() -> a.compareAndSet(name + "n", 0, "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.compareAndSet(" ", 0, "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.compareAndSet("x", -1, "v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.compareAndSet("x", 0, "a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.read("x")).as("nothing written by a refused call").isEmpty();
        assertThat(a.read("a\0b")).isEmpty();
        assertThat(a.read(name + "n")).isEmpty();
    }

    @Test
    void aLoneSurrogateIsStoredAndReadTheSameOnEveryDatabase() {
        assertThat(a.compareAndSet("s\uD800", 0, "v\uDC00")).contains(new Entry("s\uFFFD", "v\uFFFD", 1));
        assertThat(b.read("s\uD800")).contains(new Entry("s\uFFFD", "v\uFFFD", 1));
    }

    @Test
    void aDatabaseThatFailsIsAStoreExceptionNotAnAnswer() throws Exception {
        a.compareAndSet("digest", 0, "v");
        JdbcSharedState broken = new JdbcSharedState(new DataSource() {
            @Override
            public Connection getConnection() throws SQLException {
                throw new SQLException("Connection refused", "08001");
            }

            @Override
            public Connection getConnection(String u, String p) throws SQLException {
                return getConnection();
            }

            @Override
            public java.io.PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(java.io.PrintWriter out) {
            }

            @Override
            public void setLoginTimeout(int seconds) {
            }

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public java.util.logging.Logger getParentLogger() {
                return java.util.logging.Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> iface) throws SQLException {
                throw new SQLException("no");
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return false;
            }
        });
        assertThatThrownBy(() -> broken.read("digest")).isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> broken.compareAndSet("digest", 1, "w")).isInstanceOf(StoreException.class);
        assertThat(a.read("digest")).contains(new Entry("digest", "v", 1));
    }
}
