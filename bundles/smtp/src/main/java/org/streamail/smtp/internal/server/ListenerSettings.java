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
 */
public record ListenerSettings(
        InetAddress bindAddress, int port, String hostname, long maxMessageSize, int maxRecipients,
        int maxConnections, int maxConnectionsPerIp, int connectionTimeoutMs, int dataTimeoutSeconds, int maxErrors,
        SSLContext tls, Path tempDir, Direction direction, CidrMatcher internalNetworks, int maxSessionSeconds,
        List<String> tlsCipherSuites, boolean tlsRequired, int harvestMaxUnknownRecipients,
        int harvestWindowSeconds) {

    /** RFC 5321 4.5.3.1.8: a server must accept at least 100 recipients. */
    public static final int MIN_RECIPIENTS = 100;

    /** The default of {@code max.session.seconds}: 30 minutes, far beyond any sender's connection reuse. */
    public static final int DEFAULT_MAX_SESSION_SECONDS = 1800;

    /** The default of {@code harvest.max.unknown.recipients}. */
    public static final int DEFAULT_HARVEST_MAX_UNKNOWN_RECIPIENTS = 20;

    /** The default of {@code harvest.window.seconds}: 10 minutes. */
    public static final int DEFAULT_HARVEST_WINDOW_SECONDS = 600;

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
        maxRecipients = Math.max(maxRecipients, MIN_RECIPIENTS);
        if (!hostname.matches("[A-Za-z0-9.\\-\\[\\]:]{1,255}")) {
            throw new IllegalArgumentException("hostname is not a plain host name: " + hostname);
        }
    }
}
