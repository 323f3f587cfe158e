package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpAddressesTest {

    @Test
    void ipv6ShouldBePrintedInRfc5952Form() {
        assertThat(IpAddresses.canonical("2001:0DB8:0000:0000:0000:0000:0000:0001")).isEqualTo("2001:db8::1");
        assertThat(IpAddresses.canonical("2001:db8:0:1:0:0:0:1")).isEqualTo("2001:db8:0:1::1");
        assertThat(IpAddresses.canonical("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpAddresses.canonical("fe80:0:1:0:1:0:1:0")).isEqualTo("fe80:0:1:0:1:0:1:0");
        assertThat(IpAddresses.canonical("0:0:0:0:0:0:0:0")).isEqualTo("::");
        assertThat(IpAddresses.canonical("1::")).isEqualTo("1::");
        assertThat(IpAddresses.canonical("::ffff:10.1.2.3")).isEqualTo("10.1.2.3");
        assertThat(IpAddresses.canonical(" 10.1.2.3 ")).isEqualTo("10.1.2.3");
    }

    @Test
    void cidrsShouldClearHostBitsAndMatchTheirRangeOnly() {
        IpAddresses.Cidr c = IpAddresses.Cidr.parse("10.1.2.3/12");
        assertThat(c).hasToString("10.0.0.0/12");
        assertThat(c.contains(IpAddresses.parse("10.15.255.255"))).isTrue();
        assertThat(c.contains(IpAddresses.parse("10.16.0.0"))).isFalse();
        assertThat(c.contains(IpAddresses.parse("::a00:1"))).isFalse();
        assertThat(IpAddresses.Cidr.parse("0.0.0.0/0").contains(IpAddresses.parse("8.8.8.8"))).isTrue();
        assertThat(IpAddresses.Cidr.parse("fd00::1/8")).hasToString("fd00::/8");
        assertThat(IpAddresses.Cidr.parse("10.0.3.2/32")).hasToString("10.0.3.2");
        assertThatThrownBy(() -> IpAddresses.Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> IpAddresses.Cidr.parse("::/129")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> IpAddresses.parseList("management", "10.0.0.1, bad")).hasMessageStartingWith("management: ");
    }
}
