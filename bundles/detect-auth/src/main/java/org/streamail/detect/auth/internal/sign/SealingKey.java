package org.streamail.detect.auth.internal.sign;

import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.detect.auth.internal.dkim.SigningKey;

/**
 * The key inbound mail is ARC-sealed with (detect-auth's {@code arc.seal.key}, {@code domain:selector:/path}): its
 * file read under the rules of the DKIM signing keys ({@link KeyFile}: mode 600 or 400, PKCS#8, read again when it
 * changes), and an RSA key only. Ed25519 ARC sets are not understood by the validators that matter (dkimpy refuses
 * {@code ed25519-sha256} in an ARC set, and the large mailbox providers document RSA only), so a seal with one would
 * be worth nothing. Thread-safe.
 */
public final class SealingKey {

    private final KeyFile file;
    private final String property;

    private SealingKey(KeyFile file, String property) {
        this.file = file;
        this.property = property;
    }

    /**
     * The entry checked and its file read now.
     *
     * @throws IllegalArgumentException naming {@code pid} and {@code property} when the entry is malformed, the file
     *                                  cannot be used or holds no RSA key
     */
    public static SealingKey of(String pid, String property, String entry) {
        SignSettings.Key k = SignSettings.key(pid, property, entry.strip());
        SealingKey key = new SealingKey(KeyFile.load(k.domain(), k.selector(), k.file(), property), property);
        try {
            key.key();
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException(pid + ": " + e.getMessage(), e);
        }
        return key;
    }

    /**
     * The key to seal with now (the file read again when it changed).
     *
     * @throws IllegalStateException naming the file (never its content) when it cannot be used or holds no RSA key
     */
    public SigningKey key() {
        SigningKey k = file.key();
        if (k.algorithm() != DkimAlgorithm.RSA) {
            throw new IllegalStateException(property + " '" + file.file().getFileName() + "' holds an "
                    + k.algorithm() + " key; ARC seals need an RSA key (validators do not know ed25519-sha256 there)");
        }
        return k;
    }

    public String domain() {
        return file.domain();
    }

    public String selector() {
        return file.selector();
    }
}
