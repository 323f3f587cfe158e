package org.streamail.reporting.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.Severity;
import org.streamail.api.store.SharedFields;
import org.streamail.api.store.SharedState;

/**
 * Fold windows shared by every gateway node on one database (the store's {@link SharedState}), so that the
 * administrators get one first mail and one digest per key, not one per node (multi-node audit: "folding is per
 * node").
 *
 * <p><b>Records.</b> A fold key ({@link NotificationFolder.Key}) is hashed (SHA-256, base64url): subjects are up to
 * 512 characters of anything, record names at most {@value SharedState#MAX_NAME}. {@link SharedState} has no delete, so
 * the records are a fixed table of {@code slots} numbered records, {@code streamail.alert-fold.<n>}: a key lives in
 * its home slot (from its hash) or one of the next {@value #PROBES} (open addressing). A slot whose window has closed
 * is free for any key; the node that writes a new window over it sends the old window's digest if nobody did. So the
 * records never exceed {@code slots}, and a key whose slots all hold other keys' open windows is folded per node, as
 * before (the caller does that when {@link #offer} answers {@code null}).
 *
 * <p><b>One window.</b> The node whose compare-and-set writes the window (start, end, the severity mailed) mails the
 * first alert. A later alert of the key on any node, inside the window, is either an escalation (higher than the
 * severity mailed so far, on any node): the node whose compare-and-set raises the record's severity mails it; or a
 * repeat: the node adds it to the record by compare-and-set (count, first and last time, highest severity, the first
 * folded alert without its detail, at most {@link NotificationFolder#MAX_LISTED} ids). The record therefore counts what
 * every node folded, and the digest reads as it did on one node. A write that finds the record changed reads it again
 * and decides again ({@value #MAX_ATTEMPTS} attempts at most; this node's own writers of one key wait for each other on
 * a lock stripe, so only other nodes compete).
 *
 * <p><b>The digest.</b> Every node that took part in a window remembers it ({@code maxTracked} at most); when it has
 * closed, the first of them whose compare-and-set marks the record done sends the digest. A node that went away leaves
 * it to the others, or to the next alert of the key, which sends it before its own mail.
 *
 * <p>Store failures are thrown ({@link org.streamail.api.store.StoreException} or any {@link RuntimeException}) to the
 * caller, which then folds per node and so never loses a mail. Threading: thread-safe; methods do I/O (the store), so
 * callers must not hold other locks.
 */
final class SharedFolds {

    /** Prefix of the records' names; the slot number follows. */
    static final String PREFIX = "streamail.alert-fold.";
    /** Slots a key may live in: its home slot and the next ones. */
    static final int PROBES = 4;
    /** Reads and writes of one decision at most when other nodes keep changing the record. */
    static final int MAX_ATTEMPTS = 16;
    private static final int STRIPES = 64;
    private static final Logger LOG = LoggerFactory.getLogger(SharedFolds.class);

    /** A window this node took part in: the record, and which window in it (a slot is reused). */
    private record Tracked(String keyHash, Instant start, Instant end) {
    }

    private final Duration window;
    private final int slots;
    private final int maxTracked;
    private final Clock clock;
    private final Object[] stripes = new Object[STRIPES];
    /** Record name to the window this node took part in. Guarded by itself. */
    private final Map<String, Tracked> tracked = new LinkedHashMap<>();

