package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.SharedState;
import org.streamail.testsupport.InMemorySharedState;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them, and the shipped configuration activates. */
class StrictConfigTest {

    @TempDir
    Path dir;

    static final QuarantineService EMPTY = new DigestServiceImplTest.Quarantine();
    static final SharedState SHARED = new InMemorySharedState();

    private static DigestConfig unread() {
        return (DigestConfig) Proxy.newProxyInstance(DigestConfig.class.getClassLoader(),
                new Class<?>[] {DigestConfig.class}, (p, m, a) -> {
                    throw new AssertionError("config read before the check: " + m.getName());
                });
    }

    @Test
    void enabledWrittenAsYesFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new DigestServiceImpl(unread(), Map.of("enabled", "yes"), EMPTY, SHARED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("enabled")
                .hasMessageContaining("yes");
        assertThatThrownBy(() -> new DigestServiceImpl(unread(), Map.of("max.entries", "50 lines"), EMPTY, SHARED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.entries");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKeyAndActivates() throws Exception {
        Map<String, Object> shipped = new HashMap<>(ShippedConfig.of(DigestConfig.PID));
        assertThat(shipped).containsKeys("enabled", "send.time", "base.url", "self.release.categories",
                "notify.outgoing", "admin.address");
        assertThat(ConfigCheck.check(DigestConfig.PID, DigestConfig.class, shipped)).isEmpty();
        shipped.put("key.file", dir.resolve("digest.key").toString());
        DigestServiceImpl d = new DigestServiceImpl(ShippedConfig.config(DigestConfig.class, shipped), shipped, EMPTY,
                SHARED);
        try {
            assertThat(d.sender()).isEqualTo("streamail-quarantine@localhost");
        } finally {
            d.close();
        }
    }
}
