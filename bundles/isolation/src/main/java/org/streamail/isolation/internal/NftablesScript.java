package org.streamail.isolation.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.streamail.api.net.IpBlock;

/**
 * Builds the one {@code nft -f} script that replaces the dedicated table whole. Every address is parsed
 * and re-printed in canonical form before it goes in, and the table name is checked, so no caller text
 * ever reaches nft as such. Stateless and thread-safe.
 *
 * <p>Why "add, delete, re-create" in one script: nft runs a script as one transaction, so the kernel
 * sees either the old table or the new one, never a gap; adding the empty table first makes the delete
 * succeed whether or not the table exists (first run, after a reboot).
 */
final class NftablesScript {

    static final Pattern TABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");
    /** A MAC as the isolation service accepts it: six hex pairs, all separated by {@code :} or all by {@code -}. */
    static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\\1[0-9A-Fa-f]{2}){4}");

    private NftablesScript() {
    }

    /**
     * The table by addresses only, without the MAC set and rules ({@code isolate.by.mac=false}).
     *
     * @param table     the dedicated table's name (family {@code inet})
     * @param isolated  the hosts to cut off (IP literals)
     * @param allowList addresses or CIDR ranges isolated hosts may still reach
     * @throws IllegalArgumentException for a bad table name or anything that is not an address/range
     */
    static String build(String table, List<String> isolated, List<String> allowList) {
        return build(table, isolated, null, allowList);
    }

    /**
     * As {@link #build(String, List, List)}, and also cuts every packet whose Ethernet source is one of
     * {@code macs} (set {@code isolated_mac}), except towards management: the host's other addresses (IPv6
     * privacy addresses, a new DHCP lease) are cut too. An empty {@code macs} still creates the set and rules.
     *
     * @param macs unicast MACs ({@link #mac}); duplicates become one element
     * @throws IllegalArgumentException also for a MAC that is malformed or not a unicast host's ({@link #unusable})
     */
    static String build(String table, List<String> isolated, List<String> macs, List<String> allowList) {
        checkTable(table);
        Set<String> iso4 = new LinkedHashSet<>();
        Set<String> iso6 = new LinkedHashSet<>();
        for (String ip : isolated) {
            InetAddress a = IpAddresses.parse(ip);
            (a instanceof Inet4Address ? iso4 : iso6).add(IpAddresses.canonical(a));
        }
        Set<String> mgmt4 = new LinkedHashSet<>();
        Set<String> mgmt6 = new LinkedHashSet<>();
        for (String range : allowList) {
            IpBlock c = IpBlock.parse(range);
            (c.isIpv4() ? mgmt4 : mgmt6).add(IpAddresses.rangeText(c));
        }
        Set<String> isoMac = new LinkedHashSet<>();
        if (macs != null) {
            for (String text : macs) {
                String m = mac(text);
                String why = unusable(m);
                if (why != null) {
                    throw new IllegalArgumentException("MAC " + m + " is " + why + ", not one host's");
                }
                isoMac.add(m);
            }
        }
        boolean byMac = macs != null;
        StringBuilder s = new StringBuilder(512 + 48 * (isolated.size() + allowList.size() + isoMac.size()));
        s.append("table inet ").append(table).append('\n');
        s.append("delete table inet ").append(table).append('\n');
        s.append("table inet ").append(table).append(" {\n");
        set(s, "isolated4", "ipv4_addr", false, iso4);
        set(s, "isolated6", "ipv6_addr", false, iso6);
        set(s, "management4", "ipv4_addr", true, mgmt4);
        set(s, "management6", "ipv6_addr", true, mgmt6);
        if (byMac) {
            set(s, "isolated_mac", "ether_addr", false, isoMac);
        }
        s.append("\tchain input {\n");
        s.append("\t\ttype filter hook input priority filter - 10; policy accept;\n");
        if (byMac) {
            // IPv6 neighbour discovery between the host and the gateway, which the MAC rule below would cut
            // (ARP is not seen by an inet table at all): without it neither side resolves the other's link
            // address, and the host could not reach management over IPv6 nor get management's replies.
            // Link-local only: the kernel ignores these messages unless their hop limit is 255.
            s.append("\t\tether saddr @isolated_mac icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n");
        }
        s.append("\t\tip saddr @isolated4 ip daddr @management4 accept\n");
        s.append("\t\tip6 saddr @isolated6 ip6 daddr @management6 accept\n");
        s.append("\t\tip saddr @isolated4 drop\n");
        s.append("\t\tip6 saddr @isolated6 drop\n");
        macRules(s, byMac);
        s.append("\t}\n");
        s.append("\tchain forward {\n");
        s.append("\t\ttype filter hook forward priority filter - 10; policy accept;\n");
        s.append("\t\tip saddr @isolated4 ip daddr @management4 accept\n");
        s.append("\t\tip6 saddr @isolated6 ip6 daddr @management6 accept\n");
        s.append("\t\tip saddr @management4 ip daddr @isolated4 ct state established,related accept\n");
        s.append("\t\tip6 saddr @management6 ip6 daddr @isolated6 ct state established,related accept\n");
        s.append("\t\tip saddr @isolated4 drop\n");
        s.append("\t\tip daddr @isolated4 drop\n");
        s.append("\t\tip6 saddr @isolated6 drop\n");
        s.append("\t\tip6 daddr @isolated6 drop\n");
        macRules(s, byMac);
        s.append("\t}\n");
        s.append("}\n");
        return s.toString();
    }

    /**
     * The MAC rules of a chain. {@code ether saddr} makes nft check {@code meta iiftype ether} first, so only
     * packets that arrived on an Ethernet device can match; their Ethernet source is the last hop's, which is
     * the host itself only when the gateway is on its link. Packets towards the host are not matched (its MAC
     * is not in them on this side), but nothing it sends back passes.
     */
    private static void macRules(StringBuilder s, boolean byMac) {
        if (byMac) {
            s.append("\t\tether saddr @isolated_mac ip daddr @management4 accept\n");
            s.append("\t\tether saddr @isolated_mac ip6 daddr @management6 accept\n");
            s.append("\t\tether saddr @isolated_mac drop\n");
        }
    }

    /**
     * The canonical text of a MAC (lower case, colons), parsed byte by byte and printed again so no caller text
     * reaches nft.
     *
     * @throws IllegalArgumentException for anything but six hex pairs separated all by {@code :} or all by {@code -}
     */
    static String mac(String text) {
        String m = text == null ? "" : text.strip();
        if (!MAC.matcher(m).matches()) {
            throw new IllegalArgumentException("not a MAC address: " + IpAddresses.printable(m));
        }
        StringBuilder out = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            int b = Integer.parseInt(m.substring(3 * i, 3 * i + 2), 16);
            out.append(i == 0 ? "" : ":").append(String.format(Locale.ROOT, "%02x", b));
        }
        return out.toString();
    }

    /**
     * Why a well-formed MAC ({@link #mac}) is not one host's, or {@code null} when it is: no host sends from a
     * group address (the I/G bit is set; the broadcast {@code ff:ff:ff:ff:ff:ff} is one), and the all-zero
     * address marks an incomplete neighbour entry. Either comes from a bogus entry, so the MAC is not trusted
     * to name the host, and cutting it would protect nothing.
     */
    static String unusable(String canonicalMac) {
        if (canonicalMac.equals("ff:ff:ff:ff:ff:ff")) {
            return "the broadcast address";
        }
        if ((Integer.parseInt(canonicalMac.substring(0, 2), 16) & 1) != 0) {
            return "a multicast address";
        }
        if (canonicalMac.equals("00:00:00:00:00:00")) {
            return "the all-zero address";
        }
        return null;
    }

    static void checkTable(String table) {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("table must be a letter then up to 31 letters, digits or _: "
                    + IpAddresses.printable(table));
        }
    }

    private static void set(StringBuilder s, String name, String type, boolean interval, Set<String> elements) {
        s.append("\tset ").append(name).append(" {\n");
        s.append("\t\ttype ").append(type).append('\n');
        if (interval) {
            // auto-merge: overlapping configured ranges (10.0.0.0/8 and 10.1.0.0/16) are merged, not refused
            s.append("\t\tflags interval\n\t\tauto-merge\n");
        }
        if (!elements.isEmpty()) {
            s.append("\t\telements = { ").append(String.join(", ", new ArrayList<>(elements))).append(" }\n");
        }
        s.append("\t}\n");
    }
}
