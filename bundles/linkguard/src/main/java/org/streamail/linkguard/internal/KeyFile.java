package org.streamail.linkguard.internal;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.KeyFiles;

/**
 * The link-guard key file: base64 text of at least 32 bytes, created with 32 random bytes and mode 0600 when absent
 * ({@link KeyFiles}). Several nodes share one key by pointing {@code key.file} at the same content. The key is never
 * logged; only the path is. Stateless; called at activation.
 */
final class KeyFile {

    private static final Logger LOG = LoggerFactory.getLogger(KeyFile.class);
    static final String DEFAULT_NAME = "linkguard.key";

    private KeyFile() {
    }

    /** {@code ${karaf.data}/streamail/linkguard.key}, or null outside Karaf. */
    static Path defaultPath() {
        return KeyFiles.inKarafData(DEFAULT_NAME);
    }

    /**
     * Reads the key, creating the file first when it does not exist.
     *
     * @throws IllegalArgumentException if the file does not hold a usable key (the content is not shown)
     * @throws IllegalStateException    if it can be neither read nor created
     */
    static byte[] load(Path file) {
        KeyFiles.Loaded k = KeyFiles.loadOrCreate(file, "key.file", LinkTokens.MIN_KEY_BYTES);
        if (k.created()) {
            LOG.info("Generated a new link-guard key in {} (mode 0600); every gateway node must use the same key", file);
        }
        return k.key();
    }
}
