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
    void rangesShouldMatchTheirRangeOnlyAndRefuseHostBits() {
        var list = IpAddresses.parseList("management", "10.0.0.0/12, 10.0.3.2/32 fd00::/8");
        assertThat(list).extracting(IpAddresses::rangeText).containsExactly("10.0.0.0/12", "10.0.3.2", "fd00::/8");
        assertThat(list.get(0).contains(IpAddresses.parse("10.15.255.255"))).isTrue();
        assertThat(list.get(0).contains(IpAddresses.parse("10.16.0.0"))).isFalse();
        assertThat(list.get(0).contains(IpAddresses.parse("::a00:1"))).isFalse();
        assertThat(IpAddresses.parseList("protected", " ")).isEmpty();
        assertThatThrownBy(() -> IpAddresses.parseList("protected", "10.1.2.3/12"))
                .hasMessage("protected: '10.1.2.3/12' has host bits set after the prefix; did you mean 10.0.0.0/12?");
        assertThatThrownBy(() -> IpAddresses.parseList("protected", "10.0.0.0/33")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> IpAddresses.parseList("management", "10.0.0.1, bad")).hasMessageStartingWith("management: ");
        String tooMany = String.join(",", java.util.Collections.nCopies(IpAddresses.MAX_LIST + 1, "10.0.0.1"));
        assertThatThrownBy(() -> IpAddresses.parseList("management", tooMany))
                .hasMessage("management: more than 1024 entries");
    }

    @Test
    void onlyLiteralsAreAddresses() {
        assertThat(IpAddresses.parse(" ::ffff:10.1.2.3 ")).isEqualTo(IpAddresses.parse("10.1.2.3"));
        assertThatThrownBy(() -> IpAddresses.parse("gateway.example")).hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> IpAddresses.parse("fe80::1%eth0")).hasMessageContaining("not an IP address literal");
        assertThatThrownBy(() -> IpAddresses.parse(" ")).hasMessage("an IP address is required");
    }
}
