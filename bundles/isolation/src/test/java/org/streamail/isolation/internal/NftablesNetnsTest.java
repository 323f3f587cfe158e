package org.streamail.isolation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.streamail.api.isolation.Isolation;
import org.streamail.testsupport.MutableClock;

/**
 * Real nftables in network namespaces: workstation --veth-- router --veth-- server, router --veth--
 * management host, each link with an IPv4 and an IPv6 address; the {@link NftablesEnforcer} runs inside the
 * router namespace through a wrapper ({@code ip netns exec <router> nft}), driven by the real
 * {@link IsolationServiceImpl}. The 10.x and fd00: test addresses exist only inside these namespaces; nothing leaves them and the host's ruleset is never
 * touched.
 *
 * <p>Runs as root with {@code nft} and {@code ip} (Debian packages nftables, iproute2); skipped otherwise,
 * unless {@code STREAMAIL_REQUIRE_NFT=true} (CI), which turns a missing prerequisite into a failure.
 * Reachability is a TCP connect by bash's {@code /dev/tcp} under {@code timeout}, to small Java servers
 * started in the server and management namespaces (no ping needed).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class NftablesNetnsTest {

    static final String REQUIRE_ENV = "STREAMAIL_REQUIRE_NFT";
    private static final long PID = ProcessHandle.current().pid();
    private static final String WS = "sm-ws-" + PID;
    private static final String RT = "sm-rt-" + PID;
    private static final String SRV = "sm-srv-" + PID;
    private static final String MGMT = "sm-mgmt-" + PID;
    private static final String WS_IP = "10.0.1.2";
    private static final String SRV_IP = "10.0.2.2";
    private static final String MGMT_IP = "10.0.3.2";
    // the workstation's other address family: what an isolation by its IPv4 address alone leaves open
    private static final String WS_IP6 = "fd00:1::2";
    private static final String SRV_IP6 = "fd00:2::2";
    private static final String MGMT_IP6 = "fd00:3::2";
    private static final int PORT = 8080;

    private static String ip;
    private static String nft;
    private static Path tmp;
    private static Path wrapper;
    private static final List<String> created = new ArrayList<>();
    private static final List<Process> servers = new ArrayList<>();

    @BeforeAll
    static void network() throws Exception {
        ip = which("ip");
        nft = which("nft");
        boolean root = "0".equals(run(5, "id", "-u").strip());
        String missing = !root ? "root" : ip == null ? "ip (Debian iproute2)" : nft == null ? "nft (Debian nftables)" : null;
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_ENV))) {
                fail(REQUIRE_ENV + "=true but " + missing + " is missing");
            }
            Assumptions.abort("nftables netns test needs " + missing);
        }
        for (String ns : List.of(WS, RT, SRV, MGMT)) {
            cmd(ip, "netns", "add", ns);
            created.add(ns);
            ns(ns, ip, "link", "set", "lo", "up");
        }
        link(WS, "r-ws", WS_IP, "10.0.1.1", WS_IP6, "fd00:1::1");
        link(SRV, "r-srv", SRV_IP, "10.0.2.1", SRV_IP6, "fd00:2::1");
        link(MGMT, "r-mgmt", MGMT_IP, "10.0.3.1", MGMT_IP6, "fd00:3::1");
        ns(RT, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding");

        tmp = Files.createTempDirectory("sm-nft-");
        wrapper = tmp.resolve("nft");
        Files.writeString(wrapper, "#!/bin/sh\nexec " + ip + " netns exec " + RT + " " + nft + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));

        server(SRV, "::"); // both families (bindv6only is 0 in a new namespace)
        server(MGMT, "::");
        // a table that is not ours: it must survive every apply
        ns(RT, nft, "add table inet other; add chain inet other c { type filter hook forward priority 0; policy accept; }");
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (Process p : servers) {
            p.getOutputStream().close();
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
        }
        for (String ns : created) {
            try {
                cmd(ip, "netns", "del", ns);
            } catch (IOException e) {
                System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
            }
        }
        if (tmp != null) {
            try (Stream<Path> files = Files.list(tmp)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(tmp);
        }
    }

    @Test
    void anIsolatedWorkstationShouldReachOnlyManagementUntilReleasedOrExpired() throws Exception {
        MemoryIsolationStore store = new MemoryIsolationStore();
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        IsolationServiceImpl gateway = gateway(store, clock);
        gateway.startUp(); // an empty table: nothing isolated

        assertThat(reaches(WS, SRV_IP)).as("before isolation, ws -> server").isTrue();
        assertThat(reaches(WS, MGMT_IP)).as("before isolation, ws -> management").isTrue();

        gateway.isolate(WS_IP, null, "clicked a phishing link", Duration.ofSeconds(30), "linkguard");
        assertThat(cannotReach(WS, SRV_IP)).as("isolated ws -> server").isTrue();
        assertThat(cannotReach(SRV, WS_IP)).as("server -> isolated ws").isTrue();
        assertThat(reaches(WS, MGMT_IP)).as("isolated ws -> management").isTrue();

        gateway.isolate(WS_IP, null, "clicked again", Duration.ofSeconds(30), "linkguard");
        assertThat(elements("isolated4")).containsExactly(WS_IP);
        assertThat(ns(RT, nft, "list", "table", "inet", "streamail").lines().filter(l -> l.contains(" drop")).count())
                .isEqualTo(8);
        assertThat(store.list()).hasSize(1);

        // reboot of the gateway: the kernel forgets the table, a new service instance finds the store
        ns(RT, nft, "delete", "table", "inet", "streamail");
        assertThat(reaches(WS, SRV_IP)).as("after the simulated reboot, before start-up").isTrue();
        IsolationServiceImpl restarted = gateway(store, clock);
        restarted.startUp();
        assertThat(elements("isolated4")).containsExactly(WS_IP);
        assertThat(cannotReach(WS, SRV_IP)).as("still isolated after restart").isTrue();
        assertThat(reaches(WS, MGMT_IP)).isTrue();

        // the TTL still runs out after the restart
        clock.advance(Duration.ofSeconds(31));
        assertThat(restarted.expireDue()).isEqualTo(1);
        assertThat(elements("isolated4")).isEmpty();
        assertThat(reaches(WS, SRV_IP)).as("after expiry").isTrue();

        // isolate and release by hand
        restarted.isolate(WS_IP, null, "manual", Duration.ofHours(1), "alice");
        assertThat(cannotReach(WS, SRV_IP)).isTrue();
        assertThat(restarted.release(WS_IP, "alice")).isTrue();
        assertThat(reaches(WS, SRV_IP)).as("after release").isTrue();
        assertThat(store.list()).isEmpty();
        assertThat(store.audits()).extracting(a -> a.action()).containsExactly("isolate", "extend", "expire",
                "isolate", "release");

        assertThat(ns(RT, nft, "list", "tables")).contains("table inet other").contains("table inet streamail");
    }

    @Test
    void isolatingOneAddressWithItsMacShouldCutTheWorkstationsOtherAddressesToo() throws Exception {
        String mac = macOf(WS, "eth0");
        IsolationServiceImpl gateway = gateway(new MemoryIsolationStore(),
                new MutableClock(Instant.parse("2026-03-01T10:00:00Z")));
        gateway.startUp();
        assertThat(reaches(WS, SRV_IP6)).as("before isolation, ws over IPv6 -> server").isTrue();

        // what the link guard does: the address it saw the click from, and the MAC its neighbour table has
        gateway.isolate(WS_IP, mac.toUpperCase(java.util.Locale.ROOT), "clicked a phishing link", Duration.ofMinutes(5),
                "linkguard");
        assertThat(cannotReach(WS, SRV_IP6)).as("isolated ws, its other address -> server").isTrue();
        assertThat(elements("isolated_mac")).containsExactly(mac);
        assertThat(elements("isolated6")).isEmpty();
        assertThat(cannotReach(WS, SRV_IP)).as("isolated ws -> server").isTrue();
        assertThat(cannotReach(SRV, WS_IP6)).as("server -> isolated ws's other address (its answer is cut)").isTrue();
        // neighbour discovery between ws and gateway must still work under isolation: forget what they knew
        ns(WS, ip, "-6", "neigh", "flush", "dev", "eth0");
        ns(RT, ip, "-6", "neigh", "flush", "dev", "r-ws");
        assertThat(reaches(WS, MGMT_IP6)).as("isolated ws over IPv6 -> management").isTrue();
        assertThat(reaches(WS, MGMT_IP)).as("isolated ws -> management").isTrue();

        assertThat(gateway.release(WS_IP, "alice")).isTrue();
        assertThat(elements("isolated_mac")).isEmpty();
        assertThat(reaches(WS, SRV_IP6)).as("after release, ws over IPv6 -> server").isTrue();
        assertThat(reaches(WS, SRV_IP)).as("after release, ws -> server").isTrue();
    }

    @Test
    void aScriptNftRefusesShouldLeaveTheOldTableInForce() throws Exception {
        NftablesEnforcer e = new NftablesEnforcer(wrapper, "streamail", Duration.ofSeconds(10));
        Isolation i = new Isolation("10.0.9.9", "", "r", "a", Instant.EPOCH, null, 1);
        e.apply(new org.streamail.api.isolation.Enforcer.EnforcementChange("isolate", i, List.of(i), List.of(MGMT_IP)));
        assertThat(elements("isolated4")).containsExactly("10.0.9.9");
        try {
            e.run("table inet streamail\ndelete table inet streamail\ntable inet streamail { set isolated4 { type nonsense } }\n");
            fail("nft accepted a bad script");
        } catch (IOException expected) {
            assertThat(expected.getMessage()).contains("exit status");
        }
        // one transaction: the failed script changed nothing
        assertThat(elements("isolated4")).containsExactly("10.0.9.9");
        e.apply(new org.streamail.api.isolation.Enforcer.EnforcementChange("sync", null, List.of(), List.of()));
        assertThat(elements("isolated4")).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    private static IsolationServiceImpl gateway(MemoryIsolationStore store, MutableClock clock) {
        IsolationConfig config = TestConfigs.isolation(Map.of("enforcers", "nftables", "management",
                MGMT_IP + "," + MGMT_IP6));
        return new IsolationServiceImpl(config, store,
                List.of(new NftablesEnforcer(wrapper, "streamail", Duration.ofSeconds(10))), clock,
                () -> Stream.of("10.0.1.1", "10.0.2.1", "10.0.3.1", "fd00:1::1", "fd00:2::1", "fd00:3::1")
                        .map(IpAddresses::parse).toList(),
                false);
    }

    private static List<String> elements(String set) throws IOException, InterruptedException {
        String out = ns(RT, nft, "list", "set", "inet", "streamail", set);
        int open = out.indexOf("elements = {");
        if (open < 0) {
            return List.of();
        }
        String inner = out.substring(open + "elements = {".length(), out.indexOf('}', open));
        return Arrays.stream(inner.split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
    }

    /** The MAC of {@code dev} in namespace {@code in}, read from {@code ip link show}. */
    private static String macOf(String in, String dev) throws IOException, InterruptedException {
        String out = ns(in, ip, "-o", "link", "show", "dev", dev);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("link/ether ([0-9a-f:]{17}) ").matcher(out);
        if (!m.find()) {
            throw new IOException("no MAC in: " + out);
        }
        return m.group(1);
    }

    /** A TCP connect from {@code from} to the test server at {@code ip}, within 3 s. */
    private static boolean reaches(String from, String ipAddr) throws IOException, InterruptedException {
        return connect(from, ipAddr, 3) == 0;
    }

    /** No TCP connection within 1 s (a dropped SYN just times out). */
    private static boolean cannotReach(String from, String ipAddr) throws IOException, InterruptedException {
        return connect(from, ipAddr, 1) != 0;
    }

    private static int connect(String from, String ipAddr, int seconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(ip, "netns", "exec", from, "timeout", String.valueOf(seconds), "bash", "-c",
                "exec 3<>/dev/tcp/" + ipAddr + "/" + PORT).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(seconds + 5L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    private static void link(String peerNs, String routerSide, String peerIp, String routerIp, String peerIp6,
            String routerIp6) throws IOException, InterruptedException {
        ns(RT, ip, "link", "add", routerSide, "type", "veth", "peer", "name", "eth0", "netns", peerNs);
        ns(RT, ip, "addr", "add", routerIp + "/24", "dev", routerSide);
        // nodad: usable at once, no duplicate address detection to wait for
        ns(RT, ip, "addr", "add", routerIp6 + "/64", "dev", routerSide, "nodad");
        ns(RT, ip, "link", "set", routerSide, "up");
        ns(peerNs, ip, "addr", "add", peerIp + "/24", "dev", "eth0");
        ns(peerNs, ip, "addr", "add", peerIp6 + "/64", "dev", "eth0", "nodad");
        ns(peerNs, ip, "link", "set", "eth0", "up");
        ns(peerNs, ip, "route", "add", "default", "via", routerIp);
        ns(peerNs, ip, "-6", "route", "add", "default", "via", routerIp6);
    }

    private static void server(String ns, String addr) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process p = new ProcessBuilder(ip, "netns", "exec", ns, java, "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", cp,
                NetnsTcpServer.class.getName(), addr, String.valueOf(PORT)).redirectErrorStream(true).start();
        servers.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = r.readLine();
        if (!"ready".equals(line)) {
            throw new IOException("test server in " + ns + " did not start: " + line);
        }
    }

    private static String ns(String ns, String... command) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of(ip, "netns", "exec", ns));
        c.addAll(List.of(command));
        return cmd(c.toArray(String[]::new));
    }

    private static String cmd(String... command) throws IOException, InterruptedException {
        return run(20, command);
    }

    private static String run(int seconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readNBytes(1 << 20);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + text.strip());
        }
        return text;
    }

    private static String which(String name) {
        Optional<String> found = Stream.concat(
                Arrays.stream(Optional.ofNullable(System.getenv("PATH")).orElse("").split(":")),
                Stream.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"))
                .filter(d -> !d.isEmpty()).map(d -> Path.of(d, name))
                .filter(Files::isExecutable).map(Path::toString).findFirst();
        return found.orElse(null);
    }
}
