package org.streamail.retention.internal;

import jakarta.mail.MessagingException;
import jakarta.mail.Store;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The sweeper contract against a real Dovecot (Debian {@code dovecot-imapd}) started privately by
 * {@link DovecotFixture}, logging in with the master user ({@code mailbox*sweeper}) as in production.
 * Skipped when {@code /usr/sbin/dovecot} is absent, unless {@code STREAMAIL_REQUIRE_DOVECOT=true}.
 */
class DovecotSweeperTest extends SweeperContractTest {

    private static DovecotFixture dovecot;

    @BeforeAll
    static void startDovecot() throws Exception {
        dovecot = DovecotFixture.startOrSkip("user", 30, PASSWORD);
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) {
            dovecot.close();
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
