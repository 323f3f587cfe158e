package org.streamail.isolation.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.isolation.IsolationStore;

/** An {@link IsolationStore} in memory, with the contract's semantics (offences counted from the audit). */
final class MemoryIsolationStore implements IsolationStore {

    private final Map<String, Isolation> isolations = new LinkedHashMap<>();
    private final List<IsolationAudit> audit = new ArrayList<>();
    /** How many of the next {@link #list} calls fail (the database is down). */
    volatile int failLists;
    /** How many of the next {@link #audit} calls fail. */
    volatile int failAudits;

    @Override
    public synchronized void put(Isolation isolation) {
        isolations.put(isolation.ip(), isolation);
    }

    @Override
    public synchronized boolean remove(String ip) {
        return isolations.remove(ip) != null;
    }

    @Override
    public synchronized Optional<Isolation> get(String ip) {
        return Optional.ofNullable(isolations.get(ip));
    }

    @Override
    public synchronized List<Isolation> list() {
        if (failLists > 0) {
            failLists--;
            throw new IllegalStateException("database down");
        }
        return isolations.values().stream().sorted(Comparator.comparing(Isolation::since)).toList();
    }

    @Override
    public synchronized int offences(String ip) {
        return (int) audit.stream().filter(a -> a.ip().equals(ip) && a.action().equals("isolate")).count();
    }

    @Override
    public synchronized void audit(IsolationAudit record) {
        if (failAudits > 0) {
            failAudits--;
            throw new IllegalStateException("database down");
        }
        audit.add(record);
    }

    @Override
    public synchronized List<IsolationAudit> auditLog(String ip, int limit) {
        List<IsolationAudit> out = new ArrayList<>();
        for (int i = audit.size() - 1; i >= 0 && out.size() < limit; i--) {
            if (ip == null || audit.get(i).ip().equals(ip)) {
                out.add(audit.get(i));
            }
        }
        return out;
    }

    /** Every audit record, oldest first. */
    synchronized List<IsolationAudit> audits() {
        return List.copyOf(audit);
    }
}
