package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.api.model.Direction;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;

/** The listener over real loopback sockets, with a recording intake and a one-domain directory. */
class SmtpEngineTest {

    @TempDir
    Path tempDir;

    final RecordingIntake intake = new RecordingIntake();
    final TestDirectory directory = new TestDirectory("alice@example.org", "bob@example.org");
    final List<EnvelopeGuard> guards = new CopyOnWriteArrayList<>();
    SmtpEngine engine;
    int port;

    @BeforeEach
    void start() throws IOException {
        startWith(64 * 1024 * 1024, 10);
    }

    void startWith(long maxSize, int maxErrors) throws IOException {
        startWith(maxSize, maxErrors, 600);
    }

    void startWith(long maxSize, int maxErrors, int dataTimeoutSeconds) throws IOException {
        if (engine != null) {
            engine.stop();
        }
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                maxSize, 100, 20, 3, 5000, dataTimeoutSeconds, maxErrors, null, tempDir);
        engine = new SmtpEngine(settings, intake, directory, () -> guards);
        engine.start();
        port = engine.port();
    }

    @AfterEach
    void stop() {
        engine.stop();
    }

    /** Sends MAIL, RCPT and DATA, asserting each is accepted, and returns the client ready for the text. */
    RawClient transaction(String rcpt) throws IOException {
        RawClient c = RawClient.greeted(port);
        assertThat(c.command("MAIL FROM:<sender@Sender.Test>")).startsWith("250");
        assertThat(c.command("RCPT TO:<" + rcpt + ">")).startsWith("250");
        assertThat(c.command("DATA")).startsWith("354");
        return c;
    }

    void awaitNoSessions() throws InterruptedException {
        for (int i = 0; i < 200 && engine.activeSessions() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(engine.activeSessions()).isZero();
    }

    @Test
    void cleanMessageIsHandedToTheIntakeByteForByteWithDotsUnstuffed() throws IOException {
        String sent = "Subject: hi\r\nFrom: sender@sender.test\r\n\r\nline one\r\n..leading dot\r\n\r\n"
                + "8bit \u00e9t\u00e9\r\n";
        try (RawClient c = transaction("alice@example.org")) {
            c.write(sent + ".\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
            assertThat(c.command("QUIT")).startsWith("221");
        }
        assertThat(intake.received).hasSize(1);
        RecordingIntake.Received r = intake.received.get(0);
        assertThat(r.text()).isEqualTo(sent.replace("..leading", ".leading"));
        assertThat(r.envelope().sender()).isEqualTo("sender@sender.test");
        assertThat(r.envelope().recipients()).containsExactly("alice@example.org");
        assertThat(r.envelope().clientIp()).isEqualTo(InetAddress.getLoopbackAddress().getHostAddress());
        assertThat(r.envelope().helo()).isEqualTo("client.test");
        assertThat(r.envelope().tls()).isFalse();
        assertThat(r.envelope().direction()).isEqualTo(Direction.INBOUND);
        assertThat(r.envelope().authenticatedUser()).isNull();
    }

    @Test
    void jakartaMailClientDeliversAMessage() throws Exception {
        Properties p = new Properties();
        p.put("mail.smtp.host", InetAddress.getLoopbackAddress().getHostAddress());
        p.put("mail.smtp.port", String.valueOf(port));
        p.put("mail.smtp.localhost", "client.test");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("someone@sender.test"));
        m.setRecipients(Message.RecipientType.TO, "alice@example.org, bob@EXAMPLE.org");
        m.setSubject("Hello");
        m.setText("Hello Alice.\n.\nA dot line above.\n");
        Transport.send(m);

        assertThat(intake.received).hasSize(1);
        RecordingIntake.Received r = intake.received.get(0);
        assertThat(r.envelope().recipients()).containsExactly("alice@example.org", "bob@example.org");
        assertThat(r.text()).contains("Subject: Hello\r\n").contains("Hello Alice.\r\n.\r\nA dot line above.\r\n");
        MimeMessage parsed = new MimeMessage(session, new java.io.ByteArrayInputStream(r.data()));
        assertThat(parsed.getSubject()).isEqualTo("Hello");
    }

    @Test
    void largeMessageGoesThroughATempFileThatIsDeletedAfterwards() throws IOException {
        StringBuilder body = new StringBuilder("Subject: big\r\n\r\n");
        String line = "x".repeat(900) + "\r\n";
        while (body.length() < 2 * SpoolBuffer.MEMORY_THRESHOLD) {
            body.append(line);
        }
        try (RawClient c = transaction("alice@example.org")) {
            c.write(body + ".\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0");
        }
        assertThat(intake.received).hasSize(1);
        assertThat(intake.received.get(0).text()).isEqualTo(body.toString());
        try (Stream<Path> left = Files.list(tempDir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void unknownLocalRecipientIsRefusedWith550_5_1_1() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            assertThat(c.command("RCPT TO:<nobody@example.org>"))
                    .isEqualTo("550 5.1.1 <nobody@example.org>: recipient unknown");
        }
    }

    @Test
    void foreignDomainIsRelayingDenied() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            assertThat(c.command("RCPT TO:<victim@elsewhere.test>")).isEqualTo("550 5.7.1 relaying denied");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<@example.org:victim@elsewhere.test>",
        "<@example.org,@mx.example.org:victim@elsewhere.test>",
        "<victim%elsewhere.test@example.org>",
        "<elsewhere.test!victim@example.org>",
        "<\"victim@elsewhere.test\"@example.org>",
        "<\"victim%elsewhere.test\"@example.org>",
        "<alice@[127.0.0.1]>",
        "<alice@[IPv6:::1]>",
        "<alice@example.org.>",
        "<victim@elsewhere.test@example.org>"})
    void everyOpenRelayVariantIsRefusedWith550_5_7_1(String path) throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            assertThat(c.command("RCPT TO:" + path)).isEqualTo("550 5.7.1 relaying denied");
        }
        assertThat(directory.checked).isEmpty();
    }

    @Test
    void inboundStillLowerCasesRecipientsAndTakesAnyMessageWithTheNullSenderForSeveralOfThem() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<>")).startsWith("250");
            assertThat(c.command("RCPT TO:<Alice@Example.ORG>")).startsWith("250 2.1.5");
            assertThat(c.command("RCPT TO:<Postmaster@example.org>")).startsWith("250 2.1.5");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("From: someone@sender.test\r\nSubject: plain\r\n\r\nnot a report\r\n.\r\n");
            assertThat(c.reply()).startsWith("250 2.0.0 queued as");
        }
        assertThat(intake.received).hasSize(1);
        assertThat(intake.received.get(0).envelope().recipients())
                .containsExactly("alice@example.org", "postmaster@example.org");
    }

    @Test
    void recipientDomainIsLowerCasedBeforeTheDirectoryIsAsked() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            assertThat(c.command("RCPT TO:<alice@Example.ORG>")).startsWith("250 2.1.5");
        }
        assertThat(directory.checked).containsExactly("alice@example.org");
    }

    @Test
    void theRecipientAfterTheHundredthGets452AndTheHundredAreDelivered() throws IOException {
        for (int i = 0; i < 101; i++) {
            directory.addresses.add("user" + i + "@example.org");
        }
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            for (int i = 0; i < 100; i++) {
                assertThat(c.command("RCPT TO:<user" + i + "@example.org>")).startsWith("250");
            }
            assertThat(c.command("RCPT TO:<user100@example.org>")).isEqualTo("452 4.5.3 too many recipients");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: many\r\n\r\nhi\r\n.\r\n");
            assertThat(c.reply()).startsWith("250");
        }
        assertThat(intake.received.get(0).envelope().recipients()).hasSize(100).doesNotContain("user100@example.org");
    }

    @Test
    void oversizedMessageIsRefusedWith552AndTheSessionStaysInStep() throws IOException {
        startWith(10_000, 10);
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<a@sender.test> SIZE=20000"))
                    .isEqualTo("552 5.3.4 message size exceeds fixed maximum message size");
            c.command("MAIL FROM:<a@sender.test>");
            c.command("RCPT TO:<alice@example.org>");
            assertThat(c.command("DATA")).startsWith("354");
            c.write(("y".repeat(500) + "\r\n").repeat(40) + ".\r\n");
            assertThat(c.reply()).isEqualTo("552 5.3.4 message size exceeds fixed maximum message size");
            assertThat(c.command("NOOP")).startsWith("250");
        }
        assertThat(intake.received).isEmpty();
    }

    @Test
    void postmasterIsAlwaysAcceptedWithOrWithoutADomainAsRfc5321Requires() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<sender@sender.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<Postmaster>")).startsWith("250");
            assertThat(c.command("RCPT TO:<POSTMASTER@Example.org>")).startsWith("250"); // not registered
            assertThat(c.command("RCPT TO:<nobody@example.org>")).startsWith("550 5.1.1");
            assertThat(c.command("RCPT TO:<postmaster@elsewhere.test>")).startsWith("550 5.7.1");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: bounce\r\n\r\nhello postmaster\r\n.\r\n");
            assertThat(c.reply()).startsWith("250");
        }
        // one recipient: <postmaster> is the postmaster of our domain, the same as the explicit one
        assertThat(intake.received.get(0).envelope().recipients()).containsExactly("postmaster@example.org");
    }

    @Test
    void oneClientAddressCannotHoldMoreThanItsShareOfTheSessions() throws Exception {
        // the test engine allows 3 sessions per address (20 in all)
        List<RawClient> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(RawClient.greeted(port));
            }
            try (RawClient fourth = new RawClient(port)) {
                assertThat(fourth.reply()).startsWith("421 4.7.0 too many connections from your address");
                assertThat(fourth.closedByServer()).isTrue();
            }
            held.remove(0).close();
            for (int i = 0; i < 200 && engine.activeSessions() > 2; i++) {
                Thread.sleep(10);
            }
            try (RawClient again = RawClient.greeted(port)) {
                assertThat(again.command("NOOP")).startsWith("250");
            }
        } finally {
            for (RawClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void dataFarBeyondTheLimitEndsTheSession() throws IOException {
        startWith(10_000, 10);
        try (RawClient c = transaction("alice@example.org")) {
            String chunk = ("z".repeat(998) + "\r\n").repeat(100);
            try {
                for (int i = 0; i < 30; i++) {
                    c.write(chunk);
                }
            } catch (IOException closedWhileWriting) {
                // the server may close while we are still sending
            }
            assertThat(c.reply()).startsWith("552 5.3.4");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(intake.received).isEmpty();
    }

    /**
     * max.connections.per.ip counts an IPv6 client by its /64 (a host that holds a /64 cannot open the limit's
     * sessions from each of its addresses), an IPv4 client by its address, a mapped IPv4 address as that IPv4
     * client, and a client of unknown address not at all.
     */
    @Test
    void maxConnectionsPerIpCountsAnIpv6ClientByItsSlash64() {
        List<SessionState> open = List.of(new SessionState("a", "2001:db8:1:2::10", false),
                new SessionState("b", "2001:db8:1:2:ffff:ffff:ffff:1", false),
                new SessionState("c", "2001:db8:1:3::10", false), new SessionState("d", "192.0.2.1", false),
                new SessionState("e", "::ffff:192.0.2.1", false), new SessionState("f", null, false));
        assertThat(SmtpEngine.sessionsFrom(open, new SessionState("x", "2001:db8:1:2:abcd::99", false).clientKey))
                .isEqualTo(2);
        assertThat(SmtpEngine.sessionsFrom(open, new SessionState("y", "2001:db8:1:3::1", false).clientKey))
                .isEqualTo(1);
        assertThat(SmtpEngine.sessionsFrom(open, new SessionState("z", "192.0.2.1", false).clientKey)).isEqualTo(2);
        assertThat(SmtpEngine.sessionsFrom(open, new SessionState("w", "192.0.2.2", false).clientKey)).isZero();
        assertThat(SmtpEngine.sessionsFrom(open, new SessionState("v", null, false).clientKey)).isZero();
    }

    /**
     * A session the library ends on an I/O error (its UTF-8 reader takes 0xFF after a lead byte for the end of the
     * stream, and answers 421) must leave the session table: one that stayed would hold memory, and after
     * max.connections.per.ip of them its address would be refused (on the outbound listener, the internal mail
     * server). subethasmtp 7.2.2 reports it ended from a finally block; this guards that against a library update.
     */
    @Test
    void aSessionTheLibraryEndsOnAnIoErrorLeavesTheSessionTable() throws Exception {
        for (int i = 0; i < 3; i++) {
            try (RawClient c = RawClient.greeted(port)) {
                c.write("MAIL FROM:<\u00cb\u00ff@sender.test>\r\n");
                String reply = c.reply();
                assertThat(reply == null || reply.startsWith("421")).as(String.valueOf(reply)).isTrue();
            }
        }
        awaitNoSessions();
    }

    static Stream<String> smugglingEndings() {
        return Stream.of("\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r", "\r.\r\n", "\r\n.\r", "\n", "\r");
    }

    @ParameterizedTest
    @MethodSource("smugglingEndings")
    void bareLineEndingsRefuseTheWholeMessageAndNoSmuggledMessageAppears(String ending) throws Exception {
        String smuggled = "MAIL FROM:<admin@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                + "Subject: smuggled\r\n\r\nspoofed\r\n";
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: first\r\n\r\nhello" + ending + smuggled + ".\r\n");
            assertThat(c.reply()).isEqualTo("550 5.6.11 bare CR or LF not allowed, message refused");
            // In step: the smuggled commands were message text, so the next reply answers our NOOP.
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("QUIT")).startsWith("221");
        }
        awaitNoSessions();
        assertThat(intake.received).isEmpty();
    }

    @Test
    void commandOverFiveHundredTwelveBytesGets500AndTheSessionGoesOn() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<" + "a".repeat(580) + "@sender.test>"))
                    .isEqualTo("500 5.5.2 line too long");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
    }

    @Test
    void commandLongerThanTheReaderBufferIsRefusedAndTheConnectionClosed() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.write("NOOP " + "a".repeat(5000) + "\r\n");
            assertThat(c.reply()).startsWith("501");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void textLineOverOneThousandBytesRefusesTheMessage() throws IOException {
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: long\r\n\r\n" + "w".repeat(1198) + "\r\nshort\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("550 5.6.0 line too long, message refused");
            assertThat(c.command("NOOP")).startsWith("250");
        }
        assertThat(intake.received).isEmpty();
    }

    @Test
    void textLineOfExactlyOneThousandBytesIsAccepted() throws IOException {
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: long\r\n\r\n" + "w".repeat(998) + "\r\n.\r\n");
            assertThat(c.reply()).startsWith("250");
        }
        assertThat(intake.received).hasSize(1);
    }

    @Test
    void aLineOfOneThousandBytesStartingWithADotIsAcceptedThoughSentWithOneMore() throws IOException {
        String line = "." + "w".repeat(997); // 998 octets + CRLF, dot-stuffed to 999 on the wire
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: long\r\n\r\n." + line + "\r\n.\r\n");
            assertThat(c.reply()).startsWith("250");
        }
        assertThat(intake.received).extracting(RecordingIntake.Received::text)
                .containsExactly("Subject: long\r\n\r\n" + line + "\r\n");
    }

    @Test
    void unavailableIntakeGets451AtMailFrom() throws IOException {
        intake.unavailable = "mandatory detector 'content' is not available";
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<a@sender.test>"))
                    .isEqualTo("451 4.7.0 mandatory detector 'content' is not available");
        }
    }

    @Test
    void intakeThatBecomesUnavailableBeforeDataGets451AndNothingIsHandedOver() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            c.command("RCPT TO:<alice@example.org>");
            intake.unavailable = "spool full";
            assertThat(c.command("DATA")).isEqualTo("451 4.7.0 spool full");
        }
        assertThat(intake.received).isEmpty();
    }

    @Test
    void guardRefusalAtMailFromWinsAndAThrowingGuardIsIgnored() throws IOException {
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onMailFrom(SmtpSession session) {
                throw new IllegalStateException("broken guard");
            }
        });
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onMailFrom(SmtpSession session) {
                return session.sender().endsWith("@spammer.test")
                        ? Optional.of(SmtpReply.of(550, "5.7.1", "sender blocked")) : Optional.empty();
            }
        });
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<x@spammer.test>")).isEqualTo("550 5.7.1 sender blocked");
            assertThat(c.command("RCPT TO:<alice@example.org>")).startsWith("503");
            assertThat(c.command("MAIL FROM:<x@friend.test>")).startsWith("250");
        }
    }

    @Test
    void guardRefusalAtConnectIsTheGreeting() throws IOException {
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onConnect(SmtpSession session) {
                return Optional.of(SmtpReply.of(554, "5.7.1", "go away"));
            }
        });
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).isEqualTo("554 5.7.1 go away");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aGuardsFiveFiftyOrFourFiftyAtConnectBecomesAGreetingCodeRfc5321Allows() throws IOException {
        // the spam bundle's CLIENT_IP rule answers 550 at every stage; at the greeting only 554 and 421 exist
        SmtpReply[] answer = {SmtpReply.of(550, "5.7.1", "Refused by rule 1234abcd (client_ip)")};
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onConnect(SmtpSession session) {
                return Optional.of(answer[0]);
            }
        });
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).isEqualTo("554 5.7.1 Refused by rule 1234abcd (client_ip)");
            assertThat(c.closedByServer()).isTrue();
        }
        answer[0] = SmtpReply.of(450, "4.7.1", "try later");
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).isEqualTo("421 4.7.1 try later");
        }
    }

    @Test
    void guardsSeeHeloAndAcceptedRecipients() throws IOException {
        List<SmtpSession> seen = new CopyOnWriteArrayList<>();
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onRecipient(SmtpSession session, String recipient) {
                seen.add(session);
                return recipient.startsWith("bob@") ? Optional.of(SmtpReply.of(450, "4.2.1", "slow down"))
                        : Optional.empty();
            }
        });
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            assertThat(c.command("RCPT TO:<alice@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<bob@example.org>")).isEqualTo("450 4.2.1 slow down");
        }
        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).helo()).isEqualTo("client.test");
        assertThat(seen.get(1).recipients()).containsExactly("alice@example.org");
    }

    @Test
    void clientThatDisconnectsMidDataHandsNothingToTheIntake() throws Exception {
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: cut\r\n\r\nhalf a message\r\n");
        }
        awaitNoSessions();
        assertThat(intake.received).isEmpty();
    }

    @Test
    void dataDrippedPastTheDeadlineGets421_4_4_2AndNothingOfItIsKept() throws Exception {
        // Deadline 2 s; each gap (300 ms) is far inside the 5 s per-read timeout, so only the deadline can end it.
        startWith(64 * 1024 * 1024, 10, 2);
        try (RawClient c = transaction("alice@example.org")) {
            long start = System.nanoTime();
            // Enough text to go past the in-memory threshold, so a temporary file exists when the deadline hits.
            c.write("Subject: slow\r\n\r\n" + ("z".repeat(998) + "\r\n").repeat(300));
            for (int i = 0; i < 100 && isEmpty(tempDir); i++) {
                Thread.sleep(20);
            }
            assertThat(isEmpty(tempDir)).as("spool file while the data is coming").isFalse();
            while (elapsedMillis(start) < 1500) {
                c.write("x");
                Thread.sleep(300);
            }
            // The client now stays silent: without the deadline the read would wait the full 5 s per-read timeout.
            assertThat(c.reply()).isEqualTo("421 4.4.2 data transfer took too long");
            assertThat(elapsedMillis(start)).isBetween(1900L, 4500L);
            assertThat(c.closedByServer()).isTrue();
        }
        awaitNoSessions();
        assertThat(intake.received).isEmpty();
        assertThat(isEmpty(tempDir)).as("partial spool file removed").isTrue();
    }

    @Test
    void messageWithinTheDeadlineIsDeliveredAndThePerReadTimeoutIsRestoredAfterIt() throws Exception {
        startWith(64 * 1024 * 1024, 10, 2);
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: a bit slow\r\n");
            Thread.sleep(500);
            c.write("\r\nbody\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
            // Longer than the read timeout the deadline had lowered (under 2 s), shorter than the per-read one.
            Thread.sleep(2500);
            assertThat(c.command("NOOP")).startsWith("250");
            assertThat(c.command("MAIL FROM:<sender@sender.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<bob@example.org>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: second\r\n\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T2");
        }
        assertThat(intake.received).extracting(RecordingIntake.Received::text)
                .containsExactly("Subject: a bit slow\r\n\r\nbody\r\n", "Subject: second\r\n\r\n");
    }

    void startWithSessionLimit(int maxSessionSeconds) throws IOException {
        engine.stop();
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                64 * 1024 * 1024, 100, 20, 3, 5000, 600, 10, null, tempDir, Direction.INBOUND, null,
                maxSessionSeconds);
        engine = new SmtpEngine(settings, intake, directory, () -> guards);
        engine.start();
        port = engine.port();
    }

    @Test
    void aSessionSendingOnlyUnknownVerbsIsClosedByTheSessionTimeLimit() throws Exception {
        // Unknown verbs are answered by subethasmtp itself and count toward no error limit; each comes well
        // inside the 5 s read timeout, so only max.session.seconds (1 s, reaper pass every 250 ms) ends it.
        startWithSessionLimit(1);
        try (RawClient c = RawClient.greeted(port)) {
            long start = System.nanoTime();
            String reply = "";
            while (reply != null && elapsedMillis(start) < 6000) {
                reply = c.command("XFOO probing");
                if (reply != null) {
                    assertThat(reply).startsWith("500");
                }
                Thread.sleep(100);
            }
            assertThat(reply).as("the server closed the connection").isNull();
            assertThat(elapsedMillis(start)).isBetween(900L, 3000L);
        } catch (java.net.SocketException closed) {
            // a write after the close may fail instead of the read: closed either way
        }
        awaitNoSessions();
    }

    @Test
    void aSessionPastTheTimeLimitGets421_4_4_2AtItsNextCommandAndAMessageInFlightStillCompletes() throws Exception {
        startWithSessionLimit(2);
        try (RawClient c = transaction("alice@example.org")) {
            c.write("Subject: long session\r\n\r\n");
            Thread.sleep(2600); // past the limit (and past reaper passes) in the middle of DATA: left alone
            c.write("body\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
            assertThat(c.command("NOOP")).isEqualTo("421 4.4.2 mx.example.org session time limit reached, closing"
                    + " connection");
            assertThat(c.closedByServer()).isTrue();
        }
        awaitNoSessions();
        assertThat(intake.received).hasSize(1);
    }

    /**
     * Connects a client that pipelines NOOPs and never reads the replies: once the socket buffers are full the
     * session thread blocks writing a reply, where no read timeout applies. Close the returned socket.
     */
    java.net.Socket neverReadingClient() throws Exception {
        java.net.Socket s = new java.net.Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        Thread writer = new Thread(() -> {
            byte[] noops = "NOOP\r\n".repeat(10_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 1000; i++) {
                    s.getOutputStream().write(noops); // blocks once the server stops reading
                }
            } catch (IOException closed) {
                // the server (or the test) closed the connection
            }
        }, "never-reading-client");
        writer.setDaemon(true);
        writer.start();
        for (int i = 0; i < 200 && engine.activeSessions() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(engine.activeSessions()).as("the session began").isEqualTo(1);
        return s;
    }

    @Test
    void aClientThatNeverReadsItsRepliesCannotHoldASessionPastTheTimeLimit() throws Exception {
        startWithSessionLimit(2); // reaper pass every 500 ms
        long start = System.nanoTime();
        try (java.net.Socket s = neverReadingClient()) {
            for (int i = 0; i < 800 && engine.activeSessions() > 0; i++) {
                Thread.sleep(10);
            }
            assertThat(engine.activeSessions()).as("sessions left after %d ms", elapsedMillis(start)).isZero();
        }
    }

    @Test
    void aClientDraggingOutTheTlsHandshakeCannotHoldASessionPastTheTimeLimit() throws Exception {
        Path ks = tempDir.resolve("server.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "smtp", "-keyalg", "EC", "-dname", "CN=mx.example.org", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(java.security.KeyStore.getInstance(ks.toFile(), "changeit".toCharArray()), "changeit".toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        engine.stop();
        engine = new SmtpEngine(new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                1_000_000, 100, 20, 3, 5000, 600, 10, tls, tempDir, Direction.INBOUND, null, 2), intake, directory,
                () -> guards);
        engine.start();
        port = engine.port();
        long start = System.nanoTime();
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("STARTTLS")).startsWith("220");
            // A TLS record header announcing 256 bytes, then one byte every 300 ms: each read is well inside the
            // 5 s read timeout, the whole handshake would take over a minute.
            c.write("\u0016\u0003\u0001\u0001\u0000");
            try {
                for (int i = 0; i < 30 && engine.activeSessions() > 0; i++) {
                    Thread.sleep(300);
                    c.write("\u0001");
                }
            } catch (java.net.SocketException closed) {
                // the server closed the connection
            }
            for (int i = 0; i < 100 && engine.activeSessions() > 0; i++) {
                Thread.sleep(10);
            }
            assertThat(engine.activeSessions()).as("sessions left after %d ms", elapsedMillis(start)).isZero();
        }
    }

    @Test
    void aNegativeSessionTimeLimitIsRefused() {
        assertThatThrownBy(() -> new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "mx.example.org",
                1024, 100, 20, 3, 5000, 600, 10, null, tempDir, Direction.INBOUND, null, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.session.seconds");
    }

    static long elapsedMillis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }

    @Test
    void tooManyErrorsEndTheSessionWith421() throws IOException {
        startWith(1_000_000, 3);
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            assertThat(c.command("RCPT TO:<x1@example.org>")).startsWith("550 5.1.1");
            assertThat(c.command("RCPT TO:<x2@example.org>")).startsWith("550 5.1.1");
            assertThat(c.command("RCPT TO:<x3@example.org>")).startsWith("550 5.1.1");
            assertThat(c.reply()).startsWith("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void vrfyAndExpnRevealNothing() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("VRFY alice")).startsWith("252");
            assertThat(c.command("VRFY nobody")).startsWith("252");
            assertThat(c.command("EXPN staff")).startsWith("502");
        }
    }

    @Test
    void ehloAdvertisesTheSizeLimitButNeitherChunkingNorStarttlsWithoutAKeyStore() throws IOException {
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).startsWith("220 mx.example.org");
            c.write("EHLO client.test\r\n");
            List<String> lines = c.replyLines();
            assertThat(lines).first().isEqualTo("250-mx.example.org");
            assertThat(lines).contains("250-SIZE 67108864", "250-PIPELINING", "250-8BITMIME")
                    .noneMatch(l -> l.contains("CHUNKING") || l.contains("STARTTLS") || l.contains("AUTH"));
            assertThat(lines).last().asString().startsWith("250 ");
        }
    }

    @Test
    void bdatIsNotOfferedAndEndsTheSession() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<a@sender.test>");
            c.command("RCPT TO:<alice@example.org>");
            assertThat(c.command("BDAT 20 LAST")).startsWith("421");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(intake.received).isEmpty();
    }

    @Test
    void heloWithControlOrNonAsciiCharactersIsRefused() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.reply();
            assertThat(c.command("HELO bad\u0001name")).startsWith("501 5.5.4");
            assertThat(c.command("EHLO caf\u00c3\u00a9.test") /* UTF-8 bytes of é */).startsWith("501 5.5.4");
            assertThat(c.command("EHLO")).startsWith("501 5.5.4");
            assertThat(c.command("HELO good.test")).isEqualTo("250 mx.example.org");
        }
    }

    @Test
    void mailBeforeHeloIsOutOfSequence() throws IOException {
        try (RawClient c = new RawClient(port)) {
            c.reply();
            assertThat(c.command("MAIL FROM:<a@sender.test>")).startsWith("503 5.5.1");
        }
    }

    @Test
    void stopFreesThePort() throws IOException {
        try (RawClient c = RawClient.greeted(port)) {
            engine.stop();
            assertThat(c.closedByServer()).isTrue();
        }
        try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }
}
