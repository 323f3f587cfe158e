package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.SpamStore;
import org.streamail.api.store.StoreException;

/**
 * {@link SpamStore} over JDBC (tables {@code spam_*}, migrations V3, V6, V7 and V8). Same lifecycle as
 * {@link JdbcQuarantineStore}: active while its DataSource ({@code DataSource.target}, configuration PID
 * {@code org.streamail.store}) is registered; migrates the schema at activation, retrying while the
 * database is down.
 *
 * <p>Several nodes may write at once: each write transaction first takes the next value of its area's
 * counter in {@code spam_generation} (an UPDATE, so the row stays locked until commit). That orders the
 * writers of one area, makes the change feeds gap-free, and means token upserts never race (a token row is
 * only inserted under the lock). A report needs no feed entry and takes the {@code fingerprint} counter's lock
 * without moving it, as housekeeping does before deleting unconfirmed fingerprints, so a report is never deleted
 * by a cascade it did not see. Idempotence is enforced by primary keys, not by this JVM. Thread-safe;
 * {@code null} arguments are refused.
 */
@Component(service = SpamStore.class, name = "org.streamail.store.spam", configurationPid = STORE_PID, immediate = true)
public final class JdbcSpamStore implements SpamStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcSpamStore.class);
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{1,64}");
    /** Column widths from V3__spam.sql. */
    static final int REPORTER_WIDTH = 256;
    static final int REASON_WIDTH = 1000;
    static final int RULE_VALUE_WIDTH = 320;
    /** Bounds on what one call may write. */
    static final int MAX_TOKENS = 20_000;
    static final int MAX_MINHASH = 1024;
    static final int MAX_ATTACHMENTS = 200;
    static final int MAX_PAGE = 100_000;
    /** Largest page of {@link #trainedChangedAfter}. */
    static final int MAX_TRAINED_PAGE = 500;
    /** Column widths from V8__spam_seen.sql. */
    static final int GATEWAY_ID_WIDTH = 128;
    static final int SENDER_WIDTH = 512;
    /** Summaries per {@link #saveSeen} call (a row holds up to {@value #MAX_TOKENS} tokens, 160 KB). */
    static final int MAX_SEEN_BATCH = 1000;
    /** Rows per {@link #deleteSeenBefore} call. */
    static final int MAX_SEEN_DELETE = 100_000;

    private final DataSource dataSource;
    private final SchemaGate schema;
    /** {@link #rules()} reads at most this many rules, the newest. */
    private final ListingCap rulesCap;

    @Activate
    public JdbcSpamStore(@Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this(dataSource, ListingCap.MAX_ROWS);
    }

    /** @param maxRules rules {@link #rules()} reads at most (tests lower it) */
    JdbcSpamStore(DataSource dataSource, int maxRules) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.rulesCap = new ListingCap("spam_block_rule", "the newest rules; older ones are not applied by this node",
                maxRules);
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("spam store");
    }

    // ------------------------------------------------------------------------------------ generations

    /** The next generation of an area; locks its counter row until the transaction ends. */
    private static long nextGeneration(Connection c, String area) throws SQLException {
        try (PreparedStatement up = c.prepareStatement("UPDATE spam_generation SET counter = counter + 1 WHERE area = ?")) {
            up.setString(1, area);
            if (up.executeUpdate() != 1) {
                throw new StoreException("spam_generation has no row '" + area + "': schema V3 incomplete");
            }
        }
        return generation(c, area);
    }

    /**
     * Locks an area's counter row until the transaction ends, without moving it: for writers whose change needs no
     * feed entry but must not interleave with the area's other writers (a report, housekeeping's deletes).
     */
    static void lockArea(Connection c, String area) throws SQLException {
        try (PreparedStatement lock = c.prepareStatement("SELECT counter FROM spam_generation WHERE area = ? FOR UPDATE")) {
            lock.setString(1, area);
            try (ResultSet rs = lock.executeQuery()) {
                if (!rs.next()) {
                    throw new StoreException("spam_generation has no row '" + area + "': schema V3 incomplete");
                }
            }
        }
    }

    private static long generation(Connection c, String area) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT counter FROM spam_generation WHERE area = ?")) {
            ps.setString(1, area);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new StoreException("spam_generation has no row '" + area + "': schema V3 incomplete");
                }
                return rs.getLong(1);
            }
        }
    }

    // ------------------------------------------------------------------------------------ fingerprints

    private static String requireKey(String id, String what) {
        if (id == null || !HEX.matcher(id).matches()) {
            throw new IllegalArgumentException(what + " must be 1..64 lower-case hex digits");
        }
        return id;
    }

    @Override
    public Fingerprint saveFingerprint(Fingerprint f) {
        Objects.requireNonNull(f, "fingerprint");
        requireKey(f.id(), "fingerprint id");
        if (f.minHash().size() > MAX_MINHASH || f.attachmentHashes().size() > MAX_ATTACHMENTS) {
            throw new IllegalArgumentException("fingerprint too large: " + f.minHash().size() + " MinHash values, "
                    + f.attachmentHashes().size() + " attachments");
        }
        for (String h : f.attachmentHashes()) {
            requireKey(h, "attachment hash");
        }
        schema.ensure();
        Optional<Fingerprint> existing = fingerprint(f.id());
        if (existing.isPresent()) {
            return existing.get();
        }
        try {
            Jdbc.inTransaction(dataSource, "saving fingerprint " + f.id(), c -> {
                long g = nextGeneration(c, "fingerprint");
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO spam_fingerprint (id, minhash, attachments, "
                        + "state, created_at, generation) VALUES (?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, f.id());
                    ps.setBytes(2, ints(f.minHash()));
                    ps.setString(3, String.join(",", f.attachmentHashes()));
                    ps.setString(4, f.state().name());
                    ps.setLong(5, Jdbc.millis(f.createdAt()));
                    ps.setLong(6, g);
                    ps.executeUpdate();
                }
                return null;
            });
        } catch (StoreException e) {
            if (!(e.getCause() instanceof SQLException sql && Jdbc.isConstraintViolation(sql))) {
                throw e;
            }
            // another node saved it first: theirs stands
        }
        return fingerprint(f.id()).orElseThrow(() -> new StoreException("saved fingerprint " + f.id() + " but cannot read it"));
    }

    @Override
    public Optional<Fingerprint> fingerprint(String id) {
        if (id == null || !HEX.matcher(id).matches()) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading fingerprint " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, minhash, attachments, state, created_at, generation "
                    + "FROM spam_fingerprint WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(fingerprint(rs)) : Optional.empty();
                }
            }
        });
    }

    /** A fingerprint row, or {@code null} (logged) when it cannot be read: one bad row must not stop the feed. */
    private static Fingerprint fingerprint(ResultSet rs) throws SQLException {
        String id = rs.getString(1);
        try {
            String att = rs.getString(3);
            return new Fingerprint(id, ints(rs.getBytes(2)), att == null || att.isEmpty() ? List.of() : Arrays.asList(att.split(",")),
                    FingerprintState.valueOf(rs.getString(4)), Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6));
        } catch (IllegalArgumentException e) {
            LOG.warn("Spam store: fingerprint {} is unreadable ({}); skipped", id, e.getMessage());
            return null;
        }
    }

    @Override
    public boolean recordReport(Report r) {
        Objects.requireNonNull(r, "report");
        requireKey(r.fingerprintId(), "fingerprint id");
        if (r.reporter().isBlank() || r.reporter().length() > REPORTER_WIDTH || Jdbc.hasNul(r.reporter())) {
            throw new IllegalArgumentException("reporter must be 1.." + REPORTER_WIDTH + " characters without NUL");
        }
        schema.ensure();
        for (int attempt = 0;; attempt++) {
            try {
                return Jdbc.inTransaction(dataSource, "recording a report of " + r.fingerprintId(), c -> {
                    // Housekeeping deletes unconfirmed fingerprints with their reports under this lock: without it, a
                    // report committed while such a delete waited for it was deleted by the cascade.
                    lockArea(c, "fingerprint");
                    try (PreparedStatement ps = c.prepareStatement("SELECT kind, is_admin FROM spam_report "
                            + "WHERE fingerprint_id = ? AND reporter = ?")) {
                        ps.setString(1, r.fingerprintId());
                        ps.setString(2, r.reporter());
                        try (ResultSet rs = ps.executeQuery()) {
                            if (rs.next()) {
                                if (rs.getString(1).equals(r.kind().name()) && rs.getBoolean(2) == r.admin()) {
                                    return false;
                                }
                                try (PreparedStatement up = c.prepareStatement("UPDATE spam_report SET kind = ?, "
                                        + "is_admin = ?, sender = ?, reported_at = ? WHERE fingerprint_id = ? AND reporter = ?")) {
                                    up.setString(1, r.kind().name());
                                    up.setBoolean(2, r.admin());
                                    up.setString(3, Jdbc.fit(r.sender().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
                                    up.setLong(4, Jdbc.millis(r.reportedAt()));
                                    up.setString(5, r.fingerprintId());
                                    up.setString(6, r.reporter());
                                    up.executeUpdate();
                                }
                                return true;
                            }
                        }
                    }
                    try (PreparedStatement ins = c.prepareStatement("INSERT INTO spam_report (fingerprint_id, reporter, "
                            + "kind, is_admin, sender, reported_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                        ins.setString(1, r.fingerprintId());
                        ins.setString(2, r.reporter());
                        ins.setString(3, r.kind().name());
                        ins.setBoolean(4, r.admin());
                        ins.setString(5, Jdbc.fit(r.sender().toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
                        ins.setLong(6, Jdbc.millis(r.reportedAt()));
                        ins.executeUpdate();
                    }
                    return true;
                });
            } catch (StoreException e) {
                // the same reporter on two nodes at once: the second insert collides; read again and update
                if (attempt == 0 && e.getCause() instanceof SQLException sql && Jdbc.isConstraintViolation(sql)) {
                    continue;
                }
                throw e;
            }
        }
    }

    @Override
    public Tally tally(String fingerprintId) {
        requireKey(fingerprintId, "fingerprint id");
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting reports of " + fingerprintId, c -> {
            int spam = 0;
            int ham = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT kind, COUNT(*) FROM spam_report WHERE fingerprint_id = ? GROUP BY kind")) {
                ps.setString(1, fingerprintId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (ReportKind.SPAM.name().equals(rs.getString(1))) {
                            spam = rs.getInt(2);
                        } else if (ReportKind.HAM.name().equals(rs.getString(1))) {
                            ham = rs.getInt(2);
                        }
                    }
                }
            }
            ReportKind admin = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT kind FROM spam_report WHERE fingerprint_id = ? "
                    + "AND is_admin = ? ORDER BY reported_at DESC, reporter FETCH FIRST 1 ROWS ONLY")) {
                ps.setString(1, fingerprintId);
                ps.setBoolean(2, true);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        admin = kind(rs.getString(1));
                    }
                }
            }
            return new Tally(spam, ham, admin);
        });
    }

    @Override
    public boolean setState(String fingerprintId, FingerprintState state) {
        requireKey(fingerprintId, "fingerprint id");
        Objects.requireNonNull(state, "state");
        schema.ensure();
        return Jdbc.inTransaction(dataSource, "changing the state of " + fingerprintId, c -> {
            try (PreparedStatement check = c.prepareStatement("SELECT state FROM spam_fingerprint WHERE id = ?")) {
                check.setString(1, fingerprintId);
                try (ResultSet rs = check.executeQuery()) {
                    if (!rs.next() || rs.getString(1).equals(state.name())) {
                        return false; // nothing to change: no generation spent, no feed entry
                    }
                }
            }
            long g = nextGeneration(c, "fingerprint");
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE spam_fingerprint SET state = ?, generation = ? WHERE id = ? AND state <> ?")) {
                ps.setString(1, state.name());
                ps.setLong(2, g);
                ps.setString(3, fingerprintId);
                ps.setString(4, state.name());
                return ps.executeUpdate() == 1;
            }
        });
    }

    @Override
    public List<Fingerprint> fingerprintsChangedAfter(long generation, int limit) {
        int n = Math.max(1, Math.min(limit, MAX_PAGE));
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading changed fingerprints", c -> {
            List<Fingerprint> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, minhash, attachments, state, created_at, generation "
                    + "FROM spam_fingerprint WHERE generation > ? ORDER BY generation FETCH FIRST ? ROWS ONLY")) {
                ps.setLong(1, generation);
                ps.setInt(2, n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Fingerprint f = fingerprint(rs);
                        if (f != null) {
                            out.add(f);
                        } else {
                            // keep the feed moving past a bad row: report it with an empty signature, PENDING
                            out.add(new Fingerprint(rs.getString(1), List.of(), List.of(), FingerprintState.PENDING,
                                    Instant.ofEpochMilli(rs.getLong(5)), rs.getLong(6)));
                        }
                    }
                }
            }
            return out;
        });
    }

    @Override
    public int spamReportersOfSender(String sender, Instant since) {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(since, "since");
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting reporters of a sender", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(DISTINCT reporter) FROM spam_report "
                    + "WHERE sender = ? AND kind = ? AND reported_at >= ?")) {
                ps.setString(1, Jdbc.fit(sender.toLowerCase(Locale.ROOT), ADDRESS_WIDTH));
                ps.setString(2, ReportKind.SPAM.name());
                ps.setLong(3, Jdbc.millis(since));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------ classifier

    @Override
    public boolean train(String messageKey, ReportKind kind, long[] tokens) {
        requireKey(messageKey, "message key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(tokens, "tokens");
        long[] distinct = Arrays.stream(tokens).distinct().toArray();
        if (distinct.length > MAX_TOKENS) {
            throw new IllegalArgumentException("more than " + MAX_TOKENS + " tokens in one message");
        }
        schema.ensure();
        return Jdbc.inTransaction(dataSource, "training " + messageKey, c -> {
            long g = nextGeneration(c, "token"); // serialises every trainer until commit
            ReportKind before = null;
            long[] oldTokens = null;
            try (PreparedStatement ps = c.prepareStatement("SELECT kind, tokens FROM spam_trained WHERE message_key = ?")) {
                ps.setString(1, messageKey);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        before = kind(rs.getString(1));
                        oldTokens = longs(rs.getBytes(2));
                    }
                }
            }
            if (before == kind) {
                return false;
            }
            if (before != null) {
                String column = before == ReportKind.SPAM ? "spam_count" : "ham_count";
                try (PreparedStatement ps = c.prepareStatement("UPDATE spam_token SET " + column + " = " + column
                        + " - 1, generation = ? WHERE token = ? AND " + column + " > 0")) {
                    for (long t : oldTokens) {
                        ps.setLong(1, g);
                        ps.setLong(2, t);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement del = c.prepareStatement("DELETE FROM spam_trained WHERE message_key = ?")) {
                    del.setString(1, messageKey);
                    del.executeUpdate();
                }
            }
            String column = kind == ReportKind.SPAM ? "spam_count" : "ham_count";
            int[] updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE spam_token SET " + column + " = " + column
                    + " + 1, generation = ? WHERE token = ?")) {
                for (long t : distinct) {
                    ps.setLong(1, g);
                    ps.setLong(2, t);
                    ps.addBatch();
                }
                updated = ps.executeBatch();
            }
            try (PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO spam_token (token, spam_count, ham_count, generation) VALUES (?, ?, ?, ?)")) {
                int pending = 0;
                for (int i = 0; i < distinct.length; i++) {
                    if (updated[i] == 0) {
                        ins.setLong(1, distinct[i]);
                        ins.setInt(2, kind == ReportKind.SPAM ? 1 : 0);
                        ins.setInt(3, kind == ReportKind.HAM ? 1 : 0);
                        ins.setLong(4, g);
                        ins.addBatch();
                        pending++;
                    }
                }
                if (pending > 0) {
                    ins.executeBatch();
                }
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO spam_trained (message_key, kind, tokens, trained_at, generation) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, messageKey);
                ps.setString(2, kind.name());
                ps.setBytes(3, bytes(distinct));
                ps.setLong(4, System.currentTimeMillis());
                ps.setLong(5, g);
                ps.executeUpdate();
            }
            return true;
        });
    }

    @Override
    public Optional<ReportKind> trainedAs(String messageKey) {
        if (messageKey == null || !HEX.matcher(messageKey).matches()) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading the training of " + messageKey, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT kind FROM spam_trained WHERE message_key = ?")) {
                ps.setString(1, messageKey);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(kind(rs.getString(1))) : Optional.empty();
                }
            }
        });
    }

    @Override
    public Corpus corpus() {
        schema.ensure();
        return Jdbc.withConnection(dataSource, "counting trained messages", c -> {
            long spam = 0;
            long ham = 0;
            try (PreparedStatement ps = c.prepareStatement("SELECT kind, COUNT(*) FROM spam_trained GROUP BY kind");
                    ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (ReportKind.SPAM.name().equals(rs.getString(1))) {
                        spam = rs.getLong(2);
                    } else if (ReportKind.HAM.name().equals(rs.getString(1))) {
                        ham = rs.getLong(2);
                    }
                }
            }
            return new Corpus(spam, ham);
        });
    }

    @Override
    public List<TrainedMessage> trainedChangedAfter(long generation, String afterKey, int limit) {
        Objects.requireNonNull(afterKey, "afterKey");
        // A row holds up to MAX_TOKENS longs: pages stay within a few megabytes.
        int n = Math.max(1, Math.min(limit, MAX_TRAINED_PAGE));
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading trained messages", c -> {
            List<TrainedMessage> out = new ArrayList<>(Math.min(n, 256));
            try (PreparedStatement ps = c.prepareStatement("SELECT message_key, kind, tokens, generation FROM spam_trained "
                    + "WHERE generation > ? OR (generation = ? AND message_key > ?) ORDER BY generation, message_key "
                    + "FETCH FIRST ? ROWS ONLY")) {
                ps.setLong(1, generation);
                ps.setLong(2, generation);
                ps.setString(3, afterKey);
                ps.setInt(4, n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ReportKind kind = kind(rs.getString(2));
                        if (kind != null) { // a kind from a newer node is skipped, as rules are
                            out.add(new TrainedMessage(rs.getString(1), kind, longs(rs.getBytes(3)), rs.getLong(4)));
                        }
                    }
                }
            }
            return out;
        });
    }

    @Override
    public List<TokenCount> tokensChangedAfter(long generation, long afterToken, int limit) {
        int n = Math.max(1, Math.min(limit, MAX_PAGE));
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading changed tokens", c -> {
            List<TokenCount> out = new ArrayList<>(Math.min(n, 1024));
            try (PreparedStatement ps = c.prepareStatement("SELECT token, spam_count, ham_count, generation FROM spam_token "
                    + "WHERE generation > ? OR (generation = ? AND token > ?) ORDER BY generation, token FETCH FIRST ? ROWS ONLY")) {
                ps.setLong(1, generation);
                ps.setLong(2, generation);
                ps.setLong(3, afterToken);
                ps.setInt(4, n);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new TokenCount(rs.getLong(1), rs.getInt(2), rs.getInt(3), rs.getLong(4)));
                    }
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------------ inspected messages

    @Override
    public void saveSeen(List<SeenMessage> seen) {
        Objects.requireNonNull(seen, "seen");
        if (seen.size() > MAX_SEEN_BATCH) {
            throw new IllegalArgumentException(seen.size() + " summaries in one call, more than " + MAX_SEEN_BATCH);
        }
        // the last summary of a gateway id in the batch wins, as a later call would
        java.util.LinkedHashMap<String, SeenMessage> byId = new java.util.LinkedHashMap<>();
        for (SeenMessage m : seen) {
            Objects.requireNonNull(m, "summary");
            check(m);
            byId.remove(m.gatewayId());
            byId.put(m.gatewayId(), m);
        }
        if (byId.isEmpty()) {
            return;
        }
        List<SeenMessage> rows = List.copyOf(byId.values());
        schema.ensure();
        for (int attempt = 0;; attempt++) {
            try {
                Jdbc.inTransaction(dataSource, "saving " + rows.size() + " inspected message summaries", c -> {
                    int[] updated;
                    try (PreparedStatement ps = c.prepareStatement("UPDATE spam_seen SET reference_id = ?, minhash = ?, "
                            + "attachments = ?, tokens = ?, sender = ?, seen_at = ? WHERE gateway_id = ?")) {
                        for (SeenMessage m : rows) {
                            bindSeen(ps, m);
                            ps.addBatch();
                        }
                        updated = ps.executeBatch();
                    }
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO spam_seen (reference_id, minhash, "
                            + "attachments, tokens, sender, seen_at, gateway_id) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                        int pending = 0;
                        for (int i = 0; i < rows.size(); i++) {
                            if (updated[i] == 0) {
                                bindSeen(ps, rows.get(i));
                                ps.addBatch();
                                pending++;
                            }
                        }
                        if (pending > 0) {
                            ps.executeBatch();
                        }
                    }
                    return null;
                });
                return;
            } catch (StoreException e) {
                // Another transaction inserted one of these ids between the update and the insert (one gateway id is
                // inspected on one node, so only a re-inspection racing its first write): once more updates it.
                if (attempt > 0 || !(e.getCause() instanceof SQLException sql && constraintViolation(sql))) {
                    throw e;
                }
            }
        }
    }

    /** A batch failure wraps the statement's own error on some drivers. */
    private static boolean constraintViolation(SQLException e) {
        for (SQLException x = e; x != null; x = x.getNextException()) {
            if (Jdbc.isConstraintViolation(x)) {
                return true;
            }
        }
        return false;
    }

    private static void check(SeenMessage m) {
        Jdbc.requireId(m.gatewayId()); // 1..128 characters (GATEWAY_ID_WIDTH), no NUL
        requireKey(m.referenceId(), "reference id");
        if (m.minHash().size() > MAX_MINHASH || m.attachmentHashes().size() > MAX_ATTACHMENTS
                || m.tokens().length > MAX_TOKENS) {
            throw new IllegalArgumentException("summary of " + m.gatewayId() + " too large: " + m.minHash().size()
                    + " MinHash values, " + m.attachmentHashes().size() + " attachments, " + m.tokens().length
                    + " tokens (at most " + MAX_MINHASH + ", " + MAX_ATTACHMENTS + ", " + MAX_TOKENS + ")");
        }
        for (String h : m.attachmentHashes()) {
            requireKey(h, "attachment hash");
        }
        if (m.sender().length() > SENDER_WIDTH || Jdbc.hasNul(m.sender())) {
            throw new IllegalArgumentException("sender must be at most " + SENDER_WIDTH + " characters without NUL");
        }
    }

    private static void bindSeen(PreparedStatement ps, SeenMessage m) throws SQLException {
        ps.setString(1, m.referenceId());
        ps.setBytes(2, ints(m.minHash()));
        ps.setString(3, String.join(",", m.attachmentHashes()));
        ps.setBytes(4, bytes(m.tokens()));
        ps.setString(5, Jdbc.fit(m.sender(), SENDER_WIDTH)); // checked to fit; a lone surrogate stored alike on both
        ps.setLong(6, Jdbc.millis(m.seenAt()));
        ps.setString(7, m.gatewayId());
    }

    @Override
    public Optional<SeenMessage> seen(String gatewayId) {
        if (gatewayId == null || gatewayId.isEmpty() || gatewayId.length() > GATEWAY_ID_WIDTH || Jdbc.hasNul(gatewayId)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading the summary of " + gatewayId, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT reference_id, minhash, attachments, tokens, sender, "
                    + "seen_at FROM spam_seen WHERE gateway_id = ?")) {
                ps.setString(1, gatewayId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    try {
                        String att = rs.getString(3);
                        byte[] tokens = rs.getBytes(4);
                        if (tokens == null || tokens.length % 8 != 0) {
                            throw new IllegalArgumentException("tokens of " + (tokens == null ? 0 : tokens.length)
                                    + " bytes are not a multiple of 8");
                        }
                        return Optional.of(new SeenMessage(gatewayId, rs.getString(1), ints(rs.getBytes(2)),
                                att == null || att.isEmpty() ? List.of() : Arrays.asList(att.split(",")), longs(tokens),
                                rs.getString(5), Instant.ofEpochMilli(rs.getLong(6))));
                    } catch (IllegalArgumentException e) {
                        LOG.warn("Spam store: the summary of {} is unreadable ({}); treated as absent", gatewayId,
                                e.getMessage());
                        return Optional.empty();
                    }
                }
            }
        });
    }

    @Override
    public int deleteSeenBefore(Instant cutoff, int limit) {
        Objects.requireNonNull(cutoff, "cutoff");
        int n = Math.max(1, Math.min(limit, MAX_SEEN_DELETE));
        schema.ensure();
        return Jdbc.inTransaction(dataSource, "deleting inspected message summaries before " + cutoff, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM spam_seen WHERE gateway_id IN (SELECT gateway_id "
                    + "FROM spam_seen WHERE seen_at < ? ORDER BY seen_at OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY)")) {
                ps.setLong(1, Jdbc.millis(cutoff));
                ps.setInt(2, n);
                return ps.executeUpdate();
            }
        });
    }

    // ------------------------------------------------------------------------------------ block rules

    @Override
    public BlockRule addRule(BlockRule rule) {
        Objects.requireNonNull(rule, "rule");
        if (rule.id().isBlank() || rule.id().length() > 64 || Jdbc.hasNul(rule.id())) {
            throw new IllegalArgumentException("rule id must be 1..64 characters without NUL");
        }
        if (rule.value().length() > RULE_VALUE_WIDTH) {
            throw new IllegalArgumentException("rule value longer than " + RULE_VALUE_WIDTH + " characters");
        }
        if (Jdbc.hasNul(rule.value())) {
            // A key compared exactly: cut or replaced it would block something else. PostgreSQL refuses NUL.
            throw new IllegalArgumentException("rule value contains NUL");
        }
        BlockRule stored = new BlockRule(rule.id(), rule.type(), rule.value(), Jdbc.fit(rule.reason(), REASON_WIDTH),
                Jdbc.fit(rule.createdBy(), ACTOR_WIDTH), Jdbc.truncate(rule.createdAt()),
                rule.expiresAt() == null ? null : Jdbc.truncate(rule.expiresAt()), rule.source());
        schema.ensure();
        Jdbc.inTransaction(dataSource, "adding block rule " + rule.id(), c -> {
            nextGeneration(c, "rule");
            // Under the rule counter's lock, which every rule writer on every node takes first: a second active rule
            // with the same type and value is refused here, so two nodes adding one value at the same moment store
            // it once (second multi-node audit: both were stored, and removing the one an SMTP reply named left
            // the other refusing mail). The rule ids are random, so no key catches it.
            try (PreparedStatement dup = c.prepareStatement("SELECT id, expires_at FROM spam_block_rule "
                    + "WHERE rule_type = ? AND rule_value = ? ORDER BY created_at, id")) {
                dup.setString(1, stored.type().name());
                dup.setString(2, stored.value());
                try (ResultSet rs = dup.executeQuery()) {
                    while (rs.next()) {
                        Instant expires = Jdbc.instantOrNull(rs, "expires_at");
                        if (expires == null || stored.createdAt().isBefore(expires)) {
                            throw new IllegalArgumentException(stored.type() + " " + stored.value()
                                    + " is already blocked by rule " + rs.getString(1));
                        }
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO spam_block_rule (id, rule_type, rule_value, reason, "
                    + "created_by, created_at, expires_at, rule_source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, stored.id());
                ps.setString(2, stored.type().name());
                ps.setString(3, stored.value());
                ps.setString(4, stored.reason());
                ps.setString(5, stored.createdBy());
                ps.setLong(6, Jdbc.millis(stored.createdAt()));
                Jdbc.setNullableLong(ps, 7, stored.expiresAt() == null ? null : Jdbc.millis(stored.expiresAt()));
                ps.setString(8, stored.source().name());
                ps.executeUpdate();
            }
            return null;
        });
        return stored;
    }

    @Override
    public boolean removeRule(String id) {
        if (id == null || id.isBlank() || id.length() > 64 || Jdbc.hasNul(id)) {
            return false;
        }
        schema.ensure();
        return Jdbc.inTransaction(dataSource, "removing block rule " + id, c -> {
            nextGeneration(c, "rule");
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM spam_block_rule WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /**
     * The newest rules first (creation time, then id, so the order and a cut are stable), at most
     * {@link ListingCap#MAX_ROWS} of them: past that a WARN names the table (at most once a minute).
     */
    @Override
    public List<BlockRule> rules() {
        schema.ensure();
        return Jdbc.withConnection(dataSource, "listing block rules", c -> {
            List<BlockRule> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, rule_type, rule_value, reason, created_by, created_at, "
                    + "expires_at, rule_source FROM spam_block_rule ORDER BY created_at DESC, id FETCH FIRST ? ROWS ONLY")) {
                ps.setInt(1, rulesCap.fetch());
                try (ResultSet rs = ps.executeQuery()) {
                    readRules(rs, out);
                }
            }
            return out;
        });
    }

    /** Reads at most the cap's rows; a row past it means the table holds more (warned). */
    private void readRules(ResultSet rs, List<BlockRule> out) throws SQLException {
        int read = 0;
        while (rs.next()) {
            if (rulesCap.full(read++)) {
                rulesCap.reached();
                return;
            }
            try {
                out.add(new BlockRule(rs.getString(1), BlockRule.Type.valueOf(rs.getString(2)), rs.getString(3),
                        rs.getString(4), rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)),
                        Jdbc.instantOrNull(rs, "expires_at"), BlockRule.Source.valueOf(rs.getString(8))));
            } catch (IllegalArgumentException e) {
                // a rule type from a newer node: this node cannot apply it, the others still load
                LOG.warn("Spam store: block rule {} is unreadable here ({}); skipped", rs.getString(1), e.getMessage());
            }
        }
    }

    /** The cap of {@link #rules()} (for tests). */
    ListingCap rulesCap() {
        return rulesCap;
    }

    @Override
    public long rulesGeneration() {
        schema.ensure();
        return Jdbc.withConnection(dataSource, "reading the rules generation", c -> generation(c, "rule"));
    }

    // ------------------------------------------------------------------------------------ encodings

    private static ReportKind kind(String s) {
        try {
            return ReportKind.valueOf(s);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
    }

    private static byte[] ints(List<Integer> values) {
        ByteBuffer b = ByteBuffer.allocate(values.size() * 4);
        values.forEach(b::putInt);
        return b.array();
    }

    private static List<Integer> ints(byte[] bytes) {
        if (bytes == null) {
            return List.of();
        }
        if (bytes.length % 4 != 0) {
            throw new IllegalArgumentException("MinHash of " + bytes.length + " bytes is not a multiple of 4");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<Integer> out = new ArrayList<>(bytes.length / 4);
        while (b.hasRemaining()) {
            out.add(b.getInt());
        }
        return out;
    }

    private static byte[] bytes(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    private static long[] longs(byte[] bytes) {
        if (bytes == null || bytes.length % 8 != 0) {
            return new long[0];
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long[] out = new long[bytes.length / 8];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getLong();
        }
        return out;
    }
}
