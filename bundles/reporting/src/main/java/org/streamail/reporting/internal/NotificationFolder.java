package org.streamail.reporting.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.Severity;

/**
 * Folds repeated notification mail (issue: a blocked link clicked over and over sent one admin mail per click).
 *
 * <p>One fold window per {@link Key} (mail address, admin or user wording, alert kind, alert subject). The first
 * alert of a key is mailed at once and opens a window of {@code window}; later alerts of that key inside the
 * window are remembered here instead of mailed, except one whose severity is higher than any mailed so far in
 * the window (an escalation), which is mailed at once too. When the window closes, its folded alerts become
 * one {@link Digest} (taken by {@link #takeDue} or handed back by the next {@link #offer} of that key), and the
 * next alert of the key opens a new window.
 *
 * <p>Bounded: at most {@code maxKeys} open windows; an alert of a new key beyond that is mailed without folding
 * and a warning is logged at most once a minute. A window lives at most until it closes, so entries expire by
 * themselves. Each digest lists at most {@link #MAX_LISTED} alert ids; the rest are in the alert store.
 *
 * <p>State is per JVM (per node): the folding of a node on its own, used when the store's shared records
 * ({@link SharedFolds}) are absent or failing, or a key cannot be shared; escalation counts stay shared because they
 * come from the store.
 * Threading: thread-safe, every method holds this object's lock for a short, bounded time and does no I/O.
 */
final class NotificationFolder {

    /** Alert ids listed in one digest at most. */
    static final int MAX_LISTED = 20;
    private static final Logger LOG = LoggerFactory.getLogger(NotificationFolder.class);

    /**
     * Whose mail is folded together.
     *
     * @param address the mail address, lower-cased (the key only; mail goes to the address as first given)
     * @param toUser  user wording (a warned recipient) rather than admin wording
     */
    record Key(String address, boolean toUser, String kind, String subject) {
        static Key of(String address, boolean toUser, Alert alert) {
            return new Key(address.toLowerCase(Locale.ROOT), toUser, alert.kind(),
                    toUser ? alert.subject() : adminSubject(alert));
        }

        /**
         * What admin mail folds on besides the kind: the subject, but for a campaign's warned users the campaign
         * (their subject is {@code <campaign>/<address>}). Each user's own warning still goes to that user; the
         * administrators get the first and a digest, not one mail per user (a recall of a campaign that reached
         * 5,000 users mailed them 5,000 times; reporting audit).
         */
        static String adminSubject(Alert alert) {
            if (alert.kind().equals(CampaignServiceImpl.KIND_WARNED)) {
                int slash = alert.subject().indexOf('/');
                if (slash > 0) {
                    return alert.subject().substring(0, slash);
                }
            }
            return alert.subject();
        }
    }

    /** One folded alert as a digest lists it. */
    record Listed(String id, Instant createdAt) {
    }

    /**
     * The alerts of one window that were not mailed one by one.
     *
     * @param to          where the window's first mail went
     * @param toUser      user wording
     * @param windowStart when the window's first mail was decided
     * @param count       folded alerts, at least 1
     * @param first       creation time of the first folded alert
     * @param last        creation time of the last folded alert
     * @param highest     the highest severity among the folded alerts
     * @param sample      the first folded alert (kind, subject, title for the mail), without its detail
     * @param listed      at most {@link #MAX_LISTED} folded alerts, oldest first
     */
    record Digest(String to, boolean toUser, Instant windowStart, int count, Instant first, Instant last,
            Severity highest, Alert sample, List<Listed> listed) {
    }

    /**
     * What to do with one alert's mail.
     *
     * @param mailNow whether to mail it now
     * @param closed  the digest of this key's previous window, which has closed; send it before the mail, or
     *                {@code null}
     */
    record Decision(boolean mailNow, Digest closed) {
        static final Decision MAIL = new Decision(true, null);
        static final Decision FOLD = new Decision(false, null);
    }

    /** One open window. Guarded by the folder's lock. */
    private static final class Window {
        final String to;
        final boolean toUser;
        final Instant start;
        final Instant end;
        Severity mailedMax;
        int folded;
        Instant first;
        Instant last;
        Severity foldedMax;
        Alert sample;
        final List<Listed> listed = new ArrayList<>();

