package org.streamail.api.isolation;

import java.time.Instant;
import java.util.Objects;

/**
 * One isolated host. Immutable.
 *
 * @param ip       the host's IP address in canonical text form (IPv4 dotted quad, IPv6 compressed)
 * @param mac      its MAC address from the neighbour table when it was isolated, or {@code ""}
 * @param reason   why, for a person
 * @param actor    who isolated it: a user name, or {@code linkguard} for an automatic isolation
 * @param since    when the current isolation began
 * @param until    when it ends by itself, or {@code null} for "until released"
 * @param offences how many times this host was isolated, this one included (drives longer isolations)
 */
public record Isolation(String ip, String mac, String reason, String actor, Instant since, Instant until,
        int offences) {

    public Isolation {
        Objects.requireNonNull(ip, "ip");
        mac = mac == null ? "" : mac;
        reason = reason == null ? "" : reason;
        actor = actor == null ? "" : actor;
        Objects.requireNonNull(since, "since");
        offences = Math.max(1, offences);
    }

    /** Whether it has ended by itself at {@code now}. */
    public boolean expiredAt(Instant now) {
        return until != null && !now.isBefore(until);
    }
}
