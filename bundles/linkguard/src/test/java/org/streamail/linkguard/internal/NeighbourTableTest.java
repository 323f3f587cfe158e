package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whether a clicking host's MAC stands for several hosts (a router, proxy ARP, a range extender): such a MAC must
 * not be cut, or one click cuts them all.
 */
class NeighbourTableTest {

    private static final String HEADER = "IP address       HW type     Flags       HW address            Mask     Device\n";

    @TempDir
    Path dir;

    private Path arp(String... lines) throws Exception {
        Path arp = dir.resolve("arp");
        Files.writeString(arp, HEADER + String.join("\n", lines) + "\n");
        return arp;
    }

    private static String entry(String ip, String flags, String mac, String device) {
        return String.format("%-16s 0x1         %-11s %-21s *        %s", ip, flags, mac, device);
    }

    /**
     * A group MAC (multicast, broadcast: the I/G bit set) from a bogus entry is no host's: no MAC is given, so the
     * isolation (which refuses such a MAC) cuts the address instead of failing whole.
     */
    @Test
    void aGroupMacIsNoHostsMac() throws Exception {
        NeighbourTable t = new NeighbourTable(arp(entry("10.0.0.7", "0x2", "01:00:5e:00:00:fb", "eth0"),
                entry("10.0.0.8", "0x2", "ff:ff:ff:ff:ff:ff", "eth0"),
                entry("10.0.0.9", "0x2", "02:00:5e:00:00:fb", "eth0")));
        assertThat(t.lookup("10.0.0.7")).isEqualTo(NeighbourTable.Neighbour.UNKNOWN);
        assertThat(t.lookup("10.0.0.8")).isEqualTo(NeighbourTable.Neighbour.UNKNOWN);
        assertThat(t.lookup("10.0.0.9").mac()).as("locally administered, unicast").isEqualTo("02:00:5e:00:00:fb");
        assertThat(NeighbourTable.hostMac("33:33:00:00:00:01")).isEmpty();
    }