    /**
     * @param window     the fold window, positive
     * @param slots      shared records at most, positive
     * @param maxTracked windows this node remembers for their digest at most, positive
     * @param clock      the time windows are measured in (the nodes' clocks must agree, as for the digest's lease)
     */
    SharedFolds(Duration window, int slots, int maxTracked, Clock clock) {
        if (window.isNegative() || window.isZero() || slots < 1 || maxTracked < 1) {
            throw new IllegalArgumentException("fold window, slots and tracked windows must be positive");
        }
        this.window = window;
        this.slots = slots;
        this.maxTracked = maxTracked;
        this.clock = Objects.requireNonNull(clock, "clock");
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * Decides, with the other nodes, whether the mail of {@code alert} to {@code to} is sent now or folded.
     *
     * @return the decision, or {@code null} when it cannot be shared (the key's slots all hold other open windows,
     *         other nodes kept changing the record, this node remembers too many windows): fold per node then
     * @throws RuntimeException when the store fails: fold per node then
     */
    NotificationFolder.Decision offer(SharedState shared, String to, boolean toUser, Alert alert) {
        String hash = hash(NotificationFolder.Key.of(to, toUser, alert));
        synchronized (stripe(hash)) {
            for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                Instant now = clock.instant();
                Slot own = null;
                Slot ownClosed = null;
                Slot free = null;
                int home = home(hash, slots);
                for (int p = 0; p < Math.min(PROBES, slots); p++) {
                    String name = recordName((home + p) % slots);
                    Optional<SharedState.Entry> e = shared.read(name);
                    if (e.isEmpty()) {
                        // Records are never deleted and a key opens in the first free slot: none lies beyond.
                        free = free == null ? new Slot(name, 0, null) : free;
                        break;
                    }
                    Fold f = Fold.parse(e.get().value());
                    Slot s = new Slot(name, e.get().version(), f);
                    // A window closed early (a node's shutdown) is done even if a clock behind sees it before its end.
                    boolean open = f != null && !f.done && now.isBefore(f.end);
                    if (open && f.key.equals(hash)) {
                        own = s;
                        break;
                    }
                    if (!open) {
                        if (f != null && f.key.equals(hash) && ownClosed == null) {
                            ownClosed = s;
                        }
                        free = free == null ? s : free;
                    }
                }
                if (own != null) {
                    if (!canTrack(own.name)) {
                        return null; // this node could not send the digest if the others went away
                    }
                    boolean escalation = alert.severity().compareTo(own.fold.mailed) > 0;
                    Fold next = escalation ? own.fold.mailed(alert.severity()) : own.fold.folded(alert);
                    if (write(shared, own, next)) {
                        track(own.name, own.fold);
                        return escalation ? NotificationFolder.Decision.MAIL : NotificationFolder.Decision.FOLD;
                    }
                    continue; // another node changed it: read again
                }
                Slot target = ownClosed != null ? ownClosed : free;
                if (target == null) {
                    LOG.debug("Alerts: the shared fold slots of {} hold other open windows; folded on this node", to);
                    return null;
                }
                if (!canTrack(target.name)) {
                    return null;
                }
                Fold opened = Fold.open(hash, to, toUser, now, now.plus(window), alert.severity());
                if (write(shared, target, opened)) {
                    track(target.name, opened);
                    NotificationFolder.Digest closed = target.fold == null ? null : target.fold.pendingDigest();
                    return closed == null ? NotificationFolder.Decision.MAIL : new NotificationFolder.Decision(true,
                            closed);
                }
            }
        }
        LOG.debug("Alerts: the shared fold record of {} kept changing; folded on this node", to);
        return null;
    }

    /**
     * Claims the digests of the windows this node took part in that have closed, and returns those it claimed (with
     * folded alerts). A window another node claimed, or whose slot was reused, is forgotten; one whose record cannot be
     * read or written now is kept for the next call.
     *
     * @param all close every remembered window now (deactivation), not only those that have ended
     * @return the digests to send, and how many records could not be reached
     */
    Claimed takeDue(SharedState shared, boolean all) {
        Instant now = clock.instant();
        List<Map.Entry<String, Tracked>> due = new ArrayList<>();
        synchronized (tracked) {
            for (Map.Entry<String, Tracked> t : tracked.entrySet()) {
                if (all || !now.isBefore(t.getValue().end())) {
                    due.add(Map.entry(t.getKey(), t.getValue()));
                }
            }
        }
        List<NotificationFolder.Digest> out = new ArrayList<>();
        int failed = 0;
        for (Map.Entry<String, Tracked> d : due) {
            String name = d.getKey();
            Tracked t = d.getValue();
            try {
                synchronized (stripe(t.keyHash())) {
                    Optional<SharedState.Entry> e = shared.read(name);
                    Fold f = e.map(x -> Fold.parse(x.value())).orElse(null);
                    if (f == null || !f.key.equals(t.keyHash()) || !f.start.equals(t.start()) || f.done) {
                        untrack(name, t); // claimed by another node, or the slot reused (the reuser sent it)
                        continue;
                    }
                    if (!all && now.isBefore(f.end)) {
                        continue;
                    }
                    if (write(shared, new Slot(name, e.get().version(), f), f.done(all ? now : f.end))) {
                        untrack(name, t);
                        NotificationFolder.Digest digest = f.pendingDigest();
                        if (digest != null) {
                            out.add(digest);
                        }
                    }
                    // else another node changed it in between: looked at again next time
                }
            } catch (RuntimeException ex) {
                failed++;
                LOG.debug("Alerts: shared fold record {} unavailable: {}", name, ex.toString());
            }
        }
        return new Claimed(out, failed);
    }

