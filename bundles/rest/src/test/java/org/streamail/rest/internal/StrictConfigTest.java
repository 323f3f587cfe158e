package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.testsupport.ShippedConfig;

/** The raw properties are checked before DS converts them, by both components on the PID. */
class StrictConfigTest {

    /** A config whose every method fails: proves the raw properties are checked before any is read. */
    private static final RestConfiguration UNREAD = (RestConfiguration) Proxy.newProxyInstance(
            RestConfiguration.class.getClassLoader(), new Class<?>[] {RestConfiguration.class}, (p, m, a) -> {
                throw new AssertionError("config read before the check: " + m.getName());
            });

    @Test
    void aThrottleSettingThatIsNoNumberFailsTheContextNamingTheProperty() {
        assertThatThrownBy(() -> new StreamailContextHelper(UNREAD, Map.of("auth.max.failures", "ten")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.rest: auth.max.failures must be a whole number, got 'ten'");
        assertThatThrownBy(() -> new StreamailContextHelper(UNREAD, Map.of("auth.cache.seconds", "60s")))
                .hasMessage("org.streamail.rest: auth.cache.seconds must be a whole number, got '60s'");
    }

    @Test
    void aSizeWrittenWithAUnitFailsTheServletNamingTheProperty() {
        assertThatThrownBy(() -> new ApiServlet(UNREAD, Map.of("max.message.size", "25MB")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.rest: max.message.size must be a whole number, got '25MB'");
        assertThatThrownBy(() -> new ApiServlet(UNREAD, Map.of("max.json.size", "99999999999")))
                .hasMessageContaining("max.json.size must be a whole number from");
    }

    @Test
    void aBodyTimeoutOutOfRangeFailsTheServletNamingTheProperty() {
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(RestConfiguration.class);
        assertThat(defaults).containsEntry("body.read.timeout.seconds", "120");
        for (String bad : new String[] {"0", "-1", "3601"}) {
            Map<String, Object> props = new java.util.HashMap<>(defaults);
            props.put("body.read.timeout.seconds", bad);
            assertThatThrownBy(() -> new ApiServlet(ShippedConfig.config(RestConfiguration.class, props), props))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("body.read.timeout.seconds must be between 1 and 3600, got " + bad);
        }
        assertThatThrownBy(() -> new ApiServlet(UNREAD, Map.of("body.read.timeout.seconds", "2m")))
                .hasMessage("org.streamail.rest: body.read.timeout.seconds must be a whole number, got '2m'");
    }

    @Test
    void aResponseWriteTimeoutOutOfRangeFailsTheServletNamingTheProperty() {
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(RestConfiguration.class);
        assertThat(defaults).containsEntry("response.write.timeout.seconds", "300");
        for (String bad : new String[] {"0", "-1", "3601"}) {
            Map<String, Object> props = new java.util.HashMap<>(defaults);
            props.put("response.write.timeout.seconds", bad);
            assertThatThrownBy(() -> new ApiServlet(ShippedConfig.config(RestConfiguration.class, props), props))
                    .as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("response.write.timeout.seconds must be between 1 and 3600, got " + bad);
        }
        assertThatThrownBy(() -> new ApiServlet(UNREAD, Map.of("response.write.timeout.seconds", "5m")))
                .hasMessage("org.streamail.rest: response.write.timeout.seconds must be a whole number, got '5m'");
        for (String good : new String[] {"1", "3600"}) {
            Map<String, Object> props = new java.util.HashMap<>(defaults);
            props.put("response.write.timeout.seconds", good);
            new ApiServlet(ShippedConfig.config(RestConfiguration.class, props), props);
        }
    }

    @Test
    void aMisspelledKeyIsReportedButNotTheWhiteboardProperties() {
        assertThat(StreamailContextHelper.checkProperties(Map.of("trusted.proxy", "10.0.0.1",
                "osgi.http.whiteboard.context.name", "streamail", "osgi.http.whiteboard.context.path", "/streamail",
                "alertService.target", "(x=y)", "component.name", "c")))
                .containsExactly("trusted.proxy");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKeyAndActivatesBoth() throws Exception {
        Map<String, Object> shipped = ShippedConfig.of(RestConfiguration.PID);
        assertThat(shipped).containsKeys("jaas.realm", "auth.cache.seconds", "max.json.size");
        assertThat(StreamailContextHelper.checkProperties(shipped)).isEmpty();
        RestConfiguration config = ShippedConfig.config(RestConfiguration.class, shipped);
        new StreamailContextHelper(config, shipped);
        new ApiServlet(config, shipped);
    }

    @Test
    void theDefaultsWrittenAsTextAreAccepted() {
        Map<String, Object> defaults = ShippedConfig.defaultsAsText(RestConfiguration.class);
        assertThat(defaults).containsEntry("auth.throttle.max.addresses", "10000").hasSize(12);
        assertThat(StreamailContextHelper.checkProperties(defaults)).isEmpty();
        new StreamailContextHelper(ShippedConfig.config(RestConfiguration.class, defaults), defaults);
    }
}
