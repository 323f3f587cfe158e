package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.MutableClock;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them: a config of {@code null} is never reached. */
class StrictConfigTest {

    private static <A> A unread(Class<A> type) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            throw new AssertionError("config read before the check: " + m.getName());
        }));
    }

    @Test
    void notifyRecipientsWrittenAsYesFailsActivationNamingTheProperty() {
        assertThatThrownBy(() -> new AlertServiceImpl(unread(ReportingConfig.class),
                Map.of("notify.recipients", "yes"), new MemoryAlertStore()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.reporting: notify.recipients must be true or false, got 'yes'");
    }

    @Test
    void numbersThatAreNoWholeNumberFailActivationNamingTheProperty() {
        assertThatThrownBy(() -> new AlertServiceImpl(unread(ReportingConfig.class),
                Map.of("webhook.timeout.seconds", "10s"), new MemoryAlertStore()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.reporting: webhook.timeout.seconds must be a whole number, got '10s'");
        assertThatThrownBy(() -> new CampaignServiceImpl(unread(CampaignConfig.class),
                Map.of("max.scanned", "1k"), new MemoryMessageLog()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.campaign: max.scanned must be a whole number, got '1k'");
    }

    @Test
    void aMisspelledKeyIsReported() {
        assertThat(AlertServiceImpl.checkProperties(Map.of("admin.adress", "secops@corp.example",
                "store.target", "(name=x)", "component.id", 7L))).containsExactly("admin.adress");
        assertThat(CampaignServiceImpl.checkProperties(Map.of("campaign.windw", "P2D"))).containsExactly(
                "campaign.windw");
    }

    @Test
    void theShippedAlertConfigurationHasNoUnknownKeyAndActivates() throws Exception {
        Map<String, Object> shipped = ShippedConfig.of(ReportingConfig.PID);
        assertThat(shipped).containsKeys("escalation.window", "notify.min.severity", "notify.recipients");
        assertThat(AlertServiceImpl.checkProperties(shipped)).isEmpty();
        ReportingConfig config = AlertServiceImpl.checked(ShippedConfig.config(ReportingConfig.class, shipped), shipped);
        AlertServiceImpl s = new AlertServiceImpl(config, new MemoryAlertStore(), new MutableClock(Instant.EPOCH),
                Runnable::run);
        s.deactivate();
    }

    @Test
    void theCampaignDefaultsWrittenAsTextAreAccepted() throws Exception {
        if (ShippedConfig.shipped(CampaignConfig.PID)) {
            assertThat(CampaignServiceImpl.checkProperties(ShippedConfig.of(CampaignConfig.PID))).isEmpty();
        }
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(CampaignConfig.class);
        assertThat(defaults).containsEntry("max.scanned", "1000").hasSize(3);
        assertThat(CampaignServiceImpl.checkProperties(defaults)).isEmpty();
        new CampaignServiceImpl(CampaignServiceImpl.checked(ShippedConfig.config(CampaignConfig.class, defaults),
                defaults), new MemoryMessageLog(), new MutableClock(Instant.EPOCH));
        assertThat(AlertServiceImpl.checkProperties(ShippedConfig.defaultsAsText(ReportingConfig.class))).isEmpty();
    }
}
