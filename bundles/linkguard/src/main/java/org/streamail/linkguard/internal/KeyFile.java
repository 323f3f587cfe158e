package org.streamail.linkguard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link-guard key file: base64 text of at least 32 bytes. When the file is absent it is created with 32
 * random bytes and mode 0600 (written to a temporary file that has those permissions from its creation,
 * fsynced, then hard-linked into place so a concurrent creator's key wins and nobody reads a partial
 * file). Several nodes share one key by pointing {@code key.file} at the same content. The key is never
 * logged; only the path is. Stateless; called at activation.
 */
final class KeyFile {

    private static final Logger LOG = LoggerFactory.getLogger(KeyFile.class);
    static final String DEFAULT_NAME = "linkguard.key";
    private static final int MAX_FILE_BYTES = 4096;

    private KeyFile() {
    }

    /** {@code ${karaf.data}/streamail/linkguard.key}, or null outside Karaf. */
    static Path defaultPath() {
        String data = System.getProperty("karaf.data");
        return data == null || data.isBlank() ? null : Path.of(data, "streamail", DEFAULT_NAME);
    }

    /**
     * Reads the key, creating the file first when it does not exist.
     *
     * @throws IllegalArgumentException if the file does not hold a usable key (the content is not shown)
     * @throws IllegalStateException    if it can be neither read nor created
     */
    static byte[] load(Path file) {
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("key.file " + file + " is too large to be a key");
            }
            String text = new String(bytes, StandardCharsets.US_ASCII).strip();
            byte[] key;
            try {
                key = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
                        : Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("key.file " + file + " is not base64 (its content is not shown)");
            }
            if (key.length < LinkTokens.MIN_KEY_BYTES) {
                throw new IllegalArgumentException("key.file " + file + " must hold at least "
                        + LinkTokens.MIN_KEY_BYTES + " bytes, it holds " + key.length);
            }
            return key;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create key.file " + file + ": " + e, e);
        }
    }

    private static void create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        byte[] text = (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path tmp = dir.resolve(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Thread.currentThread().getId());
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ch.write(ByteBuffer.wrap(text));
            ch.force(true);
        }
        try {
            Files.createLink(file, tmp);
            LOG.info("Generated a new link-guard key in {} (mode 0600); every gateway node must use the same key",
                    file);
        } catch (FileAlreadyExistsException e) {
            LOG.debug("Link-guard key file {} appeared meanwhile; using it", file);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
