package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them: a config that is read fails the test. */
class StrictConfigTest {

    /** A config whose every method fails: proves the raw properties are checked before any is read. */
    private static final PhishingDetector.Config UNREAD = (PhishingDetector.Config) Proxy.newProxyInstance(
            PhishingDetector.Config.class.getClassLoader(), new Class<?>[] {PhishingDetector.Config.class},
            (p, m, a) -> {
                throw new AssertionError("config read before the check: " + m.getName());
            });

    @Test
    void aMultiplierThatIsNoNumberFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new PhishingDetector(UNREAD, Map.of("link.multiplier", "2x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.phishing: link.multiplier must be a number such as 5 or 1.5, got '2x'");
    }

    @Test
    void aLimitThatIsNoWholeNumberFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new PhishingDetector(UNREAD, Map.of("reload.interval.ms", "3s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.phishing: reload.interval.ms must be a whole number, got '3s'");
        assertThatThrownBy(() -> new PhishingDetector(UNREAD, Map.of("max.links", "500.0")))
                .hasMessage("org.streamail.detect.phishing: max.links must be a whole number, got '500.0'");
    }

    @Test
    void aMisspelledKeyIsReported() {
        assertThat(PhishingDetector.checkProperties(Map.of("protected.domain", "corp.example",
                "max.links", "100", "directory.target", "(x=y)", "service.pid", PhishingDetector.PID)))
                .containsExactly("protected.domain");
    }

    @Test
    void theDefaultsWrittenAsTextAreAcceptedAndActivate() throws Exception {
        if (ShippedConfig.shipped(PhishingDetector.PID)) {
            assertThat(PhishingDetector.checkProperties(ShippedConfig.of(PhishingDetector.PID))).isEmpty();
        }
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(PhishingDetector.Config.class);
        assertThat(defaults).containsEntry("score.multiplier", "1.0").containsEntry("max.links", "500").hasSize(11);
        assertThat(PhishingDetector.checkProperties(defaults)).isEmpty();
        PhishingDetector d = new PhishingDetector(ShippedConfig.config(PhishingDetector.Config.class, defaults),
                defaults);
        try {
            assertThat(d.name()).isEqualTo("phishing");
        } finally {
            d.deactivate();
        }
    }
}
