package org.streamail.linkguard.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The MAC address of a host on the gateway's own network, from the kernel's IPv4 neighbour table
 * ({@code /proc/net/arp}: {@code IP  HW-type  Flags  HW-address  Mask  Device}). Incomplete entries (flags
 * {@code 0x0} or an all-zero address) do not count. IPv6 hosts get {@code ""}: their neighbour table is only
 * reachable through netlink or {@code ip neigh}, and a MAC is a hint for the administrator, not needed for
 * isolation. Reads at most {@value #MAX_BYTES} bytes per lookup. Thread-safe.
 */
final class NeighbourTable {

    private static final Logger LOG = LoggerFactory.getLogger(NeighbourTable.class);
    static final int MAX_BYTES = 256 * 1024;
    private static final Pattern MAC = Pattern.compile("[0-9a-f]{2}(:[0-9a-f]{2}){5}");

    private final Path arpFile;

    NeighbourTable(Path arpFile) {
        this.arpFile = arpFile;
    }

    /** The MAC of {@code ip} in lower case, or {@code ""} when unknown. */
    String macOf(String ip) {
        if (ip == null || ip.indexOf(':') >= 0 || Networks.parseIp(ip).isEmpty()) {
            return "";
        }
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
