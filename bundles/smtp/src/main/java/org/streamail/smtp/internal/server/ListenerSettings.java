package org.streamail.smtp.internal.server;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import org.streamail.api.model.Direction;

/**
 * The validated settings of one SMTP listener. Immutable.
 *
 * <p>The {@code direction} is the listener's role. {@link Direction#INBOUND}: mail from the Internet for the
 * protected domains, recipients judged by the directory. {@link Direction#OUTBOUND}: the organisation's
 * internal mail server hands over mail for the Internet; only clients inside {@code internalNetworks} are
 * served, senders must be in a protected domain and recipients must not be.
 *
 * @param bindAddress         the address to listen on
 * @param port                the TCP port; 0 picks a free one (tests)
 * @param hostname            the name in the banner and the EHLO reply
 * @param maxMessageSize      the largest message accepted, in bytes after dot-unstuffing
 * @param maxRecipients       recipients per transaction; never below 100 (RFC 5321 4.5.3.1.8)
 * @param maxConnections      concurrent sessions; more get 421
 * @param maxConnectionsPerIp concurrent sessions from one client address; more get 421 (one client must
 *                            not hold every slot)
 * @param connectionTimeoutMs how long a read may wait for the client
 * @param dataTimeoutSeconds  how long the DATA phase of one message (354 reply to end marker) may last in
 *                            all; 0 = no limit
 * @param maxErrors           refused commands and recipients per session before 421 and close
 * @param tls                 the STARTTLS context, or {@code null} when STARTTLS is off
 * @param tempDir             where messages larger than the in-memory threshold are buffered, or
 *                            {@code null} for the JVM's temporary directory
 * @param direction           the listener's role, and the direction of every envelope it hands over
 * @param internalNetworks    OUTBOUND only (required there, {@code null} for INBOUND): the clients served
 * @param maxSessionSeconds   how long one session may last in all, whatever it sends; 0 = no limit. It bounds
 *                            what no per-command rule sees: a client sending only unknown verbs or NOOPs, each
 *                            just inside the read timeout
 * @param tlsCipherSuites     the cipher suites STARTTLS enables ({@code tls.cipher.suites}); given empty, the
 *                            safe default of {@link TlsCiphers}; resolved and checked here when {@code tls} is
 *                            set, never empty then
 * @param tlsRequired         MAIL FROM before STARTTLS gets {@code 530 5.7.0}; needs {@code tls}
 * @param harvestMaxUnknownRecipients refused unknown recipients from one client (IPv6: its /64) within
 *                            {@code harvestWindowSeconds}, over all its sessions, that raise an
 *                            {@code smtp-harvest} alert; 0 = off
 * @param harvestWindowSeconds the sliding window of that count; 0 = off
 * @param harvestAction       what the listener does about such a client: {@link HarvestAction#REFUSE} (the
 *                            configuration's default) also slows its unknown-recipient refusals down and then
 *                            refuses its recipients with {@code 450 4.7.1} while it stays over the limit;
 *                            {@link HarvestAction#ALERT} only raises the alert
 * @param harvestDelayMaxMs   REFUSE only: the longest delay before an unknown-recipient refusal (the tarpit),
 *                            reached at the limit; 0 = no delay; at most {@link #MAX_HARVEST_DELAY_MS}
 * @param harvestExempt       clients never delayed nor refused for harvesting (still counted, still alerted):
 *                            relays in front of the gateway, through which every sender arrives from one
 *                            address; {@code null} = none
 */
