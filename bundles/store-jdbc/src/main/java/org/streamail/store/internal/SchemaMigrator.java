package org.streamail.store.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.store.StoreException;

/**
 * Applies the versioned SQL scripts {@code db/migration/V<n>__<description>.sql} of this bundle to a
 * database, in order, each once, recording them in {@code streamail_schema_version}.
 *
 * <p>Adding a migration is adding one file: scripts are discovered by listing the folder (bundle entries
 * inside OSGi, the class path folder or jar in unit tests); versions must run 1..N without gaps. Scripts
 * are portable SQL with {@code ${blob}} / {@code ${text}} placeholders filled per {@link Dialect};
 * statements end with {@code ;}, {@code --} starts a comment.
 *
 * <p>Concurrency: several nodes may start at once on one PostgreSQL. Every migration run takes a row lock
 * ({@code SELECT ... FOR UPDATE} on the single row of {@code streamail_schema_lock}) and re-reads the
 * applied versions under it, so the second node waits and then finds nothing to do. PostgreSQL runs the
 * DDL inside that transaction, so a failed migration leaves no trace. H2 commits on DDL (which releases the
 * row lock), so on H2 runs are additionally serialised inside the JVM; an embedded H2 file is opened by
 * one JVM only. For the same reason H2 records after each statement how far a migration got, and a run that
 * failed half-way is resumed there instead of failing for good on "already exists". Thread-safe; stateless
 * apart from the parsed scripts.
 */
final class SchemaMigrator {

