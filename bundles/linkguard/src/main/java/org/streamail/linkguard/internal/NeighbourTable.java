package org.streamail.linkguard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MAC address of a host on the gateway's own network, passed with the isolation request (the nftables
 * enforcer cuts that MAC too, so the host's other addresses are cut; {@code isolate.by.mac}). IPv4: the kernel's neighbour table {@code /proc/net/arp} ({@code IP  HW-type  Flags  HW-address
 * Mask  Device}); incomplete entries (flags {@code 0x0} or an all-zero address) do not count. IPv6: the kernel
 * has no such file (the table is netlink's), so {@code ip -6 neigh show <address>} of iproute2 is run, without
 * a shell, for that one literal (a click is rare); only an entry with an {@code lladdr} in a state other than
 * FAILED or INCOMPLETE counts, and when the program is missing, fails or takes more than
 * {@value #IP_TIMEOUT_MS} ms the answer is {@code ""}. Reads at most {@value #MAX_BYTES} bytes per lookup.
 *
 * <p>{@link #lookup} also says whether the MAC stands for several hosts (a router or a host answering ARP for
 * others, a Wi-Fi range extender that rewrites its clients' MACs to its own): the complete IPv4 entries of
 * {@code /proc/net/arp} with that MAC are counted. For an IPv4 address, any other IPv4 address with its MAC is
 * another host (the same address on several devices is one). For an IPv6 address only IPv4 addresses count (an
 * IPv6 host has several IPv6 addresses of its own, and at most one IPv4 address on that card): more than one
 * means shared. Such a MAC must not be cut. A sharing device whose other clients are not in the table at that
 * moment (the kernel drops the entry of a silent host) is not seen. Thread-safe; never throws.
 */
final class NeighbourTable {

    private static final Logger LOG = LoggerFactory.getLogger(NeighbourTable.class);
    static final int MAX_BYTES = 256 * 1024;
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    static final long IP_TIMEOUT_MS = 2000;

    private final Path arpFile;
    /** iproute2's {@code ip}, or {@code null}: no IPv6 lookups. */
    private final Path ipProgram;

    NeighbourTable(Path arpFile) {
        this(arpFile, null);
    }

    NeighbourTable(Path arpFile, Path ipProgram) {
        this.arpFile = arpFile;
        this.ipProgram = ipProgram;
    }

    /** The system's {@code ip} program, or {@code null} when none of the usual places has one. */
    static Path systemIpProgram() {
        for (String p : new String[] {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
            Path path = Path.of(p);
            if (Files.isExecutable(path)) {
                return path;
            }
        }
        return null;
    }

    /**
     * What the table says of one address.
     *
     * @param mac      its MAC in lower case, or {@code ""} when unknown
     * @param sameMac  how many IPv4 addresses of the table have that MAC: for an IPv4 address the others (itself
     *                 not counted), for an IPv6 address all of them; 0 when the MAC is unknown
     * @param ipv6     whether the address looked up is an IPv6 one
     */
    record Neighbour(String mac, int sameMac, boolean ipv6) {
        static final Neighbour UNKNOWN = new Neighbour("", 0, false);

        /** Whether the MAC stands for several hosts, so cutting it would cut them all. */
        boolean shared() {
            return !mac.isEmpty() && sameMac > (ipv6 ? 1 : 0);
        }

        /** Why the MAC is shared, for log lines and alerts: "is shared by 3 other IPv4 addresses". */
        String sharing() {
            return (ipv6 ? "is used by " + sameMac + " IPv4 addresses" : "is shared by " + sameMac + " other IPv4 "
                    + (sameMac == 1 ? "address" : "addresses")) + " in the neighbour table";
        }
    }

    /** The MAC of {@code ip} in lower case, or {@code ""} when unknown. */
    String macOf(String ip) {
        return lookup(ip).mac();
    }

    /** The MAC of {@code ip} and whether other addresses share it; {@link Neighbour#UNKNOWN} when unknown. */
    Neighbour lookup(String ip) {
        try {
            Optional<InetAddress> address = ip == null ? Optional.empty() : Networks.parseIp(ip);
            if (address.isEmpty()) {
                return Neighbour.UNKNOWN;
            }
            if (address.get() instanceof Inet6Address v6) {
                String mac = hostMac(ipv6(v6));
                // the host's own IPv4 address, if any, is one of them: only a second one means another host
                return mac.isEmpty() ? Neighbour.UNKNOWN : new Neighbour(mac, ipv4WithMac(readArp(), mac, ""), true);
            }
            String v4 = Networks.canonicalIp(ip).orElse("");
            String table = readArp();
            String mac = ipv4(table, v4);
            return mac.isEmpty() ? Neighbour.UNKNOWN : new Neighbour(mac, ipv4WithMac(table, mac, v4), false);
        } catch (RuntimeException e) {
            LOG.debug("Neighbour lookup of {} failed: {}", ip, e.toString());
            return Neighbour.UNKNOWN;
        }
    }

    private String ipv6(Inet6Address address) {
        if (ipProgram == null) {
            return "";
        }
        // the canonical literal, never the caller's text: it is an argument of another program
        String literal = Networks.canonicalIp(address.getHostAddress()).orElse("");
        if (literal.isEmpty()) {
            return "";
        }
        Process p = null;
        try {
            p = new ProcessBuilder(ipProgram.toString(), "-6", "neigh", "show", literal)
                    .redirectErrorStream(true).start();
            p.getOutputStream().close(); // nothing to say to it
            // the answer for one address is a line or two, far below a pipe's buffer: read it once the program ends
            if (!p.waitFor(IP_TIMEOUT_MS, TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
                return "";
            }
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readNBytes(MAX_BYTES);
            }
            return lladdr(new String(out, StandardCharsets.US_ASCII), literal);
        } catch (IOException e) {
            LOG.debug("Cannot run {} -6 neigh: {}", ipProgram, e.toString());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } finally {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    /** The link-layer address in {@code ip -6 neigh} output for {@code literal}, if reachable enough to count. */
    static String lladdr(String output, String literal) {
        for (String line : output.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length < 3 || !Networks.canonicalIp(cols[0]).orElse("").equals(literal)) {
                continue;
            }
            String state = cols[cols.length - 1].toUpperCase(Locale.ROOT);
            if (state.equals("FAILED") || state.equals("INCOMPLETE")) {
                continue;
            }
            for (int i = 1; i + 1 < cols.length; i++) {
                String mac = cols[i + 1].toLowerCase(Locale.ROOT);
                if (cols[i].equals("lladdr") && MAC.matcher(mac).matches() && !mac.equals("00:00:00:00:00:00")) {
                    return mac;
                }
            }
        }
        return "";
    }

    /** {@code /proc/net/arp}, its first {@value #MAX_BYTES} bytes; {@code ""} when it cannot be read. */
    private String readArp() {
        try (InputStream in = Files.newInputStream(arpFile)) {
            return new String(in.readNBytes(MAX_BYTES), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            LOG.debug("Cannot read {}: {}", arpFile, e.toString());
            return "";
        }
    }

    /** The MAC of a complete entry for {@code ip} in {@code table}, or {@code ""}. */
    private static String ipv4(String table, String ip) {
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 4 && cols[0].equals(ip)) {
                String mac = completeMac(cols);
                if (!mac.isEmpty()) {
                    return mac;
                }
            }
        }
        return "";
    }

    /**
     * How many distinct IPv4 addresses other than {@code except} have a complete entry with {@code mac} (one address
     * on several devices counts once). At most one per line of a table of at most {@value #MAX_BYTES} bytes.
     */
    private static int ipv4WithMac(String table, String mac, String except) {
        Set<String> others = new HashSet<>();
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length >= 4 && !cols[0].equals(except) && completeMac(cols).equals(mac)
                    && Networks.canonicalIp(cols[0]).filter(a -> a.indexOf(':') < 0).isPresent()) {
                others.add(cols[0]);
            }
        }
        return others.size();
    }

    /**
     * The MAC of a {@code /proc/net/arp} line's columns, or {@code ""} when the entry is incomplete or names no
     * host ({@link #hostMac}).
     */
    private static String completeMac(String[] cols) {
        String mac = cols[3].toLowerCase(Locale.ROOT);
        return !cols[2].equalsIgnoreCase("0x0") ? hostMac(mac) : "";
    }

    /**
     * {@code mac} (lower case) when it is one host's, else {@code ""}: malformed, all-zero (an incomplete entry), or
     * a group address (the I/G bit of the first octet set: multicast, broadcast), from which no host sends. The
     * isolation service refuses such a MAC, which would have failed the whole isolation.
     */
    static String hostMac(String mac) {
        if (!MAC.matcher(mac).matches() || mac.equals("00:00:00:00:00:00")
                || (Character.digit(mac.charAt(1), 16) & 1) != 0) {
            return "";
        }
        return mac;
    }
}
