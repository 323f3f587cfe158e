package org.streamail.security.internal;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Objects;

/**
 * The first-boot rule, free of OSGi so it can be unit-tested: if the users file has no admin entry, create
 * one whose stored password is a hash; the password comes from the given environment value when set, else
 * it is generated and written once to a file created with mode 600. An existing admin is never touched.
 *
 * <p>Not thread-safe; called once per activation.
 */
final class AdminBootstrap {

    /** What {@link #ensureAdmin} did. */
    enum Outcome { EXISTED, CREATED_FROM_ENV, CREATED_WITH_GENERATED_PASSWORD }

    static final String[] ADMIN_ROLES = {"admin", "manager", "viewer", "systembundles", "ssh"};
    static final int GENERATED_LENGTH = 24;
    // no ',', '\', '=', ':' or blanks: they would be awkward to type and to quote in a shell
    private static final char[] ALPHABET =
            "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_.+!@%".toCharArray();

    private final UsersFile users;
    private final PasswordHasher hasher;
    private final Path passwordFile;
    private final SecureRandom random;

    AdminBootstrap(UsersFile users, PasswordHasher hasher, Path passwordFile, SecureRandom random) {
        this.users = Objects.requireNonNull(users);
        this.hasher = Objects.requireNonNull(hasher);
        this.passwordFile = Objects.requireNonNull(passwordFile);
        this.random = Objects.requireNonNull(random);
    }

    /**
     * @param user        the admin user name
     * @param group       its Karaf group
     * @param envPassword the value of {@code STREAMAIL_ADMIN_PASSWORD}, or {@code null}/blank when unset
     */
    Outcome ensureAdmin(String user, String group, String envPassword) throws IOException {
        if (users.hasUser(user)) {
            return Outcome.EXISTED;
        }
        if (envPassword != null && !envPassword.isBlank()) {
            users.addUserIfAbsent(user, hasher.hash(envPassword), group, ADMIN_ROLES);
            return Outcome.CREATED_FROM_ENV;
        }
        String password = generate();
        writePasswordFile(password);
        try {
            if (!users.addUserIfAbsent(user, hasher.hash(password), group, ADMIN_ROLES)) {
                // someone added the admin between our check and our write: theirs wins, ours is void
                Files.deleteIfExists(passwordFile);
                return Outcome.EXISTED;
            }
        } catch (IOException | RuntimeException e) {
            // the file would describe a password that was never stored
            Files.deleteIfExists(passwordFile);
            throw e;
        }
        return Outcome.CREATED_WITH_GENERATED_PASSWORD;
    }

    String generate() {
        char[] c = new char[GENERATED_LENGTH];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return new String(c);
    }

    /**
     * Creates the file with mode 600 from the start (the permission is part of the create call, so there
     * is no moment where another user could open it). A stale file from an earlier admin that has since been
     * deleted from the realm is replaced, since its password no longer works.
     */
    private void writePasswordFile(String password) throws IOException {
        Files.createDirectories(passwordFile.toAbsolutePath().getParent());
        Files.deleteIfExists(passwordFile);
        try (FileChannel ch = FileChannel.open(passwordFile,
                EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
             Writer w = Channels.newWriter(ch, StandardCharsets.UTF_8)) {
            w.write(password);
            w.write('\n');
            w.flush();
            ch.force(true);
        }
    }
}