    static final String FOLDER = "db/migration";
    private static final Pattern NAME = Pattern.compile("V([1-9][0-9]{0,5})__([A-Za-z0-9_]{1,100})\\.sql");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z]+)}");
    private static final int MAX_SCRIPT_BYTES = 1 << 20;
    private static final int MAX_MIGRATIONS = 10_000;
    private static final int BOOTSTRAP_ATTEMPTS = 5;
    /** The lock row's note; on H2 {@code V<n> <checksum prefix> <statements done>} while a migration is half-way. */
    private static final String LOCK_NOTE = "held while migrating";
    private static final Pattern PROGRESS = Pattern.compile("V([1-9][0-9]{0,5}) ([0-9A-Za-z_-]{1,16}) ([0-9]{1,6})");
    /** H2 only: see the class comment. */
    private static final Object JVM_LOCK = new Object();
    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    /** One script. */
    record Migration(int version, String description, String script, String checksum) {
    }

    /**
     * PostgreSQL: how long one migration statement waits for a table lock. A migration running while another node
     * holds a long transaction on the table (a housekeeping batch) would otherwise wait for it with every store call
     * of this node behind it, and queue the other node's queries on that table behind its own lock request.
     */
    static final long LOCK_TIMEOUT_MILLIS = 10_000;

    private final List<Migration> migrations;
    private final long lockTimeoutMillis;

    SchemaMigrator(List<Migration> migrations) {
        this(migrations, LOCK_TIMEOUT_MILLIS);
    }

    SchemaMigrator(List<Migration> migrations, long lockTimeoutMillis) {
        this.migrations = validate(migrations);
        if (lockTimeoutMillis < 1 || lockTimeoutMillis > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("lock timeout out of range: " + lockTimeoutMillis);
        }
        this.lockTimeoutMillis = lockTimeoutMillis;
    }

    /** The migrations shipped in this bundle. */
    static SchemaMigrator fromBundle() {
        return new SchemaMigrator(discover(SchemaMigrator.class));
    }

    List<Migration> migrations() {
        return migrations;
    }

    /** The highest version this code knows. */
    int latestVersion() {
        return migrations.isEmpty() ? 0 : migrations.get(migrations.size() - 1).version();
    }

    /**
     * Brings the database up to {@link #latestVersion()}; returns the versions this call applied (empty
     * when another node or an earlier run already did).
     */
    /** PostgreSQL advisory lock key of schema migrations ("STRM"). */
    private static final long PG_ADVISORY_KEY = 0x5354524DL;

    List<Integer> migrate(DataSource dataSource) {
        // One connection for the whole run: opening connections is the slow part on PostgreSQL.
        try (Connection c = dataSource.getConnection()) {
            Dialect dialect = Dialect.of(c);
            if (dialect == Dialect.POSTGRESQL) {
                // A session advisory lock serialises whole runs across nodes, bootstrap DDL included:
                // concurrent CREATE TABLE IF NOT EXISTS can otherwise collide in PostgreSQL's catalogue.
                // The wait for another node's run is not bounded (it is short and the run must end first); the
                // statements of this run are (lock_timeout, set after the advisory lock, reset before it is let go).
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT pg_advisory_lock(" + PG_ADVISORY_KEY + ")");
                }
                try {
                    try (Statement s = c.createStatement()) {
                        s.execute("SET lock_timeout = " + lockTimeoutMillis);
                    }
                    return migrate(c, dialect);
                } finally {
                    try (Statement s = c.createStatement()) {
                        s.execute("RESET lock_timeout"); // the connection goes back to the pool
                    } catch (SQLException e) {
                        LOG.warn("Could not reset lock_timeout after the migration: {}", e.getMessage());
                    }
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT pg_advisory_unlock(" + PG_ADVISORY_KEY + ")");
                    } catch (SQLException e) {
                        LOG.warn("Could not release the migration advisory lock (released when the connection "
                                + "closes): {}", e.getMessage());
                    }
                }
            }
            if (dialect.transactionalDdl()) {
                return migrate(c, dialect);
            }
            synchronized (JVM_LOCK) {
                return migrate(c, dialect);
            }
        } catch (SQLException e) {
            throw new StoreException("schema migration failed: " + e.getMessage(), e);
        }
    }

    private List<Integer> migrate(Connection c, Dialect dialect) throws SQLException {
        c.setAutoCommit(true);
        bootstrap(c);
        c.setAutoCommit(false);
        try {
            try (Statement s = c.createStatement()) {
                // Blocks until a migration running on another node commits.
                s.executeQuery("SELECT id FROM streamail_schema_lock WHERE id = 1 FOR UPDATE").close();
            }
            Map<Integer, String> applied = appliedVersions(c);
            warnAboutDrift(applied);
            List<Integer> done = new ArrayList<>();
            for (Migration m : migrations) {
                if (applied.containsKey(m.version())) {
                    continue;
                }
                apply(c, dialect, m, dialect.transactionalDdl() ? 0 : statementsDone(c, m));
                if (!dialect.transactionalDdl()) {
                    c.commit(); // H2 already committed the DDL; keep the version row with it.
                }
                done.add(m.version());
            }
            c.commit();
            return done;
        } catch (SQLException | RuntimeException e) {
            Jdbc.rollbackQuietly(c, e);
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * Creates the bookkeeping tables and the lock row in auto-commit mode; tolerates a concurrent node
     * doing the same.
     */
    private static void bootstrap(Connection c) {
        String[] ddl = {
            "CREATE TABLE IF NOT EXISTS streamail_schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                    + "description VARCHAR(200) NOT NULL, checksum VARCHAR(64) NOT NULL, applied_at BIGINT NOT NULL, "
                    + "applied_by VARCHAR(200) NOT NULL)",
            "CREATE TABLE IF NOT EXISTS streamail_schema_lock (id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(200))",
            "INSERT INTO streamail_schema_lock (id, note) SELECT 1, '" + LOCK_NOTE + "' "
                    + "WHERE NOT EXISTS (SELECT 1 FROM streamail_schema_lock WHERE id = 1)"
        };
        for (String sql : ddl) {
            for (int attempt = 1;; attempt++) {
                try (Statement s = c.createStatement()) {
                    s.execute(sql);
                    break;
                } catch (SQLException e) {
                    // PostgreSQL: two concurrent CREATE TABLE IF NOT EXISTS can still collide in the
                    // catalogue (23505 / 42P07); the lock row insert can collide on its key. Both mean
                    // "someone else did it": retry, and the next attempt sees it.
                    boolean race = Jdbc.isConstraintViolation(e) || "42P07".equals(e.getSQLState());
                    if (!race || attempt >= BOOTSTRAP_ATTEMPTS) {
                        throw new StoreException("creating the schema bookkeeping tables failed: " + e.getMessage(), e);
                    }
                }
            }
        }
    }

    private static Map<Integer, String> appliedVersions(Connection c) throws SQLException {
        Map<Integer, String> applied = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT version, checksum FROM streamail_schema_version")) {
            while (rs.next()) {
                applied.put(rs.getInt(1), rs.getString(2));
            }
        }
        return applied;
    }

    private void warnAboutDrift(Map<Integer, String> applied) {
        for (Migration m : migrations) {
            String checksum = applied.get(m.version());
            if (checksum != null && !checksum.equals(m.checksum())) {
                LOG.warn("Schema migration V{} was changed after it was applied (checksum {} in the database, {} "
                        + "in this bundle); the database keeps the applied version", m.version(), checksum, m.checksum());
            }
        }
        int newest = applied.keySet().stream().mapToInt(Integer::intValue).max().orElse(0);
        if (newest > latestVersion()) {
            LOG.warn("The database schema is at V{}, newer than this bundle's V{}: a newer node migrated it; "
                    + "running on (migrations only add)", newest, latestVersion());
        }
    }

    /**
     * H2 only: how many statements of {@code m} an earlier run that failed half-way already committed (DDL commits
     * at once there, so running the script from the top would fail for good on "already exists"). Read from the note
     * of the lock row, which {@link #apply} writes after each statement; 0 when it belongs to another migration or to
     * another version of the script.
     */
    private static int statementsDone(Connection c, Migration m) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT note FROM streamail_schema_lock WHERE id = 1")) {
            String note = rs.next() ? rs.getString(1) : null;
            Matcher p = note == null ? null : PROGRESS.matcher(note);
            if (p == null || !p.matches() || Integer.parseInt(p.group(1)) != m.version()
                    || !m.checksum().startsWith(p.group(2))) {
                return 0;
            }
            int done = Integer.parseInt(p.group(3));
            LOG.warn("Schema migration V{} stopped half-way before; resuming after its first {} statements",
                    m.version(), done);
            return done;
        }
    }

    private static void setNote(Connection c, String note) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE streamail_schema_lock SET note = ? WHERE id = 1")) {
            ps.setString(1, note);
            ps.executeUpdate();
        }
    }

    private static void apply(Connection c, Dialect dialect, Migration m, int done) throws SQLException {
        LOG.info("Applying schema migration V{}__{} ({})", m.version(), m.description(), dialect);
        List<String> statements = statements(substitute(m.script(), dialect.placeholders(), m.version()));
        try (Statement s = c.createStatement()) {
            for (int i = done; i < statements.size(); i++) {
                String sql = statements.get(i);
                try {
                    s.execute(sql);
                } catch (SQLException e) {
                    throw new StoreException("schema migration V" + m.version() + " failed at: " + sql + ": "
                            + e.getMessage(), e);
                }
                if (!dialect.transactionalDdl()) {
                    // H2 has committed the DDL already: record the progress with it (and commit a DML statement
                    // together with its progress), so a run that fails later resumes after this statement.
                    setNote(c, "V" + m.version() + " " + m.checksum().substring(0, Math.min(16, m.checksum().length()))
                            + " " + (i + 1));
                    c.commit();
                }
            }
        }
        if (!dialect.transactionalDdl()) {
            setNote(c, LOCK_NOTE); // committed with the version row
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO streamail_schema_version "
                + "(version, description, checksum, applied_at, applied_by) VALUES (?, ?, ?, ?, ?)")) {
            ps.setInt(1, m.version());
            ps.setString(2, m.description());
            ps.setString(3, m.checksum());
            ps.setLong(4, System.currentTimeMillis());
            ps.setString(5, Jdbc.fit(System.getProperty("karaf.name", "node") + " pid "
                    + ProcessHandle.current().pid(), 200));
            ps.executeUpdate();
        }
    }

    static String substitute(String script, Map<String, String> values, int version) {
        Matcher m = PLACEHOLDER.matcher(script);
        StringBuilder out = new StringBuilder(script.length());
        while (m.find()) {
            String value = values.get(m.group(1));
            if (value == null) {
                throw new StoreException("schema migration V" + version + " uses unknown placeholder ${" + m.group(1)
                        + "}; known: " + values.keySet());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Splits a script into statements at {@code ;} outside single-quoted literals, dropping {@code --}
     * comments. Enough for hand-written DDL; no procedural blocks.
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inQuote = false;
        for (int i = 0; i < script.length(); i++) {
            char ch = script.charAt(i);
            if (inQuote) {
                current.append(ch);
                if (ch == '\'') {
                    inQuote = false; // a doubled '' re-enters on the next character
                }
            } else if (ch == '\'') {
                inQuote = true;
                current.append(ch);
            } else if (ch == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
            } else if (ch == ';') {
                addStatement(out, current);
            } else {
                current.append(ch);
            }
        }
        if (inQuote) {
            throw new StoreException("unterminated string literal in a schema migration");
        }
        addStatement(out, current);
        return out;
    }

    private static void addStatement(List<String> out, StringBuilder current) {
        String sql = current.toString().strip();
        if (!sql.isEmpty()) {
            out.add(sql);
        }
        current.setLength(0);
    }

    private static List<Migration> validate(List<Migration> input) {
        TreeMap<Integer, Migration> byVersion = new TreeMap<>();
        for (Migration m : input) {
            Migration previous = byVersion.put(m.version(), m);
            if (previous != null) {
                throw new StoreException("two schema migrations have version " + m.version() + ": "
                        + previous.description() + " and " + m.description());
            }
        }
        int expected = 1;
        for (int v : byVersion.keySet()) {
            if (v != expected) {
                throw new StoreException("schema migrations must be numbered 1..N without gaps; V" + expected
                        + " is missing");
            }
            expected++;
        }
        return List.copyOf(byVersion.values());
    }

    /** Finds the scripts next to {@code anchor}: bundle entries in OSGi, else the class path folder or jar. */
    static List<Migration> discover(Class<?> anchor) {
        List<URL> urls = new ArrayList<>();
        Bundle bundle = FrameworkUtil.getBundle(anchor);
        try {
            if (bundle != null) {
                Enumeration<URL> e = bundle.findEntries(FOLDER, "V*.sql", false);
                if (e != null) {
                    urls.addAll(Collections.list(e));
                }
            } else {
                urls.addAll(listClassPath(anchor.getClassLoader()));
            }
            if (urls.size() > MAX_MIGRATIONS) {
                throw new StoreException("too many schema migrations: " + urls.size());
            }
            List<Migration> out = new ArrayList<>();
            for (URL url : urls) {
                out.add(load(url));
            }
            return out;
        } catch (IOException | URISyntaxException e) {
            throw new StoreException("reading the schema migrations failed: " + e.getMessage(), e);
        }
    }

    private static List<URL> listClassPath(ClassLoader loader) throws IOException, URISyntaxException {
        URL folder = loader.getResource(FOLDER);
        if (folder == null) {
            return List.of();
        }
        List<URL> out = new ArrayList<>();
        if ("file".equals(folder.getProtocol())) {
            File[] files = new File(folder.toURI()).listFiles((dir, name) -> NAME.matcher(name).matches());
            if (files != null) {
                for (File f : files) {
                    out.add(f.toURI().toURL());
                }
            }
        } else if ("jar".equals(folder.getProtocol())) {
            JarURLConnection connection = (JarURLConnection) folder.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                for (JarEntry entry : Collections.list(jar.entries())) {
                    String name = entry.getName();
                    if (name.startsWith(FOLDER + "/") && name.indexOf('/', FOLDER.length() + 1) < 0
                            && NAME.matcher(name.substring(FOLDER.length() + 1)).matches()) {
                        out.add(loader.getResource(name));
                    }
                }
            }
        } else {
            throw new StoreException("cannot list schema migrations in " + folder);
        }
        return out;
    }

    private static Migration load(URL url) throws IOException {
        String path = url.getPath();
        String name = path.substring(path.lastIndexOf('/') + 1);
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new StoreException("schema migration file name '" + name + "' is not V<n>__<description>.sql");
        }
        byte[] bytes;
        try (InputStream in = url.openStream()) {
            bytes = in.readNBytes(MAX_SCRIPT_BYTES + 1);
        }
        if (bytes.length > MAX_SCRIPT_BYTES) {
            throw new StoreException("schema migration " + name + " is larger than " + MAX_SCRIPT_BYTES + " bytes");
        }
        return new Migration(Integer.parseInt(m.group(1)), m.group(2), new String(bytes, StandardCharsets.UTF_8),
                sha256(bytes));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