        Window(String to, boolean toUser, Instant start, Instant end, Severity mailed) {
            this.to = to;
            this.toUser = toUser;
            this.start = start;
            this.end = end;
            this.mailedMax = mailed;
        }

        void fold(Alert a) {
            if (folded == 0) {
                first = a.createdAt();
                // what the digest quotes (kind, subject, title, id), not the detail: up to 20,000 characters per window
                sample = new Alert(a.id(), a.createdAt(), a.severity(), a.kind(), a.subject(), a.messageId(),
                        a.recipient(), a.title(), "", a.occurrences());
                foldedMax = a.severity();
            }
            folded++;
            last = a.createdAt();
            foldedMax = foldedMax.max(a.severity());
            if (listed.size() < MAX_LISTED) {
                listed.add(new Listed(a.id(), a.createdAt()));
            }
        }

        Digest digest() {
            return folded == 0 ? null
                    : new Digest(to, toUser, start, folded, first, last, foldedMax, sample, List.copyOf(listed));
        }
    }

    private final Duration window;
    private final int maxKeys;
    private final Clock clock;
    /** Insertion order is window-start order; small enough to scan on every tick. */
    private final Map<Key, Window> open = new LinkedHashMap<>();
    private Instant lastFullWarning;

    /**
     * @param window  the fold window, positive
     * @param maxKeys open windows at most, positive
     * @param clock   the time windows are measured in
     */
    NotificationFolder(Duration window, int maxKeys, Clock clock) {
        if (window.isNegative() || window.isZero() || maxKeys < 1) {
            throw new IllegalArgumentException("fold window and key bound must be positive");
        }
        this.window = window;
        this.maxKeys = maxKeys;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Decides whether the mail of {@code alert} to {@code to} is sent now or folded.
     *
     * @param to     the mail address (as it will be used for the mail)
     * @param toUser user wording
     */
    synchronized Decision offer(String to, boolean toUser, Alert alert) {
        Key key = Key.of(to, toUser, alert);
        Instant now = clock.instant();
        Window w = open.get(key);
        Digest closed = null;
        if (w != null && !now.isBefore(w.end)) {
            open.remove(key);
            closed = w.digest();
            w = null;
        }
        if (w == null) {
            if (open.size() >= maxKeys) {
                if (lastFullWarning == null || !now.isBefore(lastFullWarning.plusSeconds(60))) {
                    lastFullWarning = now;
                    LOG.warn("Alerts: {} notification fold windows are open (the bound); alert mail of new "
                            + "kinds and subjects is sent without folding for now", maxKeys);
                }
                return closed == null ? Decision.MAIL : new Decision(true, closed);
            }
            open.put(key, new Window(to, toUser, now, now.plus(window), alert.severity()));
            return closed == null ? Decision.MAIL : new Decision(true, closed);
        }
        if (alert.severity().compareTo(w.mailedMax) > 0) {
            // An escalation: the reader must learn of it now, not when the window closes.
            w.mailedMax = alert.severity();
            return Decision.MAIL;
        }
        w.fold(alert);
        return Decision.FOLD;
    }

    /** Closes the windows that have ended and returns their digests (windows without folded alerts send none). */
    synchronized List<Digest> takeDue() {
        Instant now = clock.instant();
        List<Digest> due = new ArrayList<>();
        // A full scan (at most maxKeys entries) rather than stopping at the first open window: a wall clock
        // that stepped back would otherwise hold the later windows behind it.
        for (Iterator<Window> it = open.values().iterator(); it.hasNext(); ) {
            Window w = it.next();
            if (!now.isBefore(w.end)) {
                it.remove();
                Digest d = w.digest();
                if (d != null) {
                    due.add(d);
                }
            }
        }
        return due;
    }

    /** Closes every window now (deactivation) and returns the digests that have folded alerts. */
    synchronized List<Digest> takeAll() {
        List<Digest> all = new ArrayList<>();
        for (Window w : open.values()) {
            Digest d = w.digest();
            if (d != null) {
                all.add(d);
            }
        }
        open.clear();
        return all;
    }

    /** Open windows, for tests and the bound. */
    synchronized int openWindows() {
        return open.size();
    }
}
