package org.streamail.retention.internal;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * GreenMail's in-JVM IMAP server for one test class, shared by the sweeper and the recall contract tests
 * (start-up is the slow part, so one server per class; every test gets its own user). GreenMail has no
 * master users, so the gateway logs in as the mailbox itself ({@code imap.master.separator} empty); the
 * Dovecot tests cover the master-user login.
 */
final class GreenMailFixture implements AutoCloseable {

    private final GreenMail greenMail;
    private final String prefix;
    private final String password;
    private final AtomicInteger users = new AtomicInteger();

    private GreenMailFixture(String prefix, String password) {
        this.prefix = prefix;
        this.password = password;
        ServerSetup setup = new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP);
        setup.setServerStartupTimeout(30_000); // the 2 s default is short on a busy two-core machine
        this.greenMail = new GreenMail(setup);
        greenMail.start();
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
        return Map.of("imap.host", "127.0.0.1", "imap.port", greenMail.getImap().getPort(), "imap.security", "none",
                "imap.user", mailbox, "imap.password", password, "imap.master.separator", "");
    }

    /** A store logged in as the mailbox's user, to set up and inspect its folders. */
    Store userStore(String mailbox) throws MessagingException {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", greenMail.getImap().getPort(), mailbox, password);
        return store;
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
