package org.streamail.itests.process;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issues 3, 4 and 8 against the real distribution with its default detectors ({@code content} mandatory,
 * {@code phishing}, {@code spam}): one bin/karaf process for the whole class, a GreenMail SMTP server in this
 * JVM as the next hop. Shell commands go through {@code bin/client} over SSH, as an operator would run them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DetectorScenarioIT {

    static final String ADMIN_PASSWORD = "detector-Admin-" + UUID.randomUUID();
    static final String ALICE = "alice@example.org";
    static final ObjectMapper JSON = new ObjectMapper();

    static GreenMail nextHop;
    static GatewayProcess gateway;
    static Path sshKey;

    @BeforeAll
    static void boot() throws Exception {
        int hopPort = GatewayProcess.freePort();
        nextHop = new GreenMail(new ServerSetup(hopPort, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        nextHop.start();
        gateway = GatewayProcess.unpack("detectors").adminPasswordFromEnvironment(ADMIN_PASSWORD);
        // the test's only client is on loopback: let a CLIENT_IP rule name it (refused by default)
        gateway.setConfig("org.streamail.spam.cfg", "block.allow.loopback", "true");
        gateway.setConfig("org.streamail.delivery.cfg", "relay.host", "127.0.0.1");
        gateway.setConfig("org.streamail.delivery.cfg", "relay.port", String.valueOf(hopPort));
        gateway.setConfig("org.streamail.delivery.cfg", "retry.initial", "1");
        // detect-phishing's legitimate corpus is addressed to the organisation contoso.com / contoso.fr
        gateway.setConfig("org.streamail.directory.cfg", "domains", "example.org, contoso.com, contoso.fr");
        // an SSH key for admin, so shell commands run over plain ssh exec (no password prompt)
        sshKey = gateway.home().getParent().resolve("admin-ssh-key");
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", sshKey.toString())
                .redirectErrorStream(true).start();
        assertThat(keygen.waitFor(30, TimeUnit.SECONDS) && keygen.exitValue() == 0).as("ssh-keygen").isTrue();
        String publicKey = Files.readString(Path.of(sshKey + ".pub")).split(" ")[1];
        Files.writeString(gateway.home().resolve("etc/keys.properties"),
                GatewayProcess.ADMIN + "=" + publicKey + ",_g_:admingroup\n", java.nio.file.StandardOpenOption.APPEND);
        try {
            gateway.start(Duration.ofSeconds(120));
            gateway.waitReady(Duration.ofSeconds(60));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nconsole:\n" + gateway.consoleTail(), e);
        }
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
    }

    // ------------------------------------------------------------------ helpers

    static String send(byte[] msg) throws Exception {
        try (SmtpClient c = gateway.smtp()) {
            c.command("EHLO client.example");
            return c.send("bob@sender.example", List.of(ALICE), msg);
        }
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static JsonNode scan(byte[] msg) throws Exception {
        return scan(msg, "rcpt=" + ALICE);
    }

    static JsonNode scan(byte[] msg, String query) throws Exception {
        HttpResponse<String> r = gateway.rest("POST", "/scan?" + query, GatewayProcess.ADMIN, ADMIN_PASSWORD,
                "message/rfc822", msg);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r);
    }

    /** The first value of a header field of a message in LF form, unfolded, or "". */
    static String header(String text, String name) {
        String head = text.substring(0, Math.max(0, text.indexOf("\n\n"))).replaceAll("\n[ \t]+", " ");
        for (String line : head.split("\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return "";
    }

    /** The address of a From/To value: inside angle brackets, or the whole value. */
    static String address(String value) {
        int lt = value.lastIndexOf('<');
        int gt = value.lastIndexOf('>');
        return lt >= 0 && gt > lt ? value.substring(lt + 1, gt) : value.strip();
    }

    /** The quarantine entry whose subject contains {@code marker} (waits for it). */
    static JsonNode quarantined(String marker) {
        JsonNode[] found = new JsonNode[1];
        GatewayProcess.waitFor("'" + marker + "' in quarantine", Duration.ofSeconds(30), () -> {
            try {
                for (JsonNode item : json(gateway.admin("GET", "/quarantine?limit=1000")).path("items")) {
                    if (item.path("subject").asText().contains(marker)) {
                        found[0] = item;
                        return true;
                    }
                }
            } catch (Exception ignored) {
                // not yet
            }
            return false;
        });
        return found[0];
    }

    static List<MimeMessage> deliveredWithHeader(String name, String value) throws Exception {
        List<MimeMessage> found = new ArrayList<>();
        for (MimeMessage m : nextHop.getReceivedMessages()) {
            String[] h = m.getHeader(name);
            if (h != null && List.of(h).contains(value)) {
                found.add(m);
            }
        }
        return found;
    }

    /**
     * Runs a Karaf shell command as admin over SSH exec with the key registered in etc/keys.properties and
     * returns what it printed. Not bin/client: with stdin at end of file it closes at once (STACK.md).
     */
    static String shell(String command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("ssh", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder("ssh", "-p", String.valueOf(gateway.sshPort), "-i", sshKey.toString(),
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                    "-o", "LogLevel=ERROR", GatewayProcess.ADMIN + "@127.0.0.1", command)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("ssh timed out on: " + command);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as("ssh '%s' printed:%n%s", command, text).isZero();
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The service.id of the content detector's Detector service (a new one after the bundle is updated). */
    static String contentServiceId() throws IOException, InterruptedException {
        String out = shell("service:list org.streamail.api.detect.Detector");
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?s)detector = content\\s.*?service\\.id = (\\d+)").matcher(out);
        if (!m.find()) {
            throw new AssertionError("no content Detector service in:\n" + out);
        }
        return m.group(1);
    }

    static List<JsonNode> findings(JsonNode verdict) {
        List<JsonNode> l = new ArrayList<>();
        verdict.path("findings").forEach(l::add);
        return l;
    }

    /** A PE header (MZ, e_lfanew at 0x3C pointing at "PE\0\0"), as detect-content's tests build it. Not runnable. */
    static byte[] pe() {
        byte[] b = new byte[1024];
        b[0] = 'M';
        b[1] = 'Z';
        b[0x3C] = (byte) 0x80;
        b[0x80] = 'P';
        b[0x81] = 'E';
        byte[] stub = "This program cannot be run in DOS mode.".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(stub, 0, b, 0x4E, stub.length);
        return b;
    }

    static byte[] withAttachment(String subject, String extraHeaders, String contentType, String disposition,
            byte[] attachment) {
        String boundary = "b-" + UUID.randomUUID();
        String b64 = Base64.getMimeEncoder(76, "\r\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(attachment);
        return ("From: Bob <bob@sender.example>\r\nTo: Alice <" + ALICE + ">\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@sender.example>\r\n" + extraHeaders
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n"
                + "--" + boundary + "\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nPlease see the attached file.\r\n"
                + "--" + boundary + "\r\nContent-Type: " + contentType + "\r\nContent-Disposition: " + disposition
                + "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n"
                + "--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = DetectorScenarioIT.class.getResourceAsStream("/detector/" + name)) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------ issue 3

    @Test
    @Order(1)
    void aPortableExecutableAttachmentIsQuarantinedAsMalwareAndScanNamesRuleScoreAndPart() throws Exception {
        String subject = "invoice " + UUID.randomUUID();
        byte[] msg = withAttachment(subject, "", "application/octet-stream",
                "attachment; filename=\"invoice.exe\"", pe());

        assertThat(send(msg)).startsWith("250");

        JsonNode entry = quarantined(subject);
        assertThat(entry.path("verdict").path("categories").toString()).contains("MALWARE");
        assertThat(deliveredWithHeader("Subject", subject)).isEmpty();

        JsonNode scanned = scan(msg);
        assertThat(scanned.path("categories").toString()).contains("MALWARE");
        JsonNode exe = findings(scanned).stream()
                .filter(f -> f.path("detector").asText().equals("content") && f.path("rule").asText().equals("executable"))
                .findFirst().orElseThrow(() -> new AssertionError("no content/executable finding in " + scanned));
        assertThat(exe.path("score").asDouble()).isGreaterThan(0);
        assertThat(exe.path("category").asText()).isEqualTo("MALWARE");
        assertThat(exe.path("part").asText()).contains("invoice.exe");
    }

    @Test
    @Order(2)
    void updatingTheContentDetectorWhileMailFlowsLosesNothingAndLetsNothingThroughUnscanned() throws Exception {
        String run = UUID.randomUUID().toString();
        // the first SSH session generates the host key (seconds): do it before mail starts flowing so the
        // update itself falls inside the flow
        String componentBefore = contentServiceId();
        boolean[] updateDone = new boolean[1];
        Map<Integer, String> replies = new ConcurrentHashMap<>();
        Throwable[] failure = new Throwable[1];
        Thread sender = new Thread(() -> {
            try {
                // ~30 messages, and never fewer than 5 after the update returned (bounded at 80)
                int afterUpdate = 0;
                for (int i = 0; i < 80 && (i < 30 || afterUpdate < 5); i++) {
                    if (updateDone[0]) {
                        afterUpdate++;
                    }
                    // a harmless attachment whose two names disagree: content/name-mismatch (POLICY, score 3,
                    // below the tag score) marks every verdict in which the content detector really ran
                    byte[] msg = withAttachment("flow " + i + " " + run, "X-Flow: " + run + "-" + i + "\r\n",
                            "text/plain; name=\"notes-" + i + ".txt\"", "attachment; filename=\"minutes-" + i + ".txt\"",
                            ("meeting notes " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    String r;
                    try {
                        r = send(msg);
                    } catch (IOException e) {
                        r = "(io) " + e;
                    }
                    replies.put(i, r);
                    Thread.sleep(20);
                }
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "flow-sender");
        long t0 = System.nanoTime();
        sender.start();
        GatewayProcess.waitFor("the first messages", Duration.ofSeconds(30), () -> replies.size() >= 3);
        int sentBeforeUpdate = replies.size();
        shell("bundle:update org.streamail.detect-content");
        int sentDuringUpdate = replies.size() - sentBeforeUpdate;
        updateDone[0] = true;
        sender.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(sender.isAlive()).isFalse();
        assertThat(failure[0]).isNull();
        int count = replies.size();
        assertThat(count).isGreaterThanOrEqualTo(30);
        // a new service registration proves the bundle really went away and came back
        String componentAfter = contentServiceId();
        assertThat(componentAfter).isNotEqualTo(componentBefore);
        System.out.printf("bundle:update during flow: %d sent before, %d while the update ran, %d in all, %.1f s; "
                + "content Detector service.id %s -> %s%n", sentBeforeUpdate, sentDuringUpdate, count, (System.nanoTime() - t0) / 1e9,
                componentBefore, componentAfter);

        List<Integer> accepted = new ArrayList<>();
        for (var e : replies.entrySet()) {
            String r = e.getValue();
            assertThat(r).as("message %d", e.getKey()).matches("(?s)(250|451).*");
            if (r.startsWith("451")) {
                assertThat(r).contains("4.7.0");
            } else {
                accepted.add(e.getKey());
            }
        }
        assertThat(accepted).as("replies %s", replies).isNotEmpty();
        System.out.println("bundle:update during flow: " + accepted.size() + " accepted, "
                + (count - accepted.size()) + " answered 451: " + replies);

        // every accepted message is delivered exactly once, with a verdict the content detector took part in:
        // a message whose scan ran while the mandatory detector was away gets 451 before the reply, or (if it
        // was already accepted) waits for the detector to come back; it is never held or passed without it
        GatewayProcess.waitFor("every accepted message delivered", Duration.ofSeconds(40), () -> {
            try {
                for (int i : accepted) {
                    if (deliveredWithHeader("X-Flow", run + "-" + i).isEmpty()) {
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        Thread.sleep(1000);
        for (int i = 0; i < count; i++) {
            int copies = deliveredWithHeader("X-Flow", run + "-" + i).size();
            assertThat(copies).as("copies of message %d (reply %s)", i, replies.get(i))
                    .isEqualTo(accepted.contains(i) ? 1 : 0);
        }
        JsonNode quarantined = json(gateway.admin("GET", "/quarantine?limit=1000"));
        for (JsonNode item : quarantined.path("items")) {
            assertThat(item.path("subject").asText()).as("no flow message is held").doesNotStartWith("flow ");
        }

        JsonNode log = json(gateway.admin("GET", "/messages?limit=1000"));
        for (int i : accepted) {
            String subject = "flow " + i + " " + run;
            JsonNode entry = null;
            for (JsonNode item : log.path("items")) {
                if (subject.equals(item.path("subject").asText())) {
                    entry = item;
                }
            }
            assertThat(entry).as("log entry of %s", subject).isNotNull();
            JsonNode verdict = entry.path("verdict");
            assertThat(verdict.isObject()).as("verdict of %s: %s", subject, entry).isTrue();
            List<JsonNode> f = findings(verdict);
            assertThat(f).as("findings of delivered %s", subject)
                    .noneMatch(x -> x.path("category").asText().equals("ERROR"))
                    .anyMatch(x -> x.path("detector").asText().equals("content")
                            && x.path("rule").asText().equals("name-mismatch"));
        }
        gateway.waitReady(Duration.ofSeconds(30));
    }

    // ------------------------------------------------------------------ issue 4

    @Test
    @Order(3)
    void aPhishingMessageIsQuarantinedAsPhishingAndScanAndTheShellExplainEachFinding() throws Exception {
        // the corpus sample scores far above reject.score (15): it is refused while the client is connected
        String marker = UUID.randomUUID().toString();
        byte[] paypal = new String(resource("p-02-paypal-limited.eml"), StandardCharsets.UTF_8)
                .replace("Subject: Your account has been limited", "Subject: Your account has been limited " + marker)
                .getBytes(StandardCharsets.UTF_8);
        String refused = send(paypal);
        assertThat(refused).startsWith("550").contains("5.7.1").contains("phishing/");
        System.out.println("p-02-paypal-limited over SMTP: " + refused);

        // a milder one (brand display name on another domain + a lookalike link) lands between
        // quarantine.score (8) and reject.score (15): accepted, then held as PHISHING
        String subject = "Shared document " + marker;
        byte[] msg = ("From: PayPal <notices@sender.example>\r\nTo: Alice <" + ALICE + ">\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + marker + "@sender.example>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/html; charset=UTF-8\r\n\r\n"
                + "<p>Hello Alice,</p><p>the document you asked for is here: "
                + "<a href=\"http://paypa1-docs.example/view/4711\">view the document</a></p><p>Regards</p>\r\n")
                .getBytes(StandardCharsets.UTF_8);
        JsonNode scanned = scan(msg);
        System.out.println("mild phishing /scan: " + scanned);
        List<JsonNode> phishing = findings(scanned).stream()
                .filter(f -> f.path("detector").asText().equals("phishing")).toList();
        assertThat(phishing).as("scan %s", scanned).isNotEmpty()
                .allSatisfy(f -> {
                    assertThat(f.path("rule").asText()).isNotBlank();
                    assertThat(f.path("detail").asText()).isNotBlank();
                });

        assertThat(send(msg)).startsWith("250");
        JsonNode entry = quarantined(marker);
        assertThat(entry.path("verdict").path("categories").toString()).contains("PHISHING");
        assertThat(entry.path("action").asText()).isEqualTo("QUARANTINE");

        Path file = gateway.home().resolve("phishing-" + marker + ".eml");
        Files.write(file, msg);
        String printed = shell("streamail:scan " + file);
        for (JsonNode f : phishing) {
            assertThat(printed).contains(f.path("rule").asText());
        }
    }

    @Test
    @Order(3)
    void legitimateMailThatLooksLikePhishingIsDeliveredByTheWholeGateway() throws Exception {
        // detect-phishing's legitimate look-alikes (newsletters through ESPs and link shorteners, sign-in and
        // password notices, invoices, shares, webinar invitations) judged by every default detector and the default
        // policy together: each detector's own corpus test cannot see a sum of scores that crosses quarantine.score
        // The corpus's organisation and people, as its own tests set them up (detect-phishing Fixtures).
        for (String person : List.of("marie.dupont@contoso.com", "jean.martin@contoso.fr", "paul.bernard@contoso.com",
                "sophie.laurent@contoso.fr", "servicedesk@contoso.com")) {
            HttpResponse<String> added = gateway.adminJson("POST", "/directory", "{\"address\":\"" + person + "\"}");
            assertThat(added.statusCode()).as(added.body()).isIn(200, 201, 409);
        }
        Path corpus = Path.of(System.getProperty("streamail.legit.corpus"));
        List<Path> files;
        try (var list = Files.list(corpus)) {
            files = list.filter(p -> p.toString().endsWith(".eml")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(40);
        List<String> held = new ArrayList<>();
        List<String> heldByOthers = new ArrayList<>();
        int tagged = 0;
        int inbound = 0;
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8).replace("\r\n", "\n");
            if (text.contains("\nX-Test-Auth:") || text.startsWith("X-Test-Auth:")) {
                continue; // written by an authenticated colleague: internal submission, not inbound mail
            }
            inbound++;
            String envelopeFrom = header(text, "X-Test-Envelope-From");
            String sender = envelopeFrom.isEmpty() ? address(header(text, "From")) : envelopeFrom;
            String rcpt = address(header(text, "To"));
            if (!header(text, "X-Test-Seen").isEmpty()) {
                // "the recipient has had mail from this sender before": one earlier message, through the gateway
                try (SmtpClient c = gateway.smtp()) {
                    c.command("EHLO client.example");
                    assertThat(c.send(sender, List.of(rcpt), ("From: <" + sender + ">\r\nTo: <" + rcpt
                            + ">\r\nSubject: earlier mail\r\nMessage-ID: <" + UUID.randomUUID() + "@seen.example>\r\n"
                            + "\r\nSee you at the meeting.\r\n").getBytes(StandardCharsets.US_ASCII))).startsWith("250");
                }
            }
            JsonNode v = scan(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8),
                    "sender=" + java.net.URLEncoder.encode(sender, StandardCharsets.UTF_8) + "&rcpt="
                            + java.net.URLEncoder.encode(rcpt, StandardCharsets.UTF_8));
            String action = v.path("action").asText();
            if (action.equals("TAG")) {
                tagged++;
            }
            if (!action.equals("DELIVER") && !action.equals("TAG")) {
                findings(v).stream().filter(x -> x.path("score").asDouble() > 0
                        && !x.path("detector").asText().equals("phishing")).forEach(x -> heldByOthers.add(
                                f.getFileName() + " " + x.path("detector").asText() + "/" + x.path("rule").asText()));
                held.add(f.getFileName() + " " + action + " " + v.path("score").asText() + " " + findings(v).stream()
                        .filter(x -> x.path("score").asDouble() > 0)
                        .map(x -> x.path("detector").asText() + "/" + x.path("rule").asText() + " "
                                + x.path("score").asText()).toList());
            }
        }
        assertThat(inbound).isGreaterThanOrEqualTo(25);
        System.out.println("legitimate look-alikes through the whole gateway: " + inbound + " inbound scanned, " + tagged
                + " tagged, held: " + held);
        // The phishing detector's own corpus test allows it one false positive (l-43: a sports club on a domain
        // built on the organisation's name, replies to a free-mail address); the other detectors and the sum of
        // scores must add none.
        assertThat(held).as("legitimate mail held or refused").hasSizeLessThanOrEqualTo(1);
        assertThat(heldByOthers).as("findings of other detectors in held legitimate mail").isEmpty();
    }

    // ------------------------------------------------------------------ issue 8

    static byte[] spam(String name, String tracking, boolean reordered, String marker) {
        String p1 = "Congratulations, you have been selected to receive an exclusive reward from the Global Prize "
                + "Center. Claim your luxury cruise voucher and a brand new smartphone today before the offer expires.";
        String p2 = "To receive your reward simply confirm your shipping address and pay the small handling fee "
                + "with any major credit card. Only a few vouchers remain in your region so act quickly now.";
        String p3 = "Visit http://claim-prize-center.example/redeem to complete your claim. If you do not respond "
                + "your reward will be given to another lucky winner in your area this week.";
        String body = "Dear " + name + ",\r\n\r\n" + (reordered ? p2 + "\r\n\r\n" + p1 : p1 + "\r\n\r\n" + p2)
                + "\r\n\r\n" + p3 + "\r\n\r\nTracking " + tracking + "\r\n";
        return ("From: Prize Center <winner@prize-center.example>\r\nTo: " + name + " <" + ALICE + ">\r\n"
                + "Subject: Claim your exclusive reward now\r\nMessage-ID: <" + UUID.randomUUID() + "@prize-center.example>\r\n"
                + "X-Marker: " + marker + "\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    @Order(4)
    void anAdminSpamReportRefusesVariantsAClientIpRuleRefusesTheConnectionAndAHamReportLiftsTheBlock() throws Exception {
        String m = UUID.randomUUID().toString();
        HttpResponse<String> reported = gateway.rest("POST", "/reports/spam", GatewayProcess.ADMIN, ADMIN_PASSWORD,
                "message/rfc822", spam("Alice Smith", "TRK-55120-AB", false, m));
        assertThat(reported.statusCode()).as(reported.body()).isEqualTo(200);
        assertThat(json(reported).path("blocking").asBoolean()).as(reported.body()).isTrue();

        assertThat(send(spam("Robert Jones", "TRK-55120-AB", false, m + "-name"))).startsWith("550").contains("spam/fuzzy-match");
        assertThat(send(spam("Alice Smith", "TRK-99871-QX", false, m + "-tracking"))).startsWith("550").contains("spam/fuzzy-match");
        assertThat(send(spam("Alice Smith", "TRK-55120-AB", true, m + "-reordered"))).startsWith("550").contains("spam/fuzzy-match");

        HttpResponse<String> rule = gateway.adminJson("POST", "/blocklist",
                "{\"type\":\"CLIENT_IP\",\"value\":\"127.0.0.1\",\"reason\":\"itest\"}");
        assertThat(rule.statusCode()).as(rule.body()).isEqualTo(201);
        String ruleId = json(rule).path("id").asText();
        try {
            try (SmtpClient c = gateway.smtp()) {
                String refusal = c.greeting;
                if (!refusal.startsWith("5")) {
                    c.command("EHLO client.example");
                    refusal = c.command("MAIL FROM:<bob@sender.example>");
                }
                System.out.println("CLIENT_IP rule: " + refusal);
                // at the greeting RFC 5321 allows 554 only (550 at MAIL FROM)
                assertThat(refusal).startsWith(c.greeting.equals(refusal) ? "554" : "550").contains("5.7.1");
            }
        } finally {
            HttpResponse<String> removed = gateway.admin("DELETE", "/blocklist/" + ruleId);
            assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
        }

        HttpResponse<String> ham = gateway.rest("POST", "/reports/ham", GatewayProcess.ADMIN, ADMIN_PASSWORD,
                "message/rfc822", spam("Alice Smith", "TRK-55120-AB", false, m));
        assertThat(ham.statusCode()).as(ham.body()).isEqualTo(200);
        assertThat(json(ham).path("blocking").asBoolean()).as(ham.body()).isFalse();
        assertThat(send(spam("Carol White", "TRK-31337-ZZ", false, m + "-after-ham"))).startsWith("250");
    }
}
