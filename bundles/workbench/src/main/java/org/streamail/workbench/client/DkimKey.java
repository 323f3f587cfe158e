package org.streamail.workbench.client;

/**
 * One configured DKIM signing key of outbound mail as the gateway sees it now ({@code GET /dkim}). {@code algorithm}
 * is {@code RSA} or {@code ED25519} and {@code signatureAlgorithm} {@code rsa-sha256} or {@code ed25519-sha256}, both
 * empty (and {@code bits} 0, {@code record} {@code null}) when the key file cannot be read; {@code file} is the key
 * file as configured; {@code problem} says why the key cannot be used ({@code ""} when {@code usable}); {@code dns} is
 * what a look-up of the record found ({@code MATCHES}, {@code DIFFERS}, {@code MISSING}, {@code FAILED},
 * {@code NOT_CHECKED}) and {@code dnsDetail} says it in a few words. Strings never {@code null}.
 */
public record DkimKey(String domain, String selector, String algorithm, String signatureAlgorithm, int bits,
        String file, boolean usable, String problem, DkimRecord record, String dns, String dnsDetail) {

    /** Whether DNS publishes this very key (signatures with it verify). */
    public boolean published() {
        return dns.equals("MATCHES");
    }
}
