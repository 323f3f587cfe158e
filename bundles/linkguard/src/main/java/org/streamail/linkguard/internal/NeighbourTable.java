package org.streamail.linkguard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
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
 * Thread-safe.
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

    /** The MAC of {@code ip} in lower case, or {@code ""} when unknown. */
    String macOf(String ip) {
        Optional<InetAddress> address = ip == null ? Optional.empty() : Networks.parseIp(ip);
        if (address.isEmpty()) {
            return "";
        }
        if (address.get() instanceof Inet6Address v6) {
            return ipv6(v6);
        }
        return ipv4(Networks.canonicalIp(ip).orElse(""));
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

    private String ipv4(String ip) {
        String table;
        try (InputStream in = Files.newInputStream(arpFile)) {
            table = new String(in.readNBytes(MAX_BYTES), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            LOG.debug("Cannot read {}: {}", arpFile, e.toString());
            return "";
        }
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols.length < 4 || !cols[0].equals(ip)) {
                continue;
            }
            String mac = cols[3].toLowerCase(Locale.ROOT);
            if (!cols[2].equalsIgnoreCase("0x0") && MAC.matcher(mac).matches() && !mac.equals("00:00:00:00:00:00")) {
                return mac;
            }
        }
        return "";
    }
}
