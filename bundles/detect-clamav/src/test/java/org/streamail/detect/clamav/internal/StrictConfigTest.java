package org.streamail.detect.clamav.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them: a config that is read fails the test. */
class StrictConfigTest {

    /** A config whose every method fails: proves the raw properties are checked before any is read. */
    private static final ClamavDetector.Config UNREAD = (ClamavDetector.Config) Proxy.newProxyInstance(
            ClamavDetector.Config.class.getClassLoader(), new Class<?>[] {ClamavDetector.Config.class},
            (p, m, a) -> {
                throw new AssertionError("config read before the check: " + m.getName());
            });

    @Test
    void aPortThatIsNoWholeNumberFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new ClamavDetector(UNREAD, Map.of("port", "3310/tcp")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.clamav: port must be a whole number, got '3310/tcp'");
        assertThatThrownBy(() -> new ClamavDetector(UNREAD, Map.of("timeout.ms", "10s")))
                .hasMessage("org.streamail.detect.clamav: timeout.ms must be a whole number, got '10s'");
    }

    @Test
    void aScoreThatIsNoNumberFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new ClamavDetector(UNREAD, Map.of("score", "high")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.clamav: score must be a number such as 5 or 1.5, got 'high'");
    }

    @Test
    void oversizeAlertMustBeTrueOrFalse() {
        assertThatThrownBy(() -> new ClamavDetector(UNREAD, Map.of("oversize.alert", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.clamav: oversize.alert must be true or false, got 'yes'");
        assertThatThrownBy(() -> new ClamavDetector(UNREAD, Map.of("oversize.score", "high")))
                .hasMessage("org.streamail.detect.clamav: oversize.score must be a number such as 5 or 1.5, got 'high'");
    }

    @Test
    void aMisspelledKeyIsReportedButNotTheComponentsOwnProperty() {
        assertThat(ClamavDetector.checkProperties(Map.of("sockett", "/run/clamd.ctl", "detector", "clamav",
                "component.name", "c"))).containsExactly("sockett");
    }

    @Test
    void theDefaultsWrittenAsTextAreAcceptedAndActivate() throws Exception {
        if (ShippedConfig.shipped(ClamavDetector.PID)) {
            assertThat(ClamavDetector.checkProperties(ShippedConfig.of(ClamavDetector.PID))).isEmpty();
        }
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(ClamavDetector.Config.class);
        assertThat(defaults).containsEntry("port", "3310").containsEntry("timeout.ms", "10000")
                .containsEntry("oversize.alert", "false").containsEntry("oversize.score", "8.0").hasSize(9);
        assertThat(ClamavDetector.checkProperties(defaults)).isEmpty();
        ClamavDetector d = new ClamavDetector(ShippedConfig.config(ClamavDetector.Config.class, defaults), defaults);
        try {
            assertThat(d.name()).isEqualTo("clamav");
        } finally {
            d.deactivate();
        }
    }
}
