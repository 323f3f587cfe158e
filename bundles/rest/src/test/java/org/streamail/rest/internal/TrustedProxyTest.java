package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.streamail.rest.internal.ServletAndContextTest.USERS;
import static org.streamail.rest.internal.ServletAndContextTest.basic;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.AlertRequest;
import org.streamail.rest.internal.ServletAndContextTest.MovableClock;
import org.streamail.rest.internal.ServletAndContextTest.RecordingAlerts;
import org.streamail.rest.internal.auth.LoginThrottle;
import org.streamail.rest.internal.http.ClientAddress;

/**
 * Behind a reverse proxy, through the same path a request takes in the container: the context helper's
 * {@code handleSecurity} (client address, throttle, lockout alert), then the servlet.
 */
class TrustedProxyTest {

    static final String PROXY = "10.0.0.2";
    static final String WRONG = basic("root:guess");
    static final String RIGHT = basic("root:s3cret:with:colons");

    final MovableClock clock = new MovableClock();
    final RecordingAlerts alerts = new RecordingAlerts();
    final StreamailContextHelper context = new StreamailContextHelper(USERS, LoginThrottle.Settings.DEFAULTS, clock,
            ClientAddress.configured("10.0.0.0/24", "X-Forwarded-For"));
    final ApiServlet servlet = new ApiServlet(new RestApi(new InMemoryGateway().services(),
            new RestApi.Limits(1024, 256)));

    TrustedProxyTest() {
        context.alertService = alerts;
    }

    /** GET /health from {@code peer}, with the given X-Forwarded-For instances. */
    FakeHttp.Response get(String authorization, String peer, String... forwardedFor) throws Exception {
        FakeHttp.Request req = ServletAndContextTest.request("GET", "/health", authorization);
        req.remoteAddr = peer;
        for (String value : forwardedFor) {
            req.addHeader("X-Forwarded-For", value);
        }
        FakeHttp.Response response = new FakeHttp.Response();
        var httpRequest = req.proxy();
        var httpResponse = response.proxy();
        if (context.handleSecurity(httpRequest, httpResponse)) {
            servlet.service(httpRequest, httpResponse);
        }
        lastClientAddress = req.attributes.get(StreamailContextHelper.CLIENT_ADDRESS_ATTRIBUTE);
        return response;
    }

    Object lastClientAddress;

