package org.streamail.retention.internal;

import jakarta.mail.MessagingException;
import jakarta.mail.Store;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The pull-back contract against GreenMail's in-JVM IMAP server (2.1.5 announces UIDPLUS and MOVE and
 * implements UID EXPUNGE), logging in as the mailbox itself ({@link GreenMailFixture}).
 */
class MailboxRecallGreenMailTest extends MailboxRecallContractTest {

    private static GreenMailFixture greenMail;

    @BeforeAll
    static void start() {
        greenMail = GreenMailFixture.start("recall", PASSWORD);
    }

    @AfterAll
    static void stop() {
        greenMail.close();
    }

    @Override
    protected String newMailbox() {
        return greenMail.newMailbox();
    }

    @Override
    protected Map<String, Object> imapSettings(String mailbox) {
        return greenMail.imapSettings(mailbox);
    }

    @Override
    protected Store userStore(String mailbox) throws MessagingException {
        return greenMail.userStore(mailbox);
    }
}
