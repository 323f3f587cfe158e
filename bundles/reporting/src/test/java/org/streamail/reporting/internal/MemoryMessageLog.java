package org.streamail.reporting.internal;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;

/** A message log in memory with the query semantics of the JDBC one (newest first, sender case-insensitive). */
final class MemoryMessageLog implements MessageLog {

    private final Map<String, LogEntry> entries = new LinkedHashMap<>();
    /** Entries returned by query() in all, to check the scan is bounded. */
    final AtomicInteger returned = new AtomicInteger();

    @Override
    public synchronized void received(LogEntry entry) {
        entries.putIfAbsent(entry.id(), entry);
    }

    @Override
    public void decided(String id, Verdict verdict) {
        throw new UnsupportedOperationException();
    }

    @Override
    public synchronized void status(String id, DeliveryStatus status, String detail) {
        LogEntry e = entries.get(id);
        entries.put(id, new LogEntry(e.id(), e.messageId(), e.subject(), e.envelope(), e.receivedChain(), e.size(),
                e.verdict(), status, detail, e.receivedAt(), e.updatedAt()));
    }

    @Override
    public synchronized Optional<LogEntry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    @Override
    public synchronized List<LogEntry> query(LogQuery q) {
        List<LogEntry> out = entries.values().stream()
                .filter(e -> q.action() == null || q.action() == e.action())
                .filter(e -> q.sender() == null || e.envelope().sender().equalsIgnoreCase(q.sender()))
                .filter(e -> q.recipient() == null
                        || e.envelope().recipients().stream().anyMatch(r -> r.equalsIgnoreCase(q.recipient())))
                .filter(e -> q.since() == null || !e.receivedAt().isBefore(q.since()))
                .filter(e -> q.until() == null || e.receivedAt().isBefore(q.until()))
                .sorted(Comparator.comparing(LogEntry::receivedAt).reversed())
                .skip(q.offset()).limit(q.limit()).toList();
        returned.addAndGet(out.size());
        return out;
    }

    @Override
    public boolean seenBefore(String sender, String recipient, Instant before) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Map<Action, Long> countByAction(Instant since) {
        throw new UnsupportedOperationException();
    }
}