    /**
     * What {@link #takeDue} claimed.
     *
     * @param digests the digests to send
     * @param failed  records that could not be read or written (their windows are looked at again)
     */
    record Claimed(List<NotificationFolder.Digest> digests, int failed) {
    }

    /** Windows this node remembers, for tests and the bound. */
    int tracked() {
        synchronized (tracked) {
            return tracked.size();
        }
    }

    /** The record name of slot {@code n}. */
    static String recordName(int n) {
        return PREFIX + n;
    }

    /** The home slot of a key's hash. */
    static int home(String hash, int slots) {
        byte[] b = Base64.getUrlDecoder().decode(hash);
        int v = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        return Math.floorMod(v, slots);
    }

    /** SHA-256 of the key's parts (each on its own line: none holds a line break), base64url. */
    static String hash(NotificationFolder.Key key) {
        String text = key.address() + "\n" + key.toUser() + "\n" + key.kind() + "\n" + key.subject();
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    private Object stripe(String hash) {
        return stripes[Math.floorMod(hash.hashCode(), STRIPES)];
    }

    private static boolean write(SharedState shared, Slot s, Fold next) {
        return shared.compareAndSet(s.name, s.version, next.format()).isPresent();
    }

    private boolean canTrack(String name) {
        synchronized (tracked) {
            return tracked.size() < maxTracked || tracked.containsKey(name);
        }
    }

    private void track(String name, Fold f) {
        synchronized (tracked) {
            // Folding into a window of a slot already remembered for an older window replaces it: that one was
            // closed by whoever wrote the new one over it.
            if (tracked.size() < maxTracked || tracked.containsKey(name)) {
                tracked.put(name, new Tracked(f.key, f.start, f.end));
            }
        }
    }

    private void untrack(String name, Tracked t) {
        synchronized (tracked) {
            tracked.remove(name, t);
        }
    }

    /** A record as read: its name, version (0: none yet) and window ({@code null}: none, or unreadable). */
    private record Slot(String name, long version, Fold fold) {
    }

    /**
     * One shared window as its record holds it ({@link SharedFields} lines). Immutable; the changes return a copy.
     *
     * @param key       the fold key's hash
     * @param to        where the first mail went (and the digest goes)
     * @param toUser    user wording
     * @param start     when the window opened (its first mail)
     * @param end       when it closes
     * @param mailed    the highest severity mailed in it, on any node
     * @param done      whether its digest was claimed (or it closed early at a node's shutdown)
     * @param count     folded alerts
     * @param first     creation time of the first folded alert, or null
     * @param last      creation time of the last folded alert, or null
     * @param highest   highest folded severity, or null
     * @param sample    the first folded alert without its detail, or null
     * @param listed    at most {@link NotificationFolder#MAX_LISTED} folded alerts, oldest first
     */
    record Fold(String key, String to, boolean toUser, Instant start, Instant end, Severity mailed, boolean done,
            int count, Instant first, Instant last, Severity highest, Alert sample,
            List<NotificationFolder.Listed> listed) {

        static Fold open(String key, String to, boolean toUser, Instant start, Instant end, Severity mailed) {
            return new Fold(key, to, toUser, start, end, mailed, false, 0, null, null, null, null, List.of());
        }

        Fold mailed(Severity s) {
            return new Fold(key, to, toUser, start, end, s, done, count, first, last, highest, sample, listed);
        }

        Fold done(Instant closedAt) {
            return new Fold(key, to, toUser, start, closedAt, mailed, true, count, first, last, highest, sample,
                    listed);
        }

        Fold folded(Alert a) {
            Alert s = sample != null ? sample
                    : new Alert(a.id(), a.createdAt(), a.severity(), a.kind(), a.subject(), a.messageId(),
                            a.recipient(), a.title(), "", a.occurrences());
            List<NotificationFolder.Listed> l = listed;
            if (l.size() < NotificationFolder.MAX_LISTED) {
                l = new ArrayList<>(listed);
                l.add(new NotificationFolder.Listed(a.id(), a.createdAt()));
                l = List.copyOf(l);
            }
            return new Fold(key, to, toUser, start, end, mailed, done, count + 1, first == null ? a.createdAt() : first,
                    a.createdAt(), highest == null ? a.severity() : highest.max(a.severity()), s, l);
        }

        /** The digest this window owes, or null (claimed already, nothing folded, or a record too damaged). */
        NotificationFolder.Digest pendingDigest() {
            if (done || count < 1 || sample == null || listed.isEmpty()) {
                return null;
            }
            // first and last are written with the first folded alert; a damaged record without them reads the window
            return new NotificationFolder.Digest(to, toUser, start, count, first == null ? start : first,
                    last == null ? end : last, highest, sample, listed);
        }

        String format() {
            SharedFields f = SharedFields.create().put("key", key).put("to", to).put("user", toUser)
                    .put("start", start).put("end", end).put("mailed", mailed).put("done", done).put("count", count)
                    .put("first", first).put("last", last).put("highest", highest);
            if (sample != null) {
                f.put("s.id", sample.id()).put("s.at", sample.createdAt()).put("s.severity", sample.severity())
                        .put("s.kind", sample.kind()).put("s.subject", sample.subject())
                        .put("s.message", sample.messageId()).put("s.recipient", sample.recipient())
                        .put("s.title", sample.title()).put("s.occurrences", sample.occurrences());
            }
            StringBuilder ids = new StringBuilder();
            for (NotificationFolder.Listed l : listed) {
                ids.append(ids.length() == 0 ? "" : " ").append(l.id()).append('@').append(l.createdAt());
            }
            return f.put("listed", ids).format();
        }

        /** The window a value holds, or null when it lacks what a window needs (a damaged record: its slot is free). */
        static Fold parse(String value) {
            SharedFields f = SharedFields.parse(value);
            Optional<String> key = f.text("key");
            Optional<String> to = f.text("to");
            Optional<Instant> start = f.instant("start");
            Optional<Instant> end = f.instant("end");
            Severity mailed = severity(f.text("mailed", ""));
            if (key.isEmpty() || to.isEmpty() || start.isEmpty() || end.isEmpty() || mailed == null) {
                return null;
            }
            Alert sample = null;
            Optional<String> sid = f.text("s.id");
            Optional<Instant> sat = f.instant("s.at");
            Severity ssev = severity(f.text("s.severity", ""));
            Optional<String> skind = f.text("s.kind");
            if (sid.isPresent() && sat.isPresent() && ssev != null && skind.isPresent()) {
                sample = new Alert(sid.get(), sat.get(), ssev, skind.get(), f.text("s.subject", ""),
                        f.text("s.message", ""), f.text("s.recipient", ""), f.text("s.title", ""), "",
                        f.count("s.occurrences"));
            }
            List<NotificationFolder.Listed> listed = new ArrayList<>();
            for (String item : f.text("listed", "").split(" ", NotificationFolder.MAX_LISTED + 1)) {
                int at = item.indexOf('@');
                if (at > 0 && listed.size() < NotificationFolder.MAX_LISTED) {
                    try {
                        listed.add(new NotificationFolder.Listed(item.substring(0, at),
                                Instant.parse(item.substring(at + 1))));
                    } catch (java.time.format.DateTimeParseException e) {
                        // a damaged entry is left out of the list; the count still says how many
                    }
                }
            }
            Severity highest = severity(f.text("highest", ""));
            int count = f.count("count");
            return new Fold(key.get(), to.get(), "true".equals(f.text("user", "")), start.get(), end.get(), mailed,
                    "true".equals(f.text("done", "")), count, f.instant("first").orElse(null),
                    f.instant("last").orElse(null), highest == null ? mailed : highest, sample,
                    List.copyOf(listed));
        }

        private static Severity severity(String s) {
            try {
                return Severity.valueOf(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }
}