    @Test
    void twoForwardedClientsBehindOneTrustedProxyAreThrottledSeparately() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(get(WRONG, PROXY, "203.0.113.7").status).isEqualTo(401);
        }
        FakeHttp.Response locked = get(RIGHT, PROXY, "203.0.113.7");
        assertThat(locked.status).isEqualTo(429);
        assertThat(locked.headers.get("Retry-After")).isEqualTo("300");
        assertThat(lastClientAddress).isEqualTo("203.0.113.7");

        FakeHttp.Response other = get(RIGHT, PROXY, "198.51.100.20");
        assertThat(other.status).as("another client behind the same proxy").isEqualTo(200);
        assertThat(other.bodyText()).startsWith("{\"status\":\"UP\"");
        assertThat(lastClientAddress).isEqualTo("198.51.100.20");
        assertThat(get(RIGHT, PROXY).status).as("the proxy itself, no header").isEqualTo(200);
        assertThat(get(RIGHT, "10.0.0.3", "192.0.2.1, 203.0.113.7").status)
                .as("the same client through another trusted proxy, with a spoofed entry in front").isEqualTo(429);
        assertThat(get(RIGHT, PROXY, "[2001:db8::7]:4711").status).as("an IPv6 client").isEqualTo(200);

        assertThat(alerts.raised).hasSize(1);
        AlertRequest alert = alerts.raised.get(0);
        assertThat(alert.kind()).isEqualTo("rest-login-throttled");
        assertThat(alert.subject()).as("the client, not the proxy").isEqualTo("203.0.113.7");
        assertThat(alert.title()).contains("203.0.113.7").doesNotContain(PROXY);
    }

    @Test
    void anUntrustedPeersForwardedForIsIgnored() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(get(WRONG, "198.51.100.99", "203.0.113.50").status).isEqualTo(401);
            assertThat(lastClientAddress).isEqualTo("198.51.100.99");
        }
        assertThat(get(RIGHT, "198.51.100.99", "192.0.2.77").status).as("a new header changes nothing")
                .isEqualTo(429);
        assertThat(get(RIGHT, PROXY, "198.51.100.99").status).as("the locked address, forwarded").isEqualTo(429);
        assertThat(get(RIGHT, PROXY, "203.0.113.50").status).as("the address it claimed was never counted")
                .isEqualTo(200);
        assertThat(alerts.raised).extracting(AlertRequest::subject).containsExactly("198.51.100.99");
    }

    @Test
    void aMalformedHeaderFromTheProxyCountsUnderTheProxyAndNeverFailsTheRequest() throws Exception {
        assertThat(get(RIGHT, PROXY, "unknown").status).isEqualTo(200);
        assertThat(lastClientAddress).isEqualTo(PROXY);
        assertThat(get(RIGHT, PROXY, "203.0.113.7", "x".repeat(5000)).status).isEqualTo(200);
        assertThat(lastClientAddress).isEqualTo(PROXY);
    }

    // ---- activation with the real configuration annotation

    /** A {@link RestConfiguration} with the annotation's defaults, overridden by {@code values}. */
    static RestConfiguration config(Map<String, Object> values) {
        return (RestConfiguration) Proxy.newProxyInstance(TrustedProxyTest.class.getClassLoader(),
                new Class<?>[] {RestConfiguration.class}, (p, m, args) -> {
                    String property = m.getName().replace('_', '.');
                    return values.containsKey(property) ? values.get(property) : m.getDefaultValue();
                });
    }

    @Test
    void theDefaultConfigurationTrustsNoProxy() throws Exception {
        StreamailContextHelper activated = new StreamailContextHelper(config(Map.of()));
        FakeHttp.Request req = ServletAndContextTest.request("GET", "/health", null);
        req.remoteAddr = "127.0.0.1";
        req.addHeader("X-Forwarded-For", "203.0.113.7");
        assertThat(activated.handleSecurity(req.proxy(), new FakeHttp.Response().proxy())).isFalse();
        assertThat(req.attributes.get(StreamailContextHelper.CLIENT_ADDRESS_ATTRIBUTE)).isEqualTo("127.0.0.1");
    }

    @Test
    void aConfiguredForwardedHeaderIsReadAndXForwardedForIgnored() throws Exception {
        StreamailContextHelper activated = new StreamailContextHelper(config(Map.of(
                "trusted.proxies", "127.0.0.1 ::1", "trusted.proxies.header", "Forwarded")));
        FakeHttp.Request req = ServletAndContextTest.request("GET", "/health", null);
        req.remoteAddr = "[0:0:0:0:0:0:0:1]";
        req.addHeader("X-Forwarded-For", "192.0.2.66");
        req.addHeader("Forwarded", "for=\"[2001:db8::9]\";proto=https");
        activated.handleSecurity(req.proxy(), new FakeHttp.Response().proxy());
        assertThat(req.attributes.get(StreamailContextHelper.CLIENT_ADDRESS_ATTRIBUTE)).isEqualTo("2001:db8::9");
    }

    @Test
    void aBadTrustedProxiesEntryStopsActivationNamingThePropertyAndTheEntry() {
        assertThatThrownBy(() -> new StreamailContextHelper(config(Map.of("trusted.proxies", "10.0.0.1, proxy.lan"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("trusted.proxies: 'proxy.lan' is not an IPv4/IPv6 address or CIDR range");
        assertThatThrownBy(() -> new StreamailContextHelper(config(Map.of("trusted.proxies", "0.0.0.0/0"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("trusted.proxies: '0.0.0.0/0' is too wide");
        assertThatThrownBy(() -> new StreamailContextHelper(config(Map.of("trusted.proxies", "::/0"))))
                .hasMessageStartingWith("trusted.proxies: '::/0' is too wide");
        assertThatThrownBy(() -> new StreamailContextHelper(config(Map.of("trusted.proxies.header", "X-Real-IP"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("trusted.proxies.header must be X-Forwarded-For or Forwarded");
    }
}
