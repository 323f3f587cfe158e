package org.streamail.detect.auth.internal.dkim;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimRecord;

/**
 * A key outbound mail is signed with: the domain and selector it is published under, and the key pair. The public key
 * is kept to check each signature made (a damaged key would sign what nobody can verify) and to say what to publish.
 * Immutable; {@link #toString()} never shows key material.
 *
 * @param domain     the {@code d=} value, A-labels, lower case
 * @param selector   the {@code s=} value, lower case
 * @param algorithm  RSA or Ed25519
 * @param privateKey signs
 * @param publicKey  its public half
 * @param bits       the RSA modulus length, 256 for Ed25519
 */
public record SigningKey(String domain, String selector, DkimAlgorithm algorithm, PrivateKey privateKey,
        PublicKey publicKey, int bits) {

    /** The most bytes one character-string of a TXT record holds (RFC 1035 3.3.14). */
    public static final int TXT_STRING = 255;

    public SigningKey {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(publicKey, "publicKey");
    }

    /**
     * The key as a key record's {@code p=} holds it: the SubjectPublicKeyInfo of an RSA key, the raw 32 bytes of an
     * Ed25519 key (RFC 8463 4.2).
     */
    public byte[] published() {
        byte[] der = publicKey.getEncoded();
        return algorithm == DkimAlgorithm.ED25519 ? Arrays.copyOfRange(der, der.length - 32, der.length) : der;
    }

    /** The DNS record that publishes this key: {@code v=DKIM1; k=...; p=...} at {@code <s>._domainkey.<d>}. */
    public DkimRecord record() {
        return record(domain, selector, algorithm, published());
    }

    /** The record for a key of {@code algorithm} whose {@code p=} is {@code published}, cut into 255-byte strings. */
    public static DkimRecord record(String domain, String selector, DkimAlgorithm algorithm, byte[] published) {
        String text = "v=DKIM1; k=" + algorithm.keyType() + "; p=" + Base64.getEncoder().encodeToString(published);
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < text.length(); i += TXT_STRING) {
            strings.add(text.substring(i, Math.min(text.length(), i + TXT_STRING)));
        }
        return new DkimRecord(selector + "._domainkey." + domain, strings);
    }

    @Override
    public String toString() {
        return "SigningKey[" + domain + ", " + selector + ", " + algorithm + ", " + bits + " bits]";
    }
}
