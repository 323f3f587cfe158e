package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.streamail.api.delivery.OutboundSigner;
import org.streamail.api.store.LogEntry;
import org.streamail.itests.process.SmtpClient;

/**
 * DKIM signing of outbound mail in the real distribution. The test JVM makes an RSA and an Ed25519 key pair, writes
 * the private keys into PKCS#8 files of mode 600 and publishes the public keys in the test DNS ({@link AuthTestDns});
 * the gateway is configured to sign for {@value #DOMAIN} with both ({@code org.streamail.dkim.sign}, RFC 8463) and to
 * let no outbound message leave unsigned ({@code outbound.sign.required}). A message from the inside, with an internal
 * Message-ID and the internal server's Received lines, goes through the outbound listener into the outbound folder: it
 * carries two DKIM-Signatures, the RSA one on top, over the hidden form (no internal name left). Those bytes are then
 * sent back inbound to the same gateway, whose sender authentication verifies both signatures against the test DNS
 * ({@code dkim=pass} twice in its results); a copy changed on the way fails both. {@code streamail:dkim-status} shows
 * the keys and that DNS publishes them, and only to an administrator. Over HTTP, {@code GET /dkim} shows a viewer the same (public data only), and
 * {@code POST /dkim/keys} makes a key file of mode 600 for an administrator (201, the record and the {@code keys}
 * line), refuses a viewer (403) and never replaces a file (409).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DkimSignIT extends StreamailTestSupport {

    static final String DOMAIN = "dkimsign-it.example";
    static final String SELECTOR = "it2026";
    static final String ED_SELECTOR = "ed2026";
    static final String ALICE = "alice@" + DOMAIN;
    static final String PARTNER = "partner@far-it.example";
    static final String AUTHSERV = "dkim-it-gw.example";

    /** The key file of the test JVM's key, made once: Pax Exam may ask for the configuration more than once. */
    private static String keys;
    /** The ARC sealing key's {@code arc.seal.key} value, made once as {@link #keys}. */
    private static String sealKey;
    static final String ARC_SELECTOR = "arc2026";
    static final String BOB = "bob@" + DOMAIN;

    /**
     * Test JVM: an RSA and an Ed25519 key pair, their private keys as PKCS#8 files of mode 600, their public keys
     * published in the test DNS; once, so that the records published are the keys of the files configured. Answers
     * the {@code keys} value that configures both.
     */
    private static synchronized String keys() throws Exception {
        if (keys == null) {
            Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target").toAbsolutePath()
                    .resolve("dkim-it")), "keys");
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            KeyPair pair = rsa.generateKeyPair();
            Path rsaKey = privateKeyFile(dir.resolve(DOMAIN + "." + SELECTOR + ".pem"), pair);
            AuthTestDns.publish(SELECTOR + "._domainkey." + DOMAIN, "v=DKIM1; k=rsa; p="
                    + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
            KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Path edKey = privateKeyFile(dir.resolve(DOMAIN + "." + ED_SELECTOR + ".pem"), ed);
            byte[] spki = ed.getPublic().getEncoded(); // the record holds the raw 32-byte key (RFC 8463 4.2)
            AuthTestDns.publish(ED_SELECTOR + "._domainkey." + DOMAIN, "v=DKIM1; k=ed25519; p="
                    + Base64.getEncoder().encodeToString(Arrays.copyOfRange(spki, spki.length - 32, spki.length)));
            keys = DOMAIN + ":" + SELECTOR + ":" + rsaKey + ", " + DOMAIN + ":" + ED_SELECTOR + ":" + edKey;
            KeyPair arc = rsa.generateKeyPair();
            Path arcKey = privateKeyFile(dir.resolve(DOMAIN + "." + ARC_SELECTOR + ".pem"), arc);
            AuthTestDns.publish(ARC_SELECTOR + "._domainkey." + DOMAIN, "v=DKIM1; k=rsa; p="
                    + Base64.getEncoder().encodeToString(arc.getPublic().getEncoded()));
            sealKey = DOMAIN + ":" + ARC_SELECTOR + ":" + arcKey;
        }
        return keys;
    }

    private static Path privateKeyFile(Path file, KeyPair pair) throws IOException {
        Files.writeString(file, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Configuration
    public Option[] config() throws Exception {
        List<Option> options = new ArrayList<>(List.of(baseConfig()));
        options.add(editConfigurationFilePut("etc/org.streamail.dkim.sign.cfg", "enabled", "true"));
        options.add(editConfigurationFilePut("etc/org.streamail.dkim.sign.cfg", "keys", keys()));
        options.add(editConfigurationFilePut("etc/org.streamail.delivery.cfg", "outbound.sign.required", "true"));
        options.add(editConfigurationFilePut("etc/org.streamail.directory.cfg", "domains", DOMAIN));
        options.add(editConfigurationFilePut("etc/org.streamail.detect.auth.cfg", "authserv.id", AUTHSERV));
        options.add(editConfigurationFilePut("etc/org.streamail.detect.auth.cfg", "arc.seal.key", sealKey));
        return options.toArray(new Option[0]);
    }

    @Test
    public void outboundMailLeavesSignedInItsHiddenFormAndTheSignatureVerifiesWhenItComesBackIn() throws Exception {
        executeCommand("streamail:directory-add " + ALICE); // the recipient of the copy sent back inbound
        service(OutboundSigner.class, Duration.ofSeconds(60)); // registered: signing is on
        int outboundPort = Integer.parseInt(String.valueOf(configValue("org.streamail.smtp.outbound", "port")));

        String subject = "Quarterly figures " + UUID.randomUUID();
        byte[] message = ("Received: from ws12.corp.internal ([10.9.8.7])\r\n"
                + "\tby exch01.corp.internal with ESMTP id 42; Mon, 7 Dec 2026 09:00:00 +0000\r\n"
                + "X-Originating-IP: [10.9.8.7]\r\n"
                + "From: Alice <" + ALICE + ">\r\n"
                + "To: Partner <" + PARTNER + ">\r\n"
                + "Subject: " + subject + "\r\n"
                + "Date: Mon, 7 Dec 2026 09:00:00 +0000\r\n"
                + "Message-ID: <20261207.77.alice@exch01.corp.internal>\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n"
                + "Hello,\r\n\r\nthe figures, as promised.\r\n\r\nAlice\r\n").getBytes(StandardCharsets.UTF_8);
        String[] reply = new String[1];
        waitFor("the outbound listener to take the message", Duration.ofSeconds(60), () -> {
            try (SmtpClient c = new SmtpClient(outboundPort)) {
                c.command("EHLO exch01.corp.internal");
                reply[0] = c.send(ALICE, List.of(PARTNER), message);
                return !reply[0].startsWith("4");
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(reply[0]).startsWith("250");

        // the outbound folder: the envelope lines a delivery agent writes, then our signatures (RSA on top, then
        // Ed25519), then the hidden form
        String written = fileContaining("outbound", subject);
        String header = written.substring(0, written.indexOf("\r\n\r\n") + 2);
        assertThat(header.replace("\r\n\t", " ")).startsWith("Return-Path: <" + ALICE + ">\r\nDelivered-To: "
                + PARTNER + "\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + DOMAIN + "; s="
                + SELECTOR + "; t=");
        assertThat(Pattern.compile("(?m)^DKIM-Signature:").matcher(header).results().count()).isEqualTo(2);
        assertThat(header.replace("\r\n\t", " ")).contains("\r\nDKIM-Signature: v=1; a=ed25519-sha256; "
                + "c=relaxed/relaxed; d=" + DOMAIN + "; s=" + ED_SELECTOR + "; t=");
        assertThat(written).doesNotContain("corp.internal", "10.9.8.7", "X-Originating-IP");
        Matcher id = Pattern.compile("\r\nMessage-ID: <sm1\\.[A-Za-z0-9_-]+@" + Pattern.quote(DOMAIN) + ">\r\n")
                .matcher(header);
        assertThat(id.find()).as(header).isTrue();
        String signature = header.substring(header.indexOf("DKIM-Signature:"), header.indexOf("Received: by "));
        assertThat(signature.replaceAll("\\s+", "")).contains("h=from:from:to:to:cc:subject:subject:date:date:"
                + "message-id:reply-to:mime-version:content-type;");

        // what the smarthost would have received (the envelope lines are the folder's), sent back in from outside
        String leaving = written.substring(written.indexOf("DKIM-Signature:"));
        // (From a protected domain, from outside: the phishing detector may tag or hold it; the results are logged)
        assertThat(sendInbound(leaving)).matches("(?s)(250|550) .*");
        String results = finding(logged(subject), "auth/results").detail();
        assertThat(results).contains("dkim=pass header.d=" + DOMAIN + " header.s=" + SELECTOR,
                "dkim=pass header.d=" + DOMAIN + " header.s=" + ED_SELECTOR);

        String changed = subject.replace("Quarterly", "Annual");
        assertThat(sendInbound(leaving.replace(subject, changed))).matches("(?s)(250|550) .*");
        assertThat(finding(logged(changed), "auth/results").detail())
                .contains("dkim=fail (signature did not verify) header.d=" + DOMAIN + " header.s=" + SELECTOR,
                        "dkim=fail (signature did not verify) header.d=" + DOMAIN + " header.s=" + ED_SELECTOR)
                .doesNotContain("dkim=pass");

        // the administrator's view of the key: the record to publish, and that DNS publishes it
        String status = executeCommand("streamail:dkim-status");
        assertThat(status).contains("Signing: on", DOMAIN + ", selector " + SELECTOR, "Key:     rsa-sha256, 2048 bits",
                "(readable, mode 600 or 400: OK)", "Publish: " + SELECTOR + "._domainkey." + DOMAIN
                        + " IN TXT \"v=DKIM1; k=rsa; p=MII", "DNS:     published, the same key",
                DOMAIN + ", selector " + ED_SELECTOR, "Publish: " + ED_SELECTOR + "._domainkey." + DOMAIN
                        + " IN TXT \"v=DKIM1; k=ed25519; p=");
        assertThat(status.split("DNS:     published, the same key", -1)).hasSize(3);
        assertThatThrownBy(() -> executeCommand("streamail:dkim-status", "viewer", VIEWER_ROLES))
                .satisfies(StreamailTestSupport::assertDeniedByAcl);
    }

    @Test
    public void theKeysAreOnTheRestApiForEveryUserAndNewKeysAreMadeThereByAdministratorsOnly() throws Exception {
        // GET /dkim as a viewer: public data only, the DNS state looked up through the test DNS
        String[] status = new String[2];
        waitFor("GET /dkim to answer", Duration.ofSeconds(60), () -> {
            try {
                String[] r = rest("GET", "/dkim", "viewer", VIEWER_PASSWORD, null);
                status[0] = r[0];
                status[1] = r[1];
                return r[0].equals("200");
            } catch (IOException e) {
                return false;
            }
        });
        String body = status[1];
        assertThat(body).contains("\"enabled\":true", "\"domain\":\"" + DOMAIN + "\"",
                "\"selector\":\"" + SELECTOR + "\"", "\"algorithm\":\"RSA\"", "\"signatureAlgorithm\":\"rsa-sha256\"",
                "\"bits\":2048", "\"usable\":true", "\"problem\":\"\"", "\"dns\":\"MATCHES\"",
                "\"zoneLine\":\"" + SELECTOR + "._domainkey." + DOMAIN + " IN TXT \\\"v=DKIM1; k=rsa; p=MII");
        assertThat(field(body, "file")).endsWith("/" + DOMAIN + "." + SELECTOR + ".pem");
        assertThat(body).doesNotContain("PRIVATE", "BEGIN");

        // POST /dkim/keys: refused to a viewer, nothing written
        String request = "{\"domain\":\"" + DOMAIN + "\",\"selector\":\"it2027\",\"algorithm\":\"ED25519\"}";
        Path made = Path.of(System.getProperty("karaf.etc"), "dkim", DOMAIN + ".it2027.pem").toAbsolutePath()
                .normalize();
        String[] refused = rest("POST", "/dkim/keys", "viewer", VIEWER_PASSWORD, request);
        assertThat(refused[0]).isEqualTo("403");
        assertThat(refused[1]).contains("admin role required");
        assertThat(made).doesNotExist();

        // made by an administrator: the file of mode 600, the record to publish, the keys line in which it takes the
        // place of the domain's Ed25519 key (ed2026) beside its RSA key (it2026)
        String[] created = rest("POST", "/dkim/keys", "admin", ADMIN_PASSWORD, request);
        assertThat(created[0]).as(created[1]).isEqualTo("201");
        assertThat(field(created[1], "file")).isEqualTo(made.toString());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made))).isEqualTo("rw-------");
        assertThat(created[1]).contains("\"algorithm\":\"ED25519\"", "\"bits\":256",
                "\"name\":\"it2027._domainkey." + DOMAIN + "\"", "\"text\":\"v=DKIM1; k=ed25519; p=");
        assertThat(field(created[1], "keysEntry")).isEqualTo(DOMAIN + ":it2027:" + made);
        assertThat(field(created[1], "keys")).matches(Pattern.quote(DOMAIN + ":" + SELECTOR + ":") + "/.*"
                + Pattern.quote("/" + DOMAIN + "." + SELECTOR + ".pem, " + DOMAIN + ":it2027:" + made));
        assertThat(field(created[1], "replaces")).isEqualTo(ED_SELECTOR);

        // never over an existing file
        String[] again = rest("POST", "/dkim/keys", "admin", ADMIN_PASSWORD, request);
        assertThat(again[0]).isEqualTo("409");
        assertThat(again[1]).contains("exists already");
    }

    /** A request to the REST API with HTTP Basic: status and body. */
    private static String[] rest(String method, String path, String user, String password, String json)
            throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + httpPort() + "/streamail/api/v1" + path)
                .openConnection();
        c.setRequestMethod(method);
        c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        if (json != null) {
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(json.getBytes(StandardCharsets.UTF_8));
            }
        }
        int code = c.getResponseCode();
        try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new String[] {String.valueOf(code), in == null ? "" : new String(in.readAllBytes(),
                    StandardCharsets.UTF_8)};
        }
    }

    /** A string field of a JSON answer (the first with that name). */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }

    /** Sends {@code text} to the inbound listener from outside, to Alice; the final reply. */
    /**
     * ARC sealing of delivered inbound mail ({@code arc.seal.key}): a message from outside reaches the local folder
     * with our set on top (i=1, cv=none, the results of receipt); those delivered bytes sent in again are validated by
     * the gateway's own ARC verifier against the test DNS (arc=pass, sealed by us) and delivered with a second set
     * (i=2, cv=pass); a copy whose body changed after the seal fails the chain.
     */
    @Test
    public void deliveredInboundMailCarriesOurArcSetWhichValidatesWhenItComesBackIn() throws Exception {
        executeCommand("streamail:directory-add " + BOB);
        String subject = "Delivery note " + UUID.randomUUID();
        byte[] message = ("From: Partner <" + PARTNER + ">\r\nTo: Bob <" + BOB + ">\r\nSubject: " + subject
                + "\r\nDate: Tue, 8 Dec 2026 09:00:00 +0000\r\nMessage-ID: <dn-" + UUID.randomUUID()
                + "@far-it.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
                + "Hello Bob,\r\n\r\nthe goods left today.\r\n").getBytes(StandardCharsets.UTF_8);
        String[] reply = new String[1];
        waitFor("the gateway to accept mail for " + BOB, Duration.ofSeconds(60), () -> {
            try (SmtpClient c = new SmtpClient(smtpPort())) {
                c.command("EHLO mx.far-it.example");
                reply[0] = c.send(PARTNER, List.of(BOB), message);
                return !reply[0].startsWith("4") && !reply[0].startsWith("550 5.1.1");
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(reply[0]).startsWith("250");
        String delivered = deliveredContaining(subject, "ARC-Seal:");
        String header = delivered.substring(0, delivered.indexOf("\r\n\r\n") + 2).replace("\r\n\t", " ");
        assertThat(header).contains("\r\nARC-Seal: i=1; a=rsa-sha256; cv=none; d=" + DOMAIN + "; s=" + ARC_SELECTOR
                + "; t=", "\r\nARC-Authentication-Results: i=1; " + AUTHSERV + "; spf=");

        // the delivered bytes (without the local delivery's envelope lines) sent in again, by another sender
        String again = delivered.substring(delivered.indexOf("Received: "));
        String relay = "relay@far-it.example";
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO relay.far-it.example");
            assertThat(c.send(relay, List.of(BOB), again.getBytes(StandardCharsets.ISO_8859_1))).startsWith("250");
        }
        assertThat(finding(loggedWithVerdict(relay, subject), "auth/results").detail())
                .contains("arc=pass (1 set, sealed by " + DOMAIN + ")");
        String twice = fileContaining("delivered", subject, "ARC-Seal: i=2;");
        assertThat(twice.replace("\r\n\t", " ")).contains("ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=" + DOMAIN);

        // changed after our seal: the chain fails
        String changedSubject = subject + " (changed)";
        String changed = again.replace("the goods left today", "the goods left yesterday").replace(subject, changedSubject);
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO relay.far-it.example");
            assertThat(c.send(relay, List.of(BOB), changed.getBytes(StandardCharsets.ISO_8859_1))).startsWith("250");
        }
        assertThat(finding(loggedWithVerdict(relay, changedSubject), "auth/results").detail())
                .contains("arc=fail (ARC-Message-Signature i=1 did not verify");
    }

    private String sendInbound(String text) throws IOException {
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO mx.far-it.example");
            return c.send(PARTNER, List.of(ALICE), text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** The message log's inbound entry with {@code subject} (sent back from the partner), once it has a verdict. */
    private LogEntry logged(String subject) {
        return loggedWithVerdict(PARTNER, subject);
    }
}
