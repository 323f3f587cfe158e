package org.streamail.api.config;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.EnumSet;
import java.util.Set;

/**
 * Secret keys kept in a file as base64 text (standard or URL alphabet), created on first use: 32 random bytes
 * written to a temporary file that has mode 0600 from its creation, forced to disk, then hard-linked into place, so
 * two nodes or components creating the same file at once end with one key and nobody reads a partial file. Every
 * message names the property and the file, never the content. Stateless.
 *
 * @since package version 1.1.0
 */
public final class KeyFiles {

    /** Bytes of a key this class creates. */
    public static final int NEW_KEY_BYTES = 32;
    private static final int MAX_FILE_BYTES = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private KeyFiles() {
    }

    /**
     * Checks that a secret file the administrator made (a password file, a private key) is readable by this process
     * and, where the file system has POSIX modes, open to nobody else: mode 600 or 400. One rule and one wording for
     * every bundle that reads such a file (the core's password files, detect-auth's DKIM keys).
     *
     * @param name how messages name the file, e.g. {@code relay.password.file '/etc/…'}; never its content
     * @throws IllegalArgumentException naming the file and what is wrong ({@code … is open to group or others (mode
     *                                  rw-r--r--); it must be 600 or 400 (chmod 600)})
     * @throws IOException              when its mode cannot be read
     * @since package version 1.3.0
     */
    public static void requirePrivate(String name, Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(name + " is not readable by this process");
        }
        if (!Files.getFileStore(file).supportsFileAttributeView("posix")) {
            return; // no POSIX modes here (Windows): the file system's ACLs are the administrator's business
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        Set<PosixFilePermission> open = EnumSet.noneOf(PosixFilePermission.class);
        open.addAll(perms);
        open.retainAll(GROUP_OR_OTHERS);
        if (!open.isEmpty()) {
            throw new IllegalArgumentException(name + " is open to group or others (mode "
                    + PosixFilePermissions.toString(perms) + "); it must be 600 or 400 (chmod 600)");
        }
    }

    /** {@code ${karaf.data}/streamail/<name>}, or {@code null} outside Karaf. */
    public static Path inKarafData(String name) {
        String data = System.getProperty("karaf.data");
        return data == null || data.isBlank() ? null : Path.of(data, "streamail", name);
    }

    /**
     * The key in {@code file}, creating the file with a new random key when it does not exist.
     *
     * @param property the configuration property naming the file, for the messages
     * @param minBytes the shortest key accepted
     * @return whether the file was created, and the key
     * @throws IllegalArgumentException if the file does not hold a usable key
     * @throws IllegalStateException    if it can be neither read nor created
     */
    public static Loaded loadOrCreate(Path file, String property, int minBytes) {
        try {
            boolean created = false;
            if (!Files.exists(file)) {
                created = create(file);
            }
            byte[] bytes;
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
            if (bytes.length > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(property + " " + file + " is too large to be a key");
            }
            String text = new String(bytes, StandardCharsets.US_ASCII).strip();
            byte[] key;
            try {
                key = text.indexOf('-') >= 0 || text.indexOf('_') >= 0 ? Base64.getUrlDecoder().decode(text)
                        : Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(property + " " + file + " is not base64 (its content is not shown)");
            }
            if (key.length < minBytes) {
                throw new IllegalArgumentException(property + " " + file + " must hold at least " + minBytes
                        + " bytes, it holds " + key.length);
            }
            return new Loaded(key, created);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or create " + property + " " + file + ": " + e, e);
        }
    }

    /** A key and whether this call created its file. */
    public record Loaded(byte[] key, boolean created) {
    }

    /** @return whether this call's file is the one in place (false: another creator's won) */
    private static boolean create(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] key = new byte[NEW_KEY_BYTES];
        RANDOM.nextBytes(key);
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
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
