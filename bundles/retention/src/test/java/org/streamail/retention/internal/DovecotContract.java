package org.streamail.retention.internal;

import jakarta.mail.MessagingException;
import jakarta.mail.Store;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The sweeper contract against a private Dovecot: the subclass starts {@link #dovecot} in its own
 * {@code @BeforeAll} (its user prefix, size and configuration); mailboxes, the master-user login and the owner's
 * login come from the fixture, and it is stopped after the class.
 */
abstract class DovecotContract extends SweeperContractTest {

    /** Started by the subclass; test classes run one after another, so one field serves each in turn. */
    static DovecotFixture dovecot;

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) {
            dovecot.close();
            dovecot = null;
        }
    }

    @Override
    protected String newMailbox() {
        return dovecot.newMailbox();
    }

    @Override
    protected Map<String, Object> imapSettings(String mailbox) {
        return dovecot.masterSettings();
    }

    @Override
    protected Store userStore(String mailbox) throws MessagingException {
        return dovecot.userStore(mailbox);
    }
}
