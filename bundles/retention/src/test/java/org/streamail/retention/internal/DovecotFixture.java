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
import org.junit.jupiter.api.Assumptions;

/**
 * A private Dovecot with a fixed set of mailboxes for one test class, shared by the sweeper and the recall
 * contract tests: skips (or fails, with {@code STREAMAIL_REQUIRE_DOVECOT=true}) when Dovecot is not
 * installed, hands out one fresh mailbox per test, and gives the master-user settings the gateway logs in
 * with in production.
 */
final class DovecotFixture implements AutoCloseable {

    private final String prefix;
    private final int size;
    private final String password;
    private final Path dir;
    private final DovecotServer server;
    private final AtomicInteger next = new AtomicInteger();

    private DovecotFixture(String prefix, int size, String password, Path dir, DovecotServer server) {
        this.prefix = prefix;
        this.size = size;
        this.password = password;
        this.dir = dir;
        this.server = server;
    }

    /** Starts Dovecot with mailboxes {@code <prefix>1@corp.example} .. {@code <prefix><size>@corp.example}. */
    static DovecotFixture startOrSkip(String prefix, int size, String password) throws Exception {
        return startOrSkip(prefix, size, password, DovecotServer.DEFAULT_NAMESPACES, dir -> { });
    }

    /** Files a test puts in the server's folder before it starts (e.g. a virtual mailbox definition). */
    interface Setup {
        void prepare(Path dir) throws java.io.IOException;
    }

    /**
     * As {@link #startOrSkip(String, int, String)}, with other namespaces (see
     * {@link DovecotServer#DovecotServer(Path, List, String, String)}) and files prepared under {@code home}.
     */
    static DovecotFixture startOrSkip(String prefix, int size, String password, String namespaces, Setup setup)
            throws Exception {
        if (!DovecotServer.available()) {
            if (DovecotServer.required()) {
                fail("STREAMAIL_REQUIRE_DOVECOT=true but " + DovecotServer.BINARY + " is missing (apt-get install dovecot-imapd)");
            }
            Assumptions.abort(DovecotServer.BINARY + " not installed: Dovecot tests skipped");
        }
        Path dir = Files.createTempDirectory("dovecot-" + prefix);
        List<String> users = new ArrayList<>();
        for (int i = 1; i <= size; i++) {
            users.add(prefix + i + "@corp.example");
        }
        Files.createDirectories(dir.resolve("home"));
        setup.prepare(dir);
        return new DovecotFixture(prefix, size, password, dir, new DovecotServer(dir, users, password, namespaces));
    }

    /** A mailbox no earlier test of the class used. */
    String newMailbox() {
        int n = next.incrementAndGet();
        if (n > size) {
            throw new IllegalStateException("more tests than prepared Dovecot users: raise the fixture's size");
        }
        return prefix + n + "@corp.example";
    }

    /** The retention PID's IMAP settings: the master user, as in production. */
    Map<String, Object> masterSettings() {
        return Map.of("imap.host", "127.0.0.1", "imap.port", server.port, "imap.security", "none",
                "imap.user", DovecotServer.MASTER_USER, "imap.password", DovecotServer.MASTER_PASSWORD,
                "imap.master.separator", "*");
    }

    /** A client session logged in as the mailbox's owner. */
    Store userStore(String mailbox) throws MessagingException {
        Store store = Session.getInstance(new Properties()).getStore("imap");
        store.connect("127.0.0.1", server.port, mailbox, password);
        return store;
    }

    @Override
    public void close() throws Exception {
        server.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
