package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** DS reads {@code dry.run = yes} as false: activation must refuse it instead, naming the property. */
class StrictConfigTest {

    @Test
    void dryRunWrittenAsYesFailsActivationNamingTheProperty() {
        Map<String, Object> props = Map.of("dry.run", "yes");
        assertThatThrownBy(() -> new RetentionComponent(TestConfig.of(Map.of()), props, new MemoryAuditStore(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.retention: dry.run must be true or false, got 'yes'");
    }

    @Test
    void imapTimeoutWrittenAs30DaysFailsBothComponentsOnThePid() {
        Map<String, Object> props = Map.of("imap.timeout.seconds", "30days");
        assertThatThrownBy(() -> new RetentionComponent(TestConfig.of(Map.of()), props, new MemoryAuditStore(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.retention: imap.timeout.seconds must be a whole number, got '30days'");
        assertThatThrownBy(() -> new MailboxRecallImpl(TestConfig.of(Map.of()), props, new MemoryAuditStore()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("imap.timeout.seconds must be a whole number");
    }
}
