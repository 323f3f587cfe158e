package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;
import org.streamail.api.store.StoreException;

/**
 * {@link MessageLog} over JDBC (H2 or PostgreSQL). Same lifecycle as {@link JdbcQuarantineStore}: active
 * while its DataSource ({@code DataSource.target}, configuration PID {@code org.streamail.store}) is
 * registered; migrates the schema at activation. Thread-safe and multi-node safe: {@link #received}
 * relies on the primary key for idempotence. Nullability: a {@code null} id reads as absent and updates
 * nothing; {@code decided}/{@code status} for an id that was never logged are logged as warnings.
 */
@Component(service = MessageLog.class, name = "org.streamail.store.messagelog", configurationPid = STORE_PID,
        immediate = true)
public final class JdbcMessageLog implements MessageLog {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcMessageLog.class);
    private static final String COLUMNS = "id, message_id, subject, envelope_json, received_chain_json, size_bytes, "
            + "verdict_json, status, status_detail, received_at, updated_at";

    private final DataSource dataSource;
    private final Clock clock;
    private final JsonCodec json = new JsonCodec();
    private final SchemaGate schema;

    @Activate
    public JdbcMessageLog(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this(dataSource, Clock.systemUTC());
    }

    JdbcMessageLog(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("message log");
    }

    @Override
    public void received(LogEntry entry) {
        Objects.requireNonNull(entry, "entry");
        Jdbc.requireId(entry.id());
        schema.ensure();
        if (exists(entry.id())) {
            return;
        }
        try {
            Jdbc.inTransaction(dataSource, "logging " + entry.id(), c -> insert(c, entry));
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && Jdbc.isConstraintViolation(sql) && exists(entry.id())) {
                return; // a concurrent call logged it first; the first row stays
            }
            throw e;
        }
    }

    private Void insert(Connection c, LogEntry e) throws SQLException {
        Set<String> recipients = JdbcQuarantineStore.lowerCaseRecipients(e.envelope());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO message_log (id, message_id, subject, sender, "
                + "client_ip, envelope_json, received_chain_json, size_bytes, verdict_json, action, status, "
                + "status_detail, received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, e.id());
            ps.setString(2, Jdbc.fit(e.messageId(), MESSAGE_ID_WIDTH));
            ps.setString(3, Jdbc.fit(e.subject(), SUBJECT_WIDTH));
            ps.setString(4, Jdbc.fit(e.envelope().sender().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
            ps.setString(5, e.envelope().clientIp() == null ? null : Jdbc.fit(e.envelope().clientIp(), CLIENT_IP_WIDTH));
            ps.setString(6, json.envelope(e.envelope()));
            ps.setString(7, json.strings(e.receivedChain()));
            ps.setLong(8, e.size());
            ps.setString(9, json.verdict(e.verdict()));
            ps.setString(10, e.verdict() == null ? null : e.verdict().action().name());
            ps.setString(11, e.status().name());
            ps.setString(12, Jdbc.fit(e.statusDetail(), DETAIL_WIDTH));
            ps.setLong(13, Jdbc.millis(e.receivedAt()));
            ps.setLong(14, Jdbc.millis(e.updatedAt()));
            ps.executeUpdate();
        }
        JdbcQuarantineStore.insertRecipients(c, "message_log_rcpt", e.id(), recipients);
        return null;
    }

    private boolean exists(String id) {
        return Jdbc.withConnection(dataSource, "looking up " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM message_log WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    @Override
    public void decided(String id, Verdict verdict) {
        Objects.requireNonNull(verdict, "verdict");
        if (id == null || Jdbc.hasNul(id)) {
            return;
        }
        schema.ensure();
        int rows = Jdbc.withConnection(dataSource, "recording the verdict of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE message_log SET verdict_json = ?, action = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, json.verdict(verdict));
                ps.setString(2, verdict.action().name());
                ps.setLong(3, clock.millis());
                ps.setString(4, id);
                return ps.executeUpdate();
            }
        });
        if (rows == 0) {
            LOG.warn("Verdict {} for {} not logged: the message log has no entry with that id", verdict.action(), id);
        }
    }

    @Override
    public void status(String id, DeliveryStatus status, String detail) {
        Objects.requireNonNull(status, "status");
        if (id == null || Jdbc.hasNul(id)) {
            return;
        }
        schema.ensure();
        int rows = Jdbc.withConnection(dataSource, "recording the status of " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE message_log SET status = ?, status_detail = ?, updated_at = ? WHERE id = ?")) {
                ps.setString(1, status.name());
                ps.setString(2, Jdbc.fit(detail, DETAIL_WIDTH));
                ps.setLong(3, clock.millis());
                ps.setString(4, id);
                return ps.executeUpdate();
            }
        });
        if (rows == 0) {
            LOG.warn("Status {} for {} not logged: the message log has no entry with that id", status, id);
        }
    }

    @Override
    public Optional<LogEntry> get(String id) {
        if (id == null || Jdbc.hasNul(id)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading log entry " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM message_log WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<LogEntry> query(LogQuery query) {
        Objects.requireNonNull(query, "query");
        schema.ensure();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM message_log m WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (query.action() != null) {
            sql.append(" AND m.action = ?");
            args.add(query.action().name());
        }
        if (query.sender() != null) {
            sql.append(" AND m.sender = ?");
            args.add(Jdbc.fit(query.sender().strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
        }
        if (query.recipient() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM message_log_rcpt r WHERE r.id = m.id AND r.recipient = ?)");
            args.add(Jdbc.fit(query.recipient().strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
        }
        if (query.since() != null) {
            sql.append(" AND m.received_at >= ?");
            args.add(Jdbc.millis(query.since()));
        }
        if (query.until() != null) {
            sql.append(" AND m.received_at < ?");
            args.add(Jdbc.millis(query.until()));
        }
        sql.append(" ORDER BY m.received_at DESC, m.id DESC OFFSET ? ROWS FETCH FIRST ? ROWS ONLY");
        args.add(query.offset());
        args.add(query.limit());
        return Jdbc.withConnection(dataSource, "querying the message log", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                JdbcQuarantineStore.bind(ps, args);
                List<LogEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public boolean seenBefore(String sender, String recipient, Instant before) {
        Objects.requireNonNull(before, "before");
        if (sender == null || recipient == null) {
            return false;
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "looking up earlier mail", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM message_log m JOIN message_log_rcpt r "
                    + "ON r.id = m.id WHERE r.recipient = ? AND m.sender = ? AND m.received_at < ? "
                    + "FETCH FIRST 1 ROWS ONLY")) {
                ps.setString(1, Jdbc.fit(recipient.strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
                ps.setString(2, Jdbc.fit(sender.strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
                ps.setLong(3, Jdbc.millis(before));
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
    }

    /** Every action is present in the result, with 0 when none was decided. */
    @Override
    public Map<Action, Long> countByAction(Instant since) {
        Objects.requireNonNull(since, "since");
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting the message log", c -> {
            Map<Action, Long> out = new EnumMap<>(Action.class);
            for (Action a : Action.values()) {
                out.put(a, 0L);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT action, COUNT(*) FROM message_log "
                    + "WHERE received_at >= ? AND action IS NOT NULL GROUP BY action")) {
                ps.setLong(1, Jdbc.millis(since));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        try {
                            out.put(Action.valueOf(rs.getString(1)), rs.getLong(2));
                        } catch (IllegalArgumentException e) {
                            LOG.debug("Ignoring unknown action {} (written by a newer node)", rs.getString(1));
                        }
                    }
                }
            }
            return out;
        });
    }

    private LogEntry entry(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        String where = "message_log row " + id;
        DeliveryStatus status;
        try {
            status = DeliveryStatus.valueOf(rs.getString("status"));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new StoreException("unknown status '" + rs.getString("status") + "' in " + where, e);
        }
        return new LogEntry(id, rs.getString("message_id"), rs.getString("subject"),
                json.readEnvelope(rs.getString("envelope_json"), where),
                json.readStrings(rs.getString("received_chain_json"), where), rs.getLong("size_bytes"),
                json.readVerdict(rs.getString("verdict_json"), where), status, rs.getString("status_detail"),
                Jdbc.instantOrNull(rs, "received_at"), Jdbc.instantOrNull(rs, "updated_at"));
    }
}
