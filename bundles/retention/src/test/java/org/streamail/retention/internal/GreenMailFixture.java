package org.streamail.retention.internal;

import com.icegreen.greenmail.Managers;
import com.icegreen.greenmail.imap.ImapHandler;
import com.icegreen.greenmail.server.AbstractServer;
import com.icegreen.greenmail.server.ProtocolHandler;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GreenMail's in-JVM IMAP server for one test class, shared by the sweeper and the recall contract tests
 * (start-up is the slow part, so one server per class; every test gets its own user). GreenMail has no
 * master users, so the gateway logs in as the mailbox itself ({@code imap.master.separator} empty); the
 * Dovecot tests cover the master-user login.
 *
 * <p>The IMAP server is GreenMail's own IMAP handler on sockets with {@code TCP_NODELAY}: GreenMail sends each line of
 * a reply (untagged lines, then the tagged one) in its own small write, and without it Nagle's algorithm held the
 * later lines until the client's delayed ACK: about 44 ms per command, most of these classes' time. Only when the
 * bytes leave changes.
 */
final class GreenMailFixture implements AutoCloseable {

    private final GreenMail greenMail;
    private final AbstractServer imap;
    private final String prefix;
    private final String password;
    private final AtomicInteger users = new AtomicInteger();

    private GreenMailFixture(String prefix, String password) {
        this.prefix = prefix;
        this.password = password;
        ServerSetup setup = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP);
        setup.setServerStartupTimeout(30_000); // the 2 s default is short on a busy two-core machine
        NoDelayImapServer[] started = new NoDelayImapServer[1];
        this.greenMail = new GreenMail(setup) {
            @Override
            protected Map<String, AbstractServer> createServices(ServerSetup[] config, Managers managers) {
                Map<String, AbstractServer> services = new HashMap<>();
                for (ServerSetup s : config) {
                    started[0] = new NoDelayImapServer(s, managers); // only the one IMAP setup above
                    services.put(s.getProtocol(), started[0]);
                }
                return services;
            }
        };
        greenMail.start();
        this.imap = started[0];
    }

    /** GreenMail's IMAP server ({@code ImapServer} is final), with {@code TCP_NODELAY} on each client socket. */
    private static final class NoDelayImapServer extends AbstractServer {

        NoDelayImapServer(ServerSetup setup, Managers managers) {
            super(setup, managers);
        }

        @Override
        protected ProtocolHandler createProtocolHandler(Socket client) {
            try {
                client.setTcpNoDelay(true);
            } catch (SocketException e) {
                throw new UncheckedIOException(e);
            }
            return new ImapHandler(managers.getUserManager(), managers.getImapHostManager(), client);
        }
    }

    /** Starts a server on a free loopback port; users are {@code <prefix><n>@corp.example}. */
    static GreenMailFixture start(String prefix, String password) {
        return new GreenMailFixture(prefix, password);
    }

    /** A mailbox no earlier test of the class used. */
    String newMailbox() {
        String user = prefix + users.incrementAndGet() + "@corp.example";
        greenMail.setUser(user, user, password);
        return user;
    }

    /** The retention settings that log in as the mailbox itself. */
    Map<String, Object> imapSettings(String mailbox) {
        return Map.of("imap.host", "127.0.0.1", "imap.port", imap.getPort(), "imap.security", "none",
                "imap.user", mailbox, "imap.password", password, "imap.master.separator", "");
    }

    /** A store logged in as the mailbox's user, to set up and inspect its folders. */
    Store userStore(String mailbox) throws MessagingException {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", imap.getPort(), mailbox, password);
        return store;
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
