package org.streamail.reporting.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.store.StoreException;

/** Alerts in memory, with the JDBC store's semantics (the JDBC one is tested in store-jdbc). */
final class MemoryAlertStore implements AlertStore {

    private final List<Alert> alerts = new ArrayList<>();
    volatile boolean down;
    /** Queries fail (a database blip, a lock timeout) while adds and gets still work. */
    volatile boolean queriesFailing;

    @Override
    public synchronized void add(Alert alert) {
        if (down) {
            throw new StoreException("database down (test)");
        }
        if (alerts.stream().anyMatch(a -> a.id().equals(alert.id()))) {
            throw new StoreException("duplicate id " + alert.id());
        }
        alerts.add(alert);
    }

    @Override
    public synchronized Optional<Alert> get(String id) {
        return alerts.stream().filter(a -> a.id().equals(id)).findFirst();
    }

    @Override
    public synchronized List<Alert> query(AlertQuery q) {
        if (queriesFailing) {
            throw new StoreException("query failed (test)");
        }
        return alerts.stream()
                .filter(a -> q.minSeverity() == null || a.severity().compareTo(q.minSeverity()) >= 0)
                .filter(a -> q.kind() == null || a.kind().equals(q.kind()))
                .filter(a -> q.subject() == null || a.subject().equals(q.subject()))
                .filter(a -> q.since() == null || !a.createdAt().isBefore(q.since()))
                .sorted(Comparator.comparing(Alert::createdAt).reversed()).limit(q.limit()).toList();
    }

    @Override
    public synchronized int count(String kind, String subject, Instant since) {
        return (int) alerts.stream().filter(a -> a.kind().equals(kind) && a.subject().equals(subject)
                && !a.createdAt().isBefore(since)).count();
    }

    synchronized List<Alert> all() {
        return List.copyOf(alerts);
    }

    synchronized List<Alert> ofKind(String kind) {
        return alerts.stream().filter(a -> a.kind().equals(kind)).toList();
    }
}
