package org.streamail.retention.internal;

import java.nio.file.Path;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.KeyFiles;

/**
 * Where the gateway's signing key comes from: the {@code signing.key} property (base64 or base64url of at
 * least 32 bytes) when set, else a key file, created once with 32 random bytes and mode 0600 ({@link KeyFiles}: no
 * reader ever sees a partial or world-readable key). The key itself is never logged; only the file's path is.
 * Stateless; called at activation.
 */
final class SigningKeys {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
    static final String FILE_NAME = "retention-signing.key";

    private SigningKeys() {
    }

    /** The default key file: {@code ${karaf.data}/streamail/retention-signing.key}, or null outside Karaf. */
    static Path defaultFile() {
        return KeyFiles.inKarafData(FILE_NAME);
    }

    static byte[] resolve(String configured, Path file) {
        if (configured != null && !configured.isBlank()) {
            return decode(configured.strip(), "signing.key");
        }
        if (file == null) {
            throw new IllegalArgumentException("signing.key is not set and there is no key file location "
                    + "(set signing.key, signing.key.file, or run inside Karaf where karaf.data is set)");
        }
        KeyFiles.Loaded k = KeyFiles.loadOrCreate(file, "signing.key.file", Signer.MIN_KEY_BYTES);
        if (k.created()) {
            LOG.info("Generated a new retention signing key in {} (mode 0600); every gateway node must use the "
                    + "same key (copy the file or set signing.key)", file);
        }
        return k.key();
    }

    static byte[] decode(String text, String where) {
        byte[] key;
        try {
            key = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
                    : Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            // Do not echo the value: it is a secret even when malformed.
            throw new IllegalArgumentException(where + " is not base64 (the key is not shown)");
        }
        if (key.length < Signer.MIN_KEY_BYTES) {
            throw new IllegalArgumentException(where + " must decode to at least " + Signer.MIN_KEY_BYTES
                    + " bytes, got " + key.length);
        }
        return key;
    }
}
