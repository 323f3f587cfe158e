package org.streamail.api.dkim;

import java.util.Locale;

/** The two signing algorithms a DKIM key may be for (RFC 8301 retired {@code rsa-sha1}). */
public enum DkimAlgorithm {
    /** {@code rsa-sha256}: understood by every verifier; keys of 2048 to 4096 bits. */
    RSA("rsa", "rsa-sha256"),
    /** {@code ed25519-sha256} (RFC 8463): short keys and signatures; not yet verified everywhere. */
    ED25519("ed25519", "ed25519-sha256");

    private final String keyType;
    private final String signatureAlgorithm;

    DkimAlgorithm(String keyType, String signatureAlgorithm) {
        this.keyType = keyType;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The key record's {@code k=} value: {@code rsa} or {@code ed25519}. */
    public String keyType() {
        return keyType;
    }

    /** The signature's {@code a=} value: {@code rsa-sha256} or {@code ed25519-sha256}. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
