package org.streamail.store.internal;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.function.Supplier;
import org.streamail.api.store.StoreException;

/**
 * Helpers shared by the issue-6 stores (alerts, isolation, link guard, migration V4): list and text
 * bounds, URL keys, and the retry of short transactions that lost a race to another node. Stateless and
 * thread-safe.
 */
final class IncidentSql {

    /** Every list these stores return holds 1..1000 rows. */
    static final int MAX_LIMIT = 1000;
    /** Longer URLs are refused: no browser or mail client handles them, so they are an attack or a bug. */
    static final int MAX_URL = 8192;
    /** Appended to free text that was cut, so a reader knows there was more. */
    static final String CUT_MARK = " [...]";
    /** How often a transaction that lost a key race (or a deadlock) is run again. */
    static final int ATTEMPTS = 6;

    private IncidentSql() {
    }

    static int clamp(int limit) {
        return Math.max(1, Math.min(limit, MAX_LIMIT));
    }

    /**
     * Free text cut to {@code max} characters with a visible mark when it was longer; NUL replaced (see
     * {@link Jdbc#fit}). {@code null} becomes {@code ""}.
     */
    static String clip(String value, int max) {
        if (value == null) {
            return "";
        }
        if (value.length() <= max) {
            return Jdbc.fit(value, max);
        }
        return Jdbc.fit(value, max - CUT_MARK.length()) + CUT_MARK;
    }

    /**
     * A URL as a key: non-empty, at most {@link #MAX_URL} characters, no NUL (PostgreSQL refuses it); returned with
     * each lone surrogate as U+FFFD, as {@link #urlHash} reads it and as a browser encodes it (the WHATWG URL parser's
     * UTF-8 encoder): stored bare, pgjdbc wrote it as {@code ?} while H2 kept it.
     */
    static String requireUrl(String url) {
        if (url == null || url.isEmpty()) {
            throw new IllegalArgumentException("url must not be empty");
        }
        if (url.length() > MAX_URL) {
            throw new IllegalArgumentException("url longer than " + MAX_URL + " characters (" + url.length() + ")");
        }
        if (url.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException("url contains NUL");
        }
        return Jdbc.withoutLoneSurrogates(url);
    }

    /**
     * Lower-case hex SHA-256 of the URL's UTF-8 bytes: the key of a URL in every V4 table. A lone surrogate counts as
     * U+FFFD (since 2026-12-07; before, Java's encoder wrote it as {@code ?}, so {@code a\uD800} and {@code a?}, two
     * different links, had one key).
     */
    static String urlHash(String url) {
        return SchemaMigrator.sha256(Jdbc.withoutLoneSurrogates(url).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A value that is part of a key (message id, recipient, IP): refused rather than cut, because a cut key
     * would silently merge different rows.
     */
    static String requireKeyPart(String value, String what, int max, boolean mayBeEmpty) {
        if (value == null || (!mayBeEmpty && value.isBlank())) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        if (value.length() > max) {
            throw new IllegalArgumentException(what + " longer than " + max + " characters");
        }
        if (value.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException(what + " contains NUL");
        }
        return value;
    }

    /**
     * Runs {@code transaction} again when it failed because another node inserted the same key first
     * (SQL state class 23) or the database chose it as a deadlock or serialisation victim (class 40): on the
     * next run the other node's row is visible and the insert-if-absent or update path takes it.
     */
    static <T> T retryingRaces(Supplier<T> transaction) {
        for (int attempt = 1;; attempt++) {
            try {
                return transaction.get();
            } catch (StoreException e) {
                if (attempt >= ATTEMPTS || !(e.getCause() instanceof SQLException sql) || !lostRace(sql)) {
                    throw e;
                }
            }
        }
    }

    private static boolean lostRace(SQLException e) {
        if (Jdbc.isConstraintViolation(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith("40")) {
                return true;
            }
        }
        return false;
    }
}
