package org.streamail.detect.auth.internal;

import org.streamail.detect.auth.internal.dns.Dns;

/**
 * The DNS the sender authentication asks ({@code dns.servers} and {@code dns.timeout.ms} of PID
 * {@value AuthConfig#PID}), offered to the other components of this bundle: {@code streamail:dkim-status} checks the
 * published signing keys through the same servers, so the gateway's view of them is the one its own checks have. A
 * service inside this bundle only (its package is not exported). Thread-safe.
 */
public interface AuthDns {

    /** A resolver asking those servers with that time-out, without a cache: each look-up asks anew. */
    Dns uncached();

    /** The servers, for the operator: {@code 192.0.2.53:53} or {@code the system's (/etc/resolv.conf)}. */
    String describe();
}
