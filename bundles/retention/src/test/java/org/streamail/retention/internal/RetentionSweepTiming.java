package org.streamail.retention.internal;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.streamail.api.retention.SweepReport;

/**
 * Timing harness, not a unit test: fills one Dovecot mailbox with 10,000 signed messages (1,000 of them
 * expired; INTERNALDATEs in the past, set by APPEND), then times one sweep that deletes the expired ones,
 * and a second that finds nothing to do. Run from the module folder after {@code mvn test-compile}:
 *
 * <pre>
 * mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.streamail.retention.internal.RetentionSweepTiming [total] [expired]
 * </pre>
 */
public final class RetentionSweepTiming {

    private RetentionSweepTiming() {
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int expired = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        if (!DovecotServer.available()) {
            System.err.println("Dovecot is not installed (apt-get install dovecot-imapd)");
            System.exit(2);
        }
        String mailbox = "bench@corp.example";
        String password = "bench-secret";
        Path dir = Files.createTempDirectory("dovecot-timing");
        Signer signer = new Signer(SignerTest.KEY);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        try (DovecotServer dovecot = new DovecotServer(dir, List.of(mailbox), password)) {
            long t0 = System.nanoTime();
            Session session = Session.getInstance(new Properties());
            try (Store store = session.getStore("imap")) {
                store.connect("127.0.0.1", dovecot.port, mailbox, password);
                Folder inbox = store.getFolder("INBOX");
                List<Message> batch = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    boolean old = i % (total / Math.max(1, expired)) == 0 && i / (total / Math.max(1, expired)) < expired;
                    String id = "<bench-" + i + "@corp.example>";
                    String term = old ? "P14D" : "P60D";
                    String raw = "From: news@corp.example\r\nTo: " + mailbox + "\r\nMessage-ID: " + id + "\r\n"
                            + "Subject: message " + i + "\r\nX-Retention-Period: " + term + "\r\n"
                            + "X-Streamail-Retention-Sig: " + signer.sign(term, false, id) + "\r\n\r\n"
                            + ("Body line of message " + i + ".\r\n").repeat(40);
                    Instant received = now.minus(Duration.ofDays(30)).plusSeconds(i);
                    batch.add(new MimeMessage(session, new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII))) {
                        @Override
                        public Date getReceivedDate() {
                            return Date.from(received);
                        }
                    });
                    if (batch.size() == 500) {
                        inbox.appendMessages(batch.toArray(Message[]::new));
                        batch.clear();
                    }
                }
                if (!batch.isEmpty()) {
                    inbox.appendMessages(batch.toArray(Message[]::new));
                }
            }
            System.out.printf("Filled %d messages (%d expired) in %d ms%n", total, expired,
                    Duration.ofNanos(System.nanoTime() - t0).toMillis());

            MemoryAuditStore audit = new MemoryAuditStore();
            RetentionComponent retention = new RetentionComponent(TestConfig.of(Map.of("imap.host", "127.0.0.1",
                    "imap.port", dovecot.port, "imap.security", "none", "imap.user", DovecotServer.MASTER_USER,
                    "imap.password", DovecotServer.MASTER_PASSWORD, "imap.master.separator", "*", "mailboxes", mailbox,
                    "signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY), "internal.domains",
                    "corp.example", "sweep.interval", "")), audit, null, Clock.systemUTC(), null, false);
            for (int run = 1; run <= 2; run++) {
                SweepReport r = retention.sweep();
                System.out.printf("Sweep %d: %d ms; scanned %d, expired %d, deleted %d, errors %d %s%n", run,
                        r.elapsed().toMillis(), r.scanned(), r.expired(), r.deleted(), r.errors(), r.problems());
            }
            System.out.printf("Audit rows: %d%n", audit.all().size());
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
