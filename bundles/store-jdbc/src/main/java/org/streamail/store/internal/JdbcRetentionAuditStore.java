package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.RetentionAuditStore;

/**
 * {@link RetentionAuditStore} over JDBC (table {@code retention_audit}, migration V2). Same lifecycle as
 * {@link JdbcQuarantineStore}: active while its DataSource ({@code DataSource.target}, configuration PID
 * {@code org.streamail.store}) is registered; migrates the schema at activation, retrying while the
 * database is down. Append-only with a random key, so any number of nodes may record at once. Thread-safe.
 * Nullability as in {@link AuditRecord}: {@code record(null)} and {@code query(null)} throw
 * NullPointerException.
 */
@Component(service = RetentionAuditStore.class, name = "org.streamail.store.retentionaudit",
        configurationPid = STORE_PID, immediate = true)
public final class JdbcRetentionAuditStore implements RetentionAuditStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcRetentionAuditStore.class);
    /** Column widths from V2__retention_audit.sql. */
    static final int FOLDER_WIDTH = 1000;
    static final int RULE_WIDTH = 1000;
    /** A detail is free text from the sweeper; bounded so a hostile header cannot bloat the table. */
    static final int MAX_DETAIL = 4000;

    private final DataSource dataSource;
    private final SchemaGate schema;

    @Activate
    public JdbcRetentionAuditStore(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("retention audit");
    }

    @Override
    public void record(AuditRecord r) {
        Objects.requireNonNull(r, "record");
        schema.ensure();
        Jdbc.withConnection(dataSource, "recording a retention action", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO retention_audit (id, mailbox, folder, "
                    + "message_id, content_hash, expiry, rule_text, action, acted_at, actor, dry_run, detail) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, UUID.randomUUID().toString());
                ps.setString(2, Jdbc.fit(r.mailbox().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
                ps.setString(3, Jdbc.fit(r.folder(), FOLDER_WIDTH));
                ps.setString(4, Jdbc.fit(r.messageId(), MESSAGE_ID_WIDTH));
                ps.setString(5, Jdbc.fit(r.contentHash(), 64));
                Jdbc.setNullableLong(ps, 6, r.expiry() == null ? null : Jdbc.millis(r.expiry()));
                ps.setString(7, Jdbc.fit(r.rule(), RULE_WIDTH));
                ps.setString(8, r.action().name());
                ps.setLong(9, Jdbc.millis(r.time()));
                ps.setString(10, Jdbc.fit(r.actor(), ACTOR_WIDTH));
                ps.setBoolean(11, r.dryRun());
                ps.setString(12, Jdbc.fit(r.detail(), MAX_DETAIL));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<AuditRecord> query(AuditQuery query) {
        Objects.requireNonNull(query, "query");
        schema.ensure();
        StringBuilder sql = new StringBuilder("SELECT mailbox, folder, message_id, content_hash, expiry, rule_text, "
                + "action, acted_at, actor, dry_run, detail FROM retention_audit WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (query.mailbox() != null) {
            sql.append(" AND mailbox = ?");
            args.add(Jdbc.fit(query.mailbox().strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
        }
        if (query.messageId() != null) {
            sql.append(" AND message_id = ?");
            args.add(Jdbc.fit(query.messageId().strip(), MESSAGE_ID_WIDTH));
        }
        // id breaks ties between rows of the same millisecond so paging is stable
        sql.append(" ORDER BY acted_at DESC, id DESC OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY");
        args.add(query.limit());
        return Jdbc.withConnection(dataSource, "querying the retention audit", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                JdbcQuarantineStore.bind(ps, args);
                List<AuditRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        AuditRecord r = row(rs);
                        if (r != null) {
                            out.add(r);
                        }
                    }
                }
                return out;
            }
        });
    }

    /** The record of a row, or {@code null} for an action this node does not know (skipped, logged). */
    private static AuditRecord row(ResultSet rs) throws SQLException {
        AuditRecord.Action action;
        try {
            action = AuditRecord.Action.valueOf(rs.getString("action"));
        } catch (IllegalArgumentException | NullPointerException e) {
            // Written by a newer node with an action this one does not know: skip it rather than fail the
            // whole listing, and say so.
            LOG.warn("Skipping a retention audit row with unknown action '{}' (written by a newer node?)",
                    rs.getString("action"));
            return null;
        }
        return new AuditRecord(rs.getString("mailbox"), rs.getString("folder"), rs.getString("message_id"),
                rs.getString("content_hash"), Jdbc.instantOrNull(rs, "expiry"), rs.getString("rule_text"), action,
                Jdbc.instantOrNull(rs, "acted_at"), rs.getString("actor"), rs.getBoolean("dry_run"),
                rs.getString("detail"));
    }
}
