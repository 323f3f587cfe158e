package org.streamail.api.isolation;

import java.time.Duration;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Isolates hosts from the network and releases them. Implemented by the isolation bundle.
 *
 * <p>Contract: idempotent (isolating an isolated host extends it, never adds a second rule); hosts on the
 * allow-list (the gateway itself, management hosts, DNS, the admin desktop) are never isolated; state is
 * durable and expiries fire after a restart; every change goes through the configured enforcers and is
 * rolled back on every enforcer when one fails; every action, refused ones included, is audited with the
 * actor, the time, the reason and the isolated set before and after.
 *
 * <p>Thread-safe; changes are serialised.
 */
@ProviderType
public interface IsolationService {

    /**
     * Isolates {@code ip} (or extends its current isolation).
     *
     * @param ip     an IPv4 or IPv6 literal (never a host name)
     * @param mac    the MAC from the neighbour table, or {@code null}
     * @param reason why, for a person
     * @param ttl    how long; {@code null} for the configured default. Repeated offenders get the
     *               configured multiple of it per earlier offence, capped by the configured maximum
     * @param actor  who asks
     * @return the isolation in force
     * @throws IllegalArgumentException if {@code ip} is not an IP literal or the ttl is not positive
     * @throws SecurityException        if {@code ip} is allow-listed (audited as a refusal)
     * @throws IllegalStateException    if no more hosts may be isolated (the implementation's bounds: the
     *                                  message says which, and what to release)
     * @throws IsolationException       if an enforcer failed (the change was rolled back)
     */
    Isolation isolate(String ip, String mac, String reason, Duration ttl, String actor);

    /**
     * Releases {@code ip}.
     *
     * @return whether it was isolated
     * @throws IllegalArgumentException if {@code ip} is not an IP literal
     * @throws IsolationException       if an enforcer failed (the change was rolled back)
     */
    boolean release(String ip, String actor);

    /** The hosts isolated now, oldest first. */
    List<Isolation> list();

    /** Whether {@code ip} is on the allow-list and can never be isolated. */
    boolean isProtected(String ip);
}
