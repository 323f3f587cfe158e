package org.streamail.smtp.internal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.streamail.api.model.Direction;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;

/**
 * The listener in the OUTBOUND role over real loopback sockets, with a recording intake and a one-domain
 * directory (example.org is the organisation's).
 */
class OutboundEngineTest {

    @TempDir
    Path tempDir;

    final RecordingIntake intake = new RecordingIntake();
    final TestDirectory directory = new TestDirectory("alice@example.org");
    final List<EnvelopeGuard> guards = new CopyOnWriteArrayList<>();
    SmtpEngine engine;
    int port;

    /** An outbound engine on a free loopback port serving the given networks (3 sessions per address). */
    void startServing(String... internalNetworks) throws IOException {
        ListenerSettings settings = new ListenerSettings(InetAddress.getLoopbackAddress(), 0, "gw.example.org",
                1024 * 1024, 100, 20, 3, 5000, 600, 5, null, tempDir, Direction.OUTBOUND,
                CidrMatcher.parse("internal.networks", internalNetworks));
        engine = new SmtpEngine(settings, intake, directory, () -> guards);
        engine.start();
        port = engine.port();
    }

    void startLoopbackInternal() throws IOException {
        startServing("127.0.0.0/8", "::1/128");
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.stop();
        }
    }

    @Test
    void aClientOutsideTheInternalNetworksIsRefusedAtTheGreetingAndDisconnected() throws IOException {
        startServing("10.0.0.0/8", "fd00::/8");
        List<SmtpSession> connects = new CopyOnWriteArrayList<>();
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onConnect(SmtpSession session) {
                connects.add(session);
                return Optional.empty();
            }
        });
        String ip = InetAddress.getLoopbackAddress().getHostAddress();
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).isEqualTo("554 5.7.1 <" + ip + "> is not an internal host");
            assertThat(c.closedByServer()).isTrue();
        }
        assertThat(engine.activeSessions()).isZero();
        assertThat(connects).as("refused before any guard is asked").isEmpty();
        assertThat(intake.received).isEmpty();
    }

    @Test
    void anInternalClientIsGreeted() throws IOException {
        startLoopbackInternal();
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).startsWith("220 gw.example.org");
            assertThat(c.command("EHLO mail.example.org")).startsWith("250 ");
        }
    }

    @Test
    void aSenderOutsideTheOrganisationIsRefusedWith550_5_7_1() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<spoofer@Elsewhere.Test>"))
                    .isEqualTo("550 5.7.1 sender <spoofer@elsewhere.test> is not in a domain of this organisation");
            assertThat(c.command("RCPT TO:<friend@partner.test>")).as("no transaction was opened").startsWith("503");
            assertThat(c.command("MAIL FROM:<x@[10.0.0.1]>")).startsWith("550 5.7.1 sender <x@[10.0.0.1]>");
        }
    }

    /** A delivery status notification as the internal server sends it (RFC 3464), header folded. */
    static final String DSN = "From: MAILER-DAEMON@example.org\r\nTo: sender@partner.test\r\n"
            + "Subject: Undelivered Mail\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report;\r\n"
            + "\treport-type=delivery-status; boundary=\"b1\"\r\n\r\n--b1\r\n\r\nbounce\r\n--b1--\r\n";

    @Test
    void theNullSenderOfTheInternalServersBouncesIsAcceptedAndReachesTheIntake() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<sender@partner.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354");
            c.write(DSN + ".\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
        }
        assertThat(intake.received).hasSize(1);
        assertThat(intake.received.get(0).text()).isEqualTo(DSN);
        assertThat(intake.received.get(0).envelope().sender()).isEmpty();
        assertThat(intake.received.get(0).envelope().direction()).isEqualTo(Direction.OUTBOUND);
    }

    @Test
    void withTheNullSenderASecondRecipientIsRefusedWith550_5_7_1AndCountedAsAnError() throws IOException {
        startLoopbackInternal(); // max.errors = 5
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<sender@partner.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("RCPT TO:<victim@elsewhere.test>"))
                    .isEqualTo("550 5.7.1 a message with the null sender has one recipient");
            assertThat(c.command("RCPT TO:<sender@PARTNER.test>")).as("the same recipient again").startsWith("250");
            for (int i = 0; i < 3; i++) {
                assertThat(c.command("RCPT TO:<v" + i + "@elsewhere.test>")).startsWith("550 5.7.1");
            }
            assertThat(c.command("RCPT TO:<v9@elsewhere.test>")).startsWith("550 5.7.1");
            assertThat(c.reply()).as("the fifth refusal ends the session").startsWith("421 4.7.0");
        }
        assertThat(intake.received).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "From: ceo@foreign.test\r\nSubject: invoice\r\n\r\npay now\r\n",
        "Auto-Submitted: no\r\nSubject: x\r\n\r\nbody\r\n",
        "Auto-Submitted: No (a person wrote this)\r\n\r\nbody\r\n",
        "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/report\r\n\r\n--x--\r\n",
        "Subject: x\r\n\r\nContent-Type: multipart/report\r\nAuto-Submitted: auto-replied\r\n",
        "X-Content-Type: multipart/report\r\nX-Auto-Submitted: auto-generated\r\n\r\nbody\r\n"})
    void aMessageWithTheNullSenderThatIsNotADeliveryReportIsRefusedAndNeverReachesTheIntake(String message)
            throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<>")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<friend@partner.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354");
            c.write(message + ".\r\n");
            assertThat(c.reply()).isEqualTo("550 5.7.1 a message with the null sender must be a delivery report");
            assertThat(c.command("NOOP")).as("the session goes on").isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("RCPT TO:<friend@partner.test>")).as("the transaction is over").startsWith("503");
        }
        assertThat(intake.received).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--\r\n",
        "content-type:Multipart/Report (a DSN);boundary=b\r\n\r\n--b--\r\n",
        "Subject: x\r\nContent-Type:\r\n multipart/report;\r\n boundary=b\r\n\r\n--b--\r\n",
        "Auto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\naway\r\n",
        "Subject: x\r\nAUTO-SUBMITTED: auto-generated (vacation); foo=bar\r\n\r\nbody\r\n"})
    void aDeliveryReportOrAnAutoSubmittedMessageWithTheNullSenderIsHandedOver(String message) throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<>");
            c.command("RCPT TO:<friend@partner.test>");
            assertThat(c.command("DATA")).startsWith("354");
            c.write(message + ".\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
        }
        assertThat(intake.received).hasSize(1);
        assertThat(intake.received.get(0).text()).isEqualTo(message);
    }

    @Test
    void anOrdinarySenderIsNotHeldToTheNullSenderRules() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<alice@example.org>");
            assertThat(c.command("RCPT TO:<a@partner.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<b@elsewhere.test>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: plain\r\n\r\nhello\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
        }
        assertThat(intake.received.get(0).envelope().recipients()).hasSize(2);
    }

    @Test
    void outboundRecipientsKeepTheirLocalPartAsWrittenAndOnlyTheDomainIsLowerCased() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<alice@example.org>");
            assertThat(c.command("RCPT TO:<John.Smith@Example.COM>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("RCPT TO:<John.Smith@example.com>")).as("same address, domain folded")
                    .isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("RCPT TO:<john.smith@EXAMPLE.com>")).as("another local part").isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: hi\r\n\r\nhello\r\n.\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
        }
        assertThat(intake.received.get(0).envelope().recipients())
                .containsExactly("John.Smith@example.com", "john.smith@example.com");
    }

    @Test
    void aRecipientInAProtectedDomainIsRefusedAsInternalWithoutADirectoryLookup() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            assertThat(c.command("RCPT TO:<Bob@Example.ORG>"))
                    .isEqualTo("550 5.7.1 <Bob@example.org> is internal: deliver it on the internal server");
            assertThat(c.command("RCPT TO:<alice@example.org>"))
                    .isEqualTo("550 5.7.1 <alice@example.org> is internal: deliver it on the internal server");
            assertThat(c.command("RCPT TO:<postmaster>"))
                    .isEqualTo("550 5.7.1 <postmaster> is internal: deliver it on the internal server");
        }
        assertThat(directory.checked).isEmpty();
    }

    @Test
    void externalRecipientsAreAcceptedAndTheMessageReachesTheIntakeAsOutbound() throws IOException {
        startLoopbackInternal();
        String sent = "From: alice@example.org\r\nTo: friend@partner.test\r\nSubject: hi\r\n\r\nhello\r\n";
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<alice@Example.org> SIZE=100")).isEqualTo("250 2.1.0 Ok");
            assertThat(c.command("RCPT TO:<friend@partner.test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("RCPT TO:<Other@Another.Test>")).isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("RCPT TO:<friend@PARTNER.test>")).as("duplicate, folded").isEqualTo("250 2.1.5 Ok");
            assertThat(c.command("DATA")).startsWith("354");
            c.write(sent + ".\r\n");
            assertThat(c.reply()).isEqualTo("250 2.0.0 queued as T1");
            assertThat(c.command("QUIT")).startsWith("221");
        }
        assertThat(intake.received).hasSize(1);
        RecordingIntake.Received r = intake.received.get(0);
        assertThat(r.text()).isEqualTo(sent);
        assertThat(r.envelope().direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(r.envelope().sender()).isEqualTo("alice@example.org");
        assertThat(r.envelope().recipients()).containsExactly("friend@partner.test", "Other@another.test");
        assertThat(r.envelope().clientIp()).isEqualTo(InetAddress.getLoopbackAddress().getHostAddress());
        assertThat(r.envelope().helo()).isEqualTo("client.test");
        assertThat(directory.checked).as("no directory lookup for external recipients").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "<@partner.test:victim@elsewhere.test>",
        "<victim%elsewhere.test@partner.test>",
        "<elsewhere.test!victim@partner.test>",
        "<\"victim@elsewhere.test\"@partner.test>",
        "<victim@[192.0.2.1]>",
        "<victim@[IPv6:2001:db8::1]>",
        "<bob@example.org.>",
        "<victim@elsewhere.test@partner.test>"})
    void relayTricksAreStillRefusedWith550_5_7_1(String path) throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<alice@example.org>");
            assertThat(c.command("RCPT TO:" + path)).isEqualTo("550 5.7.1 relaying denied");
        }
    }

    @Test
    void aFailingDirectoryGets451AndIsNotCountedAsAnError() throws IOException {
        startLoopbackInternal();
        directory.failure = new IllegalStateException("database down");
        try (RawClient c = RawClient.greeted(port)) {
            assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("451 4.3.0");
            directory.failure = null;
            assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            directory.failure = new IllegalStateException("database down");
            assertThat(c.command("RCPT TO:<friend@partner.test>")).startsWith("451 4.3.0");
        }
    }

    @Test
    void refusedSendersAndRecipientsCountTowardsMaxErrors() throws IOException {
        startLoopbackInternal(); // max.errors = 5
        try (RawClient c = RawClient.greeted(port)) {
            for (int i = 0; i < 2; i++) {
                assertThat(c.command("MAIL FROM:<x" + i + "@elsewhere.test>")).startsWith("550");
            }
            assertThat(c.command("MAIL FROM:<alice@example.org>")).startsWith("250");
            for (int i = 0; i < 2; i++) {
                assertThat(c.command("RCPT TO:<u" + i + "@example.org>")).startsWith("550");
            }
            assertThat(c.command("RCPT TO:<u9@example.org>")).startsWith("550");
            assertThat(c.reply()).startsWith("421 4.7.0");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void theRecipientAfterTheHundredthGets452() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<alice@example.org>");
            for (int i = 0; i < 100; i++) {
                assertThat(c.command("RCPT TO:<user" + i + "@partner.test>")).startsWith("250");
            }
            assertThat(c.command("RCPT TO:<user100@partner.test>")).startsWith("452 4.5.3");
        }
    }

    @Test
    void guardsAreConsultedAtEveryStageSoAnInfectedInternalHostCanBeBlocked() throws IOException {
        startLoopbackInternal();
        List<String> stages = new CopyOnWriteArrayList<>();
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onConnect(SmtpSession s) {
                stages.add("connect " + s.clientIp());
                return Optional.empty();
            }

            @Override
            public Optional<SmtpReply> onHelo(SmtpSession s) {
                stages.add("helo " + s.helo());
                return Optional.empty();
            }

            @Override
            public Optional<SmtpReply> onMailFrom(SmtpSession s) {
                stages.add("mail " + s.sender());
                return Optional.empty();
            }

            @Override
            public Optional<SmtpReply> onRecipient(SmtpSession s, String recipient) {
                stages.add("rcpt " + recipient);
                return recipient.startsWith("blocked@") ? Optional.of(SmtpReply.of(550, "5.7.1", "blocked"))
                        : Optional.empty();
            }
        });
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<alice@example.org>");
            assertThat(c.command("RCPT TO:<ok@partner.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<blocked@partner.test>")).isEqualTo("550 5.7.1 blocked");
        }
        String ip = InetAddress.getLoopbackAddress().getHostAddress();
        assertThat(stages).containsExactly("connect " + ip, "helo client.test", "mail alice@example.org",
                "rcpt ok@partner.test", "rcpt blocked@partner.test");

        guards.clear();
        guards.add(new EnvelopeGuard() {
            @Override
            public Optional<SmtpReply> onConnect(SmtpSession s) {
                return Optional.of(SmtpReply.of(554, "5.7.1", "host " + s.clientIp() + " is isolated"));
            }
        });
        try (RawClient c = new RawClient(port)) {
            assertThat(c.reply()).isEqualTo("554 5.7.1 host " + ip + " is isolated");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void theConnectionLimitPerAddressAppliesToInternalHostsToo() throws Exception {
        startLoopbackInternal(); // 3 sessions per address
        List<RawClient> held = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                held.add(RawClient.greeted(port));
            }
            try (RawClient fourth = new RawClient(port)) {
                assertThat(fourth.reply()).startsWith("421 4.7.0 too many connections from your address");
            }
        } finally {
            for (RawClient c : held) {
                c.close();
            }
        }
    }

    @Test
    void smugglingIsRefusedOnTheOutboundListenerAsOnTheInboundOne() throws IOException {
        startLoopbackInternal();
        try (RawClient c = RawClient.greeted(port)) {
            c.command("MAIL FROM:<alice@example.org>");
            c.command("RCPT TO:<friend@partner.test>");
            assertThat(c.command("DATA")).startsWith("354");
            c.write("Subject: a\r\n\r\nx\n.\r\nMAIL FROM:<alice@example.org>\r\n.\r\n");
            assertThat(c.reply()).startsWith("550 5.6.11");
        }
        assertThat(intake.received).isEmpty();
    }
}
