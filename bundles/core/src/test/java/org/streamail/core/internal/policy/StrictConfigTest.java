package org.streamail.core.internal.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them, at activation and on every change. */
class StrictConfigTest {

    /** A config whose every method fails: proves the raw properties are checked before any is read. */
    private static final PolicyConfig UNREAD = (PolicyConfig) Proxy.newProxyInstance(
            PolicyConfig.class.getClassLoader(), new Class<?>[] {PolicyConfig.class}, (p, m, a) -> {
                throw new AssertionError("config read before the check: " + m.getName());
            });

    @Test
    void aScoreThatIsNoNumberFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new Policy(UNREAD, Map.of("quarantine.score", "high")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.policy: quarantine.score must be a number such as 5 or 1.5, got 'high'");
        assertThatThrownBy(() -> new Policy(UNREAD, Map.of("tag.score", "NaN")))
                .hasMessage("org.streamail.policy: tag.score must be a number such as 5 or 1.5, got 'NaN'");
    }

    @Test
    void aMisspelledKeyIsReportedAndTheOthersAreNot() {
        assertThat(Policy.checkProperties(Map.of("reject.scroe", "20", "reject.score", "20",
                "component.name", "org.streamail.core.internal.policy.Policy", "service.pid", Policy.PID)))
                .containsExactly("reject.scroe");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKeyAndActivates() throws Exception {
        Map<String, Object> shipped = ShippedConfig.of(Policy.PID);
        assertThat(shipped).containsKeys("tag.score", "mandatory.detectors", "error.action");
        assertThat(Policy.checkProperties(shipped)).isEmpty();
        Policy policy = new Policy(ShippedConfig.config(PolicyConfig.class, shipped), shipped);
        assertThat(policy.mandatory()).containsExactly("content");
        assertThat(policy.evaluate(List.of(new Finding("x", "y", 8.0, Category.SPAM, "d"))).action())
                .isEqualTo(Action.QUARANTINE);
    }

    @Test
    void theDefaultsWrittenAsTextAreAccepted() {
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(PolicyConfig.class);
        assertThat(defaults).containsEntry("tag.score", "5.0").hasSize(8);
        assertThat(Policy.checkProperties(defaults)).isEmpty();
    }

    @Test
    void anInvalidChangeIsRefusedAndThePreviousRulesStay() {
        Map<String, Object> props = new HashMap<>(Map.of("tag.score", "2", "quarantine.score", "3"));
        Policy policy = new Policy(ShippedConfig.config(PolicyConfig.class, props), props);
        PolicyRules before = policy.rules();

        policy.modified(UNREAD, Map.of("tag.score", "2", "quarantine.score", "3 points"));
        assertThat(policy.rules()).isSameAs(before);

        Map<String, Object> badRule = Map.of("error.action", "SHRUG");
        policy.modified(ShippedConfig.config(PolicyConfig.class, badRule), badRule);
        assertThat(policy.rules()).isSameAs(before);

        props.put("quarantine.score", "4");
        policy.modified(ShippedConfig.config(PolicyConfig.class, props), props);
        assertThat(policy.rules()).isNotSameAs(before);
        assertThat(policy.evaluate(List.of(new Finding("x", "y", 3.5, Category.SPAM, "d"))).action())
                .isEqualTo(Action.TAG);
    }
}
