package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.streamail.api.linkguard.BadUrl;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.linkguard.LinkStore;

/**
 * {@link LinkStore} over JDBC (tables {@code link_delivery}, {@code link_click}, {@code bad_url}, migration
 * V4). Same lifecycle as {@link JdbcRetentionAuditStore}: active while its DataSource
 * ({@code DataSource.target}, configuration PID {@code org.streamail.store}) is registered; migrates the
 * schema at activation, retrying while the database is down.
 *
 * <p>URLs are keyed by the hex SHA-256 of their UTF-8 bytes ({@code url_hash}), compared exactly as given;
 * the text is kept beside the hash. {@link #recordLinks}, {@link #recordClick} (per click id) and
 * {@link #markBad} are insert-if-absent: {@code ON CONFLICT DO NOTHING} on PostgreSQL, {@code INSERT ...
 * SELECT ... WHERE NOT EXISTS} on H2, and on either the transaction runs again if it still lost a race to
 * another node. Rows are written in key order so two nodes recording overlapping links cannot deadlock.
 * The first bad mark of a URL stands until {@link #unmarkBad} deletes its row; a later {@link #markBad} then
 * stores a new mark with its own reason and time. {@link #badUrls} lists the marks newest first (ties by
 * {@code url_hash}) with a top-N sort over {@code bad_url} and no index on {@code marked_at}: the table
 * holds one row per URL of a recalled campaign, small next to the delivery and click tables, and the list
 * is an administrator's page, not a per-message path.
 *
 * <p>Bounds: a URL over {@value IncidentSql#MAX_URL} characters, a message id over {@value #GATEWAY_ID_WIDTH}
 * or a recipient over 512 characters is refused with IllegalArgumentException (they are keys: never cut);
 * one {@link #recordLinks} call takes at most {@value #MAX_URLS} URLs, {@value #MAX_RECIPIENTS} recipients
 * and {@value #MAX_ROWS} (recipient, URL) pairs, written in batches of {@value #BATCH}; reasons are cut to
 * {@value #REASON_WIDTH} characters with a visible mark; every list holds 1..1000 rows.
 *
 * <p>Thread-safe. {@code null} arguments are refused with NullPointerException or IllegalArgumentException,
 * except {@code since} of {@link #deliveriesOf}, where {@code null} means "ever". Every method throws
 * {@link org.streamail.api.store.StoreException} when the database fails.
 */
@Component(service = LinkStore.class, name = "org.streamail.store.link", configurationPid = STORE_PID,
        immediate = true)
public final class JdbcLinkStore implements LinkStore {

    /** Column widths from V4__alerts_isolation_links.sql. */
    static final int GATEWAY_ID_WIDTH = 128;
    static final int REASON_WIDTH = 1000;
    static final int IP_WIDTH = 64;
    static final int MAC_WIDTH = 64;
    /** What one recordLinks call may write. */
    static final int MAX_URLS = 1000;
    static final int MAX_RECIPIENTS = 1000;
    static final int MAX_ROWS = 100_000;
    static final int BATCH = 500;
    private static final String CLICK_COLUMNS = "id, clicked_at, message_id, recipient, url, client_ip, mac, "
            + "blocked, reason";

    private final DataSource dataSource;
    private final SchemaGate schema;

    @Activate
    public JdbcLinkStore(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("link store");
    }

    private static String requireMessageId(String messageId) {
        return IncidentSql.requireKeyPart(messageId, "message id", GATEWAY_ID_WIDTH, false);
    }

    private static String requireRecipient(String recipient) {
        return IncidentSql.requireKeyPart(recipient == null ? "" : recipient, "recipient", ADDRESS_WIDTH, true);
    }

    // ------------------------------------------------------------------------------------ deliveries

