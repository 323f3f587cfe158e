package org.streamail.store.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import javax.sql.DataSource;
import org.streamail.api.store.StoreException;

/**
 * Small JDBC helpers shared by the store components: one connection per call (the DataSource from
 * pax-jdbc-config may or may not pool), explicit transactions, and the SQL states both databases use.
 * Stateless and thread-safe.
 */
final class Jdbc {

    /** Work done on a connection; may throw SQLException, which becomes a {@link StoreException}. */
    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }

    private Jdbc() {
    }

    /** Runs {@code work} on a fresh auto-commit connection. */
    static <T> T withConnection(DataSource dataSource, String what, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws
     * (a SQLException, a StoreException or any RuntimeException).
     */
    static <T> T inTransaction(DataSource dataSource, String what, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c, e);
                throw e;
            } finally {
                restoreAutoCommit(c, autoCommit);
            }
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    static void rollbackQuietly(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException r) {
            cause.addSuppressed(r);
        }
    }

    private static void restoreAutoCommit(Connection c, boolean autoCommit) {
        try {
            c.setAutoCommit(autoCommit);
        } catch (SQLException ignored) {
            // The connection is closed next anyway; a pool resets auto-commit itself.
        }
    }

    /** SQL state class 23 (integrity constraint violation): a duplicate primary key on both databases. */
    static boolean isConstraintViolation(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("23")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Epoch milliseconds, saturating: an instant beyond what a long holds (a query "since" a billion
     * years ago, an expiry a billion years ahead) becomes the smallest or largest value instead of an
     * ArithmeticException, so it compares as intended and never turns a request into a 500.
     */
    static long millis(Instant instant) {
        try {
            return instant.toEpochMilli();
        } catch (ArithmeticException e) {
            return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Instants are stored as epoch milliseconds; callers truncate before returning so reads equal writes. */
    static Instant truncate(Instant instant) {
        return Instant.ofEpochMilli(millis(instant));
    }

    static Instant instantOrNull(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(v);
    }

    static void setNullableLong(PreparedStatement ps, int index, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, value);
        }
    }

    /**
     * Cuts a display or index value to its column width. Only used for columns that duplicate data kept
     * whole elsewhere (the envelope JSON, the raw message), so nothing is lost.
     */
    static String fit(String value, int max) {
        if (value == null) {
            return "";
        }
        // PostgreSQL refuses NUL in text columns; a decoded header may contain one.
        value = withoutLoneSurrogates(value.replace('\u0000', '\uFFFD'));
        if (value.length() <= max) {
            return value;
        }
        int end = max;
        // Do not split a surrogate pair: the lone half would be stored as '?' (see below).
        if (Character.isHighSurrogate(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(0, end);
    }

    /**
     * A lone surrogate (from a UTF-16 encoded word, say) has no UTF-8 form: pgjdbc sends it as '?', while H2 keeps
     * it in a VARCHAR. Replaced by U+FFFD here, so both databases store the same text and a value returned by a
     * write equals what a read gives later.
     */
    static String withoutLoneSurrogates(String value) {
        char[] chars = null;
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (Character.isHighSurrogate(ch) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++; // a pair: kept
            } else if (Character.isSurrogate(ch)) {
                if (chars == null) {
                    chars = value.toCharArray();
                }
                chars[i] = '\uFFFD';
            }
        }
        return chars == null ? value : new String(chars);
    }

    /**
     * Gateway ids are primary keys: reject rather than cut them. NUL is refused too: PostgreSQL rejects it in
     * any text value (SQL state 22021) while H2 stores it, so without this check the same call would fail on
     * one database and succeed on the other.
     */
    static String requireId(String id) {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("id must not be empty");
        }
        if (id.length() > 128) {
            throw new IllegalArgumentException("id longer than 128 characters: " + id.substring(0, 32) + "...");
        }
        if (hasNul(id)) {
            throw new IllegalArgumentException("id contains NUL");
        }
        return id;
    }

    /**
     * Whether a key value holds NUL, which no row can hold (writes refuse it, see {@link #requireId}). A lookup by
     * such a key answers "absent" without asking the database: PostgreSQL would fail the statement (SQL state
     * 22021) where H2 finds nothing, so a hostile path parameter would be a 500 on one database and a 404 on the other.
     */
    static boolean hasNul(String value) {
        return value != null && value.indexOf('\u0000') >= 0;
    }
}
