package org.streamail.core.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.core.internal.policy.Policy;
import org.streamail.core.internal.policy.PolicyRules;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them, at activation and on every change. */
class StrictConfigTest {

    /** A config whose every method fails: proves the raw properties are checked before any is read. */
    private static final PipelineConfig UNREAD = (PipelineConfig) Proxy.newProxyInstance(
            PipelineConfig.class.getClassLoader(), new Class<?>[] {PipelineConfig.class}, (p, m, a) -> {
                throw new AssertionError("config read before the check: " + m.getName());
            });

    private final Policy policy = Policy.fixed(PolicyRules.defaults());

    @Test
    void aTimeoutWrittenAs10SecondsFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new Pipeline(policy, UNREAD, Map.of("detector.timeout.ms", "10s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.pipeline: detector.timeout.ms must be a whole number, got '10s'");
        assertThatThrownBy(() -> new Pipeline(policy, UNREAD, Map.of("threads", "4 ")))
                .hasMessage("org.streamail.pipeline: threads must be a whole number with no spaces around it, got '4 '");
    }

    @Test
    void aMisspelledKeyIsReported() {
        assertThat(Pipeline.checkProperties(Map.of("thread", "8", "smtp.budget.ms", "1000",
                "policy.target", "(component.name=x)"))).containsExactly("thread");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKeyAndActivates() throws Exception {
        Map<String, Object> shipped = ShippedConfig.of(Pipeline.PID);
        assertThat(shipped).containsKeys("threads", "detector.timeout.ms", "smtp.budget.ms", "max.message.bytes");
        assertThat(Pipeline.checkProperties(shipped)).isEmpty();
        Pipeline pipeline = new Pipeline(policy, ShippedConfig.config(PipelineConfig.class, shipped), shipped);
        try {
            assertThat(pipeline.settings().threads()).isEqualTo(4);
            assertThat(pipeline.settings().smtpBudget()).isEqualTo(Duration.ofSeconds(20));
        } finally {
            pipeline.close();
        }
    }

    @Test
    void theDefaultsWrittenAsTextAreAccepted() {
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(PipelineConfig.class);
        assertThat(defaults).containsEntry("detector.timeout.ms", "10000").hasSize(4);
        assertThat(Pipeline.checkProperties(defaults)).isEmpty();
    }

    @Test
    void anInvalidChangeIsRefusedAndThePreviousSettingsStay() {
        Map<String, Object> props = new HashMap<>(Map.of("threads", "2"));
        Pipeline pipeline = new Pipeline(policy, ShippedConfig.config(PipelineConfig.class, props), props);
        try {
            PipelineSettings before = pipeline.settings();
            pipeline.modified(UNREAD, Map.of("threads", "eight"));
            assertThat(pipeline.settings()).isSameAs(before);

            Map<String, Object> outOfRange = Map.of("threads", "0");
            pipeline.modified(ShippedConfig.config(PipelineConfig.class, outOfRange), outOfRange);
            assertThat(pipeline.settings()).isSameAs(before);

            props.put("threads", "3");
            pipeline.modified(ShippedConfig.config(PipelineConfig.class, props), props);
            assertThat(pipeline.settings().threads()).isEqualTo(3);
        } finally {
            pipeline.close();
        }
    }
}
