package org.streamail.core.internal.delivery;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * SMTP AUTH credentials for a next hop: a user name and the password read from a secret file
 * ({@link SecretFiles}) when the configuration was read. Two instances are equal when user, file and password
 * are, so a kept connection ({@link RelayConnections}) is never reused once any of them changed.
 * {@link #toString()} never shows the password. Immutable, thread-safe.
 */
final class RelayAuth {

    /** A password file longer than this holds something else. */
    static final int MAX_PASSWORD_BYTES = 1024;

    private final String user;
    private final String password;
    private final Path file;

    RelayAuth(String user, String password, Path file) {
        this.user = Objects.requireNonNull(user, "user");
        this.password = Objects.requireNonNull(password, "password");
        this.file = Objects.requireNonNull(file, "file");
    }

    /**
     * Reads the password for {@code user} from {@code file}: UTF-8, one line (a final line break, as
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
        return new RelayAuth(user, text, file);
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
        return o instanceof RelayAuth a && user.equals(a.user) && file.equals(a.file)
                && MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8),
                        a.password.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return Objects.hash(user, file); // not the password
    }

    @Override
    public String toString() {
        return "user " + user + " (password from " + file.getFileName() + ")";
    }
}
