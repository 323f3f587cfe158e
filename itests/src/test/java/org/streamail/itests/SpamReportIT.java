package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
import org.streamail.itests.process.SmtpClient;

/**
 * Issue 8's scenario inside the distribution under Pax Exam: a message reported as spam through the public
 * report API ({@code POST /reports/spam}, as an administrator, so one report blocks) makes three variants of it
 * (another name, another tracking id, the paragraphs reordered) refused with {@code 550} at DATA; a
 * {@code CLIENT_IP} rule added in the shell refuses the connection at the greeting; a ham report lifts the
 * fingerprint and the next variant is accepted. Delivery goes to the local folder (the distribution's default).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SpamReportIT extends StreamailTestSupport {

    static final String BOB = "bob@example.org";

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(List.of(baseConfig()));
        // the test's SMTP client connects from 127.0.0.1: a CLIENT_IP rule for it needs this switch
        options.add(editConfigurationFilePut("etc/org.streamail.spam.cfg", "block.allow.loopback", "true"));
        return options.toArray(new Option[0]);
    }

    @Test
    public void aReportRefusesVariantsAtDataAClientIpRuleAtTheGreetingAndAHamReportLiftsTheBlock() throws Exception {
        executeCommand("streamail:directory-add " + BOB);
        String marker = UUID.randomUUID().toString();
        // mail is accepted for bob (the directory is read every few seconds) before anything is reported
        assertThat(sendUntilKnown(prize("Alice Smith", "TRK-55120-AB", false, marker + "-before"))).startsWith("250");

        String[] reported = post("/reports/spam", prize("Alice Smith", "TRK-55120-AB", false, marker));
        assertThat(reported[0]).as(reported[1]).isEqualTo("200");
        assertThat(reported[1]).contains("\"blocking\":true");
        String reference = field(reported[1], "reference");

        for (byte[] variant : List.of(prize("Robert Jones", "TRK-55120-AB", false, marker + "-name"),
                prize("Alice Smith", "TRK-99871-QX", false, marker + "-tracking"),
                prize("Alice Smith", "TRK-55120-AB", true, marker + "-reordered"))) {
            String reply = send(variant);
            assertThat(reply).as("a variant at DATA").startsWith("550 5.7.1").contains("spam/fuzzy-match")
                    .contains(reference).doesNotContain("similarity");
        }

        // a remembered rejection on the client's address: refused before any command
        String added = executeCommand("streamail:block-add --reason itest CLIENT_IP 127.0.0.1");
        assertThat(added).contains("Added rule");
        Matcher id = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").matcher(added);
        assertThat(id.find()).as(added).isTrue();
        try {
            waitFor("the CLIENT_IP rule at the greeting", Duration.ofSeconds(30), () -> {
                try (SmtpClient c = new SmtpClient(smtpPort())) {
                    return c.greeting.startsWith("554 5.7.1") && c.greeting.contains("client_ip");
                } catch (IOException e) {
                    return false;
                }
            });
        } finally {
            assertThat(executeCommand("streamail:block-remove " + id.group())).contains("Removed rule");
        }

        // the administrator's ham report lifts the fingerprint: the next variant is delivered
        String[] ham = post("/reports/ham", prize("Alice Smith", "TRK-55120-AB", false, marker));
        assertThat(ham[0]).as(ham[1]).isEqualTo("200");
        assertThat(ham[1]).contains("\"blocking\":false").contains(reference);
        String[] after = new String[1];
        waitFor("a variant accepted after the ham report", Duration.ofSeconds(30), () -> {
            try {
                after[0] = send(prize("Carol White", "TRK-31337-ZZ", false, marker + "-after-ham"));
                return after[0].startsWith("250");
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(after[0]).startsWith("250");
    }

    /** One copy of a prize-draw campaign; its variants differ in the name, the tracking id and the order. */
    static byte[] prize(String name, String tracking, boolean reordered, String marker) {
        String p1 = "You have been chosen for a reward from the International Sweepstakes Office. Your package "
                + "holds a travel voucher for two and a new tablet computer, reserved in your name until Friday.";
        String p2 = "To release the package please confirm your postal address and settle the small courier fee "
                + "with a credit card. Unclaimed packages go back to the pool and are drawn again next week.";
        String p3 = "Complete your claim at http://sweepstakes-office.example/release and keep your reference "
                + "number at hand when our agent calls you.";
        String body = "Dear " + name + ",\r\n\r\n" + (reordered ? p2 + "\r\n\r\n" + p1 : p1 + "\r\n\r\n" + p2)
                + "\r\n\r\n" + p3 + "\r\n\r\nReference " + tracking + "\r\n";
        return ("From: Sweepstakes Office <office@sweepstakes-office.example>\r\nTo: " + name + " <" + BOB + ">\r\n"
                + "Subject: Your reserved reward package\r\nMessage-ID: <" + UUID.randomUUID()
                + "@sweepstakes-office.example>\r\nX-Marker: " + marker + "\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" + body)
                .getBytes(StandardCharsets.UTF_8);
    }

    private String send(byte[] message) throws IOException {
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO spam-report-it.example");
            return c.send("office@sweepstakes-office.example", List.of(BOB), message);
        }
    }

    /** Sends until the listener knows bob (not 550 5.1.1, not a temporary refusal while detectors start). */
    private String sendUntilKnown(byte[] message) {
        String[] reply = new String[1];
        waitFor("the gateway to accept mail for " + BOB, Duration.ofSeconds(60), () -> {
            try {
                reply[0] = send(message);
                return !reply[0].startsWith("550 5.1.1") && !reply[0].startsWith("4");
            } catch (IOException e) {
                return false;
            }
        });
        return reply[0];
    }

    /** {@code POST} of a raw message to the REST API as the administrator: status and body. */
    private static String[] post(String path, byte[] message) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + httpPort() + "/streamail/api/v1" + path)
                .openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "message/rfc822");
        c.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        try (OutputStream out = c.getOutputStream()) {
            out.write(message);
        }
        int status = c.getResponseCode();
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return new String[] {String.valueOf(status), in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8)};
        }
    }

    /** A string field of a flat JSON object. */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }
}
