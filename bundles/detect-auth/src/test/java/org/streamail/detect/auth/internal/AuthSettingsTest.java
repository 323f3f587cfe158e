package org.streamail.detect.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthSettingsTest {

    @Test
    void serversAreAddressesWithOptionalPorts() {
        List<InetSocketAddress> s = AuthSettings.servers(" 192.0.2.53, 192.0.2.54:5353 ,[2001:db8::53]:53, 2001:db8::54");
        assertThat(s).extracting(a -> a.getAddress().getHostAddress() + "/" + a.getPort()).containsExactly(
                "192.0.2.53/53", "192.0.2.54/5353", "2001:db8:0:0:0:0:0:53/53", "2001:db8:0:0:0:0:0:54/53");
        assertThat(AuthSettings.servers("")).isEmpty();
        assertThat(AuthSettings.servers(null)).isEmpty();
    }

    @Test
    void aNameOrABadPortIsRefusedNamingTheProperty() {
        for (String bad : List.of("dns.example.org", "192.0.2.53:0", "192.0.2.53:x", "[2001:db8::53", "[::1]x",
                "192.0.2.53:70000")) {
            assertThatThrownBy(() -> AuthSettings.servers(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dns.servers");
        }
        assertThatThrownBy(() -> AuthSettings.servers("1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,1.1.1.5,1.1.1.6,1.1.1.7,"
                + "1.1.1.8,1.1.1.9")).hasMessageContaining("more than 8");
    }

    @Test
    void trustedSealersAreDomainNamesInTheirAsciiForm() {
        assertThat(AuthSettings.sealers(" Google.com, lists.münchen.de ,")).containsExactly("google.com",
                "lists.xn--mnchen-3ya.de");
        assertThat(AuthSettings.sealers("")).isEmpty();
        assertThatThrownBy(() -> AuthSettings.sealers("google.com, not a domain"))
                .hasMessageContaining("arc.trusted.sealers").hasMessageContaining("not a domain");
        assertThatThrownBy(() -> AuthSettings.sealers("localhost")).hasMessageContaining("arc.trusted.sealers");
    }

    @Test
    void theShippedConfigurationHasNoUnknownKeyAndWelcomesNobody() throws Exception {
        java.util.Map<String, Object> shipped = org.streamail.testsupport.ShippedConfig.of(AuthConfig.PID);
        assertThat(shipped).containsEntry("welcome.senders", "");
        assertThat(org.streamail.api.config.ConfigCheck.check(AuthConfig.PID, AuthConfig.class, shipped)).isEmpty();
        AuthSettings s = AuthSettings.from(org.streamail.testsupport.ShippedConfig.config(AuthConfig.class, shipped));
        assertThat(s.welcomeSenders()).isEmpty();
        assertThat(s.arcTrustedSealers()).isEmpty();
    }

    @Test
    void welcomeSendersAreDomainsButNeverAPublicSuffix() {
        assertThat(AuthSettings.welcome(" News.Shop.com, lists.münchen.de, news.shop.com")).containsExactly(
                "news.shop.com", "lists.xn--mnchen-3ya.de");
        assertThat(AuthSettings.welcome("")).isEmpty();
        assertThatThrownBy(() -> AuthSettings.welcome("shop.com, co.uk")).hasMessageContaining("welcome.senders")
                .hasMessageContaining("'co.uk' is a public suffix");
        assertThatThrownBy(() -> AuthSettings.welcome("github.io")).hasMessageContaining("public suffix");
        assertThatThrownBy(() -> AuthSettings.welcome("10.0.0.1"))
                .hasMessage("org.streamail.detect.auth: welcome.senders entry '10.0.0.1' is not a domain name");
        assertThatThrownBy(() -> AuthSettings.welcome("not a domain")).hasMessageContaining("welcome.senders")
                .hasMessageContaining("not a domain");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i <= AuthSettings.MAX_WELCOME; i++) {
            many.append("d").append(i).append(".example.com,");
        }
        assertThatThrownBy(() -> AuthSettings.welcome(many.toString())).hasMessageContaining("more than 1000");
    }

    @Test
    void relaysAndTheAuthservIdAreChecked() {
        assertThat(AuthSettings.relays("192.0.2.0/24, 2001:db8::/32")).hasSize(2);
        assertThatThrownBy(() -> AuthSettings.relays("192.0.2.0/33")).hasMessageContaining("trusted.relays");
        assertThat(AuthSettings.authservId("GW.Example.org")).isEqualTo("gw.example.org");
        assertThat(AuthSettings.authservId("")).matches("[a-z0-9.-]+");
        assertThatThrownBy(() -> AuthSettings.authservId("gw;dkim=pass")).hasMessageContaining("authserv.id");
    }
}
