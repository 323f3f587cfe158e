package org.streamail.core.internal.delivery;

import java.net.InetAddress;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Direction;

/**
 * Delivery settings (PID {@value Delivery#PID}), validated.
 *
 * @param inbound       where mail from the Internet goes: the organisation's mail server, or a local folder
 * @param outbound      where the organisation's mail for the Internet goes: a smarthost, or a local folder
 * @param relayTimeout  connect/read timeout
 * @param relayReuse    how long a connection to a next hop is kept open between messages (zero: never)
 * @param retryInitial  first retry delay (doubles per attempt)
 * @param retryMax      longest retry delay
 * @param giveUp        age after which a deferred message fails
 * @param hostname      this gateway's name in Received and EHLO
 * @param hideInternal  whether outbound mail leaves without the internal hops' {@code Received} headers and
 *                      client-address headers, and with a {@code Received} line that names no internal host
 * @param bounce        whether a message that could not reach some recipients returns a non-delivery report
 *                      (RFC 3464) to its envelope sender
 * @param bounceInbound whether that also holds for inbound mail (the sender is outside: backscatter risk);
 *                      only read when {@code bounce} is on
 * @param ids           how internal host names in message ids are hidden in outbound mail (when
 *                      {@code hideInternal}) and brought back in inbound replies; {@code null}: ids are not touched
 *                      (the test factories)
 * @param signRequired  whether outbound mail waits (is deferred) while no outbound signer is bound, instead of
 *                      leaving unsigned ({@code outbound.sign.required})
 */
