package org.streamail.spam.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The raw bytes of the messages this node inspected most recently, by gateway id, so that
 * {@code POST /reports/spam {"messageId": ...}} works for a delivered message whose bytes the gateway did
 * not keep. Bounded by total bytes (oldest evicted first); a message larger than a quarter of the budget
 * is not kept. Node-local: another node's messages are reported by quarantine id or as raw bytes.
 * Thread-safe (synchronized; the critical sections are a map operation).
 */
final class RecentMessages {

    private long maxBytes;
    private long bytes;
    private final LinkedHashMap<String, byte[]> byId = new LinkedHashMap<>(256, 0.75f, false);

    RecentMessages(long maxBytes) {
        this.maxBytes = Math.max(0, maxBytes);
    }

    synchronized void remember(String id, byte[] raw) {
        if (raw.length > maxBytes / 4 || id == null || id.isEmpty()) {
            return;
        }
        byte[] old = byId.remove(id);
        if (old != null) {
            bytes -= old.length;
        }
        byId.put(id, raw);
        bytes += raw.length;
        evict();
    }

    /** A new budget (a configuration change): the oldest messages beyond it are dropped. */
    synchronized void resize(long newMaxBytes) {
        maxBytes = Math.max(0, newMaxBytes);
        evict();
    }

    private void evict() {
        Iterator<Map.Entry<String, byte[]>> it = byId.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            bytes -= it.next().getValue().length;
            it.remove();
        }
    }

    synchronized Optional<byte[]> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    synchronized int size() {
        return byId.size();
    }
}
