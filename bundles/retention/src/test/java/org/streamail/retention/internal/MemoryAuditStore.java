package org.streamail.retention.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.RetentionAuditStore;

/** An audit store in memory for the sweeper tests (the JDBC one has its own contract test in store-jdbc). */
final class MemoryAuditStore implements RetentionAuditStore {

    final List<AuditRecord> records = new ArrayList<>();
    volatile boolean down;
    /** When set, told of each record after it was added (outside the lock). */
    volatile java.util.function.Consumer<AuditRecord> afterRecord;

    @Override
    public void record(AuditRecord record) {
        synchronized (this) {
            if (down) {
                throw new org.streamail.api.store.StoreException("database down (test)");
            }
            records.add(record);
        }
        java.util.function.Consumer<AuditRecord> hook = afterRecord;
        if (hook != null) {
            hook.accept(record);
        }
    }

    @Override
    public synchronized List<AuditRecord> query(AuditQuery query) {
        return records.stream()
                .filter(r -> query.mailbox() == null || r.mailbox().equalsIgnoreCase(query.mailbox()))
                .filter(r -> query.messageId() == null || r.messageId().equals(query.messageId()))
                .sorted(Comparator.comparing(AuditRecord::time).reversed()).limit(query.limit()).toList();
    }

    synchronized List<AuditRecord> all() {
        return List.copyOf(records);
    }
}
