package org.streamail.detect.auth.internal.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them, and the shipped configuration activates (signing off). */
class StrictConfigTest {

    private static DkimSignConfig unread() {
        return (DkimSignConfig) Proxy.newProxyInstance(DkimSignConfig.class.getClassLoader(),
                new Class<?>[] {DkimSignConfig.class}, (p, m, a) -> {
                    throw new AssertionError("config read before the check: " + m.getName());
                });
    }

    @Test
    void enabledWrittenAsYesFailsActivationNamingThePropertyBeforeAnythingIsRead() {
        assertThatThrownBy(() -> new DkimSigning(unread(), Map.of("enabled", "yes"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.dkim.sign: enabled must be true or false, got 'yes'");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKeyAndActivatesWithSigningOff() throws Exception {
        Map<String, Object> shipped = ShippedConfig.of(DkimSignConfig.PID);
        assertThat(shipped).containsEntry("enabled", "false");
        assertThat(ConfigCheck.check(DkimSignConfig.PID, DkimSignConfig.class, shipped)).isEmpty();
        List<OutboundSigner> registered = new ArrayList<>();
        DkimSigning c = new DkimSigning(DkimSigning.checked(ShippedConfig.config(DkimSignConfig.class, shipped),
                shipped), s -> {
                    registered.add(s);
                    return () -> registered.remove(s);
                }, java.time.Clock.systemUTC());
        assertThat(registered).isEmpty();
        assertThat(c.status(true).enabled()).isFalse();
        // the defaults an operator copies from the README, written out, read as the annotation's own
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(DkimSignConfig.class);
        assertThat(ConfigCheck.check(DkimSignConfig.PID, DkimSignConfig.class, defaults)).isEmpty();
        assertThat(SignSettings.from(ShippedConfig.config(DkimSignConfig.class, defaults)))
                .isEqualTo(SignSettings.from(SignFixtures.config(Map.of())));
    }
}
