package org.streamail.core.internal.delivery;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import org.streamail.api.config.KeyFiles;

/**
 * Files that hold secrets (the smarthost password, the Message-ID key): they must be regular, readable files that
 * neither the group nor others may use (POSIX mode {@code 600} or {@code 400}; on a file system without POSIX
 * permissions only readability is checked). Every problem is an {@link IllegalArgumentException} whose message
 * names the property and the file's name (not its directory: the reason may reach the message log, which viewers
 * read) and never the content. Stateless.
 */
final class SecretFiles {

    private SecretFiles() {
    }

    /**
     * The content of the secret file {@code file}, at most {@code maxBytes} long.
     *
     * @param property the configuration property that names the file, for the messages
     * @throws IllegalArgumentException if it is missing, not a regular file, unreadable, open to group or others,
     *                                  or longer than {@code maxBytes}
     */
    static byte[] read(String property, Path file, int maxBytes) {
        String name = property + " '" + file.getFileName() + "'";
        try {
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException(name + " does not exist or is not a regular file");
            }
            KeyFiles.requirePrivate(name, file);
            if (Files.size(file) > maxBytes) {
                throw new IllegalArgumentException(name + " is longer than " + maxBytes + " bytes");
            }
            return Files.readAllBytes(file);
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(name + " is not readable by this process");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(name + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException(name + " cannot be read: " + e.getClass().getSimpleName());
        }
    }

    /**
     * Creates {@code file} with {@code length} random bytes and mode 600 (POSIX), unless it exists; never replaces
     * an existing file (two creators: the first wins, both read its bytes afterwards).
     *
     * @throws IOException if it could not be created
     */
    static void createRandom(Path file, int length) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] key = new byte[length];
        new SecureRandom().nextBytes(key);
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        FileAttribute<?>[] attrs = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
                : new FileAttribute<?>[0];
        Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attrs);
        try {
            try (var ch = java.nio.channels.FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(key));
                ch.force(true);
            }
            try {
                // A hard link fails when the name exists (a rename would replace it): a key another thread or
                // process wrote first stays, and both use it.
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException e) {
                // someone was quicker
            } catch (UnsupportedOperationException e) {
                if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
