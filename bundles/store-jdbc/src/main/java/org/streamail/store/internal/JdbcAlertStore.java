package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;

/**
 * {@link AlertStore} over JDBC (table {@code alert}, migration V4). Same lifecycle as
 * {@link JdbcRetentionAuditStore}: active while its DataSource ({@code DataSource.target}, configuration
 * PID {@code org.streamail.store}) is registered; migrates the schema at activation, retrying while the
 * database is down. Append-only, keyed by the alert id, so any number of nodes may add at once.
 *
 * <p>Bounds: kind, subject, message id and recipient are cut to their column widths on write and on
 * query alike (so a cut key still matches itself); the title is cut to {@value #TITLE_WIDTH} and the
 * detail to {@value #MAX_DETAIL} characters with a visible mark. Severity is stored by name; a row with a
 * severity this node does not know (written by a newer node) is skipped and logged.
 *
 * <p>Thread-safe. {@code null} arguments are refused with NullPointerException, except the
 * {@code null} fields of an {@link AlertQuery}, which do not filter. Every method throws
 * {@link org.streamail.api.store.StoreException} when the database fails.
 */
@Component(service = AlertStore.class, name = "org.streamail.store.alert", configurationPid = STORE_PID,
        immediate = true)
public final class JdbcAlertStore implements AlertStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcAlertStore.class);
    /** Column widths from V4__alerts_isolation_links.sql. */
    static final int KIND_WIDTH = 64;
    static final int SUBJECT_WIDTH = 512;
    static final int GATEWAY_ID_WIDTH = 128;
    static final int TITLE_WIDTH = 1000;
    /** The detail is free text for a person; bounded so a hostile message cannot bloat the table. */
    static final int MAX_DETAIL = 8000;
    private static final String COLUMNS = "id, created_at, severity, kind, subject, message_id, recipient, title, "
            + "detail, occurrences";

    private final DataSource dataSource;
    private final SchemaGate schema;

    @Activate
    public JdbcAlertStore(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("alert store");
    }

    @Override
    public void add(Alert a) {
        Objects.requireNonNull(a, "alert");
        String id = Jdbc.requireId(a.id());
        schema.ensure();
        Jdbc.withConnection(dataSource, "storing alert " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO alert (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, id);
                ps.setLong(2, Jdbc.millis(a.createdAt()));
                ps.setString(3, a.severity().name());
                ps.setString(4, Jdbc.fit(a.kind(), KIND_WIDTH));
                ps.setString(5, Jdbc.fit(a.subject(), SUBJECT_WIDTH));
                ps.setString(6, Jdbc.fit(a.messageId(), GATEWAY_ID_WIDTH));
                ps.setString(7, Jdbc.fit(a.recipient(), ADDRESS_WIDTH));
                ps.setString(8, IncidentSql.clip(a.title(), TITLE_WIDTH));
                ps.setString(9, IncidentSql.clip(a.detail(), MAX_DETAIL));
                ps.setInt(10, a.occurrences());
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public Optional<Alert> get(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank() || id.length() > GATEWAY_ID_WIDTH || Jdbc.hasNul(id)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading alert " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM alert WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(row(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Alert> query(AlertQuery q) {
        Objects.requireNonNull(q, "query");
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM alert WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (q.minSeverity() != null) {
            // Names at or above the minimum: the stored names keep their meaning whatever the enum order.
            Severity[] all = Severity.values();
            sql.append(" AND severity IN (");
            for (int i = q.minSeverity().ordinal(); i < all.length; i++) {
                sql.append(i == q.minSeverity().ordinal() ? "?" : ", ?");
                args.add(all[i].name());
            }
            sql.append(')');
        }
        if (q.kind() != null) {
            sql.append(" AND kind = ?");
            args.add(Jdbc.fit(q.kind(), KIND_WIDTH));
        }
        if (q.subject() != null) {
            sql.append(" AND subject = ?");
            args.add(Jdbc.fit(q.subject(), SUBJECT_WIDTH));
        }
        if (q.since() != null) {
            sql.append(" AND created_at >= ?");
            args.add(Jdbc.millis(q.since()));
        }
        // the id breaks ties between alerts of the same millisecond so the order is stable
        sql.append(" ORDER BY created_at DESC, id DESC OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY");
        args.add(IncidentSql.clamp(q.limit()));
        schema.ensure();
        return Jdbc.withConnection(dataSource, "querying alerts", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                JdbcQuarantineStore.bind(ps, args);
                List<Alert> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Alert a = row(rs);
                        if (a != null) {
                            out.add(a);
                        }
                    }
                }
                return out;
            }
        });
    }

    @Override
    public int count(String kind, String subject, Instant since) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(since, "since");
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting alerts", c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT COUNT(*) FROM alert WHERE kind = ? AND subject = ? AND created_at >= ?")) {
                ps.setString(1, Jdbc.fit(kind, KIND_WIDTH));
                ps.setString(2, Jdbc.fit(subject, SUBJECT_WIDTH));
                ps.setLong(3, Jdbc.millis(since));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    /** The alert of a row, or {@code null} for a severity this node does not know (skipped, logged). */
    private static Alert row(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        Severity severity;
        try {
            severity = Severity.valueOf(rs.getString("severity"));
        } catch (IllegalArgumentException | NullPointerException e) {
            LOG.warn("Skipping alert {} with unknown severity '{}' (written by a newer node?)", id,
                    rs.getString("severity"));
            return null;
        }
        return new Alert(id, Instant.ofEpochMilli(rs.getLong("created_at")), severity, rs.getString("kind"),
                rs.getString("subject"), rs.getString("message_id"), rs.getString("recipient"), rs.getString("title"),
                rs.getString("detail"), rs.getInt("occurrences"));
    }
}
