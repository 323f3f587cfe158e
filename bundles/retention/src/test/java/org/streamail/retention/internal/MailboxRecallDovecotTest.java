package org.streamail.retention.internal;

import static org.junit.jupiter.api.Assertions.fail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;

/**
 * The pull-back contract against a real Dovecot started privately by {@link DovecotServer}, logging in with
 * the master user ({@code mailbox*sweeper}) as in production. Skipped when {@code /usr/sbin/dovecot} is
 * absent, unless {@code STREAMAIL_REQUIRE_DOVECOT=true}.
 */
class MailboxRecallDovecotTest extends MailboxRecallContractTest {

    private static final int USERS = 20;
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static DovecotServer dovecot;
    private static Path dir;

    @BeforeAll
    static void startDovecot() throws Exception {
        if (!DovecotServer.available()) {
            if (DovecotServer.required()) {
                fail("STREAMAIL_REQUIRE_DOVECOT=true but " + DovecotServer.BINARY + " is missing");
            }
            Assumptions.abort(DovecotServer.BINARY + " not installed: Dovecot recall tests skipped");
        }
        dir = Files.createTempDirectory("dovecot-recall-test");
        List<String> users = new ArrayList<>();
        for (int i = 1; i <= USERS; i++) {
            users.add("recall" + i + "@corp.example");
        }
        dovecot = new DovecotServer(dir, users, PASSWORD);
    }

    @AfterAll
    static void stopDovecot() throws Exception {
        if (dovecot != null) {
            dovecot.close();
        }
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Override
    protected String newMailbox() {
        int n = NEXT.incrementAndGet();
        if (n > USERS) {
            throw new IllegalStateException("more tests than prepared Dovecot users: raise USERS");
        }
        return "recall" + n + "@corp.example";
    }

    @Override
    protected Map<String, Object> imapSettings(String mailbox) {
        return Map.of("imap.host", "127.0.0.1", "imap.port", dovecot.port, "imap.security", "none",
                "imap.user", DovecotServer.MASTER_USER, "imap.password", DovecotServer.MASTER_PASSWORD,
                "imap.master.separator", "*");
    }

    @Override
    protected Store userStore(String mailbox) throws MessagingException {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", dovecot.port, mailbox, PASSWORD);
        return store;
    }
}