    @Test
    void aMacNoOtherAddressHasIsNotShared() throws Exception {
        NeighbourTable t = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "AA:bb:cc:dd:ee:05", "eth0"),
                entry("10.0.0.6", "0x2", "aa:bb:cc:dd:ee:06", "eth0"),
                entry("10.0.0.50", "0x2", "aa:bb:cc:dd:ee:50", "eth0")));
        NeighbourTable.Neighbour n = t.lookup("10.0.0.5");
        assertThat(n.mac()).isEqualTo("aa:bb:cc:dd:ee:05");
        assertThat(n.sameMac()).isZero();
        assertThat(n.shared()).isFalse();
        assertThat(t.macOf("10.0.0.5")).isEqualTo("aa:bb:cc:dd:ee:05");
    }

    @Test
    void aMacOtherIpv4AddressesHaveIsShared() throws Exception {
        // a router answering ARP for the hosts behind it, or a range extender: one MAC, several addresses
        NeighbourTable t = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.0.6", "0x2", "AA:BB:CC:DD:EE:01", "eth0"),
                entry("10.0.0.7", "0x6", "aa:bb:cc:dd:ee:01", "eth1"),
                entry("10.0.0.8", "0x2", "aa:bb:cc:dd:ee:08", "eth0")));
        NeighbourTable.Neighbour n = t.lookup("10.0.0.5");
        assertThat(n.mac()).isEqualTo("aa:bb:cc:dd:ee:01");
        assertThat(n.sameMac()).isEqualTo(2);
        assertThat(n.shared()).isTrue();
        assertThat(n.sharing()).isEqualTo("is shared by 2 other IPv4 addresses in the neighbour table");
        assertThat(t.lookup("10.0.0.6").sharing()).isEqualTo("is shared by 2 other IPv4 addresses in the neighbour table");
        assertThat(t.lookup("10.0.0.8").shared()).isFalse();
        // two hosts are enough
        NeighbourTable two = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.0.6", "0x2", "aa:bb:cc:dd:ee:01", "eth0")));
        assertThat(two.lookup("10.0.0.6").shared()).isTrue();
        assertThat(two.lookup("10.0.0.6").sharing()).isEqualTo("is shared by 1 other IPv4 address in the neighbour table");
    }

    @Test
    void incompleteEntriesDoNotCountAsSharing() throws Exception {
        NeighbourTable t = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                // flags 0x0: the kernel no longer vouches for the address, whatever MAC it still shows
                entry("10.0.0.6", "0x0", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.0.7", "0x0", "00:00:00:00:00:00", "eth0"),
                entry("10.0.0.9", "0x2", "00:00:00:00:00:00", "eth0"),
                entry("10.0.0.10", "0x2", "aa:bb:cc:dd:ee", "eth0")));
        NeighbourTable.Neighbour n = t.lookup("10.0.0.5");
        assertThat(n.mac()).isEqualTo("aa:bb:cc:dd:ee:01");
        assertThat(n.sameMac()).isZero();
        assertThat(n.shared()).isFalse();
        assertThat(t.lookup("10.0.0.6")).isEqualTo(NeighbourTable.Neighbour.UNKNOWN);
        assertThat(t.lookup("10.0.0.7").shared()).isFalse();
    }

    @Test
    void oneAddressOnSeveralDevicesIsOneHost() throws Exception {
        // a bridge member and the bridge, or two VLAN interfaces: the same host seen twice
        NeighbourTable t = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "br0"),
                entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "eth0.10")));
        NeighbourTable.Neighbour n = t.lookup("10.0.0.5");
        assertThat(n.mac()).isEqualTo("aa:bb:cc:dd:ee:01");
        assertThat(n.shared()).isFalse();
        // and a second host on those devices is counted once
        NeighbourTable other = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.0.6", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.0.6", "0x2", "aa:bb:cc:dd:ee:01", "br0")));
        assertThat(other.lookup("10.0.0.5").sameMac()).isEqualTo(1);
    }

    @Test
    void anIpv6HostsMacIsSharedOnlyWhenMoreThanOneIpv4AddressHasIt() throws Exception {
        Path ip = dir.resolve("ip");
        Files.writeString(ip, "#!/bin/sh\n"
                + "echo '2001:db8::5 dev eth0 lladdr aa:bb:cc:dd:ee:05 REACHABLE'\n"
                + "echo '2001:db8::1 dev eth0 lladdr aa:bb:cc:dd:ee:01 router STALE'\n");
        Files.setPosixFilePermissions(ip, PosixFilePermissions.fromString("rwx------"));
        // its own IPv4 address (one) is no sign of another host; two are
        Path arp = arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:05", "eth0"),
                entry("10.0.0.6", "0x0", "aa:bb:cc:dd:ee:05", "eth0"),
                entry("10.0.0.1", "0x2", "aa:bb:cc:dd:ee:01", "eth0"),
                entry("10.0.1.1", "0x2", "aa:bb:cc:dd:ee:01", "eth1"));
        NeighbourTable t = new NeighbourTable(arp, ip);
        NeighbourTable.Neighbour own = t.lookup("2001:db8::5");
        assertThat(own.mac()).isEqualTo("aa:bb:cc:dd:ee:05");
        assertThat(own.shared()).isFalse();
        NeighbourTable.Neighbour router = t.lookup("2001:db8::1");
        assertThat(router.mac()).isEqualTo("aa:bb:cc:dd:ee:01");
        assertThat(router.shared()).isTrue();
        assertThat(router.sharing()).isEqualTo("is used by 2 IPv4 addresses in the neighbour table");
        // no IPv4 table at all: nothing known to share it
        assertThat(new NeighbourTable(dir.resolve("no-arp"), ip).lookup("2001:db8::1").shared()).isFalse();
    }

    @Test
    void aLookupNeverThrows() throws Exception {
        NeighbourTable t = new NeighbourTable(arp(entry("10.0.0.5", "0x2", "aa:bb:cc:dd:ee:05", "eth0"), "10.0.0.6 x",
                "", "   "));
        assertThat(t.lookup(null)).isEqualTo(NeighbourTable.Neighbour.UNKNOWN);
        assertThat(t.lookup("not an address")).isEqualTo(NeighbourTable.Neighbour.UNKNOWN);
        assertThat(t.lookup("10.0.0.6")).isEqualTo(NeighbourTable.Neighbour.UNKNOWN);
        assertThat(new NeighbourTable(dir).lookup("10.0.0.5")).isEqualTo(NeighbourTable.Neighbour.UNKNOWN); // a directory
        assertThat(t.lookup("10.0.0.5").shared()).isFalse();
    }
}
