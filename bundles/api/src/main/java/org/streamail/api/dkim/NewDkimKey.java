package org.streamail.api.dkim;

import java.util.Objects;

/**
 * A key pair {@link DkimKeys#generate} made.
 *
 * @param domain    the domain it is for, A-labels, lower case
 * @param selector  its selector
 * @param algorithm what it signs with
 * @param bits      the RSA modulus length, 256 for Ed25519
 * @param file      the private key file written (PKCS#8 PEM, mode 600)
 * @param record    the DNS record to publish before the key is used
 * @param keysEntry the entry to add to the signing configuration's {@code keys}: {@code domain:selector:file}
 */
public record NewDkimKey(String domain, String selector, DkimAlgorithm algorithm, int bits, String file,
        DkimRecord record, String keysEntry) {
    public NewDkimKey {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(keysEntry, "keysEntry");
    }
}
