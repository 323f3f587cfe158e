package org.streamail.api.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesPrivateTest {

    @TempDir
    Path dir;

    @Test
    void aSecretFileMustBeReadableAndOpenToNobodyElse() throws Exception {
        Path f = Files.writeString(dir.resolve("secret"), "x");
        for (String mode : new String[] {"rw-------", "r--------"}) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
            assertThatCode(() -> KeyFiles.requirePrivate("keys 'secret'", f)).as(mode).doesNotThrowAnyException();
        }
        for (String mode : new String[] {"rw-r--r--", "rw-rw----", "rw-----w-", "rw------x"}) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
            assertThatThrownBy(() -> KeyFiles.requirePrivate("keys 'secret'", f)).as(mode)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("keys 'secret' is open to group or others (mode " + mode
                            + "); it must be 600 or 400 (chmod 600)");
        }
        assertThatThrownBy(() -> KeyFiles.requirePrivate("keys 'gone'", dir.resolve("gone")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("keys 'gone' is not readable by this process");
    }
}
