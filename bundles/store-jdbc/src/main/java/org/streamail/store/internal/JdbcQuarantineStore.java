package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
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
import org.osgi.service.metatype.annotations.Designate;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.QuarantineStore;
import org.streamail.api.store.StoreException;

/**
 * {@link QuarantineStore} over JDBC (H2 or PostgreSQL). Activated once the DataSource selected by
 * {@code DataSource.target} (default {@code (dataSourceName=streamail)}) is registered; runs the schema
 * migrations at activation. Stateless between calls apart from the schema gate, so it is thread-safe and
 * safe to run on several nodes sharing one PostgreSQL: idempotence and the HELD-only transition are
 * enforced by the database (primary key, conditional UPDATE), not by this JVM. Immediate, so the migration
 * runs at boot. Nullability: a {@code null} id reads as absent; other {@code null} arguments are refused.
 */
@Component(service = QuarantineStore.class, name = "org.streamail.store.quarantine", configurationPid = STORE_PID,
        immediate = true)
@Designate(ocd = StoreConfig.class)
public final class JdbcQuarantineStore implements QuarantineStore {

    private static final String COLUMNS = "id, message_id, subject, envelope_json, verdict_json, size_bytes, "
            + "quarantined_at, status, acted_by, acted_at";

    private final DataSource dataSource;
    private final Clock clock;
    private final JsonCodec json = new JsonCodec();
    private final SchemaGate schema;

    @Activate
    public JdbcQuarantineStore(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this(dataSource, Clock.systemUTC());
    }

