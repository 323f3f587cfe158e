package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 2 "Done when", over real SMTP against the real distribution: a GreenMail SMTP server in this JVM is
 * the next hop, the gateway runs as bin/karaf with the test detector ({@code testflag}, mandatory) deployed.
 *
 * <p>The next hop also serves IMAP, so the retention sweeper logs in to the mailboxes the gateway delivered to,
 * with {@code imap.password} given through the environment ({@code $[env:STREAMAIL_IMAP_PASSWORD]}, resolved by
 * Felix ConfigAdmin's interpolation plugin, as the pax-web, SMTP keystore and database passwords are): the last
 * test sweeps and checks that the password is in no file of the instance.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GatewayScenarioIT {

    static final String ADMIN_PASSWORD = "scenario-Admin-" + UUID.randomUUID();
    static final String VIEWER_PASSWORD = "scenario-Viewer-" + UUID.randomUUID();
    static final String ALICE = "alice@example.org";
    /** Alice's IMAP password at the next hop; the gateway gets it from the environment only. */
    static final String IMAP_PASSWORD = "scenario-Imap-" + UUID.randomUUID();
    static final String IMAP_PASSWORD_VARIABLE = "STREAMAIL_IMAP_PASSWORD";
    static final ObjectMapper JSON = new ObjectMapper();

    static GreenMail nextHop;
    /** The Internet's side: the smarthost outbound mail goes to. */
    static GreenMail smarthost;
    static GatewayProcess gateway;
    static Path detectorJar;

    @BeforeAll
    static void boot() throws Exception {
        int hopPort = GatewayProcess.freePort();
        int imapPort = GatewayProcess.freePort();
        nextHop = new GreenMail(new ServerSetup[] {new ServerSetup(hopPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
                new ServerSetup(imapPort, "127.0.0.1", ServerSetup.PROTOCOL_IMAP)});
        nextHop.start();
        nextHop.setUser(ALICE, ALICE, IMAP_PASSWORD); // before any delivery, which would create her without it
        detectorJar = Path.of(System.getProperty("streamail.test.detector"));

        int smarthostPort = GatewayProcess.freePort();
        smarthost = new GreenMail(new ServerSetup(smarthostPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smarthost.start();

        gateway = GatewayProcess.unpack("scenario").adminPasswordFromEnvironment(ADMIN_PASSWORD);
        gateway.setConfig("org.streamail.delivery.cfg", "outbound.relay.host", "127.0.0.1");
        gateway.setConfig("org.streamail.delivery.cfg", "outbound.relay.port", String.valueOf(smarthostPort));
        gateway.setConfig("org.streamail.delivery.cfg", "relay.host", "127.0.0.1");
        gateway.setConfig("org.streamail.delivery.cfg", "relay.port", String.valueOf(hopPort));
        gateway.setConfig("org.streamail.delivery.cfg", "retry.initial", "1");
        gateway.setConfig("org.streamail.policy.cfg", "mandatory.detectors", "testflag");
        gateway.setConfig("users.properties", "viewer",
                org.streamail.itests.StreamailTestSupport.hash(VIEWER_PASSWORD) + ",_g_:viewergroup");
        // Retention sweeps Alice's mailbox as herself (GreenMail has no master users), read-only (dry run): the
        // other scenarios' mail stays as it is. The password is not in etc/, only in the gateway's environment.
        String retention = "org.streamail.retention.cfg";
        gateway.setConfig(retention, "imap.host", "127.0.0.1");
        gateway.setConfig(retention, "imap.port", String.valueOf(imapPort));
        gateway.setConfig(retention, "imap.security", "none");
        gateway.setConfig(retention, "imap.user", ALICE);
        gateway.setConfig(retention, "imap.master.separator", "");
        gateway.setConfig(retention, "imap.password", "$[env:" + IMAP_PASSWORD_VARIABLE + "]");
        gateway.setConfig(retention, "mailboxes", ALICE);
        gateway.setConfig(retention, "dry.run", "true");
        gateway.environment(IMAP_PASSWORD_VARIABLE, IMAP_PASSWORD);
        gateway.deploy(detectorJar);
        gateway.start(Duration.ofSeconds(120));
        gateway.waitReady(Duration.ofSeconds(60));

        HttpResponse<String> added = gateway.adminJson("POST", "/directory", "{\"address\":\"" + ALICE + "\"}");
        assertThat(added.statusCode()).as(added.body()).isIn(200, 201);
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (nextHop != null) {
            nextHop.stop();
        }
        if (smarthost != null) {
            smarthost.stop();
        }
    }

    static byte[] message(String subject, String extraHeaders, String body) {
        return ("From: Bob <bob@sender.example>\r\nTo: Alice <" + ALICE + ">\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@sender.example>\r\n" + extraHeaders
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    static String send(byte[] msg) throws Exception {
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO client.example");
            return c.send("bob@sender.example", List.of(ALICE), msg);
        }
    }

    static List<MimeMessage> deliveredWithSubject(String subject) throws Exception {
        List<MimeMessage> found = new java.util.ArrayList<>();
        for (MimeMessage m : nextHop.getReceivedMessages()) {
            if (subject.equals(m.getSubject())) {
                found.add(m);
            }
        }
        return found;
    }

    static MimeMessage awaitDelivery(String subject) {
        GatewayProcess.waitFor("delivery of '" + subject + "'", Duration.ofSeconds(30), () -> {
            try {
                return !deliveredWithSubject(subject).isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        try {
            return deliveredWithSubject(subject).get(0);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static String heldIdWithSubject(String subject) throws Exception {
        String[] id = new String[1];
        GatewayProcess.waitFor("'" + subject + "' in quarantine", Duration.ofSeconds(30), () -> {
            try {
                for (JsonNode item : json(gateway.admin("GET", "/quarantine?limit=1000")).path("items")) {
                    if (item.toString().contains(subject)) {
                        id[0] = item.path("id").asText();
                        return true;
                    }
                }
            } catch (Exception ignored) {
                // not yet
            }
            return false;
        });
        return id[0];
    }

    @Test
    @Order(1)
    void cleanMessageIsDeliveredToTheNextHopWithItsBytesIntact() throws Exception {
        String subject = "clean " + UUID.randomUUID();
        String body = "Hello Alice,\r\n..a line starting with a dot\r\nä ö ü\r\nBye\r\n";
        byte[] original = message(subject, "X-Original: kept\r\n", body);

        assertThat(send(original)).startsWith("250");

        MimeMessage delivered = awaitDelivery(subject);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        delivered.writeTo(bytes);
        String deliveredText = bytes.toString(StandardCharsets.UTF_8);
        String originalText = new String(original, StandardCharsets.UTF_8);
        // the gateway only prepends trace headers: the original message is an exact suffix (GreenMail keeps
        // the final CRLF before the terminating dot as part of the SMTP framing, so compare without it)
        assertThat(deliveredText).endsWith(originalText.substring(0, originalText.length() - 2));
        assertThat(delivered.getAllRecipients()).extracting(Object::toString).contains("Alice <" + ALICE + ">");
    }

    @Test
    @Order(2)
    void flaggedMessageIsQuarantinedListedByRestReleasedAndThenDelivered() throws Exception {
        String subject = "flagged " + UUID.randomUUID();
        assertThat(send(message(subject, "X-Testflag: quarantine\r\n", "payload\r\n"))).startsWith("250");

        String id = heldIdWithSubject(subject);
        JsonNode entry = json(gateway.admin("GET", "/quarantine/" + id));
        assertThat(entry.toString()).contains("testflag").contains("MALWARE");
        assertThat(gateway.admin("GET", "/quarantine/" + id + "/raw").body()).contains(subject);
        assertThat(deliveredWithSubject(subject)).isEmpty();

        HttpResponse<String> released = gateway.admin("POST", "/quarantine/" + id + "/release");
        assertThat(released.statusCode()).as(released.body()).isEqualTo(200);

        MimeMessage delivered = awaitDelivery(subject);
        assertThat(delivered.getHeader("X-Testflag", null)).isEqualTo("quarantine");
        assertThat(gateway.admin("POST", "/quarantine/" + id + "/release").statusCode()).isEqualTo(409);
    }

    @Test
    @Order(3)
    void rejectedMessageGets550WhileTheClientIsConnected() throws Exception {
        String subject = "reject " + UUID.randomUUID();
        String reply = send(message(subject, "X-Testflag: reject\r\n", "x\r\n"));
        assertThat(reply).startsWith("550").contains("5.7.1");
        Thread.sleep(500);
        assertThat(deliveredWithSubject(subject)).isEmpty();
    }

    @Test
    @Order(4)
    void unknownLocalRecipientAndRelayAttemptsGet550() throws Exception {
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO client.example");
            assertThat(c.command("MAIL FROM:<bob@sender.example>")).startsWith("250");
            assertThat(c.command("RCPT TO:<nobody@example.org>")).startsWith("550").contains("5.1.1");
            assertThat(c.command("RCPT TO:<victim@elsewhere.example>")).startsWith("550").contains("5.7.1");
            assertThat(c.command("RCPT TO:<victim%elsewhere.example@example.org>")).startsWith("550");
            assertThat(c.command("RCPT TO:<@example.org:victim@elsewhere.example>")).startsWith("550");
            assertThat(c.command("RCPT TO:<alice@[127.0.0.1]>")).startsWith("550");
        }
    }

    @Test
    @Order(5)
    void bareLineFeedSmugglingIsRefusedAndNoSecondMessageAppears() throws Exception {
        String outer = "outer " + UUID.randomUUID();
        String smuggled = "smuggled " + UUID.randomUUID();
        String data = "From: bob@sender.example\r\nTo: " + ALICE + "\r\nSubject: " + outer + "\r\n\r\nfirst\r\n"
                + "\n.\n"
                + "MAIL FROM:<evil@sender.example>\r\nRCPT TO:<" + ALICE + ">\r\nDATA\r\n"
                + "From: evil@sender.example\r\nSubject: " + smuggled + "\r\n\r\nsmuggled body\r\n"
                + ".\r\n";
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO client.example");
            assertThat(c.command("MAIL FROM:<bob@sender.example>")).startsWith("250");
            assertThat(c.command("RCPT TO:<" + ALICE + ">")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            String reply = c.raw(data.getBytes(StandardCharsets.US_ASCII));
            assertThat(reply).startsWith("5");
        }
        Thread.sleep(1000);
        assertThat(deliveredWithSubject(outer)).isEmpty();
        assertThat(deliveredWithSubject(smuggled)).isEmpty();
        assertThat(json(gateway.admin("GET", "/messages?limit=1000")).toString()).doesNotContain(smuggled);
    }

    @Test
    @Order(6)
    void malformedMessageIsQuarantinedAsMalformed() throws Exception {
        // Jakarta Mail throws IndexOutOfBoundsException on these header bytes (STACK.md): a parser crash
        // must end in quarantine, never in delivery
        String marker = "malformed-" + UUID.randomUUID();
        byte[] msg = (" \r\n \r\n\r\n" + marker + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(send(msg)).startsWith("250");
        String[] found = new String[1];
        GatewayProcess.waitFor("a MALFORMED quarantine entry", Duration.ofSeconds(30), () -> {
            try {
                for (JsonNode item : json(gateway.admin("GET", "/quarantine?limit=1000&category=MALFORMED")).path("items")) {
                    String raw = gateway.admin("GET", "/quarantine/" + item.path("id").asText() + "/raw").body();
                    if (raw.contains(marker)) {
                        found[0] = item.toString();
                        return true;
                    }
                }
            } catch (Exception ignored) {
                // not yet
            }
            return false;
        });
        assertThat(found[0]).contains("MALFORMED");
    }

    @Test
    @Order(7)
    void restAnswers401WithoutCredentials403ForAViewerReleaseAnd404ForAnUnknownId() throws Exception {
        assertThat(gateway.rest("GET", "/quarantine", null, null, null, null).statusCode()).isEqualTo(401);
        assertThat(gateway.rest("GET", "/quarantine", "admin", "wrong", null, null).statusCode()).isEqualTo(401);
        assertThat(gateway.rest("GET", "/quarantine", "viewer", VIEWER_PASSWORD, null, null).statusCode()).isEqualTo(200);

        String subject = "viewer " + UUID.randomUUID();
        assertThat(send(message(subject, "X-Testflag: quarantine\r\n", "x\r\n"))).startsWith("250");
        String id = heldIdWithSubject(subject);
        assertThat(gateway.rest("POST", "/quarantine/" + id + "/release", "viewer", VIEWER_PASSWORD, null, null).statusCode())
                .isEqualTo(403);
        assertThat(gateway.rest("DELETE", "/quarantine/" + id, "viewer", VIEWER_PASSWORD, null, null).statusCode())
                .isEqualTo(403);
        assertThat(gateway.admin("GET", "/quarantine/no-such-id-123").statusCode()).isEqualTo(404);
        assertThat(gateway.admin("POST", "/quarantine/no-such-id-123/release").statusCode()).isEqualTo(404);
        assertThat(deliveredWithSubject(subject)).isEmpty();
        // a path no servlet serves gets the API's JSON error, not the web server's HTML page
        HttpResponse<String> nowhere = gateway.adminFromRoot("GET", "/streamail/no-such-servlet");
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(nowhere.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
        assertThat(nowhere.body()).isEqualTo("{\"error\":\"no such resource; the API is under /streamail/api/v1\",\"status\":404}");
    }

    @Test
    @Order(8)
    void removingTheMandatoryDetectorGives451AndReinstallingItLetsMailFlowAgain() throws Exception {
        gateway.undeploy(detectorJar);
        GatewayProcess.waitFor("451 while testflag is missing", Duration.ofSeconds(30), () -> {
            try (SmtpClient c = gateway.smtp()) {
                c.command("EHLO client.example");
                return c.command("MAIL FROM:<bob@sender.example>").startsWith("451");
            } catch (Exception e) {
                return false;
            }
        });
        String subject = "during-update " + UUID.randomUUID();
        String reply = send(message(subject, "", "x\r\n"));
        assertThat(reply).startsWith("451").contains("4.7.0");
        // what a monitoring system scrapes says so, with 200: the scrape keeps the numbers
        HttpResponse<String> down = gateway.admin("GET", "/metrics");
        assertThat(down.statusCode()).isEqualTo(200);
        assertThat(down.body()).contains("\nstreamail_ready 0\n",
                "\nstreamail_detector_bound{detector=\"testflag\",mandatory=\"true\"} 0\n");

        gateway.deploy(detectorJar);
        gateway.waitReady(Duration.ofSeconds(30));
        assertThat(send(message(subject, "", "x\r\n"))).startsWith("250");
        awaitDelivery(subject);
        String up = gateway.admin("GET", "/metrics").body();
        assertThat(up).contains("\nstreamail_ready 1\n",
                "\nstreamail_detector_bound{detector=\"testflag\",mandatory=\"true\"} 1\n");
        // the quarantined and the rejected messages of the earlier tests; this test's 451s came at MAIL FROM, before
        // any message was read, so the count of messages answered 451 after DATA is there but need not have grown
        assertThat(metric(up, "streamail_verdicts_total{action=\"quarantine\"}")).isPositive();
        assertThat(metric(up, "streamail_verdicts_total{action=\"reject\"}")).isPositive();
        assertThat(metric(up, "streamail_delivery_total{result=\"delivered\"}")).isPositive();
        assertThat(metric(up, "streamail_tempfailed_messages_total")).isNotNegative();
    }

    /** The value of one series in a Prometheus text exposition, or -1 when it is absent. */
    private static long metric(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Long.parseLong(line.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }

    @Test
    @Order(9)
    void mailFromTheInsideLeavesThroughTheSmarthostWithoutItsInternalHopsAndStaysApartFromInboundMail()
            throws Exception {
        String subject = "outbound " + UUID.randomUUID();
        byte[] msg = ("Received: from ws12.corp.internal ([10.9.8.7])\r\n"
                + "\tby exch01.corp.internal with ESMTP id 42; Thu, 3 Dec 2026 10:00:00 +0000\r\n"
                + "X-Originating-IP: [10.9.8.7]\r\n"
                + "From: Alice <" + ALICE + ">\r\nTo: <partner@far.example>\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@example.org>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n"
                + "--fwd\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nThe figures, as promised.\r\n"
                // a message forwarded as an attachment carries its own internal hops
                + "--fwd\r\nContent-Type: message/rfc822\r\n\r\n"
                + "Received: from hr01.corp.internal ([10.1.2.3]) by exch01.corp.internal; Wed, 2 Dec 2026\r\n"
                + "From: Bob <bob@example.org>\r\nSubject: the original figures\r\n\r\nQ3: 42\r\n"
                + "--fwd--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        try (SmtpClient c = gateway.smtpOutbound()) {
            assertThat(c.greeting).startsWith("220");
            c.command("EHLO exch01.corp.internal");
            assertThat(c.send(ALICE, List.of("partner@far.example"), msg)).startsWith("250");
        }
        GatewayProcess.waitFor("'" + subject + "' at the smarthost", Duration.ofSeconds(30), () -> {
            for (MimeMessage m : smarthost.getReceivedMessages()) {
                try {
                    if (subject.equals(m.getSubject())) {
                        return true;
                    }
                } catch (Exception ignored) {
                    // not readable yet
                }
            }
            return false;
        });
        MimeMessage out = java.util.Arrays.stream(smarthost.getReceivedMessages()).filter(m -> {
            try {
                return subject.equals(m.getSubject());
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElseThrow();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        out.writeTo(raw);
        String text = raw.toString(StandardCharsets.UTF_8);
        assertThat(text.substring(text.indexOf("Received: by "))).doesNotContain("10.9.8.7", "corp.internal",
                "X-Originating-IP", "127.0.0.1", "10.1.2.3").contains("The figures, as promised.",
                "Subject: the original figures", "Q3: 42");
        assertThat(deliveredWithSubject(subject)).as("outbound mail never reaches the inbound hop").isEmpty();

        // Internal and external mail are kept apart: the outbound door takes only our senders, only for outside.
        try (SmtpClient c = gateway.smtpOutbound()) {
            c.command("EHLO exch01.corp.internal");
            assertThat(c.command("MAIL FROM:<mallory@evil.example>")).startsWith("550").contains("5.7.1");
            assertThat(c.command("MAIL FROM:<" + ALICE + ">")).startsWith("250");
            assertThat(c.command("RCPT TO:<" + ALICE + ">")).startsWith("550").contains("5.7.1");
            assertThat(c.command("RCPT TO:<partner@far.example>")).startsWith("250");
        }
        // and the inbound door is still no relay for anyone
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO client.example");
            c.command("MAIL FROM:<" + ALICE + ">");
            assertThat(c.command("RCPT TO:<partner@far.example>")).startsWith("550").contains("5.7.1");
        }
    }

    /**
     * {@code imap.password = $[env:STREAMAIL_IMAP_PASSWORD]}: the sweeper logs in to the IMAP server with the value
     * of the variable (GreenMail refuses anything else, the raw placeholder included, and the sweep would then
     * report an error for the mailbox), and that value is written in no file of the instance: not etc/, not the
     * ConfigAdmin store under data/, not the logs.
     */
    @Test
    @Order(10)
    void retentionLogsInToImapWithThePasswordFromTheEnvironmentAndWritesItNowhere() throws Exception {
        String subject = "retention " + UUID.randomUUID();
        // a retention signature copied from the organisation's own stamped mail arrives with it: the core renames it
        // before anything else reads the message, so it reaches the mailbox as X-Untrusted-Retention-Sig, which no
        // sweep honours, whatever the retention bundle does with it (audit, "fail-open signature")
        assertThat(send(message(subject, "X-Retention-Period: P14D\r\n"
                + "X-Streamail-Retention-Sig: v=1; t=PT1H; m=no; mid=<copied@example.org>; s=AAAA\r\n",
                "kept for two weeks\r\n"))).startsWith("250");
        MimeMessage delivered = awaitDelivery(subject);
        assertThat(delivered.getHeader("X-Streamail-Retention-Sig")).as("no signature from outside").isNull();
        assertThat(delivered.getHeader("X-Untrusted-Retention-Sig", null)).startsWith("v=1; t=PT1H;");

        HttpResponse<String> swept = gateway.admin("POST", "/retention/sweep");
        assertThat(swept.statusCode()).as(swept.body()).isEqualTo(200);
        JsonNode report = json(swept);
        assertThat(report.path("errors").asLong()).as(swept.body()).isZero();
        assertThat(report.path("problems")).as(swept.body()).isEmpty();
        assertThat(report.path("mailboxes").asLong()).as(swept.body()).isEqualTo(1);
        assertThat(report.path("scanned").asLong()).as("the message with a retention header was read: " + swept.body())
                .isGreaterThanOrEqualTo(1);
        assertThat(report.path("dryRun").asBoolean()).isTrue();
        // the sweep was coordinated through the store every node shares, and any node now shows it
        HttpResponse<String> status = gateway.admin("GET", "/retention/status");
        assertThat(status.statusCode()).as(status.body()).isEqualTo(200);
        JsonNode st = json(status);
        assertThat(st.path("coordinated").asBoolean()).as(status.body()).isTrue();
        assertThat(st.path("lastStart").asText()).as(status.body()).isNotEmpty();
        assertThat(st.path("lastSummary").asText()).as(status.body()).contains("mailboxes=1").contains("dry-run");
        assertThat(st.has("running")).as(status.body()).isFalse();

        assertThat(gateway.filesHolding(IMAP_PASSWORD)).as("files holding the IMAP password").isEmpty();
        assertThat(java.nio.file.Files.readString(gateway.home().resolve("etc/org.streamail.retention.cfg")))
                .contains("$[env:" + IMAP_PASSWORD_VARIABLE + "]");
    }
}
