package org.streamail.security.internal;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * Karaf's properties realm file ({@code etc/users.properties}): {@code user = password,role,...,_g_:group}
 * and {@code _g_\:group = group,role,...}. Only ever appended to, through a temporary file and an atomic
 * rename, so a crash leaves either the old or the new file and never a half-written one; existing lines
 * are kept byte for byte. Not thread-safe: one caller at a time (the DS component).
 */
final class UsersFile {

    static final String GROUP_PREFIX = "_g_:";

    private final Path file;

    UsersFile(Path file) {
        this.file = file;
    }

    Path path() {
        return file;
    }

    private String read() throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
    }

    private static Properties parse(String text) throws IOException {
        Properties p = new Properties();
        try (Reader r = new StringReader(text)) {
            p.load(r);
        }
        return p;
    }

    /** Whether the user has an entry (whatever its password or roles). */
    boolean hasUser(String user) throws IOException {
        return parse(read()).containsKey(user);
    }

    /** The stored value of a user's entry ({@code password,roles...}), or {@code null}. */
    String entry(String user) throws IOException {
        return parse(read()).getProperty(user);
    }

    /**
     * Appends the user (and its group, when the group is not defined yet) unless the user already exists.
     *
     * @return {@code false} when the user already existed and nothing was written
     */
    boolean addUserIfAbsent(String user, String storedPassword, String group, String... groupRoles) throws IOException {
        String text = read();
        Properties existing = parse(text);
        if (existing.containsKey(user)) {
            return false;
        }
        StringBuilder add = new StringBuilder(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            add.append('\n');
        }
        if (endsInContinuation(text)) {
            // a last line ending in an odd number of backslashes continues on the next one and would swallow ours
            // (the last user would get our group and a plain-text password); an empty line ends it
            add.append('\n');
        }
        String groupKey = GROUP_PREFIX + group;
        if (!existing.containsKey(groupKey)) {
            add.append("_g_\\:").append(group).append(" = group");
            for (String role : groupRoles) {
                add.append(',').append(role);
            }
            add.append('\n');
        }
        add.append(user).append(" = ").append(storedPassword).append(',').append(GROUP_PREFIX).append(group).append('\n');
        String content = add.toString();
        // What Karaf will read must be exactly what was meant: a name such as "#admin", "ad=min" or "ad min" would
        // be a comment or another user with a plain-text password, and every boot would append another one.
        Properties after = parse(content);
        boolean intact = (storedPassword + ',' + GROUP_PREFIX + group).equals(after.getProperty(user))
                && after.containsKey(groupKey)
                && existing.entrySet().stream().allMatch(e -> e.getValue().equals(after.get(e.getKey())));
        if (!intact) {
            throw new IOException("user '" + user + "' or group '" + group + "' cannot be written to " + file
                    + " as a users.properties entry (characters such as '#', '=', ':' or blanks); nothing changed");
        }
        replace(content);
        return true;
    }

    /**
     * Whether the last non-empty line of {@code text} ends in an odd number of backslashes (a line continuation;
     * after an empty line it is none, but one more empty line is harmless).
     */
    private static boolean endsInContinuation(String text) {
        int end = text.length();
        while (end > 0 && (text.charAt(end - 1) == '\n' || text.charAt(end - 1) == '\r')) {
            end--;
        }
        int backslashes = 0;
        while (end - backslashes > 0 && text.charAt(end - backslashes - 1) == '\\') {
            backslashes++;
        }
        return backslashes % 2 == 1;
    }

    private void replace(String content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".users", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, content, StandardCharsets.ISO_8859_1);
            if (Files.exists(file)) {
                // keep the original file's mode (and so never widen it) across the rename
                var perms = Files.getFileAttributeView(file, PosixFileAttributeView.class).readAttributes().permissions();
                Files.setPosixFilePermissions(tmp, perms);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
