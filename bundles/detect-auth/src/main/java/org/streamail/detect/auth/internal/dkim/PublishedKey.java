package org.streamail.detect.auth.internal.dkim;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.List;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyStatus.DnsCheck;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.DnsTemporaryException;

/**
 * Whether DNS publishes a signing key the way a verifier reads it: the TXT records at
 * {@code <selector>._domainkey.<domain>}, each read with the verifier's {@link KeyRecord} rules, compared with the
 * key (an RSA key by modulus and exponent, whether published as SubjectPublicKeyInfo or as the bare PKCS#1 key some
 * domains publish; an Ed25519 key by its 32 bytes). Stateless.
 */
public final class PublishedKey {

    /** What was found. */
    public record Check(DnsCheck result, String detail) {
    }

    private PublishedKey() {
    }

    /** Looks {@code key}'s record up with {@code dns} (which bounds the time). Never throws. */
    public static Check check(SigningKey key, Dns dns) {
        String name = key.selector() + "._domainkey." + key.domain();
        List<String> records;
        try {
            records = dns.txt(name);
        } catch (DnsTemporaryException e) {
            return new Check(DnsCheck.FAILED, "DNS did not answer: " + e.getMessage());
        } catch (RuntimeException e) {
            return new Check(DnsCheck.FAILED, "DNS look-up failed: " + e.getClass().getSimpleName());
        }
        if (records == null || records.isEmpty()) {
            return new Check(DnsCheck.MISSING, "no TXT record at " + name);
        }
        String other = null;
        for (int r = 0; r < records.size() && r < DkimVerifier.MAX_KEY_RECORDS; r++) {
            KeyRecord record;
            try {
                record = KeyRecord.parse(records.get(r));
            } catch (TagList.InvalidException e) {
                other = other == null ? "not a usable DKIM key record (" + e.getMessage() + ")" : other;
                continue;
            }
            if (record.revoked()) {
                other = "the key there is revoked (empty p=)";
            } else if (!record.type().equals(key.algorithm().keyType())) {
                other = "a key of type k=" + record.type() + " is published, this one is " + key.algorithm().keyType();
            } else if (same(key, record.publicKey())) {
                return new Check(DnsCheck.MATCHES, record.testing() ? "t=y: receivers treat it as testing" : "");
            } else {
                other = other == null ? "another key is published" : other;
            }
        }
        return new Check(DnsCheck.DIFFERS, other);
    }

    private static boolean same(SigningKey key, byte[] published) {
        if (key.algorithm() == DkimAlgorithm.ED25519) {
            return Arrays.equals(key.published(), published);
        }
        if (!(key.publicKey() instanceof RSAPublicKey ours)) {
            return false;
        }
        for (byte[] spki : new byte[][] {published, DkimVerifier.wrapPkcs1(published)}) {
            try {
                if (KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spki))
                        instanceof RSAPublicKey theirs && theirs.getModulus().equals(ours.getModulus())
                        && theirs.getPublicExponent().equals(ours.getPublicExponent())) {
                    return true;
                }
            } catch (GeneralSecurityException | IllegalArgumentException e) {
                // not this form; try the other
            }
        }
        return false;
    }
}