    @Override
    public void recordLinks(String messageId, List<String> recipients, List<String> urls, Instant at) {
        requireMessageId(messageId);
        Objects.requireNonNull(recipients, "recipients");
        Objects.requireNonNull(urls, "urls");
        Objects.requireNonNull(at, "at");
        if (urls.size() > MAX_URLS || recipients.size() > MAX_RECIPIENTS) {
            throw new IllegalArgumentException("too many links to record at once: " + urls.size() + " URLs (max "
                    + MAX_URLS + "), " + recipients.size() + " recipients (max " + MAX_RECIPIENTS + ")");
        }
        // Sorted by key (recipient, url_hash): idempotent input, and the same lock order on every node.
        TreeMap<String, String> byHash = new TreeMap<>();
        for (String url : urls) {
            String u = IncidentSql.requireUrl(url);
            byHash.put(IncidentSql.urlHash(u), u);
        }
        LinkedHashSet<String> rcpts = new LinkedHashSet<>();
        recipients.stream().map(JdbcLinkStore::requireRecipient).sorted().forEach(rcpts::add);
        if ((long) byHash.size() * rcpts.size() > MAX_ROWS) {
            throw new IllegalArgumentException("too many links to record at once: " + byHash.size() + " URLs x "
                    + rcpts.size() + " recipients exceeds " + MAX_ROWS);
        }
        if (byHash.isEmpty() || rcpts.isEmpty()) {
            return;
        }
        long millis = Jdbc.millis(at);
        schema.ensure();
        IncidentSql.retryingRaces(() -> Jdbc.inTransaction(dataSource, "recording the links of " + messageId, c -> {
            boolean pg = Dialect.of(c) == Dialect.POSTGRESQL;
            String sql = pg
                    ? "INSERT INTO link_delivery (message_id, recipient, url_hash, url, delivered_at) "
                            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                    : "INSERT INTO link_delivery (message_id, recipient, url_hash, url, delivered_at) "
                            + "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM link_delivery "
                            + "WHERE message_id = ? AND recipient = ? AND url_hash = ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int pending = 0;
                for (String rcpt : rcpts) {
                    for (var e : byHash.entrySet()) {
                        ps.setString(1, messageId);
                        ps.setString(2, rcpt);
                        ps.setString(3, e.getKey());
                        ps.setString(4, e.getValue());
                        ps.setLong(5, millis);
                        if (!pg) {
                            ps.setString(6, messageId);
                            ps.setString(7, rcpt);
                            ps.setString(8, e.getKey());
                        }
                        ps.addBatch();
                        if (++pending == BATCH) {
                            ps.executeBatch();
                            pending = 0;
                        }
                    }
                }
                if (pending > 0) {
                    ps.executeBatch();
                }
            }
            return null;
        }));
    }

    @Override
    public List<String> linksOf(String messageId) {
        Objects.requireNonNull(messageId, "messageId");
        if (messageId.isBlank() || messageId.length() > GATEWAY_ID_WIDTH || Jdbc.hasNul(messageId)) {
            return List.of();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "listing the links of " + messageId, c -> {
            // One row per URL: the delivery to the first recipient (by key) stands for the others. The
            // correlated sub-query runs on the primary key's (message_id, ...) prefix.
            try (PreparedStatement ps = c.prepareStatement("SELECT d.url FROM link_delivery d WHERE d.message_id = ? "
                    + "AND d.recipient = (SELECT MIN(x.recipient) FROM link_delivery x WHERE x.message_id = d.message_id "
                    + "AND x.url_hash = d.url_hash) ORDER BY d.delivered_at, d.url_hash FETCH FIRST ? ROWS ONLY")) {
                ps.setString(1, messageId);
                ps.setInt(2, IncidentSql.MAX_LIMIT);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public List<LinkDelivery> deliveriesOf(String url, Instant since, int limit) {
        return deliveriesBefore(url, since, null, limit);
    }

    /** As {@link #deliveriesOf}, before {@code before} too ({@code null}: no upper bound). */
    @Override
    public List<LinkDelivery> deliveriesBefore(String url, Instant since, Instant before, int limit) {
        String hash = IncidentSql.urlHash(IncidentSql.requireUrl(url));
        long from = since == null ? Long.MIN_VALUE : Jdbc.millis(since);
        long to = before == null ? Long.MAX_VALUE : Jdbc.millis(before);
        schema.ensure();
        return Jdbc.withConnection(dataSource, "finding the deliveries of a URL", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT message_id, recipient, url, delivered_at "
                    + "FROM link_delivery WHERE url_hash = ? AND delivered_at >= ? AND delivered_at < ? "
                    + "ORDER BY delivered_at DESC, message_id, recipient OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY")) {
                ps.setString(1, hash);
                ps.setLong(2, from);
                ps.setLong(3, to);
                ps.setInt(4, IncidentSql.clamp(limit));
                List<LinkDelivery> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new LinkDelivery(rs.getString(1), rs.getString(2), rs.getString(3),
                                Instant.ofEpochMilli(rs.getLong(4))));
                    }
                }
                return out;
            }
        });
    }

    // ------------------------------------------------------------------------------------ clicks

    @Override
    public void recordClick(Click k) {
        Objects.requireNonNull(k, "click");
        String id = Jdbc.requireId(k.id());
        String url = IncidentSql.requireUrl(k.url());
        schema.ensure();
        // Idempotent per click id: a click endpoint that retries after a timeout records it once.
        IncidentSql.retryingRaces(() -> Jdbc.inTransaction(dataSource, "recording click " + id, c -> {
            boolean pg = Dialect.of(c) == Dialect.POSTGRESQL;
            String columns = "id, clicked_at, message_id, recipient, url_hash, url, client_ip, mac, blocked, reason";
            String sql = pg
                    ? "INSERT INTO link_click (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
                    : "INSERT INTO link_click (" + columns + ") SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                            + "WHERE NOT EXISTS (SELECT 1 FROM link_click WHERE id = ?)";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, id);
                ps.setLong(2, Jdbc.millis(k.at()));
                ps.setString(3, Jdbc.fit(k.messageId(), GATEWAY_ID_WIDTH));
                ps.setString(4, Jdbc.fit(k.recipient(), ADDRESS_WIDTH));
                ps.setString(5, IncidentSql.urlHash(url));
                ps.setString(6, url);
                ps.setString(7, Jdbc.fit(k.clientIp(), IP_WIDTH));
                ps.setString(8, Jdbc.fit(k.mac(), MAC_WIDTH));
                ps.setBoolean(9, k.blocked());
                ps.setString(10, IncidentSql.clip(k.reason(), REASON_WIDTH));
                if (!pg) {
                    ps.setString(11, id);
                }
                return ps.executeUpdate();
            }
        }));
    }

    @Override
    public List<Click> clicks(int limit, boolean blockedOnly) {
        schema.ensure();
        String sql = "SELECT " + CLICK_COLUMNS + " FROM link_click" + (blockedOnly ? " WHERE blocked = ?" : "")
                + " ORDER BY clicked_at DESC, id DESC OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY";
        return Jdbc.withConnection(dataSource, "listing clicks", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int p = 1;
                if (blockedOnly) {
                    ps.setBoolean(p++, true);
                }
                ps.setInt(p, IncidentSql.clamp(limit));
                List<Click> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(click(rs));
                    }
                }
                return out;
            }
        });
    }

    private static Click click(ResultSet rs) throws SQLException {
        return new Click(rs.getString("id"), Instant.ofEpochMilli(rs.getLong("clicked_at")), rs.getString("message_id"),
                rs.getString("recipient"), rs.getString("url"), rs.getString("client_ip"), rs.getString("mac"),
                rs.getBoolean("blocked"), rs.getString("reason"));
    }

    // ------------------------------------------------------------------------------------ bad URLs

    @Override
    public void markBad(String url0, String reason, Instant at) {
        String url = IncidentSql.requireUrl(url0);
        Objects.requireNonNull(at, "at");
        String hash = IncidentSql.urlHash(url);
        String why = IncidentSql.clip(reason, REASON_WIDTH);
        schema.ensure();
        IncidentSql.retryingRaces(() -> Jdbc.inTransaction(dataSource, "marking a URL bad", c -> insertBad(c, hash,
                url, why, Jdbc.millis(at))));
    }

    private static int insertBad(Connection c, String hash, String url, String reason, long at) throws SQLException {
        boolean pg = Dialect.of(c) == Dialect.POSTGRESQL;
        String sql = pg
                ? "INSERT INTO bad_url (url_hash, url, reason, marked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
                : "INSERT INTO bad_url (url_hash, url, reason, marked_at) SELECT ?, ?, ?, ? "
                        + "WHERE NOT EXISTS (SELECT 1 FROM bad_url WHERE url_hash = ?)";
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, hash);
            ps.setString(2, url);
            ps.setString(3, reason);
            ps.setLong(4, at);
            if (!pg) {
                ps.setString(5, hash);
            }
            return ps.executeUpdate();
        }
    }

    @Override
    public Optional<String> badReason(String url) {
        Objects.requireNonNull(url, "url");
        if (url.isEmpty() || url.length() > IncidentSql.MAX_URL) {
            return Optional.empty(); // never stored, so never marked
        }
        String hash = IncidentSql.urlHash(url);
        schema.ensure();
        return Jdbc.withConnection(dataSource, "checking a URL", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT reason FROM bad_url WHERE url_hash = ?")) {
                ps.setString(1, hash);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<BadUrl> badUrls(int limit) {
        if (limit < 1 || limit > IncidentSql.MAX_LIMIT) {
            // Refused rather than clamped: the administration view asks for a page and must know it got one.
            throw new IllegalArgumentException("limit must be 1.." + IncidentSql.MAX_LIMIT + ": " + limit);
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "listing bad URLs", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT url, reason, marked_at FROM bad_url "
                    + "ORDER BY marked_at DESC, url_hash OFFSET 0 ROWS FETCH FIRST ? ROWS ONLY")) {
                ps.setInt(1, limit);
                List<BadUrl> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new BadUrl(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))));
                    }
                }
                return out;
            }
        });
    }

    @Override
    public boolean unmarkBad(String url) {
        Objects.requireNonNull(url, "url");
        if (url.isEmpty() || url.length() > IncidentSql.MAX_URL || url.indexOf('\u0000') >= 0) {
            return false; // refused by markBad, so never marked
        }
        String hash = IncidentSql.urlHash(url);
        schema.ensure();
        // One DELETE on the primary key: of two nodes lifting the same mark, exactly one sees the row.
        return Jdbc.withConnection(dataSource, "lifting the bad mark of a URL", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM bad_url WHERE url_hash = ?")) {
                ps.setString(1, hash);
                return ps.executeUpdate() > 0;
            }
        });
    }
}