    JdbcQuarantineStore(DataSource dataSource, Clock clock) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("quarantine store");
    }

    @Override
    public QuarantineEntry hold(String id, String messageId, String subject, Envelope envelope, Verdict verdict,
            byte[] raw) {
        Jdbc.requireId(id);
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(raw, "raw");
        schema.ensure();
        Optional<QuarantineEntry> existing = get(id);
        if (existing.isPresent()) {
            return existing.get();
        }
        // Built from the values as stored, so the returned entry equals what get() reads later.
        QuarantineEntry entry = new QuarantineEntry(id, Jdbc.fit(messageId, MESSAGE_ID_WIDTH),
                Jdbc.fit(subject, SUBJECT_WIDTH), envelope, verdict, raw.length, Jdbc.truncate(clock.instant()),
                QuarantineEntry.Status.HELD, "", null);
        try {
            Jdbc.inTransaction(dataSource, "holding " + id, c -> insert(c, entry, raw));
            return entry;
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException sql && Jdbc.isConstraintViolation(sql)) {
                // Another thread or node held the same id first: idempotent, return theirs.
                return get(id).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    private Void insert(Connection c, QuarantineEntry e, byte[] raw) throws SQLException {
        Set<String> recipients = lowerCaseRecipients(e.envelope());
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO quarantine (id, message_id, subject, sender, "
                + "recipients, envelope_json, verdict_json, score, action, categories, size_bytes, raw_message, status, "
                + "acted_by, acted_at, quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)")) {
            ps.setString(1, e.id());
            ps.setString(2, e.messageId());
            ps.setString(3, e.subject());
            ps.setString(4, Jdbc.fit(e.envelope().sender().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
            ps.setString(5, String.join(",", recipients));
            ps.setString(6, json.envelope(e.envelope()));
            ps.setString(7, json.verdict(e.verdict()));
            ps.setDouble(8, e.verdict().score());
            ps.setString(9, e.verdict().action().name());
            ps.setString(10, Jdbc.fit(categories(e.verdict().categories()), CATEGORIES_WIDTH));
            ps.setLong(11, e.size());
            ps.setBytes(12, raw);
            ps.setString(13, e.status().name());
            ps.setString(14, e.actedBy());
            ps.setLong(15, Jdbc.millis(e.quarantinedAt()));
            ps.executeUpdate();
        }
        insertRecipients(c, "quarantine_rcpt", e.id(), recipients);
        return null;
    }

    @Override
    public Optional<QuarantineEntry> get(String id) {
        if (id == null || Jdbc.hasNul(id)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading quarantine entry " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM quarantine WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    QuarantineEntry e = entry(rs);
                    return Optional.of(withReleases(e, releasedRecipients(c, List.of(e.id()))));
                }
            }
        });
    }

    @Override
    public Optional<byte[]> raw(String id) {
        if (id == null || Jdbc.hasNul(id)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading raw message " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT raw_message FROM quarantine WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getBytes(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<QuarantineEntry> list(QuarantineQuery query) {
        Objects.requireNonNull(query, "query");
        schema.ensure();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM quarantine q WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        if (query.status() != null) {
            sql.append(" AND q.status = ?");
            args.add(query.status().name());
        }
        if (query.category() != null) {
            // Enum names hold no LIKE wildcards.
            sql.append(" AND q.categories LIKE ?");
            args.add("%," + query.category().name() + ",%");
        }
        if (query.sender() != null) {
            sql.append(" AND q.sender = ?");
            args.add(Jdbc.fit(query.sender().strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
        }
        if (query.recipient() != null) {
            sql.append(" AND EXISTS (SELECT 1 FROM quarantine_rcpt r WHERE r.id = q.id AND r.recipient = ?)");
            args.add(Jdbc.fit(query.recipient().strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
        }
        if (query.beforeAt() != null) {
            // keyset paging: after the last entry of the previous page in this order (ids compare as the database's
            // VARCHAR does, byte order for the ASCII gateway ids)
            sql.append(" AND (q.quarantined_at < ? OR (q.quarantined_at = ? AND q.id < ?))");
            args.add(Jdbc.millis(query.beforeAt()));
            args.add(Jdbc.millis(query.beforeAt()));
            args.add(query.beforeId());
        }
        sql.append(" ORDER BY q.quarantined_at DESC, q.id DESC OFFSET ? ROWS FETCH FIRST ? ROWS ONLY");
        args.add(query.offset());
        args.add(query.limit());
        return Jdbc.withConnection(dataSource, "listing the quarantine", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                bind(ps, args);
                List<QuarantineEntry> page = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        page.add(entry(rs));
                    }
                }
                Map<String, Set<String>> released = releasedRecipients(c, page.stream().map(QuarantineEntry::id)
                        .toList());
                List<QuarantineEntry> out = new ArrayList<>(page.size());
                for (QuarantineEntry e : page) {
                    out.add(withReleases(e, released));
                }
                return out;
            }
        });
    }

    @Override
    public long count(QuarantineEntry.Status status) {
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting the quarantine", c -> {
            String sql = status == null ? "SELECT COUNT(*) FROM quarantine"
                    : "SELECT COUNT(*) FROM quarantine WHERE status = ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (status != null) {
                    ps.setString(1, status.name());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    @Override
    public boolean transition(String id, QuarantineEntry.Status to, String actor) {
        Objects.requireNonNull(to, "to");
        if (to == QuarantineEntry.Status.HELD) {
            throw new IllegalArgumentException("an entry can only move from HELD to RELEASED or DELETED");
        }
        if (id == null || Jdbc.hasNul(id)) {
            return false;
        }
        schema.ensure();
        // One conditional UPDATE: the database lets exactly one of several concurrent callers see HELD.
        String sql = "UPDATE quarantine SET status = ?, acted_by = ?, acted_at = ?"
                + (to == QuarantineEntry.Status.DELETED ? ", raw_message = NULL" : "")
                + " WHERE id = ? AND status = ?";
        return Jdbc.withConnection(dataSource, "moving " + id + " to " + to, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, to.name());
                ps.setString(2, Jdbc.fit(actor, ACTOR_WIDTH));
                ps.setLong(3, clock.millis());
                ps.setString(4, id);
                ps.setString(5, QuarantineEntry.Status.HELD.name());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public boolean releaseRecipient(String id, String recipient, String actor) {
        Objects.requireNonNull(recipient, "recipient");
        if (id == null || Jdbc.hasNul(id) || Jdbc.hasNul(recipient)) {
            return false;
        }
        String r = Jdbc.fit(recipient.strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH);
        schema.ensure();
        // One transaction that first locks the entry's row: a whole release or a deletion (a conditional UPDATE of
        // that row) on another node either ran before, and the entry is no longer HELD here, or waits until this one
        // has recorded the recipient; no copy goes out of a message deleted a moment before.
        return Jdbc.inTransaction(dataSource, "releasing " + id + " to " + r, c -> {
            try (PreparedStatement lock = c.prepareStatement("SELECT status FROM quarantine WHERE id = ? FOR UPDATE")) {
                lock.setString(1, id);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next() || !QuarantineEntry.Status.HELD.name().equals(rs.getString(1))) {
                        return false;
                    }
                }
            }
            long now = clock.millis();
            String who = Jdbc.fit(actor, ACTOR_WIDTH);
            try (PreparedStatement ps = c.prepareStatement("UPDATE quarantine_rcpt SET released_by = ?, released_at = ?"
                    + " WHERE id = ? AND recipient = ? AND released_at IS NULL")) {
                ps.setString(1, who);
                ps.setLong(2, now);
                ps.setString(3, id);
                ps.setString(4, r);
                if (ps.executeUpdate() != 1) {
                    return false; // not a recipient, or released to them before
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE quarantine SET status = ?, acted_by = ?,"
                    + " acted_at = ? WHERE id = ? AND status = ? AND NOT EXISTS (SELECT 1 FROM quarantine_rcpt r"
                    + " WHERE r.id = ? AND r.released_at IS NULL)")) {
                ps.setString(1, QuarantineEntry.Status.RELEASED.name());
                ps.setString(2, who);
                ps.setLong(3, now);
                ps.setString(4, id);
                ps.setString(5, QuarantineEntry.Status.HELD.name());
                ps.setString(6, id);
                ps.executeUpdate();
            }
            return true;
        });
    }

    /** Ids asked of the recipient table at once (a page of the quarantine has at most 1,000). */
    private static final int IN_CHUNK = 500;

    /** The recipients released one by one, per entry id, for the given ids. */
    private static Map<String, Set<String>> releasedRecipients(Connection c, List<String> ids) throws SQLException {
        Map<String, Set<String>> out = new HashMap<>();
        for (int from = 0; from < ids.size(); from += IN_CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_CHUNK));
            String sql = "SELECT id, recipient FROM quarantine_rcpt WHERE released_at IS NOT NULL AND id IN ("
                    + String.join(", ", Collections.nCopies(chunk.size(), "?")) + ")";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 0; i < chunk.size(); i++) {
                    ps.setString(i + 1, chunk.get(i));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.computeIfAbsent(rs.getString(1), k -> new LinkedHashSet<>()).add(rs.getString(2));
                    }
                }
            }
        }
        return out;
    }

    private static QuarantineEntry withReleases(QuarantineEntry e, Map<String, Set<String>> released) {
        Set<String> to = released.get(e.id());
        return to == null ? e : new QuarantineEntry(e.id(), e.messageId(), e.subject(), e.envelope(), e.verdict(),
                e.size(), e.quarantinedAt(), e.status(), e.actedBy(), e.actedAt(), to);
    }

    private QuarantineEntry entry(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        String where = "quarantine row " + id;
        return new QuarantineEntry(id, rs.getString("message_id"), rs.getString("subject"),
                json.readEnvelope(rs.getString("envelope_json"), where),
                json.readVerdict(rs.getString("verdict_json"), where), rs.getLong("size_bytes"),
                Jdbc.instantOrNull(rs, "quarantined_at"), status(rs.getString("status"), where),
                rs.getString("acted_by"), Jdbc.instantOrNull(rs, "acted_at"));
    }

    private static QuarantineEntry.Status status(String value, String where) {
        try {
            return QuarantineEntry.Status.valueOf(value);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new StoreException("unknown status '" + value + "' in " + where, e);
        }
    }

    private static String categories(List<Category> categories) {
        StringBuilder sb = new StringBuilder(",");
        for (Category c : categories) {
            sb.append(c.name()).append(',');
        }
        return sb.toString();
    }

    /** Distinct lower-case recipients, cut to the index width (the envelope JSON keeps them whole). */
    static Set<String> lowerCaseRecipients(Envelope envelope) {
        Set<String> out = new LinkedHashSet<>();
        for (String r : envelope.recipients()) {
            if (r != null) {
                out.add(Jdbc.fit(r.strip().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
            }
        }
        return out;
    }

    static void insertRecipients(Connection c, String table, String id, Set<String> recipients) throws SQLException {
        if (recipients.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (id, recipient) VALUES (?, ?)")) {
            for (String r : recipients) {
                ps.setString(1, id);
                ps.setString(2, r);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Integer n) {
                ps.setInt(i + 1, n);
            } else if (a instanceof Long n) {
                ps.setLong(i + 1, n);
            } else {
                ps.setString(i + 1, (String) a);
            }
        }
    }
}
