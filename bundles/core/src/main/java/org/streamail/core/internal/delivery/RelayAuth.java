package org.streamail.core.internal.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.FileStamp;

/**
 * SMTP AUTH credentials for one next hop: a user name and the secret file that holds the password
 * ({@link SecretFiles}), with the properties that named them (for the messages). The file is read when the
 * configuration is read ({@link #read}, which refuses an unusable file) and again whenever it has changed since:
 * {@link #login()} compares the file's last-modified time, size, identity (inode) and mode with those of the last
 * reading (one {@code stat}) and reads and checks it anew when any differs. A file that is no longer usable
 * (deleted, opened to group or others, too long, several lines) makes {@link #login()} throw with the reason, once
 * logged per change; the previous password is then not used.
 *
 * <p>Two instances are equal when their properties, user and file are (not the password: a kept connection
 * remembers the {@link Login} it authenticated with, see {@link RelayConnections}). {@link #toString()} never shows
 * the password. Thread-safe.
 */
final class RelayAuth {

    /** A password file longer than this holds something else. */
    static final int MAX_PASSWORD_BYTES = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(RelayAuth.class);

    private final String userProperty;
    private final String user;
    private final String fileProperty;
    private final Path file;
    /** The last reading of the file; replaced as a whole when the file's stamp changes. */
    private volatile Reading reading;

    /** The credentials one connection authenticates with. Equal when user and password are; never shows the password. */
    static final class Login {
        private final String user;
        private final String password;

        private Login(String user, String password) {
            this.user = user;
            this.password = password;
        }

        String user() {
            return user;
        }

        /** The password, for the SMTP client only: never logged. */
        String password() {
            return password;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Login l && user.equals(l.user) && MessageDigest.isEqual(
                    password.getBytes(StandardCharsets.UTF_8), l.password.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public int hashCode() {
            return user.hashCode(); // not the password
        }

        @Override
        public String toString() {
            return "login " + user;
        }
    }

    /** What the file held at {@code stamp}: a login, or the reason it cannot be used (naming property and file). */
    private record Reading(FileStamp stamp, Login login, String error) {
    }

    private RelayAuth(String userProperty, String user, String fileProperty, Path file, Reading reading) {
        this.userProperty = Objects.requireNonNull(userProperty, "userProperty");
        this.user = Objects.requireNonNull(user, "user");
        this.fileProperty = Objects.requireNonNull(fileProperty, "fileProperty");
        this.file = Objects.requireNonNull(file, "file");
        this.reading = reading;
    }

    /**
     * Reads the password for {@code user} from {@code file} now: UTF-8, one line (a final line break, as
     * {@code echo secret > file} writes it, is not part of the password).
     *
     * @throws IllegalArgumentException naming {@code userProperty} or {@code fileProperty} when the user name is
     *                                  not usable or the file is missing, unreadable, open to group or others,
     *                                  empty or more than one line
     */
    static RelayAuth read(String userProperty, String user, String fileProperty, Path file) {
        if (user.length() > 255 || !user.codePoints().allMatch(c -> c > 0x20 && c != 0x7F)) {
            throw new IllegalArgumentException(userProperty + " must be 1..255 characters without spaces or control "
                    + "characters");
        }
        Reading r = readFile(user, fileProperty, file);
        if (r.error != null) {
            throw new IllegalArgumentException(r.error);
        }
        return new RelayAuth(userProperty, user, fileProperty, file, r);
    }

    /** The file read and checked now, with the stamp taken before (a change while reading is seen next time). */
    private static Reading readFile(String user, String fileProperty, Path file) {
        FileStamp stamp = FileStamp.of(file);
        try {
            return new Reading(stamp, new Login(user, password(fileProperty, file)), null);
        } catch (IllegalArgumentException e) {
            return new Reading(stamp, null, String.valueOf(e.getMessage()));
        }
    }

    private static String password(String fileProperty, Path file) {
        String text = new String(SecretFiles.read(fileProperty, file, MAX_PASSWORD_BYTES), StandardCharsets.UTF_8);
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        String name = fileProperty + " '" + file.getFileName() + "'";
        if (text.isEmpty()) {
            throw new IllegalArgumentException(name + " is empty");
        }
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0 || text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(name + " must hold the password on one line");
        }
        return text;
    }

    /**
     * The credentials to authenticate with now: the last reading while the file is unchanged, else the file read
     * and checked again. A change is logged once (INFO for a new password, WARN for a file no longer usable).
     *
     * @throws IllegalArgumentException naming the file property and the file's name (never the content) when the
     *                                  file, as it is now, cannot be used
     */
    Login login() {
        FileStamp now = FileStamp.of(file);
        Reading r = reading;
        if (!now.equals(r.stamp)) {
            synchronized (this) {
                r = reading;
                if (!now.equals(r.stamp)) {
                    Reading fresh = readFile(user, fileProperty, file);
                    reading = fresh;
                    changed(r, fresh);
                    r = fresh;
                }
            }
        }
        if (r.error != null) {
            throw new IllegalArgumentException(r.error);
        }
        return r.login;
    }

    private void changed(Reading before, Reading after) {
        if (after.error != null) {
            if (!after.error.equals(before.error)) {
                LOG.warn("SMTP AUTH password file changed and cannot be used now: {}. Mail to that next hop is "
                        + "deferred until the file is fixed; the previous password is not used", after.error);
            }
        } else if (before.error != null) {
            LOG.info("{} '{}' usable again: SMTP AUTH as {} resumes", fileProperty, file.getFileName(), user);
        } else if (!after.login.equals(before.login)) {
            LOG.info("{} '{}' changed: new connections authenticate as {} with the new password; kept connections "
                    + "that used the old one are closed", fileProperty, file.getFileName(), user);
        }
    }

    String user() {
        return user;
    }

    String userProperty() {
        return userProperty;
    }

    String fileProperty() {
        return fileProperty;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RelayAuth a && userProperty.equals(a.userProperty) && user.equals(a.user)
                && fileProperty.equals(a.fileProperty) && file.equals(a.file);
    }

    @Override
    public int hashCode() {
        return Objects.hash(user, file);
    }

    @Override
    public String toString() {
        return "user " + user + " (password from " + file.getFileName() + ")";
    }
}
