package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.Connection;
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
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.isolation.IsolationStore;

/**
 * {@link IsolationStore} over JDBC (tables {@code isolation} and {@code isolation_audit}, migration V4).
 * Same lifecycle as {@link JdbcRetentionAuditStore}: active while its DataSource ({@code DataSource.target},
 * configuration PID {@code org.streamail.store}) is registered; migrates the schema at activation,
 * retrying while the database is down.
 *
 * <p>Several nodes may write at once: {@link #put} is an update-then-insert in one transaction, run again
 * when another node inserted the same IP between the two statements, so it never leaves two rows and never
 * fails for that race (the last writer wins). The audit is append-only with a database identity key, which
 * orders actions of the same millisecond as they were recorded.
 *
 * <p>Bounds: IPs longer than {@value #IP_WIDTH} characters are refused (a literal is at most 45 plus a zone);
 * an audit action must be a token of at most {@value #ACTION_WIDTH} characters (offences are counted on its
 * exact value); reasons are cut to their widths with a visible mark, the rule sets before and after to
 * {@value #MAX_RULES} characters; {@link #list} returns at most {@value #MAX_ISOLATIONS} hosts (oldest
 * first, a warning when there are more); audit listings hold 1..1000 rows.
 *
 * <p>Thread-safe. {@code null} arguments are refused with NullPointerException, except the {@code ip} of
 * {@link #auditLog}, where {@code null} means every host. Every method throws
 * {@link org.streamail.api.store.StoreException} when the database fails.
 */
@Component(service = IsolationStore.class, name = "org.streamail.store.isolation", configurationPid = STORE_PID,
        immediate = true)
