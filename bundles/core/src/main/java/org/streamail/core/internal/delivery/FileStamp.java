package org.streamail.core.internal.delivery;

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
 * What changes when a file that is read again when it changes ({@link RelayAuth}'s password file, {@link HopTrust}'s
 * CA file) is rewritten, replaced (another inode, e.g. a rename over it or a swapped symbolic link), chmod-ed or
 * removed: its last-modified time, size, identity and mode, taken with one {@code stat}. {@code problem} is set when
 * it could not be looked at. Two stamps are equal when nothing of that changed.
 */
record FileStamp(FileTime modified, long size, Object key, Set<PosixFilePermission> mode, String problem) {

    static FileStamp of(Path file) {
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
