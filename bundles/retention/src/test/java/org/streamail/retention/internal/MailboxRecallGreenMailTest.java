package org.streamail.retention.internal;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The pull-back contract against GreenMail's in-JVM IMAP server (2.1.5 announces UIDPLUS and MOVE and
 * implements UID EXPUNGE). As in {@link GreenMailSweeperTest}, there are no master users, so the component
 * logs in as the mailbox itself.
 */
class MailboxRecallGreenMailTest extends MailboxRecallContractTest {

    private static final AtomicInteger USERS = new AtomicInteger();
    private static GreenMail greenMail;

    @BeforeAll
    static void start() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAP));
        greenMail.start();
    }

    @AfterAll
    static void stop() {
        greenMail.stop();
    }

    @Override
    protected String newMailbox() {
        String user = "recall" + USERS.incrementAndGet() + "@corp.example";
        greenMail.setUser(user, user, PASSWORD);
        return user;
    }

    @Override
    protected Map<String, Object> imapSettings(String mailbox) {
        return Map.of("imap.host", "127.0.0.1", "imap.port", greenMail.getImap().getPort(), "imap.security", "none",
                "imap.user", mailbox, "imap.password", PASSWORD, "imap.master.separator", "");
    }

    @Override
    protected Store userStore(String mailbox) throws MessagingException {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", greenMail.getImap().getPort(), mailbox, PASSWORD);
        return store;
    }
}