public final class JdbcIsolationStore implements IsolationStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcIsolationStore.class);
    /** Column widths from V4__alerts_isolation_links.sql. */
    static final int IP_WIDTH = 64;
    static final int MAC_WIDTH = 64;
    static final int REASON_WIDTH = 2000;
    static final int ACTION_WIDTH = 32;
    /** Free-text bounds of the audit's ${text} columns. */
    static final int MAX_AUDIT_REASON = 4000;
    static final int MAX_RULES = 100_000;
    /** More isolated hosts than this is not a state an enforcer should be fed blindly. */
    static final int MAX_ISOLATIONS = 10_000;
    static final String ISOLATE = "isolate";
    private static final String COLUMNS = "ip, mac, reason, actor, since_at, until_at, offences";

    private final DataSource dataSource;
    private final SchemaGate schema;

    @Activate
    public JdbcIsolationStore(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("isolation store");
    }

    private static String requireIp(String ip) {
        return IncidentSql.requireKeyPart(ip, "ip", IP_WIDTH, false);
    }

    @Override
    public void put(Isolation i) {
        Objects.requireNonNull(i, "isolation");
        String ip = requireIp(i.ip());
        schema.ensure();
        IncidentSql.retryingRaces(() -> Jdbc.inTransaction(dataSource, "storing the isolation of " + ip, c -> {
            try (PreparedStatement up = c.prepareStatement("UPDATE isolation SET mac = ?, reason = ?, actor = ?, "
                    + "since_at = ?, until_at = ?, offences = ? WHERE ip = ?")) {
                bindValues(up, i);
                up.setString(7, ip);
                if (up.executeUpdate() > 0) {
                    return null;
                }
            }
            // Not there yet. If another node inserts it meanwhile, this insert fails on the key and the
            // whole transaction runs again, then taking the update path.
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO isolation (mac, reason, actor, since_at, "
                    + "until_at, offences, ip) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                bindValues(ins, i);
                ins.setString(7, ip);
                ins.executeUpdate();
            }
            return null;
        }));
    }

    private static void bindValues(PreparedStatement ps, Isolation i) throws SQLException {
        ps.setString(1, Jdbc.fit(i.mac(), MAC_WIDTH));
        ps.setString(2, IncidentSql.clip(i.reason(), REASON_WIDTH));
        ps.setString(3, Jdbc.fit(i.actor(), ACTOR_WIDTH));
        ps.setLong(4, Jdbc.millis(i.since()));
        Jdbc.setNullableLong(ps, 5, i.until() == null ? null : Jdbc.millis(i.until()));
        ps.setInt(6, i.offences());
    }

    @Override
    public boolean remove(String ip) {
        requireIp(ip);
        schema.ensure();
        return Jdbc.withConnection(dataSource, "removing the isolation of " + ip, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM isolation WHERE ip = ?")) {
                ps.setString(1, ip);
                return ps.executeUpdate() > 0;
            }
        });
    }

    @Override
    public Optional<Isolation> get(String ip) {
        Objects.requireNonNull(ip, "ip");
        if (ip.isBlank() || ip.length() > IP_WIDTH || Jdbc.hasNul(ip)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading the isolation of " + ip, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM isolation WHERE ip = ?")) {
                ps.setString(1, ip);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(isolation(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Isolation> list() {
        schema.ensure();
        return Jdbc.withConnection(dataSource, "listing isolations", c -> {
            List<Isolation> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                    + " FROM isolation ORDER BY since_at, ip FETCH FIRST ? ROWS ONLY")) {
                ps.setInt(1, MAX_ISOLATIONS + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (out.size() == MAX_ISOLATIONS) {
                            LOG.warn("More than {} hosts are isolated; listing the oldest {} only", MAX_ISOLATIONS,
                                    MAX_ISOLATIONS);
                            break;
                        }
                        out.add(isolation(rs));
                    }
                }
            }
            return out;
        });
    }

    private static Isolation isolation(ResultSet rs) throws SQLException {
        return new Isolation(rs.getString("ip"), rs.getString("mac"), rs.getString("reason"), rs.getString("actor"),
                Instant.ofEpochMilli(rs.getLong("since_at")), Jdbc.instantOrNull(rs, "until_at"), rs.getInt("offences"));
    }

    @Override
    public int offences(String ip) {
        Objects.requireNonNull(ip, "ip");
        if (ip.isBlank() || ip.length() > IP_WIDTH || Jdbc.hasNul(ip)) {
            return 0;
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting the offences of " + ip, c -> countIsolations(c, ip));
    }

    private static int countIsolations(Connection c, String ip) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*) FROM isolation_audit WHERE ip = ? AND action = ?")) {
            ps.setString(1, ip);
            ps.setString(2, ISOLATE);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Override
    public void audit(IsolationAudit r) {
        Objects.requireNonNull(r, "record");
        String ip = requireIp(r.ip());
        String action = IncidentSql.requireKeyPart(r.action(), "audit action", ACTION_WIDTH, false);
        schema.ensure();
        Jdbc.withConnection(dataSource, "auditing isolation action " + action + " on " + ip, c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO isolation_audit (acted_at, actor, action, "
                    + "ip, reason, rules_before, rules_after) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                ps.setLong(1, Jdbc.millis(r.at()));
                ps.setString(2, Jdbc.fit(r.actor(), ACTOR_WIDTH));
                ps.setString(3, action);
                ps.setString(4, ip);
                ps.setString(5, IncidentSql.clip(r.reason(), MAX_AUDIT_REASON));
                ps.setString(6, IncidentSql.clip(r.rulesBefore(), MAX_RULES));
                ps.setString(7, IncidentSql.clip(r.rulesAfter(), MAX_RULES));
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public List<IsolationAudit> auditLog(String ip, int limit) {
        if (ip != null && (ip.isBlank() || ip.length() > IP_WIDTH || Jdbc.hasNul(ip))) {
            return List.of();
        }
        schema.ensure();
        String sql = "SELECT acted_at, actor, action, ip, reason, rules_before, rules_after FROM isolation_audit"
                + (ip == null ? "" : " WHERE ip = ?")
                + " ORDER BY acted_at DESC, id DESC OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY";
        return Jdbc.withConnection(dataSource, "reading the isolation audit", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int p = 1;
                if (ip != null) {
                    ps.setString(p++, ip);
                }
                ps.setInt(p, IncidentSql.clamp(limit));
                List<IsolationAudit> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new IsolationAudit(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7)));
                    }
                }
                return out;
            }
        });
    }
}
