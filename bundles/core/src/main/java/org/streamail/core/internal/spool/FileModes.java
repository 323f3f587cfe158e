package org.streamail.core.internal.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files holding mail are created readable by the gateway's user only ({@code rw-------}), or also by its group
 * ({@code rw-r-----}) where another local process may pick them up, whatever the umask says: mail on disk is not for
 * every account on the host. On a file system without POSIX permissions the defaults apply. Stateless.
 */
public final class FileModes {

    /** {@code rw-------}: the spool, its state files. */
    public static final Set<PosixFilePermission> OWNER = PosixFilePermissions.fromString("rw-------");
    /** {@code rw-r-----}: delivered mail in the local folder, for a pickup process of the gateway's group. */
    public static final Set<PosixFilePermission> OWNER_AND_GROUP_READ = PosixFilePermissions.fromString("rw-r-----");

    private FileModes() {
    }

    /** Opens (creates) {@code file} with {@code mode} when its file system knows POSIX permissions. */
    public static FileChannel open(Path file, Set<PosixFilePermission> mode, OpenOption... options) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(mode);
            return FileChannel.open(file, Set.of(options), attr);
        }
        return FileChannel.open(file, options);
    }
}
