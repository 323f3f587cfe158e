package org.streamail.retention.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the gateway's signing key comes from: the {@code signing.key} property (base64 or base64url of at
 * least 32 bytes) when set, else a key file, created once with 32 random bytes and mode 0600 (written to a
 * temporary file with those permissions from the start, fsynced, then renamed into place, so no reader ever
 * sees a partial or world-readable key). The key itself is never logged; only the file's path is.
 * Stateless; called at activation.
 */
final class SigningKeys {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
    static final String FILE_NAME = "retention-signing.key";
    private static final int MAX_FILE_BYTES = 4096;

    private SigningKeys() {
    }

    /** The default key file: {@code ${karaf.data}/streamail/retention-signing.key}, or null outside Karaf. */
    static Path defaultFile() {
        String data = System.getProperty("karaf.data");
        return data == null || data.isBlank() ? null : Path.of(data, "streamail", FILE_NAME);
    }

    static byte[] resolve(String configured, Path file) {
        if (configured != null && !configured.isBlank()) {
            return decode(configured.strip(), "signing.key");
        }
        if (file == null) {
            throw new IllegalArgumentException("signing.key is not set and there is no key file location "
                    + "(set signing.key, signing.key.file, or run inside Karaf where karaf.data is set)");
        }
        try {
            if (!Files.exists(file)) {
                create(file);
            }
            byte[] bytes;
            try (var in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("the signing key file " + file + " is too large to be a key");
            }
            return decode(new String(bytes, StandardCharsets.US_ASCII).strip(), "the key file " + file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create the signing key file " + file + ": " + e, e);
        }
    }

    private static void create(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        byte[] text = (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rw-------");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(owner))) {
            ch.write(ByteBuffer.wrap(text));
            ch.force(true);
        }
        try {
            // Not ATOMIC_MOVE with replace: if another node or thread created the file first, keep theirs.
            Files.createLink(file, tmp);
            LOG.info("Generated a new retention signing key in {} (mode 0600); every gateway node must use the "
                    + "same key (copy the file or set signing.key)", file);
        } catch (FileAlreadyExistsException e) {
            LOG.debug("Signing key file {} appeared meanwhile; using it", file);
        } finally {
            Files.deleteIfExists(tmp);
        }
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
