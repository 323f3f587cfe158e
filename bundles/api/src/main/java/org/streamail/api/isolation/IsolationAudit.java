package org.streamail.api.isolation;

import java.time.Instant;
import java.util.Objects;

/**
 * One audited isolation action. Immutable.
 *
 * @param at          when
 * @param actor       who (user name, {@code linkguard}, {@code expiry} for a TTL that ran out, or {@code config} for a
 *                    host released because a configuration change put it on the allow-list)
 * @param action      {@code isolate}, {@code extend}, {@code release}, {@code expire}, {@code refuse}
 *                    (allow-listed or invalid target) or {@code rollback} (an enforcer failed)
 * @param ip          the host
 * @param reason      why, as given, plus the failure for a refusal or rollback
 * @param rulesBefore the set of isolated addresses before the action, comma-separated
 * @param rulesAfter  the set after it, comma-separated
 */
public record IsolationAudit(Instant at, String actor, String action, String ip, String reason, String rulesBefore,
        String rulesAfter) {

    public IsolationAudit {
        Objects.requireNonNull(at, "at");
        actor = actor == null ? "" : actor;
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(ip, "ip");
        reason = reason == null ? "" : reason;
        rulesBefore = rulesBefore == null ? "" : rulesBefore;
        rulesAfter = rulesAfter == null ? "" : rulesAfter;
    }
}
