package org.streamail.api.retention;

import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable, append-only audit trail of retention actions. Implemented by the store bundle. Thread-safe;
 * methods throw {@link org.streamail.api.store.StoreException} when the database is unavailable.
 */
@ProviderType
public interface RetentionAuditStore {

    /** Appends one record; never updates or removes earlier ones. */
    void record(AuditRecord record);

    /** Records matching the query, newest first. */
    List<AuditRecord> query(AuditQuery query);
}
