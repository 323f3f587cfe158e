package org.streamail.retention.internal;

import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the sweep of a mailbox with more folders than one run may open stopped, so that the next run goes on from
 * there: every folder is swept within ceil(N / bound) runs instead of the folders past the bound never.
 *
 * <p>The folders to open (own, not virtual, not exempt) are taken in a stable order, sorted by their full name, and
 * a run takes at most the bound of them, starting after the last one the previous run swept. A run that reaches the
 * end of the list starts the next cycle at the first folder. Remembering a name rather than a position means that
 * folders created or removed between runs do not make the next run skip or repeat others.
 *
 * <p>In memory only: the bundle keeps no run state across restarts, so after a restart (or a configuration change,
 * which re-creates the component) the rotation starts again at the first folder. At most {@link #MAX_MAILBOXES}
 * mailboxes are remembered. Thread-safe.
 */
final class FolderRotation {

    /** Most mailboxes whose position is remembered; a mailbox over it starts at its first folder each run. */
    static final int MAX_MAILBOXES = 100_000;

    /** Mailbox (lower case) to the full name of the last folder its previous run swept. */
    private final Map<String, String> lastSwept = new ConcurrentHashMap<>();

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
        String after = lastSwept.get(key(mailbox));
        int from = 0;
        if (after != null) {
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
    }

    private static String key(String mailbox) {
        return mailbox.toLowerCase(Locale.ROOT);
    }
}
