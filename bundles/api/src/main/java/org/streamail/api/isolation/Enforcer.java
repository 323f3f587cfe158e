package org.streamail.api.isolation;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Puts isolation into effect somewhere: a firewall, an EDR or NAC, a log. Registered as an OSGi service
 * with a {@code name} matching {@link #name()}; the isolation service uses the ones its configuration
 * names ({@code enforcers}).
 *
 * <p>Contract: {@link #apply} is called with the whole isolated set after every change (and once at start
 * and after each expiry), serialised by the isolation service. It must be idempotent: applying the same
 * set twice leaves the same state. On failure it throws; the service then re-applies the previous set on
 * every enforcer (rollback) and reports the failure.
 */
@ConsumerType
public interface Enforcer {

    /** The stable name configuration selects it by: {@code nftables}, {@code webhook}, {@code log}. */
    String name();

    /**
     * Makes the enforced state equal {@code change.isolated()}.
     *
     * @throws Exception when it could not (the service rolls back)
     */
    void apply(EnforcementChange change) throws Exception;

    /**
     * What changed and what must hold afterwards.
     *
     * @param action    {@code isolate}, {@code release}, {@code expire}, {@code sync} (start-up or
     *                  rollback: nothing changed, re-assert the set), {@code adopt} (another gateway on the
     *                  same store changed the set and told its own enforcers: make this node's state equal
     *                  it; an enforcer whose target both gateways share, such as an EDR, only takes note)
     * @param target    the host the action concerns, or {@code null} for {@code sync}
     * @param isolated  every host that must be isolated after this call
     * @param allowList addresses and CIDR ranges an isolated host may still reach (management)
     */
    record EnforcementChange(String action, Isolation target, List<Isolation> isolated, List<String> allowList) {
        public EnforcementChange {
            isolated = List.copyOf(isolated);
            allowList = List.copyOf(allowList);
        }
    }
}
