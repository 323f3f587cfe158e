package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {

    @TempDir
    Path dir;

    @Test
    void aKeyIsGeneratedOnceIntoAnOwnerOnlyFileAndReusedAfterwards() throws Exception {
        Path file = dir.resolve("streamail").resolve(SigningKeys.FILE_NAME);
        byte[] first = SigningKeys.resolve("", file);
        assertThat(first).hasSize(32);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(SigningKeys.resolve(null, file)).isEqualTo(first);
        try (var files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void aConfiguredKeyWinsAndAShortOrMalformedOneIsRefusedWithoutEchoingIt() {
        byte[] key = new byte[40];
        key[3] = 9;
        assertThat(SigningKeys.resolve(Base64.getEncoder().encodeToString(key), null)).isEqualTo(key);
        assertThat(SigningKeys.resolve(Base64.getUrlEncoder().withoutPadding().encodeToString(key), null)).isEqualTo(key);
        assertThatThrownBy(() -> SigningKeys.resolve(Base64.getEncoder().encodeToString(new byte[8]), null))
                .hasMessageContaining("at least 32");
        assertThatThrownBy(() -> SigningKeys.resolve("not*base64*secret", null))
                .hasMessageContaining("not base64").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> SigningKeys.resolve("", null)).hasMessageContaining("signing.key");
    }
}
