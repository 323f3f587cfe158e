package org.streamail.retention.internal;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.store.SharedState;

/**
 * Where the sweep of a mailbox with more folders than one run may open stopped, so that the next run goes on from
 * there: every folder is swept within ceil(N / bound) runs instead of the folders past the bound never.
 *
 * <p>The folders to open (own, not virtual, not exempt) are taken in a stable order, sorted by their full name, and
 * a run takes at most the bound of them, starting after the last one the previous run swept. A run that reaches the
 * end of the list starts the next cycle at the first folder. Remembering a name rather than a position means that
 * folders created or removed between runs do not make the next run skip or repeat others.
 *
 * <p>With the store's {@link SharedState}, the position of each mailbox over the bound is also kept in a shared record
 * ({@link #recordName}: {@value #PREFIX} and the first 32 hex digits of the SHA-256 of the lower-case mailbox, as names
 * are at most {@value SharedState#MAX_NAME} characters), read at that mailbox's sweep, so that a restart, a
 * configuration change or another node goes on where the last sweep stopped. Only mailboxes over the bound ever get
 * one. The store being away, or a damaged record, only makes the rotation fall back to this node's memory. Without
 * SharedState the position is in memory only, and after a restart the rotation starts again at the first folder. At
 * most {@link #MAX_MAILBOXES} mailboxes are remembered in memory. Thread-safe.
 */
final class FolderRotation {

    /** The start of the shared records' names. */
    static final String PREFIX = "streamail.retention.rotation.";
    private static final Logger LOG = LoggerFactory.getLogger(FolderRotation.class);

    /** Most mailboxes whose position is remembered; a mailbox over it starts at its first folder each run. */
    static final int MAX_MAILBOXES = 100_000;

    /** Mailbox (lower case) to the full name of the last folder its previous run swept. */
    private final Map<String, String> lastSwept = new ConcurrentHashMap<>();
    /** Mailboxes (lower case) known to have a shared record, so that a full run writes its end there too. */
    private final Set<String> shared = ConcurrentHashMap.newKeySet();
    /** The store's shared records, or null when there are none. */
    private final Supplier<SharedState> store;
    /** Whether the store's trouble was said (once until it works again). */
    private volatile boolean warned;

    /** In memory only. */
    FolderRotation() {
        this(() -> null);
    }

    /** Kept also in the shared records of {@code store} while it supplies some. */
    FolderRotation(Supplier<SharedState> store) {
        this.store = store;
    }

    /**
     * The part of a sorted folder list one run sweeps.
     *
     * @param from  index of the first folder (0-based, inclusive)
     * @param to    index after the last folder (exclusive)
     * @param total how many folders there are to sweep
     */
    record Window(int from, int to, int total) {

        boolean partial() {
            return to - from < total;
        }

        /** "folders 10,001-20,000 of 23,456", 1-based as an administrator counts (ASCII, for any log encoding). */
        String describe() {
            return String.format(Locale.ROOT, "folders %,d-%,d of %,d", from + 1, to, total);
        }
    }

    /** The window of {@code sorted} (folder names in {@link String#compareTo} order) this run of the mailbox sweeps. */
    Window next(String mailbox, List<String> sorted, int max) {
        int total = sorted.size();
        if (total <= max) {
            return new Window(0, total, total);
        }
        // the shared record, written by whichever node or run swept the mailbox last, before this node's memory
        String after = stored(mailbox).orElseGet(() -> lastSwept.get(key(mailbox)));
        int from = 0;
        if (after != null && !after.isEmpty()) {
            int i = Collections.binarySearch(sorted, after);
            from = i >= 0 ? i + 1 : -i - 1; // the first name after it, also when that folder is gone meanwhile
            if (from >= total) {
                from = 0; // the previous run reached the end: a new cycle
            }
        }
        return new Window(from, Math.min(total, from + max), total);
    }

    /**
     * Notes the last folder a run of the mailbox swept (or tried to); the next run starts after it. Null forgets the
     * mailbox, so its next run starts at the first folder.
     */
    void sweptUpTo(String mailbox, String lastFolder) {
        String key = key(mailbox);
        if (lastFolder == null) {
            lastSwept.remove(key);
        } else if (lastSwept.size() < MAX_MAILBOXES || lastSwept.containsKey(key)) {
            lastSwept.put(key, lastFolder);
        }
        if (lastFolder != null || shared.contains(key)) {
            store(key, lastFolder == null ? "" : lastFolder);
        }
    }

    private void known(String key) {
        if (shared.size() < MAX_MAILBOXES) {
            shared.add(key);
        }
    }

    /** The name of a mailbox's shared record. */
    static String recordName(String mailbox) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key(mailbox).getBytes(StandardCharsets.UTF_8));
            return PREFIX + HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    static String format(String key, String after) {
        return "mailbox=" + URLEncoder.encode(key, StandardCharsets.UTF_8) + "\nafter="
                + URLEncoder.encode(after, StandardCharsets.UTF_8) + "\n";
    }

    /**
     * The folder after which the mailbox's next run starts as its shared record says ("" for the first), or empty when
     * there is no store, no record, or no readable one for this mailbox.
     */
    private Optional<String> stored(String mailbox) {
        SharedState s = store.get();
        if (s == null) {
            return Optional.empty();
        }
        String key = key(mailbox);
        try {
            Optional<SharedState.Entry> e = s.read(recordName(mailbox));
            said(null);
            if (e.isEmpty()) {
                return Optional.empty();
            }
            known(key);
            return parse(e.get().value(), key);
        } catch (RuntimeException ex) {
            said(ex);
            return Optional.empty();
        }
    }

    /** The {@code after} of a record's value, if it is the record of {@code key} and readable. */
    static Optional<String> parse(String value, String key) {
        String mailbox = null;
        String after = null;
        try {
            for (String line : value.split("\n", 16)) {
                if (line.startsWith("mailbox=")) {
                    mailbox = URLDecoder.decode(line.substring(8).strip(), StandardCharsets.UTF_8);
                } else if (line.startsWith("after=")) {
                    after = URLDecoder.decode(line.substring(6).strip(), StandardCharsets.UTF_8);
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a damaged record: this node's memory decides
        }
        return key.equals(mailbox) && after != null ? Optional.of(after) : Optional.empty();
    }

    /** Writes the mailbox's position into its shared record (best effort: another read or write wins). */
    private void store(String key, String after) {
        SharedState s = store.get();
        if (s == null) {
            return;
        }
        String value = format(key, after);
        if (value.length() > SharedState.MAX_VALUE || value.indexOf('\0') >= 0) {
            return; // a folder name of thousands of characters: remembered in memory only
        }
        String name = recordName(key);
        try {
            for (int attempt = 0; attempt < 2; attempt++) {
                long version = s.read(name).map(SharedState.Entry::version).orElse(0L);
                if (s.compareAndSet(name, version, value).isPresent()) {
                    known(key);
                    said(null);
                    return;
                }
            }
            LOG.debug("Retention: the folder position of {} was changed by another writer meanwhile", key);
        } catch (RuntimeException e) {
            said(e);
        }
    }

    private void said(RuntimeException e) {
        if (e == null) {
            warned = false;
        } else if (!warned) {
            warned = true;
            LOG.warn("Retention: the shared folder positions are not available ({}); this node's memory decides where "
                    + "the folder rotation goes on", e.toString());
        }
    }

    private static String key(String mailbox) {
        return mailbox.toLowerCase(Locale.ROOT);
    }
}
