package org.streamail.workbench.client;

import java.time.Instant;
import java.util.Objects;

/**
 * The TLS certificate a gateway presented and the client refused, as an administrator compares it with the
 * gateway's own ({@code keytool -list -v -keystore …} on the gateway) before pinning it. Carried by a
 * {@link GatewayException} of kind {@link GatewayException.Kind#UNTRUSTED}; a value, immutable and thread-safe.
 *
 * @param sha256Fingerprint the SHA-256 fingerprint of the certificate as keytool prints it, {@code AB:CD:…}; it
 *                          is accepted as it is by {@link ConnectionSecurity#withPin}
 * @param subject           the subject's distinguished name
 * @param issuer            the issuer's distinguished name
 * @param notBefore         start of the validity
 * @param notAfter          end of the validity
 * @param refusal           why the client refused it, e.g. "it is not signed by an authority in this JVM's trust
 *                          store (self-signed?)"
 */
public record PresentedCertificate(String sha256Fingerprint, String subject, String issuer, Instant notBefore,
        Instant notAfter, String refusal) {

    public PresentedCertificate {
        Objects.requireNonNull(sha256Fingerprint, "sha256Fingerprint");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(notBefore, "notBefore");
        Objects.requireNonNull(notAfter, "notAfter");
        Objects.requireNonNull(refusal, "refusal");
    }

    /** Whether subject and issuer are the same name (no authority vouches for it). */
    public boolean selfSigned() {
        return subject.equals(issuer);
    }

    /** Whether {@code now} lies within the validity dates (a pin does not make an expired certificate valid). */
    public boolean validAt(Instant now) {
        return !now.isBefore(notBefore) && !now.isAfter(notAfter);
    }

    /**
     * Fingerprint, subject, issuer and validity on four indented lines (no trailing newline), the validity
     * marked {@code (EXPIRED)} or {@code (NOT YET VALID)} when it does not hold now.
     */
    public String describe() {
        Instant now = Instant.now();
        String state = now.isBefore(notBefore) ? " (NOT YET VALID)" : now.isAfter(notAfter) ? " (EXPIRED)" : "";
        return "  SHA-256 fingerprint: " + sha256Fingerprint + "\n"
                + "  Subject: " + subject + "\n"
                + "  Issuer:  " + issuer + (selfSigned() ? " (self-signed)" : "") + "\n"
                + "  Valid from " + notBefore + " until " + notAfter + state;
    }
}
