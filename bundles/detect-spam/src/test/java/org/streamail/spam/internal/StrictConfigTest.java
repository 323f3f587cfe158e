package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The raw properties are checked before DS converts them: a config of {@code null} is never reached. */
class StrictConfigTest {

    @Test
    void aBooleanWrittenAsYesFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("block.allow.loopback", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.spam: block.allow.loopback must be true or false, got 'yes'");
    }

    @Test
    void aNumberWrittenAs30DaysFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("release.learning.seconds", "30days")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.spam: release.learning.seconds must be a whole number, got '30days'");
        assertThatThrownBy(() -> new SpamComponent(null, null, Map.of("similarity.threshold", "half")))
                .hasMessage("org.streamail.spam: similarity.threshold must be a number such as 5 or 1.5, got 'half'");
    }
}
