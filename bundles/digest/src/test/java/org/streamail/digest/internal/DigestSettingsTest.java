package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;

class DigestSettingsTest {

    /** A configuration with the defaults but the given values. */
    static DigestConfig config(Map<String, Object> values) {
        return (DigestConfig) java.lang.reflect.Proxy.newProxyInstance(DigestConfig.class.getClassLoader(),
                new Class<?>[] {DigestConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return DigestConfig.class;
                    }
                    Object v = values.get(method.getName());
                    return v != null ? v : method.getDefaultValue();
                });
    }

    @Test
    void theDefaultsAreUsable() {
        DigestSettings s = DigestSettings.from(config(Map.of()));
        assertThat(s.enabled()).isFalse();
        assertThat(s.sendTime()).isEqualTo(LocalTime.of(8, 0));
        assertThat(s.zone()).isEqualTo(ZoneId.systemDefault());
        assertThat(s.baseUrl()).isEmpty();
        assertThat(s.selfRelease()).isEqualTo(Set.of(Category.SPAM));
        assertThat(s.maxEntries()).isEqualTo(50);
    }

    @Test
    void valuesAreReadAndTrimmed() {
        DigestSettings s = DigestSettings.from(config(Map.of("send_time", " 17:30 ", "time_zone", "Europe/Paris",
                "base_url", "https://gw.corp.example:8443//", "self_release_categories", "spam, policy,",
                "from_address", "q@corp.example")));
        assertThat(s.sendTime()).isEqualTo(LocalTime.of(17, 30));
        assertThat(s.zone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(s.baseUrl()).isEqualTo("https://gw.corp.example:8443");
        assertThat(s.selfRelease()).isEqualTo(Set.of(Category.SPAM, Category.POLICY));
        assertThat(DigestSettings.from(config(Map.of("self_release_categories", " "))).selfRelease()).isEmpty();
    }

    @Test
    void everyBadValueNamesItsProperty() {
        Map<String, Object[]> bad = Map.of(
                "send.time", new Object[] {"send_time", "8h"},
                "time.zone", new Object[] {"time_zone", "Mars/Olympus"},
                "base.url", new Object[] {"base_url", "ftp://gw.example"},
                "link.validity.days", new Object[] {"link_validity_days", 91},
                "max.entries", new Object[] {"max_entries", 0},
                "max.scan", new Object[] {"max_scan", 99},
                "first.window", new Object[] {"first_window", "PT5M"},
                "from.address", new Object[] {"from_address", "Quarantine <q@corp.example>"},
                "admin.address", new Object[] {"admin_address", "it@corp.example, boss@corp.example"},
                "self.release.categories", new Object[] {"self_release_categories", "SPAM,VIRUS"});
        bad.forEach((property, kv) -> assertThatThrownBy(() -> DigestSettings.from(config(Map.of((String) kv[0],
                kv[1])))).as(property).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(property));
        assertThatThrownBy(() -> DigestSettings.baseUrl("https://user:pw@gw.example")).hasMessageContaining("base.url");
        assertThatThrownBy(() -> DigestSettings.baseUrl("https://gw.example/?a=1")).hasMessageContaining("base.url");
    }
}
