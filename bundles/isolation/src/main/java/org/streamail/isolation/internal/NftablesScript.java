package org.streamail.isolation.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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

    private NftablesScript() {
    }

    /**
     * @param table     the dedicated table's name (family {@code inet})
     * @param isolated  the hosts to cut off (IP literals)
     * @param allowList addresses or CIDR ranges isolated hosts may still reach
     * @throws IllegalArgumentException for a bad table name or anything that is not an address/range
     */
    static String build(String table, List<String> isolated, List<String> allowList) {
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
        StringBuilder s = new StringBuilder(256 + 48 * (isolated.size() + allowList.size()));
        s.append("table inet ").append(table).append('\n');
        s.append("delete table inet ").append(table).append('\n');
        s.append("table inet ").append(table).append(" {\n");
        set(s, "isolated4", "ipv4_addr", false, iso4);
        set(s, "isolated6", "ipv6_addr", false, iso6);
        set(s, "management4", "ipv4_addr", true, mgmt4);
        set(s, "management6", "ipv6_addr", true, mgmt6);
        s.append("\tchain input {\n");
        s.append("\t\ttype filter hook input priority filter - 10; policy accept;\n");
        s.append("\t\tip saddr @isolated4 ip daddr @management4 accept\n");
        s.append("\t\tip6 saddr @isolated6 ip6 daddr @management6 accept\n");
        s.append("\t\tip saddr @isolated4 drop\n");
        s.append("\t\tip6 saddr @isolated6 drop\n");
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
        s.append("\t}\n");
        s.append("}\n");
        return s.toString();
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