public record ListenerSettings(
        InetAddress bindAddress, int port, String hostname, long maxMessageSize, int maxRecipients,
        int maxConnections, int maxConnectionsPerIp, int connectionTimeoutMs, int dataTimeoutSeconds, int maxErrors,
        SSLContext tls, Path tempDir, Direction direction, CidrMatcher internalNetworks, int maxSessionSeconds,
        List<String> tlsCipherSuites, boolean tlsRequired, int harvestMaxUnknownRecipients,
        int harvestWindowSeconds, HarvestAction harvestAction, int harvestDelayMaxMs, CidrMatcher harvestExempt) {

    /** {@code harvest.action}: what the inbound listener does about a client over the harvest limit. */
    public enum HarvestAction {
        /** Tarpit its unknown recipients, then refuse all its recipients with 450 4.7.1, and raise the alert. */
        REFUSE,
        /** Only raise the {@code smtp-harvest} alert; the replies do not change. */
        ALERT;

        /**
         * The action named by a {@code harvest.action} value: {@code refuse} or {@code alert} (case and surrounding
         * spaces ignored).
         *
         * @throws IllegalArgumentException naming the property for anything else
         */
        public static HarvestAction parse(String value) {
            String v = value == null ? "" : value.strip();
            for (HarvestAction a : values()) {
                if (a.name().equalsIgnoreCase(v)) {
                    return a;
                }
            }
            throw new IllegalArgumentException("harvest.action must be refuse or alert: '"
                    + (v.length() > 40 ? v.substring(0, 40) + "..." : v) + "'");
        }
    }

    /** RFC 5321 4.5.3.1.8: a server must accept at least 100 recipients. */
    public static final int MIN_RECIPIENTS = 100;

    /** The default of {@code max.session.seconds}: 30 minutes, far beyond any sender's connection reuse. */
    public static final int DEFAULT_MAX_SESSION_SECONDS = 1800;

    /** The default of {@code harvest.max.unknown.recipients}. */
    public static final int DEFAULT_HARVEST_MAX_UNKNOWN_RECIPIENTS = 20;

    /** The default of {@code harvest.window.seconds}: 10 minutes. */
    public static final int DEFAULT_HARVEST_WINDOW_SECONDS = 600;

    /** The default of {@code harvest.delay.max.ms}: 5 s. */
    public static final int DEFAULT_HARVEST_DELAY_MAX_MS = 5000;

    /**
     * The largest {@code harvest.delay.max.ms}: one minute, well inside the 5 minutes an SMTP client waits for a
     * RCPT reply (RFC 5321 4.5.3.2.3); a session thread is held for that long at most per refusal.
     */
    public static final int MAX_HARVEST_DELAY_MS = 60_000;

    /** Settings of an inbound listener. */
    public ListenerSettings(InetAddress bindAddress, int port, String hostname, long maxMessageSize,
            int maxRecipients, int maxConnections, int maxConnectionsPerIp, int connectionTimeoutMs,
            int dataTimeoutSeconds, int maxErrors, SSLContext tls, Path tempDir) {
        this(bindAddress, port, hostname, maxMessageSize, maxRecipients, maxConnections, maxConnectionsPerIp,
                connectionTimeoutMs, dataTimeoutSeconds, maxErrors, tls, tempDir, Direction.INBOUND, null,
                DEFAULT_MAX_SESSION_SECONDS);
    }

    /** Settings with the default session time limit. */
    public ListenerSettings(InetAddress bindAddress, int port, String hostname, long maxMessageSize,
            int maxRecipients, int maxConnections, int maxConnectionsPerIp, int connectionTimeoutMs,
            int dataTimeoutSeconds, int maxErrors, SSLContext tls, Path tempDir, Direction direction,
            CidrMatcher internalNetworks) {
        this(bindAddress, port, hostname, maxMessageSize, maxRecipients, maxConnections, maxConnectionsPerIp,
                connectionTimeoutMs, dataTimeoutSeconds, maxErrors, tls, tempDir, direction, internalNetworks,
                DEFAULT_MAX_SESSION_SECONDS);
    }

    /** Settings with the default TLS rules (safe cipher suites, plaintext allowed) and harvest limit. */
    public ListenerSettings(InetAddress bindAddress, int port, String hostname, long maxMessageSize,
            int maxRecipients, int maxConnections, int maxConnectionsPerIp, int connectionTimeoutMs,
            int dataTimeoutSeconds, int maxErrors, SSLContext tls, Path tempDir, Direction direction,
            CidrMatcher internalNetworks, int maxSessionSeconds) {
        this(bindAddress, port, hostname, maxMessageSize, maxRecipients, maxConnections, maxConnectionsPerIp,
                connectionTimeoutMs, dataTimeoutSeconds, maxErrors, tls, tempDir, direction, internalNetworks,
                maxSessionSeconds, List.of(), false, DEFAULT_HARVEST_MAX_UNKNOWN_RECIPIENTS,
                DEFAULT_HARVEST_WINDOW_SECONDS);
    }

    /**
     * Settings whose harvest detection only alerts ({@code harvest.action} {@code alert}, no delay): the
     * behaviour before {@code harvest.action} existed. The component's configuration defaults to
     * {@code refuse}; tests of other features use this so that their unknown recipients are neither delayed nor
     * refused.
     */
    public ListenerSettings(InetAddress bindAddress, int port, String hostname, long maxMessageSize,
            int maxRecipients, int maxConnections, int maxConnectionsPerIp, int connectionTimeoutMs,
            int dataTimeoutSeconds, int maxErrors, SSLContext tls, Path tempDir, Direction direction,
            CidrMatcher internalNetworks, int maxSessionSeconds, List<String> tlsCipherSuites, boolean tlsRequired,
            int harvestMaxUnknownRecipients, int harvestWindowSeconds) {
        this(bindAddress, port, hostname, maxMessageSize, maxRecipients, maxConnections, maxConnectionsPerIp,
                connectionTimeoutMs, dataTimeoutSeconds, maxErrors, tls, tempDir, direction, internalNetworks,
                maxSessionSeconds, tlsCipherSuites, tlsRequired, harvestMaxUnknownRecipients, harvestWindowSeconds,
                HarvestAction.ALERT, 0, null);
    }

    public ListenerSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(direction, "direction");
        if (direction == Direction.OUTBOUND && internalNetworks == null) {
            throw new IllegalArgumentException("internal.networks is required for the outbound listener");
        }
        if (direction == Direction.INBOUND && internalNetworks != null) {
            // Inbound serves the whole Internet; a network list there would be silently ignored.
            throw new IllegalArgumentException("internal.networks applies to the outbound listener only");
        }
        Objects.requireNonNull(hostname, "hostname");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (maxMessageSize < 1 || maxMessageSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("max.message.size must be between 1 and " + Integer.MAX_VALUE
                    + ": " + maxMessageSize);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("max.connections must be positive: " + maxConnections);
        }
        if (maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("max.connections.per.ip must be positive: " + maxConnectionsPerIp);
        }
        if (connectionTimeoutMs < 1) {
            throw new IllegalArgumentException("connection.timeout.ms must be positive: " + connectionTimeoutMs);
        }
        if (dataTimeoutSeconds < 0) {
            throw new IllegalArgumentException("data.timeout.seconds must be 0 (no limit) or positive: "
                    + dataTimeoutSeconds);
        }
        if (maxErrors < 1) {
            throw new IllegalArgumentException("max.errors must be positive: " + maxErrors);
        }
        if (maxSessionSeconds < 0) {
            throw new IllegalArgumentException("max.session.seconds must be 0 (no limit) or positive: "
                    + maxSessionSeconds);
        }
        if (tlsRequired && tls == null) {
            throw new IllegalArgumentException("tls.required = true needs tls.keystore (without a key store "
                    + "STARTTLS is not offered and no client could send mail)");
        }
        tlsCipherSuites = tlsCipherSuites == null ? List.of() : List.copyOf(tlsCipherSuites);
        if (tls != null) {
            tlsCipherSuites = TlsCiphers.resolve(tls, tlsCipherSuites);
        }
        if (harvestMaxUnknownRecipients < 0) {
            throw new IllegalArgumentException("harvest.max.unknown.recipients must be 0 (off) or positive: "
                    + harvestMaxUnknownRecipients);
        }
        if (harvestWindowSeconds < 0) {
            throw new IllegalArgumentException("harvest.window.seconds must be 0 (off) or positive: "
                    + harvestWindowSeconds);
        }
        Objects.requireNonNull(harvestAction, "harvestAction");
        if (harvestDelayMaxMs < 0 || harvestDelayMaxMs > MAX_HARVEST_DELAY_MS) {
            throw new IllegalArgumentException("harvest.delay.max.ms must be between 0 (no delay) and "
                    + MAX_HARVEST_DELAY_MS + ": " + harvestDelayMaxMs);
        }
        maxRecipients = Math.max(maxRecipients, MIN_RECIPIENTS);
        if (!hostname.matches("[A-Za-z0-9.\\-\\[\\]:]{1,255}")) {
            throw new IllegalArgumentException("hostname is not a plain host name: " + hostname);
        }
    }
}
