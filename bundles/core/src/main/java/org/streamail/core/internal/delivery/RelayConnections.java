package org.streamail.core.internal.delivery;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Open connections to the next hop kept between messages, as Postfix's connection cache does: a message that
 * finds an idle connection to the same hop (same delivery settings) skips the TCP connect, the banner and
 * EHLO, and the hop forks no new session. A connection is kept only after a fully successful transaction,
 * for at most {@code idleLimit} between messages, {@link #MAX_MESSAGES} messages and {@link #MAX_AGE} in
 * all, and at most {@code maxIdle} are kept. Before reuse it is checked with {@code NOOP}
 * ({@link SMTPTransport#isConnected()}), so a connection the hop has dropped is replaced, not used, and for bytes
 * the hop sent unasked ({@link HopSockets.HopSocket#pending()}): a stray reply after a clean transaction would make
 * every later command on that connection read the reply to the one before; such a connection is closed.
 *
 * <p>Thread-safe. Every method that opens or closes a connection must run inside
 * {@link org.streamail.core.internal.parse.MailContext#call} (Jakarta Mail finds its providers through the
 * context class loader). {@link #close()} closes the idle connections and makes every later
 * {@link #giveBack} close its connection.
 */
final class RelayConnections implements AutoCloseable {

    /** Messages sent over one connection before it is closed (a hop's per-session limits stay far away). */
    static final int MAX_MESSAGES = 100;
    /** Longest life of one connection. */
    static final Duration MAX_AGE = Duration.ofMinutes(5);

    /** One open connection to a hop; used by one delivery at a time. */
    static final class Connection {
        final DeliverySettings settings;
        final DeliverySettings.Hop hop;
        /** The credentials it authenticated with, or {@code null} for none. */
        final RelayAuth.Login login;
        /** The CA certificates its hop's certificate was checked against ({@link HopTrust.Check#cas()}), or null. */
        final List<X509Certificate> cas;
        final Session session;
        final SMTPTransport transport;
        final Instant opened;
        /** Whether it was opened without STARTTLS because STARTTLS to this {@code may} hop failed ({@link #take}). */
        final boolean plain;
        /** Its socket below any TLS layer, or {@code null} when the factory was not {@link HopSockets}. */
        final HopSockets.HopSocket socket;
        int messages;
        Instant idleSince;

        private Connection(DeliverySettings settings, DeliverySettings.Hop hop, RelayAuth.Login login,
                List<X509Certificate> cas, Session session, SMTPTransport transport, Instant opened, boolean plain,
                HopSockets.HopSocket socket) {
            this.settings = settings;
            this.hop = hop;
            this.login = login;
            this.cas = cas;
            this.session = session;
            this.transport = transport;
            this.opened = opened;
            this.plain = plain;
            this.socket = socket;
        }
    }

    /**
     * Looks the hop's name up before a new connection is made, within a time limit (the JVM's resolver has none of
     * its own); a lookup that fails or overruns is a {@link MessagingException} with the reason.
     */
    interface NameCheck {
        void check(String host, Duration timeout) throws MessagingException;
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RelayConnections.class);

    private final Clock clock;
    private final int maxIdle;
    private final NameCheck names;
    /** Guarded by itself; most recently returned first. */
    private final Deque<Connection> idle = new ArrayDeque<>();
    private boolean closed;

    RelayConnections(Clock clock, int maxIdle, NameCheck names) {
        this.clock = clock;
        this.maxIdle = Math.max(0, maxIdle);
        this.names = names;
    }

    /**
     * An idle connection to {@code hop} under the settings {@code s}, authenticated with {@code login} and checked
     * against {@code cas}, that still answers, or a new one. Idle connections to the hop that authenticated with other
     * credentials (the password file has changed since) or whose certificate was checked against other CA
     * certificates (the CA file has changed since) are closed, never used.
     *
     * @param login      the credentials for the hop as they are now ({@link RelayAuth#login()}), or {@code null}
     *                   when the hop has none
     * @param cas        the hop's CA certificates as they are now ({@link HopTrust.Check#cas()}), or {@code null}
     *                   when the hop has no CA file
     * @param properties the Jakarta Mail session properties for a new connection
     * @param plain      whether the connection is one without STARTTLS for a {@code may} hop whose STARTTLS failed
     *                   (kept connections are only used for the same kind)
     * @throws StartTlsFailed     if the hop offered STARTTLS and the command or the TLS handshake failed
     * @throws MessagingException if a new connection could not be made
     */
    Connection take(DeliverySettings s, DeliverySettings.Hop hop, RelayAuth.Login login, List<X509Certificate> cas,
            Properties properties, boolean plain) throws MessagingException {
        while (true) {
            Connection c = takeIdle(s, hop, login, cas, plain);
            if (c == null) {
                break;
            }
            // Bytes the hop sent unasked (a stray reply after the last transaction), before and after the NOOP
            // (the NOOP may have read the stray reply as its own): replies would be read one late from then on.
            if (!strayBytes(c) && c.transport.isConnected() && !strayBytes(c)) { // NOOP: the hop may have timed out
                return c;
            }
            quietlyClose(c);
        }
        names.check(hop.host(), s.relayTimeout());
        Object factory = properties.get("mail.smtp.socketFactory");
        Session session = Session.getInstance(properties);
        SMTPTransport t = new HopTransport(session, new URLName("smtp", hop.host(), hop.port(), null, null, null));
        // With credentials Jakarta Mail authenticates after STARTTLS (PLAIN, else LOGIN: mail.smtp.auth.mechanisms);
        // a refusal throws AuthenticationFailedException.
        t.connect(hop.host(), hop.port(), login == null ? null : login.user(), login == null ? null : login.password());
        HopSockets.HopSocket socket = factory instanceof HopSockets f ? f.lastSocket() : null;
        if (login != null && !t.supportsExtension("AUTH") && !t.supportsExtension("AUTH=LOGIN")) {
            // Jakarta Mail then goes on without AUTH; the hop would take or refuse the mail as unauthenticated.
            try {
                t.close();
            } catch (MessagingException | RuntimeException e) {
                // gone either way
            }
            throw new AuthNotOffered("the hop offers no SMTP AUTH" + (t.getLastServerResponse() == null ? ""
                    : " (EHLO reply: " + t.getLastServerResponse().strip() + ")"));
        }
        return new Connection(s, hop, login, cas, session, t, clock.instant(), plain, socket);
    }

    /** Whether the hop has sent something nobody asked for on this idle connection (then it is not reused). */
    private static boolean strayBytes(Connection c) {
        if (c.socket != null && c.socket.pending()) {
            LOG.info("Kept connection to {} has unrequested data from the hop (a stray reply); closed, not reused",
                    c.hop.describe());
            return true;
        }
        return false;
    }

    /**
     * The hop offered STARTTLS, and the command was refused ({@code 454}, any reply but {@code 220}) or the TLS
     * handshake failed (no common protocol or cipher, a broken server). Nothing was sent; the connection is closed.
     */
    static final class StartTlsFailed extends MessagingException {
        private static final long serialVersionUID = 1L;

        StartTlsFailed(MessagingException cause) {
            super(cause.getMessage() == null ? "STARTTLS failed" : cause.getMessage(),
                    cause.getNextException() != null ? cause.getNextException() : cause);
        }
    }

    /** Jakarta Mail's SMTP client that tells a failed STARTTLS apart from other connection failures. */
    private static final class HopTransport extends SMTPTransport {
        HopTransport(Session session, URLName url) {
            super(session, url);
        }

        @Override
        protected void startTLS() throws MessagingException {
            try {
                super.startTLS();
            } catch (MessagingException e) {
                throw new StartTlsFailed(e);
            }
        }
    }

    /** The hop has credentials configured but does not offer AUTH (after STARTTLS): nothing was sent. */
    static final class AuthNotOffered extends MessagingException {
        private static final long serialVersionUID = 1L;

        AuthNotOffered(String message) {
            super(message);
        }
    }

    /**
     * Hands a connection back after a message. {@code reusable} is true only when its transaction ended
     * cleanly (a 250 after the data): anything else leaves the session in a state not worth guessing, and it
     * is closed.
     */
    void giveBack(Connection c, boolean reusable) {
        c.messages++;
        Instant now = clock.instant();
        boolean keep = reusable && !c.settings.relayReuse().isZero() && c.messages < MAX_MESSAGES
                && Duration.between(c.opened, now).compareTo(MAX_AGE) < 0;
        if (keep) {
            c.idleSince = now;
            synchronized (idle) {
                if (!closed && idle.size() < maxIdle) {
                    idle.addFirst(c);
                    return;
                }
            }
        }
        quietlyClose(c);
    }

    /** Closes the connections idle for longer than their settings allow, or opened too long ago. */
    void evictExpired() {
        List<Connection> stale = new ArrayList<>();
        Instant now = clock.instant();
        synchronized (idle) {
            for (Iterator<Connection> it = idle.iterator(); it.hasNext();) {
                Connection c = it.next();
                if (expired(c, now)) {
                    it.remove();
                    stale.add(c);
                }
            }
        }
        stale.forEach(RelayConnections::quietlyClose);
    }

    @Override
    public void close() {
        List<Connection> all;
        synchronized (idle) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        all.forEach(RelayConnections::quietlyClose);
    }

    private Connection takeIdle(DeliverySettings s, DeliverySettings.Hop hop, RelayAuth.Login login,
            List<X509Certificate> cas, boolean plain) {
        List<Connection> stale = new ArrayList<>();
        Connection found = null;
        Instant now = clock.instant();
        synchronized (idle) {
            for (Iterator<Connection> it = idle.iterator(); it.hasNext();) {
                Connection c = it.next();
                if (expired(c, now) || !c.settings.equals(s)
                        || (c.hop.equals(hop) && (!java.util.Objects.equals(c.login, login)
                                || !java.util.Objects.equals(c.cas, cas)))) {
                    // expired, or opened under settings that have changed since (one set is in force at a time), or
                    // authenticated with a password that is no longer the file's, or checked against CA
                    // certificates that are no longer the file's; connections to the other direction's hop stay
                    it.remove();
                    stale.add(c);
                } else if (found == null && c.hop.equals(hop) && c.plain == plain) {
                    it.remove();
                    found = c;
                }
            }
        }
        stale.forEach(RelayConnections::quietlyClose);
        return found;
    }

    private static boolean expired(Connection c, Instant now) {
        return Duration.between(c.idleSince, now).compareTo(c.settings.relayReuse()) > 0
                || Duration.between(c.opened, now).compareTo(MAX_AGE) >= 0;
    }

    private static void quietlyClose(Connection c) {
        try {
            c.transport.close(); // QUIT without waiting for the reply (mail.smtp.quitwait=false)
        } catch (MessagingException | RuntimeException e) {
            // the connection is gone either way
        }
    }
}
