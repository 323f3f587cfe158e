package org.streamail.itests.process;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Reads Linux's /proc/net/tcp and tcp6 to tell on which local address a port is listening. */
final class ListeningSockets {

    private static final String LISTEN = "0A";

    private ListeningSockets() {
    }

    static List<String> addressesListeningOn(int port) throws IOException {
        List<String> result = new ArrayList<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 4 || !f[3].equals(LISTEN) || !f[1].contains(":")) {
                    continue;
                }
                String[] local = f[1].split(":");
                if (Integer.parseInt(local[1], 16) == port) {
                    result.add(decode(local[0]));
                }
            }
        }
        return result;
    }

    /** /proc prints each 32-bit word of the address in host (little-endian) order. */
    private static String decode(String hex) throws IOException {
        byte[] raw = HexFormat.of().parseHex(hex);
        byte[] addr = new byte[raw.length];
        for (int w = 0; w < raw.length; w += 4) {
            for (int i = 0; i < 4; i++) {
                addr[w + i] = raw[w + 3 - i];
            }
        }
        return InetAddress.getByAddress(addr).getHostAddress().replace("0:0:0:0:0:ffff:", "::ffff:")
                .replace("0:0:0:0:0:0:0:1", "::1");
    }
}
