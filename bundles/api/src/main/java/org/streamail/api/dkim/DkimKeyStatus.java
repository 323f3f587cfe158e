package org.streamail.api.dkim;

import java.util.Objects;
import java.util.Optional;

/**
 * One configured signing key as it stands now.
 *
 * @param domain    the domain it signs for ({@code d=}), A-labels, lower case
 * @param selector  its selector ({@code s=})
 * @param algorithm what it signs with; empty when its file cannot be read
 * @param bits      the RSA modulus length, 256 for Ed25519, 0 when its file cannot be read
 * @param file      the key file as configured
 * @param problem   why the key cannot be used now (missing, unreadable, open to group or others, not a key, too
 *                  short), naming the file, never its content; {@code ""} when it can
 * @param record    the DNS record to publish for it; empty when its file cannot be read
 * @param dns       what DNS publishes at {@code record.name()}
 * @param dnsDetail what was found, in a few words ({@code "no TXT record"}, {@code "another key"},
 *                  {@code "time-out"}); {@code ""} when it matches or was not checked
 */
public record DkimKeyStatus(String domain, String selector, Optional<DkimAlgorithm> algorithm, int bits, String file,
        String problem, Optional<DkimRecord> record, DnsCheck dns, String dnsDetail) {

    public DkimKeyStatus {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(file, "file");
        problem = problem == null ? "" : problem;
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(dns, "dns");
        dnsDetail = dnsDetail == null ? "" : dnsDetail;
    }

    /** Whether mail for {@link #domain()} can be signed with it now. */
    public boolean usable() {
        return problem.isEmpty();
    }

    /** What a look-up of a key's record in DNS found. */
    public enum DnsCheck {
        /** The record holds this key. */
        MATCHES,
        /** A DKIM record is published there, but for another key (or revoked, or unreadable). */
        DIFFERS,
        /** No TXT record at that name: signatures with this key fail everywhere until it is published. */
        MISSING,
        /** DNS did not answer (time-out, server failure). */
        FAILED,
        /** Not looked up: not asked for, the key file cannot be read, or no resolver is available. */
        NOT_CHECKED
    }
}
