package org.streamail.security.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.testsupport.ShippedConfig;

/**
 * Every property of {@code org.streamail.security} is a String, so no value is refused; what the strict check
 * adds is the WARN for a key nothing reads (a misspelled {@code admin.user} creates the admin under "admin").
 */
class StrictConfigTest {

    @TempDir
    Path dir;

    @Test
    void aMisspelledKeyIsReportedAndStringsAreTakenAsWritten() {
        assertThat(AdminAccountInitializer.checkProperties(Map.of("admin.usr", "root", "admin.group", "yes",
                "component.name", "c", "service.pid", AdminAccountInitializer.PID))).containsExactly("admin.usr");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKey() throws Exception {
        Map<String, Object> shipped = ShippedConfig.of(AdminAccountInitializer.PID);
        assertThat(shipped).containsEntry("admin.user", "admin").containsKeys("users.file", "password.file");
        assertThat(AdminAccountInitializer.checkProperties(shipped)).isEmpty();
    }

    @Test
    void theDefaultsWrittenAsTextAreAcceptedAndTheComponentActivatesWithTheRawProperties() throws Exception {
        Map<String, Object> props = new HashMap<>(ShippedConfig.defaultsAsText(AdminAccountConfig.class));
        assertThat(props).containsEntry("admin.group", "admingroup").hasSize(5);
        assertThat(AdminAccountInitializer.checkProperties(props)).isEmpty();
        Path users = Files.writeString(dir.resolve("users.properties"), "# Karaf users\n");
        props.put("users.file", users.toString());
        Path jaas = Files.writeString(dir.resolve("org.apache.karaf.jaas.cfg"),
                "encryption.enabled = true\nencryption.name = basic\nencryption.algorithm = SHA-256\n");
        props.put("jaas.config.file", jaas.toString());
        props.put("password.file", dir.resolve("initial-admin-password").toString());
        props.put("admin.user", "opsadmin");
        new AdminAccountInitializer(ShippedConfig.config(AdminAccountConfig.class, props), null, props);
        assertThat(Files.readString(users)).contains("opsadmin");
    }
}
