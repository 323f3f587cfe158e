package org.streamail.core.internal.support;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;

/** An in-memory message log for unit tests; records every status change in order. */
public final class MemoryMessageLog implements MessageLog {

    public record StatusChange(String id, DeliveryStatus status, String detail) {
    }

    private final Map<String, LogEntry> entries = new ConcurrentHashMap<>();
    public final List<StatusChange> changes = new CopyOnWriteArrayList<>();
    public final List<String> receivedCalls = new CopyOnWriteArrayList<>();

    @Override
    public void received(LogEntry entry) {
        receivedCalls.add(entry.id());
        entries.putIfAbsent(entry.id(), entry);
    }

    @Override
    public void decided(String id, Verdict verdict) {
        entries.computeIfPresent(id, (k, e) -> new LogEntry(e.id(), e.messageId(), e.subject(), e.envelope(),
                e.receivedChain(), e.size(), verdict, e.status(), e.statusDetail(), e.receivedAt(), Instant.now()));
    }

    @Override
    public void status(String id, DeliveryStatus status, String detail) {
        changes.add(new StatusChange(id, status, detail));
        entries.computeIfPresent(id, (k, e) -> new LogEntry(e.id(), e.messageId(), e.subject(), e.envelope(),
                e.receivedChain(), e.size(), e.verdict(), status, detail, e.receivedAt(), Instant.now()));
    }

    @Override
    public Optional<LogEntry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    @Override
    public List<LogEntry> query(LogQuery query) {
        List<LogEntry> l = new ArrayList<>(entries.values());
        l.sort(Comparator.comparing(LogEntry::receivedAt).reversed());
        return l.subList(0, Math.min(l.size(), query.limit()));
    }

    @Override
    public boolean seenBefore(String sender, String recipient, Instant before) {
        return false;
    }

    @Override
    public Map<Action, Long> countByAction(Instant since) {
        return new EnumMap<>(Action.class);
    }

    /** Statuses recorded for one id, in order. */
    public List<DeliveryStatus> statuses(String id) {
        List<DeliveryStatus> out = new ArrayList<>();
        for (StatusChange c : changes) {
            if (c.id().equals(id)) {
                out.add(c.status());
            }
        }
        return out;
    }
}
