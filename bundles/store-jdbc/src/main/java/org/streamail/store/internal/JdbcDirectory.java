package org.streamail.store.internal;

import static org.streamail.store.internal.StoreConstants.*;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.StoreException;

/**
 * {@link Directory} over JDBC: protected domains from configuration PID {@code org.streamail.directory}
 * ({@code domains}), registered addresses in the {@code directory_address} table.
 *
 * <p>{@link #check(String)} runs on every RCPT TO, so it reads an in-memory copy of the registered
 * addresses, re-read when older than {@code refresh.seconds} (default 5). The re-read is done by one
 * caller while the others keep answering from the current copy; if the database fails, the last copy stays
 * in use (logged) and is retried after another interval. {@link #add} and {@link #remove} patch the copy
 * after their commit, so this node sees them at once; other nodes see them within one interval.
 *
 * <p>Lifecycle: active while its DataSource is registered; a configuration change re-creates it. A
 * {@code domains} value that is not a list of domain names fails the activation with a clear error (the
 * gateway then has no directory and accepts no mail, rather than guess). Immediate, so the copy is
 * warm before the first RCPT. Thread-safe. Nullability: a {@code null} address is FOREIGN / absent.
 */
@Component(service = Directory.class, name = DIRECTORY_PID, configurationPid = DIRECTORY_PID, immediate = true)
@Designate(ocd = DirectoryConfig.class)
public final class JdbcDirectory implements Directory {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcDirectory.class);
    private static final int MAX_DISPLAY_NAME = 256;

    /**
     * An immutable copy of the registered addresses and when it was read ({@link System#nanoTime()}).
     * {@code complete} is false when the table held more than the cap: an address not in the copy is then looked up
     * in the database instead of being taken for unknown.
     */
    private record Snapshot(Set<String> addresses, long readAt, boolean complete) {
    }

    private final DataSource dataSource;
    private final Clock clock;
    private final Set<String> domains;
    private final long refreshNanos;
    private final SchemaGate schema;
    /** {@link #list()} reads at most this many entries (by address). */
    private final ListingCap listCap;
    /** The in-memory copy holds at most this many addresses (by address); see {@link Snapshot#complete}. */
    private final ListingCap cacheCap;
    /** Serialises re-reads and patches, so a patch is never overwritten by an older re-read. */
    private final ReentrantLock cacheLock = new ReentrantLock();
    private volatile Snapshot snapshot;
    /** When the last read of the registered addresses started ({@link System#nanoTime()}), and why it failed. */
    private volatile long lastReadAt = System.nanoTime() - SchemaGate.RETRY_NANOS;
    private volatile String lastReadFailure = "not read yet";

    @Activate
    public JdbcDirectory(
            @Reference(name = DATASOURCE_REFERENCE, target = DEFAULT_DATASOURCE_TARGET) DataSource dataSource,
            DirectoryConfig config, Map<String, Object> properties) {
        this(dataSource, checked(config, properties).domains(), config.refresh_seconds(), Clock.systemUTC());
    }

    /** Checks the raw properties before any config method is read; logs each key nothing reads. */
    private static DirectoryConfig checked(DirectoryConfig config, Map<String, Object> properties) {
        ConfigCheck.check(DIRECTORY_PID, DirectoryConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", DIRECTORY_PID, k));
        return config;
    }

    JdbcDirectory(DataSource dataSource, String domains, int refreshSeconds, Clock clock) {
        this(dataSource, domains, refreshSeconds, clock, ListingCap.MAX_ROWS);
    }

    /** @param maxRows entries {@link #list()} and the recipient cache read at most (tests lower it) */
    JdbcDirectory(DataSource dataSource, String domains, int refreshSeconds, Clock clock, int maxRows) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.listCap = new ListingCap("directory_address", "listings (REST /directory, shell, retention sweeps over "
                + "the directory's mailboxes) stop at that address, in address order", maxRows);
        this.cacheCap = new ListingCap("directory_address", "the recipient cache holds the first ones by address; "
                + "the others are looked up in the database on each RCPT", maxRows);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.domains = parseDomains(domains);
        this.refreshNanos = TimeUnit.SECONDS.toNanos(Math.max(1, Math.min(refreshSeconds, 3600)));
        this.schema = new SchemaGate(dataSource, SchemaMigrator.fromBundle());
        schema.tryNow("directory");
        try {
            reload();
        } catch (StoreException e) {
            LOG.warn("Directory: registered addresses not loaded yet ({}); recipient checks fail until the database "
                    + "answers", e.getMessage());
        }
    }

    static Set<String> parseDomains(String value) {
        Set<String> out = new LinkedHashSet<>();
        if (value == null) {
            return Set.of();
        }
        for (String part : value.split("[,\\s]+")) {
            String d = Addresses.normalize(part);
            if (d.isEmpty()) {
                continue;
            }
            if (!Addresses.isDomain(d)) {
                throw new IllegalArgumentException("org.streamail.directory: domains contains '" + part
                        + "', which is not a domain name (expected e.g. domains = example.org, example.net)");
            }
            out.add(d);
        }
        return Set.copyOf(out);
    }

    @Override
    public RecipientCheck check(String address) {
        String a = Addresses.normalize(address);
        if (!domains.contains(Addresses.domainOf(a))) {
            return RecipientCheck.FOREIGN;
        }
        Snapshot s = current();
        if (s.addresses().contains(a) || !s.complete() && isRegistered(a)) {
            return RecipientCheck.LOCAL;
        }
        return RecipientCheck.UNKNOWN_LOCAL;
    }

    /** Past the cache's cap: one look-up by primary key. */
    private boolean isRegistered(String a) {
        if (Jdbc.hasNul(a)) {
            return false;
        }
        return Jdbc.withConnection(dataSource, "looking up " + a, c -> find(c, a)).isPresent();
    }

    @Override
    public Set<String> protectedDomains() {
        return domains;
    }

    @Override
    public boolean isProtectedDomain(String domain) {
        return domain != null && domains.contains(Addresses.normalize(domain));
    }

    /** In address order, at most {@link ListingCap#MAX_ROWS} entries: past that a WARN names the table. */
    @Override
    public List<DirectoryEntry> list() {
        schema.ensure();
        return Jdbc.withConnection(dataSource, "listing the directory", c -> {
            List<DirectoryEntry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT address, display_name, created_at FROM "
                    + "directory_address ORDER BY address FETCH FIRST ? ROWS ONLY")) {
                ps.setInt(1, listCap.fetch());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (listCap.full(out.size())) {
                            listCap.reached();
                            break;
                        }
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        });
    }

    /** The caps of {@link #list()} and of the recipient cache (for tests). */
    ListingCap listCap() {
        return listCap;
    }

    ListingCap cacheCap() {
        return cacheCap;
    }

    @Override
    public Optional<DirectoryEntry> find(String address) {
        String a = Addresses.normalize(address);
        if (a.isEmpty() || Jdbc.hasNul(a)) {
            return Optional.empty();
        }
        schema.ensure();
        return Jdbc.withConnection(dataSource, "looking up " + a, c -> find(c, a));
    }

    private static Optional<DirectoryEntry> find(Connection c, String a) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT address, display_name, created_at FROM directory_address WHERE address = ?")) {
            ps.setString(1, a);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public DirectoryEntry add(String address, String displayName) {
        String a = Addresses.normalize(address);
        String problem = Addresses.problem(a);
        if (problem != null) {
            throw new IllegalArgumentException("cannot register '" + address + "': " + problem);
        }
        if (!domains.contains(Addresses.domainOf(a))) {
            throw new IllegalArgumentException("cannot register '" + a + "': " + Addresses.domainOf(a)
                    + " is not a protected domain (org.streamail.directory domains = " + String.join(",", domains) + ")");
        }
        String name = displayName(displayName);
        schema.ensure();
        DirectoryEntry entry = upsert(a, name);
        patch(a, true);
        return entry;
    }

    private DirectoryEntry upsert(String a, String name) {
        // UPDATE, else INSERT: portable (no MERGE / ON CONFLICT); a concurrent insert of the same address
        // surfaces as a key violation, after which the UPDATE path applies.
        for (int attempt = 0;; attempt++) {
            try {
                return Jdbc.inTransaction(dataSource, "registering " + a, c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "UPDATE directory_address SET display_name = ? WHERE address = ?")) {
                        ps.setString(1, name);
                        ps.setString(2, a);
                        if (ps.executeUpdate() == 0) {
                            try (PreparedStatement ins = c.prepareStatement(
                                    "INSERT INTO directory_address (address, display_name, created_at) VALUES (?, ?, ?)")) {
                                ins.setString(1, a);
                                ins.setString(2, name);
                                ins.setLong(3, clock.millis());
                                ins.executeUpdate();
                            }
                        }
                    }
                    return find(c, a).orElseThrow(() -> new StoreException("registered " + a + " but cannot read it"));
                });
            } catch (StoreException e) {
                if (attempt == 0 && e.getCause() instanceof SQLException sql && Jdbc.isConstraintViolation(sql)) {
                    continue;
                }
                throw e;
            }
        }
    }

    @Override
    public boolean remove(String address) {
        String a = Addresses.normalize(address);
        if (a.isEmpty() || Jdbc.hasNul(a)) {
            return false;
        }
        schema.ensure();
        int rows = Jdbc.withConnection(dataSource, "removing " + a, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM directory_address WHERE address = ?")) {
                ps.setString(1, a);
                return ps.executeUpdate();
            }
        });
        patch(a, false);
        return rows > 0;
    }

    private static String displayName(String displayName) {
        String name = displayName == null ? "" : displayName.strip();
        if (name.length() > MAX_DISPLAY_NAME) {
            throw new IllegalArgumentException("display name longer than " + MAX_DISPLAY_NAME + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (Character.isISOControl(ch)) {
                throw new IllegalArgumentException("display name contains a control character (U+"
                        + String.format("%04X", (int) ch) + ")");
            }
        }
        return name;
    }

    private static DirectoryEntry entry(ResultSet rs) throws SQLException {
        return new DirectoryEntry(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3)));
    }

    /** The copy of the registered addresses, re-read when stale; see the class comment. */
    private Snapshot current() {
        Snapshot s = snapshot;
        if (s != null) {
            if (System.nanoTime() - s.readAt() >= refreshNanos && cacheLock.tryLock()) {
                try {
                    if (snapshot == s) {
                        reloadOrKeep();
                    }
                } finally {
                    cacheLock.unlock();
                }
            }
            return snapshot;
        }
        // Never loaded (database down at activation): load now or fail, so SMTP answers 4xx, never guesses.
        cacheLock.lock();
        try {
            if (snapshot == null) {
                reload();
            }
            return snapshot;
        } finally {
            cacheLock.unlock();
        }
    }

    private void reloadOrKeep() {
        try {
            reload();
        } catch (StoreException e) {
            Snapshot old = snapshot;
            snapshot = new Snapshot(old.addresses(), System.nanoTime(), old.complete());
            LOG.warn("Directory: re-reading the registered addresses failed ({}); using the copy read before",
                    e.getMessage());
        }
    }

    /**
     * Unavailable while the registered addresses were never read. Tries one read when the last one started at
     * least {@link SchemaGate#RETRY_NANOS} ago and no other caller is reading, so a status call neither waits nor
     * hammers a database that is down, and the status turns ready again without mail arriving.
     */
    @Override
    public Optional<String> unavailableReason() {
        if (snapshot == null && System.nanoTime() - lastReadAt >= SchemaGate.RETRY_NANOS && cacheLock.tryLock()) {
            try {
                if (snapshot == null) {
                    reload();
                }
            } catch (StoreException e) {
                // recorded by reload
            } finally {
                cacheLock.unlock();
            }
        }
        return snapshot != null ? Optional.empty()
                : Optional.of("recipient directory not read yet, recipients cannot be checked (" + lastReadFailure + ")");
    }

    private void reload() {
        cacheLock.lock();
        try {
            lastReadAt = System.nanoTime();
            try {
                reloadNow();
            } catch (StoreException e) {
                lastReadFailure = e.getMessage();
                throw e;
            }
        } finally {
            cacheLock.unlock();
        }
    }

    /** Reads the registered addresses; the caller holds {@link #cacheLock}. */
    private void reloadNow() {
        schema.ensure();
        boolean[] complete = {true};
        Set<String> fresh = Jdbc.withConnection(dataSource, "reading the registered addresses", c -> {
            Set<String> out = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT address FROM directory_address ORDER BY address FETCH FIRST ? ROWS ONLY")) {
                ps.setInt(1, cacheCap.fetch());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        if (cacheCap.full(out.size())) {
                            cacheCap.reached();
                            complete[0] = false;
                            break;
                        }
                        out.add(rs.getString(1));
                    }
                }
            }
            return out;
        });
        snapshot = new Snapshot(Set.copyOf(fresh), System.nanoTime(), complete[0]);
    }

    /** Applies this node's own change to the copy, after its commit. */
    private void patch(String address, boolean present) {
        cacheLock.lock();
        try {
            Snapshot s = snapshot;
            if (s == null) {
                return; // the first check loads everything
            }
            Set<String> copy = new HashSet<>(s.addresses());
            if (present) {
                if (s.complete() || !cacheCap.full(copy.size())) {
                    copy.add(address); // an incomplete copy stays within its cap; the database answers the rest
                }
            } else {
                copy.remove(address);
            }
            snapshot = new Snapshot(Set.copyOf(copy), s.readAt(), s.complete());
        } finally {
            cacheLock.unlock();
        }
    }
}
