package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The raw properties are checked before DS converts them: a config of {@code null} is never reached. */
class StrictConfigTest {

    @Test
    void anExpiryCheckWrittenAs30DaysFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new IsolationServiceImpl(null, Map.of("expiry.check.seconds", "30days"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.isolation: expiry.check.seconds must be a whole number, got '30days'");
        assertThatThrownBy(() -> new IsolationServiceImpl(null, Map.of("repeat.multiplier", "twice"), null))
                .hasMessage("org.streamail.isolation: repeat.multiplier must be a number such as 5 or 1.5, got 'twice'");
    }

    @Test
    void enforcerTimeoutsThatAreNoWholeNumberFailNamingTheProperty() {
        assertThatThrownBy(() -> new NftablesEnforcer(null, Map.of("timeout.seconds", "1.5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.isolation.nftables: timeout.seconds must be a whole number, got '1.5'");
        assertThatThrownBy(() -> new NftablesEnforcer(null, Map.of("isolate.by.mac", "yes")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("isolate.by.mac");
        assertThatThrownBy(() -> new WebhookEnforcer(null, Map.of("timeout.seconds", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.isolation.webhook: timeout.seconds must be a whole number, got ''");
    }
}
