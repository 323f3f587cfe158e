package org.streamail.api.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * What changes when a file that a component reads again when it changes (a password file, a CA file, a signing key)
 * is rewritten, replaced (another inode, e.g. a rename over it or a swapped symbolic link), chmod-ed or removed: its
 * last-modified time, size, identity and mode, taken with one {@code stat}. Two stamps are equal when nothing of that
 * changed, so a reader compares the stamp of its last reading with {@link #of} before each use and reads the file
 * again only when they differ.
 *
 * @param modified the last-modified time, null when not looked at
 * @param size     the size in bytes, -1 when not looked at
 * @param key      the file system's identity of the file ({@link BasicFileAttributes#fileKey()}), or null
 * @param mode     the POSIX permissions, null where the file system has none or when not looked at
 * @param problem  why the file could not be looked at ({@code missing}, or an exception's class name), else null
 * @since 1.2.0
 */
public record FileStamp(FileTime modified, long size, Object key, Set<PosixFilePermission> mode, String problem) {

    /** The stamp of {@code file} now; never throws (a file that cannot be looked at has a {@code problem}). */
    public static FileStamp of(Path file) {
        try {
            BasicFileAttributes a;
            Set<PosixFilePermission> mode = null;
            try {
                PosixFileAttributes p = Files.readAttributes(file, PosixFileAttributes.class);
                mode = p.permissions();
                a = p;
            } catch (UnsupportedOperationException e) {
                a = Files.readAttributes(file, BasicFileAttributes.class);
            }
            return new FileStamp(a.lastModifiedTime(), a.size(), a.fileKey(), mode, null);
        } catch (NoSuchFileException e) {
            return new FileStamp(null, -1, null, null, "missing");
        } catch (IOException | RuntimeException e) {
            return new FileStamp(null, -1, null, null, e.getClass().getName());
        }
    }
}
