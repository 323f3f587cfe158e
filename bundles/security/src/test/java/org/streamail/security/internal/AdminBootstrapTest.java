package org.streamail.security.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminBootstrapTest {

    @TempDir
    Path dir;
    Path users;
    Path passwordFile;
    PasswordHasher hasher;
    AdminBootstrap bootstrap;

    @BeforeEach
    void setUp() throws Exception {
        users = dir.resolve("etc/users.properties");
        Files.createDirectories(users.getParent());
        Files.writeString(users, "# no users shipped\n_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n");
        passwordFile = dir.resolve("data/streamail/initial-admin-password");
        hasher = new PasswordHasher("SHA-512", "hexadecimal", "{CRYPT}", "{CRYPT}");
        bootstrap = new AdminBootstrap(new UsersFile(users), hasher, passwordFile, new SecureRandom());
    }

    @Test
    void generatedPasswordIsWrittenToAFileReadableOnlyByTheOwner() throws Exception {
        assertThat(bootstrap.ensureAdmin("admin", "admingroup", null))
                .isEqualTo(AdminBootstrap.Outcome.CREATED_WITH_GENERATED_PASSWORD);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
        String password = Files.readString(passwordFile).trim();
        assertThat(password).hasSizeGreaterThanOrEqualTo(20);
    }

    @Test
    void onlyTheHashOfTheGeneratedPasswordIsStoredInTheUsersFile() throws Exception {
        bootstrap.ensureAdmin("admin", "admingroup", null);
        String password = Files.readString(passwordFile).trim();

        String usersText = Files.readString(users);
        assertThat(usersText).doesNotContain(password);
        String expectedHash = HexFormat.of().withUpperCase().formatHex(
                MessageDigest.getInstance("SHA-512").digest(password.getBytes(StandardCharsets.UTF_8)));
        assertThat(new UsersFile(users).entry("admin")).isEqualTo("{CRYPT}" + expectedHash + "{CRYPT},_g_:admingroup");
    }

    @Test
    void anExistingAdminIsNeverOverwritten() throws Exception {
        Files.writeString(users, "admin = {CRYPT}ABC{CRYPT},_g_:admingroup\n");
        String before = Files.readString(users);

        assertThat(bootstrap.ensureAdmin("admin", "admingroup", "new-password-from-env"))
                .isEqualTo(AdminBootstrap.Outcome.EXISTED);
        assertThat(bootstrap.ensureAdmin("admin", "admingroup", null)).isEqualTo(AdminBootstrap.Outcome.EXISTED);

        assertThat(Files.readString(users)).isEqualTo(before);
        assertThat(passwordFile).doesNotExist();
    }

    @Test
    void aSecondBootKeepsTheFirstPasswordAndFile() throws Exception {
        bootstrap.ensureAdmin("admin", "admingroup", null);
        String firstPassword = Files.readString(passwordFile);
        String firstUsers = Files.readString(users);

        assertThat(bootstrap.ensureAdmin("admin", "admingroup", null)).isEqualTo(AdminBootstrap.Outcome.EXISTED);

        assertThat(Files.readString(passwordFile)).isEqualTo(firstPassword);
        assertThat(Files.readString(users)).isEqualTo(firstUsers);
    }

    @Test
    void passwordFromTheEnvironmentIsHashedAndNoFileIsWritten() throws Exception {
        assertThat(bootstrap.ensureAdmin("admin", "admingroup", "s3cret-from-env"))
                .isEqualTo(AdminBootstrap.Outcome.CREATED_FROM_ENV);

        assertThat(passwordFile).doesNotExist();
        assertThat(Files.readString(users)).doesNotContain("s3cret-from-env")
                .contains("admin = " + hasher.hash("s3cret-from-env") + ",_g_:admingroup");
    }

    @Test
    void existingLinesAreKeptAndAMissingGroupIsCreatedWithTheAdminRoles() throws Exception {
        Files.writeString(users, "# comment kept\nviewer = {CRYPT}00{CRYPT},viewer");

        bootstrap.ensureAdmin("admin", "admingroup", "pw");

        String text = Files.readString(users);
        assertThat(text).startsWith("# comment kept\nviewer = {CRYPT}00{CRYPT},viewer\n");
        assertThat(new UsersFile(users).entry("_g_:admingroup")).isEqualTo("group,admin,manager,viewer,systembundles,ssh");
    }

    @Test
    void aLastLineEndingInABackslashDoesNotSwallowTheAdminEntry() throws Exception {
        // A value line ending in a backslash continues on the next line: appended naively, the group (or, when the
        // group exists, the admin line with its group) becomes part of the last user's value. That user then
        // holds _g_:admingroup with a plain-text password, and the admin does not exist.
        for (String last : new String[] {"ops = {CRYPT}00{CRYPT},viewer\\", "ops = {CRYPT}00{CRYPT},viewer\\\n"}) {
            Files.writeString(users, "_g_\\:admingroup = group,admin,manager,viewer,systembundles,ssh\n" + last);
            Files.deleteIfExists(passwordFile);

            assertThat(bootstrap.ensureAdmin("admin", "admingroup", "pw")).isEqualTo(AdminBootstrap.Outcome.CREATED_FROM_ENV);

            UsersFile file = new UsersFile(users);
            assertThat(file.entry("admin")).isEqualTo(hasher.hash("pw") + ",_g_:admingroup");
            assertThat(file.entry("ops")).isEqualTo("{CRYPT}00{CRYPT},viewer");
            assertThat(bootstrap.ensureAdmin("admin", "admingroup", "pw")).isEqualTo(AdminBootstrap.Outcome.EXISTED);
        }
    }

    @Test
    void anAdminNameTheUsersFileCannotHoldAsWrittenIsRefusedAndNothingIsWritten() throws Exception {
        // "#admin" would be a comment line, "ad=min" the user "ad" with the password "min = {CRYPT}...": the account
        // would not exist (or exist under another name with a plain-text password) and every boot would add another
        String before = Files.readString(users);
        for (String odd : new String[] {"#admin", "ad=min", "ad:min", "ad min"}) {
            assertThatThrownBy(() -> bootstrap.ensureAdmin(odd, "admingroup", null))
                    .isInstanceOf(java.io.IOException.class).hasMessageContaining("users.properties");
            assertThat(Files.readString(users)).isEqualTo(before);
            assertThat(passwordFile).doesNotExist();
        }
    }

    @Test
    void aStalePasswordFileFromADeletedAdminIsReplacedWithOwnerOnlyMode() throws Exception {
        Files.createDirectories(passwordFile.getParent());
        Files.writeString(passwordFile, "old-password\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-r--r--"));

        bootstrap.ensureAdmin("admin", "admingroup", null);

        assertThat(Files.readString(passwordFile)).doesNotContain("old-password");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(passwordFile))).isEqualTo("rw-------");
    }

    @Test
    void generatedPasswordsDifferAndAvoidCharactersThatBreakTheUsersFile() {
        String a = bootstrap.generate();
        String b = bootstrap.generate();
        assertThat(a).isNotEqualTo(b).doesNotContain(",", "=", ":", "\\", " ");
    }

    @Test
    void disabledEncryptionIsRefusedRatherThanStoringAPlainPassword() throws Exception {
        Path cfg = dir.resolve("org.apache.karaf.jaas.cfg");
        Files.writeString(cfg, "encryption.enabled = false\n");
        assertThatThrownBy(() -> PasswordHasher.fromJaasConfig(cfg))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("disabled");
    }

    @Test
    void hasherReadsKarafEncryptionSettings() throws Exception {
        Path cfg = dir.resolve("org.apache.karaf.jaas.cfg");
        Files.writeString(cfg, "encryption.enabled = true\nencryption.name =\nencryption.prefix = {CRYPT}\n"
                + "encryption.suffix = {CRYPT}\nencryption.algorithm = SHA-512\nencryption.encoding = hexadecimal\n");
        PasswordHasher fromCfg = PasswordHasher.fromJaasConfig(cfg);
        assertThat(fromCfg.hash("x")).isEqualTo(hasher.hash("x")).startsWith("{CRYPT}").endsWith("{CRYPT}").hasSize(128 + 14);
    }

    @Test
    void aNamedEncryptionServiceHashesAndOnlyPrefixAndSuffixAreAdded() throws Exception {
        Path cfg = dir.resolve("org.apache.karaf.jaas.cfg");
        Files.writeString(cfg, "encryption.enabled = true\nencryption.name = spring-security-crypto\n"
                + "encryption.prefix = {CRYPT}\nencryption.suffix = {CRYPT}\nencryption.algorithm = bcrypt\n"
                + "encryption.encoding = hexadecimal\n");
        java.util.Map<String, java.util.Map<String, String>> asked = new java.util.HashMap<>();
        PasswordHasher h = PasswordHasher.fromJaasConfig(cfg, (name, params) -> {
            asked.put(name, params);
            return pw -> "H(" + pw + ")";
        });
        assertThat(h.hash("pw")).isEqualTo("{CRYPT}H(pw){CRYPT}");
        assertThat(asked).containsOnlyKeys("spring-security-crypto");
        assertThat(asked.get("spring-security-crypto"))
                .containsEntry("algorithm", "bcrypt").containsEntry("encoding", "hexadecimal")
                .doesNotContainKeys("enabled", "name", "prefix", "suffix");
    }

    @Test
    void aMissingNamedEncryptionServiceIsRefused() throws Exception {
        Path cfg = dir.resolve("org.apache.karaf.jaas.cfg");
        Files.writeString(cfg, "encryption.enabled = true\nencryption.name = spring-security-crypto\n");
        assertThatThrownBy(() -> PasswordHasher.fromJaasConfig(cfg, (name, params) -> null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not available");
    }
}
