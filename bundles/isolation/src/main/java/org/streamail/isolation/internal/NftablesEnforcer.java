package org.streamail.isolation.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.isolation.Enforcer;
import org.streamail.api.isolation.Isolation;

/**
 * The {@code nftables} enforcer (PID {@value NftablesConfig#PID}): owns the table {@code inet <table>} and
 * rewrites it whole with one {@code nft -f -} script per change (see {@link NftablesScript}); never touches
 * any other table. Isolated hosts may reach the management addresses (and get their replies); every other
 * packet from them, and forwarded to them, is dropped. With {@code isolate.by.mac} (the default), every packet
 * from an isolated host's MAC is dropped as well, except towards management, whatever its source address; a
 * MAC that is malformed or not one host's is left out with a WARN (the host's address is still cut).
 *
 * <p>Lifecycle: stateless between calls; deactivation leaves the table in place so isolation outlives a
 * bundle update (remove it by hand with {@code nft delete table inet streamail}). Threading: the isolation
 * service serialises calls; {@link #apply} is nevertheless safe to call concurrently (nft's own
 * transaction keeps the table consistent).
 */
@Component(service = Enforcer.class, configurationPid = NftablesConfig.PID, property = "name=" + NftablesEnforcer.NAME)
@Designate(ocd = NftablesConfig.class)
public final class NftablesEnforcer implements Enforcer {

    static final String NAME = "nftables";
    private static final int MAX_OUTPUT = 8192;
    private static final Logger LOG = LoggerFactory.getLogger(NftablesEnforcer.class);

    private final Path binary;
    private final String table;
    private final Duration timeout;
    private final boolean byMac;

    @Activate
    public NftablesEnforcer(NftablesConfig config, Map<String, Object> properties) {
        this(Path.of(checked(config, properties).nft_binary().strip()), config.table().strip(),
                Duration.ofSeconds(config.timeout_seconds()), config.isolate_by_mac());
    }

    /** Checks the raw properties before any config method is read; logs each key nothing reads. */
    private static NftablesConfig checked(NftablesConfig config, Map<String, Object> properties) {
        ConfigCheck.check(NftablesConfig.PID, NftablesConfig.class, properties, Set.of("name"))
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", NftablesConfig.PID, k));
        return config;
    }

    NftablesEnforcer(Path binary, String table, Duration timeout) {
        this(binary, table, timeout, true);
    }

    NftablesEnforcer(Path binary, String table, Duration timeout, boolean byMac) {
        if (!binary.isAbsolute()) {
            throw new IllegalArgumentException("nft.binary must be an absolute path: " + binary);
        }
        NftablesScript.checkTable(table);
        if (timeout.toSeconds() < 1 || timeout.toSeconds() > 300) {
            throw new IllegalArgumentException("timeout.seconds must be 1..300, was " + timeout.toSeconds());
        }
        this.binary = binary;
        this.table = table;
        this.timeout = timeout;
        this.byMac = byMac;
        if (!Files.isExecutable(binary)) {
            LOG.warn("nftables enforcer: {} is not an executable file; every isolation change will fail "
                    + "(install the Debian package nftables)", binary);
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void apply(EnforcementChange change) throws IOException, InterruptedException {
        List<String> ips = change.isolated().stream().map(Isolation::ip).toList();
        List<String> macs = byMac ? macs(change.isolated()) : null;
        String script = NftablesScript.build(table, ips, macs, change.allowList());
        run(script);
        LOG.info("nftables enforcer: table inet {} now isolates {} host(s){} ({} {})", table, ips.size(),
                macs == null ? "" : " and " + macs.stream().distinct().count() + " MAC(s)", change.action(),
                change.target() == null ? "-" : change.target().ip());
    }

    /**
     * The MACs of the whole isolated set (so one shared by two hosts stays while either is isolated), in
     * canonical form. One that is malformed or not one host's (multicast, broadcast, all-zero) is left out with
     * a WARN rather than failing the change: it came from a bogus neighbour entry or a tampered store row, and
     * failing would leave the host's address uncut too, and every later change with it.
     */
    static List<String> macs(List<Isolation> isolated) {
        List<String> macs = new ArrayList<>(isolated.size());
        for (Isolation i : isolated) {
            if (i.mac().isBlank()) {
                continue;
            }
            String why;
            String mac = null;
            try {
                mac = NftablesScript.mac(i.mac());
                why = NftablesScript.unusable(mac);
                why = why == null ? null : why + ", not one host's";
            } catch (IllegalArgumentException e) {
                why = "not a MAC address";
            }
            if (why == null) {
                macs.add(mac);
            } else {
                LOG.warn("nftables enforcer: MAC '{}' of isolated host {} left out, only the address is cut: {}",
                        IpAddresses.printable(i.mac()), i.ip(), why);
            }
        }
        return macs;
    }

    /** Runs {@code nft -f -} with the script on stdin; throws with nft's own message on failure. */
    void run(String script) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "-f", "-").redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> drain(p.getInputStream(), output), "streamail-nft-output");
        reader.setDaemon(true);
        reader.start();
        // Written by its own thread: an nft (or wrapper) that hangs without reading would otherwise block this
        // write for good once the script exceeds the pipe buffer, before the timeout below is even reached.
        byte[] bytes = script.getBytes(StandardCharsets.US_ASCII);
        Thread writer = new Thread(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(bytes);
            } catch (IOException e) {
                // nft exited before reading everything: its exit status and output say why
                LOG.debug("nftables enforcer: writing the script failed: {}", e.toString());
            }
        }, "streamail-nft-input");
        writer.setDaemon(true);
        writer.start();
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(p); // left running, it could commit this script after the rollback that follows
            throw e;
        }
        if (!finished) {
            kill(p);
            p.waitFor(2, TimeUnit.SECONDS);
            reader.join(1000);
            throw new IOException(binary + " -f - did not finish within " + timeout.toSeconds() + " s; killed. "
                    + text(output));
        }
        reader.join(2000);
        int rc = p.exitValue();
        if (rc != 0) {
            throw new IOException(binary + " -f - failed with exit status " + rc + ": " + text(output));
        }
    }

    /**
     * Kills nft, and a wrapper's children too: a left-over nft could still commit its script later. The wrapper
     * goes first: killed after its child, a wrapper script waiting on it ({@code nft ...; something}) could run its
     * next command in between (seen on a loaded machine: the test's fake nft committed after the kill). Its
     * children are listed before, as once it is dead they are no longer its descendants.
     */
    private static void kill(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        for (ProcessHandle child : children) {
            child.descendants().forEach(ProcessHandle::destroyForcibly);
            child.destroyForcibly();
        }
    }

    private static void drain(InputStream in, ByteArrayOutputStream sink) {
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (sink) {
                    int room = MAX_OUTPUT - sink.size();
                    if (room > 0) {
                        sink.write(buf, 0, Math.min(room, n)); // the rest is read and dropped: bounded
                    }
                }
            }
        } catch (IOException e) {
            // the process was killed; what was read is kept
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8).strip();
        }
    }
}
