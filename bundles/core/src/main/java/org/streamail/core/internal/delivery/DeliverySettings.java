package org.streamail.core.internal.delivery;

import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Objects;

/**
 * Delivery settings (PID {@value Delivery#PID}), validated.
 *
 * @param relayHost     next hop, or {@code ""} for local folder delivery
 * @param relayPort     next hop port
 * @param relayTimeout  connect/read timeout
 * @param relayReuse    how long a connection to the next hop is kept open between messages (zero: never)
 * @param retryInitial  first retry delay (doubles per attempt)
 * @param retryMax      longest retry delay
 * @param giveUp        age after which a deferred message fails
 * @param localFolder   folder for local delivery
 * @param hostname      this gateway's name in Received and EHLO
 */
public record DeliverySettings(String relayHost, int relayPort, Duration relayTimeout, Duration relayReuse,
        Duration retryInitial,
        Duration retryMax, Duration giveUp, Path localFolder, String hostname) {

    public DeliverySettings {
        relayHost = relayHost == null ? "" : relayHost.trim();
        if (relayPort < 1 || relayPort > 65535) {
            throw new IllegalArgumentException("relay.port must be 1..65535, got " + relayPort);
        }
        for (Duration d : new Duration[] {relayTimeout, retryInitial, retryMax, giveUp}) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("delivery timeouts and retry intervals must be positive");
            }
        }
        if (relayReuse == null || relayReuse.isNegative() || relayReuse.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("relay.reuse.seconds must be 0..300, got " + relayReuse);
        }
        Objects.requireNonNull(localFolder, "localFolder");
        hostname = hostname == null || hostname.isBlank() ? defaultHostname() : hostname.trim();
        if (!hostname.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException("hostname must be a DNS name, got '" + hostname + "'");
        }
    }

    /** Local delivery into {@code folder}; for tests. */
    public static DeliverySettings local(Path folder) {
        return new DeliverySettings("", 25, Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofHours(1),
                Duration.ofDays(5), folder, "gateway.test");
    }

    /** Relay to {@code host:port}; for tests. */
    public static DeliverySettings relay(String host, int port, Duration retryInitial) {
        return new DeliverySettings(host, port, Duration.ofSeconds(5), Duration.ofSeconds(5), retryInitial, Duration.ofHours(1),
                Duration.ofDays(5), Paths.get("delivered"), "gateway.test");
    }

    public DeliverySettings withGiveUp(Duration d) {
        return new DeliverySettings(relayHost, relayPort, relayTimeout, relayReuse, retryInitial, retryMax, d,
                localFolder, hostname);
    }

    /** The same with connections kept open for {@code d} between messages (zero: one per message). */
    public DeliverySettings withRelayReuse(Duration d) {
        return new DeliverySettings(relayHost, relayPort, relayTimeout, d, retryInitial, retryMax, giveUp,
                localFolder, hostname);
    }

    static DeliverySettings of(DeliveryConfig c) {
        Path folder = c.local_folder() == null || c.local_folder().isBlank()
                ? Paths.get(System.getProperty("karaf.data", "data"), "streamail", "delivered")
                : Paths.get(c.local_folder().trim());
        if (c.relay_reuse_seconds() < 0 || c.relay_reuse_seconds() > 300) {
            throw new IllegalArgumentException("relay.reuse.seconds must be 0..300, got " + c.relay_reuse_seconds());
        }
        return new DeliverySettings(c.relay_host(), c.relay_port(), Duration.ofMillis(c.relay_timeout_ms()),
                Duration.ofSeconds(c.relay_reuse_seconds()), Duration.ofSeconds(c.retry_initial()),
                Duration.ofSeconds(c.retry_max_interval()),
                Duration.ofSeconds(c.retry_give_up()), folder, c.hostname());
    }

    private static String defaultHostname() {
        try {
            String h = InetAddress.getLocalHost().getHostName();
            return h != null && h.matches("[A-Za-z0-9.-]{1,253}") ? h : "streamail";
        } catch (java.io.IOException | RuntimeException e) {
            return "streamail";
        }
    }

    /** Delay before retry number {@code attempts} (1-based): initial * 2^(attempts-1), capped. */
    Duration backoff(int attempts) {
        long ms = retryInitial.toMillis();
        for (int i = 1; i < attempts && ms < retryMax.toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, retryMax.toMillis()));
    }
}
