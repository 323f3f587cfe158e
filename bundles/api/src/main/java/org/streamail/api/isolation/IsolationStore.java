package org.streamail.api.isolation;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable isolation state and its audit trail. Implemented by the store bundle; survives restarts so that
 * isolations and their expiries outlive the gateway process. Thread-safe; methods throw
 * {@link org.streamail.api.store.StoreException} when the database is unavailable.
 */
@ProviderType
public interface IsolationStore {

    /** Inserts or replaces the isolation of {@code isolation.ip()}. */
    void put(Isolation isolation);

    /** Removes the isolation of {@code ip}; whether there was one. */
    boolean remove(String ip);

    Optional<Isolation> get(String ip);

    /** Every current isolation, oldest first (expired ones included until removed). */
    List<Isolation> list();

    /**
     * How many times {@code ip} was isolated in all (from the audit trail, so it survives releases): the
     * basis of longer isolations for repeated offenders.
     */
    int offences(String ip);

    /** Appends an audit record. */
    void audit(IsolationAudit record);

    /** The newest {@code limit} audit records (1..1000), newest first; for one host when {@code ip} is set. */
    List<IsolationAudit> auditLog(String ip, int limit);
}
