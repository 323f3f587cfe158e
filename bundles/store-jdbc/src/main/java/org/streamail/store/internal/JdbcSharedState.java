package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.streamail.api.store.SharedState;
import org.streamail.api.store.StoreException;

/**
 * {@link SharedState} over JDBC (table {@code shared_state}, migration V9). Same lifecycle as the other store
 * components: active while its DataSource is registered; migrates the schema at activation, retrying while the
 * database is down.
 *
 * <p>Compare-and-set is one statement each way, so the database decides between racing writers on any number of
 * nodes: a change is {@code UPDATE … WHERE name = ? AND version = ?} (one row changed or none); a creation is an
 * {@code INSERT} that the primary key refuses to every writer but the first (SQL state class 23, answered as "moved").
 * Each runs alone in auto-commit, so a refused insert aborts no surrounding transaction on PostgreSQL.
 *
 * <p>Thread-safe. Every method throws {@link StoreException} when the database fails.
 */
@Component(service = SharedState.class, name = "org.streamail.store.shared", configurationPid = STORE_PID,
        immediate = true)
public final class JdbcSharedState implements SharedState {

    private final DataSource dataSource;
    private final SchemaGate schema;
    private final Clock clock;

    @Activate
    public JdbcSharedState(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this(dataSource, Clock.systemUTC());
    }

    JdbcSharedState(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = clock;
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("shared state");
    }

    @Override
    public Optional<Entry> read(String given) {
        Objects.requireNonNull(given, "name");
        if (given.isBlank() || given.length() > MAX_NAME || Jdbc.hasNul(given)) {
            return Optional.empty();
        }
        String name = Jdbc.fit(given, MAX_NAME);
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading shared record " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT state_value, version FROM shared_state WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Entry(name, rs.getString(1), rs.getLong(2))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Optional<Entry> compareAndSet(String given, long expectedVersion, String value) {
        SharedState.check(given, expectedVersion, value);
        // lone surrogates as U+FFFD, so both databases store (and a later read finds) the same text
        String name = Jdbc.fit(given, MAX_NAME);
        String stored = Jdbc.fit(value, MAX_VALUE);
        long now = clock.millis();
        schema.ensure();
        return Jdbc.withConnection(dataSource, "writing shared record " + name, c -> {
            if (expectedVersion == 0) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO shared_state (name, state_value, version, updated_at) VALUES (?, ?, 1, ?)")) {
                    ps.setString(1, name);
                    ps.setString(2, stored);
                    ps.setLong(3, now);
                    ps.executeUpdate();
                    return Optional.of(new Entry(name, stored, 1));
                } catch (SQLException e) {
                    if (Jdbc.isConstraintViolation(e)) {
                        return Optional.empty(); // another writer created it first
                    }
                    throw e;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE shared_state SET state_value = ?, version = ?, "
                    + "updated_at = ? WHERE name = ? AND version = ?")) {
                ps.setString(1, stored);
                ps.setLong(2, expectedVersion + 1);
                ps.setLong(3, now);
                ps.setString(4, name);
                ps.setLong(5, expectedVersion);
                return ps.executeUpdate() == 1 ? Optional.of(new Entry(name, stored, expectedVersion + 1))
                        : Optional.empty();
            }
        });
    }
}