public record DeliverySettings(Hop inbound, Hop outbound, Duration relayTimeout, Duration relayReuse,
        Duration retryInitial, Duration retryMax, Duration giveUp, String hostname, boolean hideInternal,
        boolean bounce, boolean bounceInbound, MessageIdHiding ids, boolean signRequired) {

    private static final Logger LOG = LoggerFactory.getLogger(DeliverySettings.class);

    /** How a connection to a next hop is encrypted, in Postfix's terms. */
    public enum Tls {
        /** Plain text. */
        NONE,
        /** STARTTLS when the hop offers it, certificate not checked (Postfix {@code may}). */
        MAY,
        /** STARTTLS required, certificate not checked (Postfix {@code encrypt}). */
        ENCRYPT,
        /**
         * STARTTLS required, certificate checked against the JVM's trust store (or the hop's own CA file,
         * {@link HopTrust}) and the host name.
         */
        VERIFY;

        static Tls of(String property, String value) {
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(property + " must be one of none, may, encrypt, verify; got '"
                        + value + "'");
            }
        }
    }

    /**
     * One next hop.
     *
     * @param host        SMTP server, or {@code ""} to write {@code <id>.eml} files into {@code localFolder}
     * @param port        its port
     * @param localFolder the folder used when {@code host} is empty
     * @param tls         how the connection is encrypted
     * @param auth        SMTP AUTH credentials, or {@code null} for none; only with {@code encrypt} or
     *                    {@code verify} (STARTTLS required), so they never travel in clear; the configuration
     *                    ({@link #of}) also refuses {@code encrypt} without {@code relay.auth.allow.unverified}. Their
     *                    password file is looked at again before each message ({@link RelayAuth#login()})
     * @param trust       how its certificate is checked beyond what {@code tls} says (a CA file of its own, or pinned
     *                    digests); {@code null}: {@link HopTrust#NONE}. Its CA file is looked at again before each
     *                    connection ({@link HopTrust#check()})
     */
    public record Hop(String host, int port, Path localFolder, Tls tls, RelayAuth auth, HopTrust trust) {
        public Hop {
            trust = trust == null ? HopTrust.NONE : trust;
            if (trust.pinned() && tls != Tls.ENCRYPT && tls != Tls.VERIFY) {
                throw new IllegalArgumentException(trust.pinProperty() + " needs the hop's tls level encrypt or "
                        + "verify, got " + tls.name().toLowerCase(Locale.ROOT));
            }
            if (trust.caFile() != null && tls != Tls.VERIFY) {
                throw new IllegalArgumentException(trust.caProperty() + " needs the hop's tls level verify, got "
                        + tls.name().toLowerCase(Locale.ROOT));
            }
            host = host == null ? "" : host.trim();
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("relay port must be 1..65535, got " + port);
            }
            Objects.requireNonNull(localFolder, "localFolder");
            Objects.requireNonNull(tls, "tls");
            if (auth != null && tls != Tls.ENCRYPT && tls != Tls.VERIFY) {
                throw new IllegalArgumentException("SMTP AUTH needs the hop's tls level encrypt or verify, got "
                        + tls.name().toLowerCase(Locale.ROOT));
            }
        }

        /** A hop without SMTP AUTH. */
        public Hop(String host, int port, Path localFolder, Tls tls) {
            this(host, port, localFolder, tls, null, HopTrust.NONE);
        }

        /** A hop whose certificate is checked as its level says, no more. */
        public Hop(String host, int port, Path localFolder, Tls tls, RelayAuth auth) {
            this(host, port, localFolder, tls, auth, HopTrust.NONE);
        }

        /** Whether STARTTLS is required (no plain text, ever): {@code encrypt}, {@code verify}, or pinned. */
        boolean tlsRequired() {
            return tls == Tls.ENCRYPT || tls == Tls.VERIFY || trust.pinned();
        }

        boolean local() {
            return host.isEmpty();
        }

        /** Where this hop delivers, for logs: the host and port, or the folder's name. */
        String describe() {
            return local() ? "folder " + localFolder.getFileName() : host + ":" + port;
        }
    }

    /** Settings that do not require a signer. */
    public DeliverySettings(Hop inbound, Hop outbound, Duration relayTimeout, Duration relayReuse,
            Duration retryInitial, Duration retryMax, Duration giveUp, String hostname, boolean hideInternal,
            boolean bounce, boolean bounceInbound, MessageIdHiding ids) {
        this(inbound, outbound, relayTimeout, relayReuse, retryInitial, retryMax, giveUp, hostname, hideInternal,
                bounce, bounceInbound, ids, false);
    }

    /** Settings without message-id hiding. */
    public DeliverySettings(Hop inbound, Hop outbound, Duration relayTimeout, Duration relayReuse,
            Duration retryInitial, Duration retryMax, Duration giveUp, String hostname, boolean hideInternal,
            boolean bounce, boolean bounceInbound) {
        this(inbound, outbound, relayTimeout, relayReuse, retryInitial, retryMax, giveUp, hostname, hideInternal,
                bounce, bounceInbound, null);
    }

    public DeliverySettings {
        Objects.requireNonNull(inbound, "inbound");
        Objects.requireNonNull(outbound, "outbound");
        for (Duration d : new Duration[] {relayTimeout, retryInitial, retryMax, giveUp}) {
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("delivery timeouts and retry intervals must be positive");
            }
        }
        if (relayReuse == null || relayReuse.isNegative() || relayReuse.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new IllegalArgumentException("relay.reuse.seconds must be 0..300, got " + relayReuse);
        }
        hostname = hostname == null || hostname.isBlank() ? defaultHostname() : hostname.trim();
        if (!hostname.matches("[A-Za-z0-9.-]{1,253}")) {
            throw new IllegalArgumentException("hostname must be a DNS name, got '" + hostname + "'");
        }
    }

    /** The hop for mail of {@code direction}. */
    public Hop hop(Direction direction) {
        return direction == Direction.OUTBOUND ? outbound : inbound;
    }

    /** Whether a message of {@code direction} that failed for some recipients is reported to its sender. */
    public boolean bounces(Direction direction) {
        return bounce && (direction != Direction.INBOUND || bounceInbound);
    }

    /**
     * Local delivery of both directions into {@code folder} and {@code folder}-outbound; for tests. Bounces are
     * off (a test that wants them says so with {@link #withBounces}).
     */
    public static DeliverySettings local(Path folder) {
        return new DeliverySettings(new Hop("", 25, folder, Tls.NONE),
                new Hop("", 25, folder.resolveSibling(folder.getFileName() + "-outbound"), Tls.NONE),
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofHours(1),
                Duration.ofDays(5), "gateway.test", true, false, false);
    }

    /**
     * Inbound mail relayed to {@code host:port} in plain text, outbound into a local folder; for tests. Bounces
     * are off (they would land in the working directory's {@code outbound} folder).
     */
    public static DeliverySettings relay(String host, int port, Duration retryInitial) {
        return new DeliverySettings(new Hop(host, port, Paths.get("delivered"), Tls.NONE),
                new Hop("", 25, Paths.get("outbound"), Tls.NONE), Duration.ofSeconds(5), Duration.ofSeconds(5),
                retryInitial, Duration.ofHours(1), Duration.ofDays(5), "gateway.test", true, false, false);
    }

    public DeliverySettings withGiveUp(Duration d) {
        return new DeliverySettings(inbound, outbound, relayTimeout, relayReuse, retryInitial, retryMax, d, hostname,
                hideInternal, bounce, bounceInbound, ids, signRequired);
    }

    /** The same with connections kept open for {@code d} between messages (zero: one per message). */
    public DeliverySettings withRelayReuse(Duration d) {
        return new DeliverySettings(inbound, outbound, relayTimeout, d, retryInitial, retryMax, giveUp, hostname,
                hideInternal, bounce, bounceInbound, ids, signRequired);
    }

    /** The same with another outbound hop; for tests. */
    public DeliverySettings withOutbound(Hop hop, boolean hide) {
        return new DeliverySettings(inbound, hop, relayTimeout, relayReuse, retryInitial, retryMax, giveUp, hostname,
                hide, bounce, bounceInbound, ids, signRequired);
    }

    /** The same with another inbound hop; for tests. */
    public DeliverySettings withInbound(Hop hop) {
        return new DeliverySettings(hop, outbound, relayTimeout, relayReuse, retryInitial, retryMax, giveUp, hostname,
                hideInternal, bounce, bounceInbound, ids, signRequired);
    }

    /** The same with non-delivery reports on or off ({@code inbound}: also for inbound mail); for tests. */
    public DeliverySettings withBounces(boolean on, boolean inbound) {
        return new DeliverySettings(this.inbound, outbound, relayTimeout, relayReuse, retryInitial, retryMax, giveUp,
                hostname, hideInternal, on, inbound, ids, signRequired);
    }

    /** The same with message-id hiding ({@code null}: off); for tests. */
    public DeliverySettings withIds(MessageIdHiding h) {
        return new DeliverySettings(inbound, outbound, relayTimeout, relayReuse, retryInitial, retryMax, giveUp,
                hostname, hideInternal, bounce, bounceInbound, h, signRequired);
    }

    /** The same with outbound mail waiting while no signer is bound, or not; for tests. */
    public DeliverySettings withSignRequired(boolean required) {
        return new DeliverySettings(inbound, outbound, relayTimeout, relayReuse, retryInitial, retryMax, giveUp,
                hostname, hideInternal, bounce, bounceInbound, ids, required);
    }

    static DeliverySettings of(DeliveryConfig c) {
        if (c.relay_reuse_seconds() < 0 || c.relay_reuse_seconds() > 300) {
            throw new IllegalArgumentException("relay.reuse.seconds must be 0..300, got " + c.relay_reuse_seconds());
        }
        Tls inboundTls = Tls.of("relay.tls", c.relay_tls());
        HopTrust inboundTrust = HopTrust.of("", inboundTls, c.relay_tls_ca_file(), c.relay_tls_fingerprints());
        Hop inbound = new Hop(c.relay_host(), c.relay_port(), folder(c.local_folder(), "delivered"), inboundTls,
                auth("", "next hop", c.relay_host(), inboundTls, inboundTrust, c.relay_user(),
                        c.relay_password_file(), c.relay_auth_allow_unverified()), inboundTrust);
        Tls outboundTls = Tls.of("outbound.relay.tls", c.outbound_relay_tls());
        HopTrust outboundTrust = HopTrust.of("outbound.", outboundTls, c.outbound_relay_tls_ca_file(),
                c.outbound_relay_tls_fingerprints());
        Hop outbound = new Hop(c.outbound_relay_host(), c.outbound_relay_port(),
                folder(c.outbound_local_folder(), "outbound"), outboundTls,
                auth("outbound.", "smarthost", c.outbound_relay_host(), outboundTls, outboundTrust,
                        c.outbound_relay_user(), c.outbound_relay_password_file(),
                        c.outbound_relay_auth_allow_unverified()), outboundTrust);
        MessageIdHiding ids = new MessageIdHiding(
                MessageIdHiding.suffixes("outbound.internal.suffixes", c.outbound_internal_suffixes()),
                c.outbound_id_secret_file() == null || c.outbound_id_secret_file().isBlank()
                        ? Paths.get(System.getProperty("karaf.data", "data"), "streamail", "message-id.key")
                        : Paths.get(c.outbound_id_secret_file().trim()));
        return new DeliverySettings(inbound, outbound, Duration.ofMillis(c.relay_timeout_ms()),
                Duration.ofSeconds(c.relay_reuse_seconds()), Duration.ofSeconds(c.retry_initial()),
                Duration.ofSeconds(c.retry_max_interval()), Duration.ofSeconds(c.retry_give_up()), c.hostname(),
                c.outbound_hide_internal(), c.bounce_enabled(), c.bounce_inbound(), ids, c.outbound_sign_required());
    }

    /**
     * A hop's credentials, the same rules for both hops: none when {@code <prefix>relay.user} is empty; else the
     * password read now from {@code <prefix>relay.password.file}, which must be private to this user, and only over
     * verify, or encrypt when {@code <prefix>relay.auth.allow.unverified} says so (the certificate is not checked
     * then: a man in the middle gets the password).
     *
     * @param prefix the hop's property prefix: {@code ""} for {@code relay.host}, {@code "outbound."} for the
     *               smarthost
     * @param noun   what the messages call the hop ("next hop", "smarthost")
     * @param allowUnverified {@code <prefix>relay.auth.allow.unverified}: AUTH over {@code encrypt} (certificate not
     *               checked) is allowed; else only over {@code verify}
     */
    private static RelayAuth auth(String prefix, String noun, String host, Tls tls, HopTrust trust, String user,
            String passwordFile, boolean allowUnverified) {
        String userProperty = prefix + "relay.user";
        String fileProperty = prefix + "relay.password.file";
        user = user == null ? "" : user.strip();
        String file = passwordFile == null ? "" : passwordFile.strip();
        if (user.isEmpty()) {
            if (!file.isEmpty()) {
                throw new IllegalArgumentException(fileProperty + " is set but " + userProperty + " is empty; set "
                        + "both for SMTP AUTH, or neither");
            }
            return null;
        }
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException(userProperty + " is set but " + prefix + "relay.host is empty (mail "
                    + "is written to a folder; there is nobody to authenticate to)");
        }
        if (tls != Tls.ENCRYPT && tls != Tls.VERIFY) {
            throw new IllegalArgumentException(userProperty + " is set but " + prefix + "relay.tls is "
                    + tls.name().toLowerCase(Locale.ROOT) + ": SMTP AUTH needs verify (STARTTLS required and the "
                    + noun + "'s certificate checked), so the password never travels in clear nor to a man in the "
                    + "middle (encrypt only with " + prefix + "relay.auth.allow.unverified = true)");
        }
        String allowProperty = prefix + "relay.auth.allow.unverified";
        // A pinned hop's certificate is checked (against the digests), whatever the level says.
        if (tls == Tls.ENCRYPT && !allowUnverified && !trust.pinned()) {
            // RFC 8314 §4.3 / RFC 6125: a client sending credentials checks whom it sends them to. encrypt accepts any
            // certificate, so whoever sits in the path (ARP, DNS, BGP) gets the password and relays as us.
            throw new IllegalArgumentException(userProperty + " is set but " + prefix + "relay.tls is encrypt: the "
                    + noun + "'s certificate is not checked, so a man in the middle would get the password. Set "
                    + prefix + "relay.tls = verify (the certificate must be trusted by the JVM or " + prefix
                    + "relay.tls.ca.file and name " + prefix + "relay.host), pin it in " + prefix
                    + "relay.tls.fingerprints, or " + allowProperty + " = true to accept that risk");
        }
        if (tls == Tls.ENCRYPT && !trust.pinned()) {
            LOG.warn("{} = true: SMTP AUTH as {} towards {} over TLS without a certificate check; a man in the middle "
                    + "can take the password (set {}relay.tls = verify to avoid it)", allowProperty, user, host, prefix);
        }
        if (file.isEmpty()) {
            throw new IllegalArgumentException(userProperty + " is set but " + fileProperty + " is empty (the "
                    + "password is read from that file, never from the configuration)");
        }
        return RelayAuth.read(userProperty, user, fileProperty, Paths.get(file));
    }

    private static Path folder(String configured, String dflt) {
        return configured == null || configured.isBlank()
                ? Paths.get(System.getProperty("karaf.data", "data"), "streamail", dflt)
                : Paths.get(configured.trim());
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
