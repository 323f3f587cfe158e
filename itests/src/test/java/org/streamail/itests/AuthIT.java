package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.streamail.api.model.Action;
import org.streamail.api.model.Finding;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;
import org.streamail.itests.process.SmtpClient;

/**
 * Sender authentication inside the distribution, against the test's own DNS server ({@link AuthTestDns}): a
 * message claiming a domain whose SPF allows only another address and whose DMARC policy is reject is held in
 * quarantine with the {@code auth} findings; a message from a domain that allows the client passes SPF and
 * DMARC and is delivered with this gateway's Authentication-Results header, the one the sender forged with our
 * authserv-id removed. The names the records are published for are fixed by {@link AuthTestDns} (the test JVM
 * starts the server before the container; only its port is configured here).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class AuthIT extends StreamailTestSupport {

    static final String BOB = "bob@example.org";
    static final String AUTHSERV = "itest-gw.example";
    static final String SPOOFED = "bank-auth-it.com";
    static final String ALLOWED = "shop-auth-it.com";

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(List.of(baseConfig()));
        options.add(editConfigurationFilePut("etc/org.streamail.detect.auth.cfg", "authserv.id", AUTHSERV));
        return options.toArray(new Option[0]);
    }

    @Test
    public void aSpoofedSenderIsHeldAndAnAllowedOneDeliveredWithOurResultsHeaderOnly() throws Exception {
        executeCommand("streamail:directory-add " + BOB);
        String marker = UUID.randomUUID().toString();

        // 1. the domain allows only 192.0.2.1 and asks for rejection: SPF fail, DMARC fail -> quarantine
        String spoofedSubject = "Lunch on Friday " + marker;
        assertThat(sendUntilKnown("ceo@" + SPOOFED, message("ceo@" + SPOOFED, spoofedSubject, "")))
                .startsWith("250");
        LogEntry spoofed = logged("ceo@" + SPOOFED, spoofedSubject);
        assertThat(spoofed.verdict().action()).as(spoofed.verdict().toString()).isEqualTo(Action.QUARANTINE);
        List<String> rules = spoofed.verdict().findings().stream().map(Finding::qualifiedRule)
                .collect(Collectors.toList());
        assertThat(rules).contains("auth/results", "auth/dmarc-fail", "auth/spf-fail");
        Finding results = finding(spoofed, "auth/results");
        assertThat(results.detail()).contains("spf=fail smtp.mailfrom=" + SPOOFED)
                .contains("dmarc=fail (p=reject) header.from=" + SPOOFED);
        assertThat(finding(spoofed, "auth/dmarc-fail").score()).isEqualTo(10.0);

        // 2. the domain allows the client (127.0.0.1): SPF pass, aligned, DMARC pass -> delivered, our header on top,
        //    the sender's forgery of our verdict gone
        String allowedSubject = "Your order has shipped " + marker;
        String forged = "Authentication-Results: " + AUTHSERV + "; dmarc=pass header.from=" + SPOOFED + "\r\n";
        assertThat(send("news@" + ALLOWED, message("news@" + ALLOWED, allowedSubject, forged))).startsWith("250");
        LogEntry allowed = logged("news@" + ALLOWED, allowedSubject);
        assertThat(allowed.verdict().action()).as(allowed.verdict().toString()).isEqualTo(Action.DELIVER);
        assertThat(finding(allowed, "auth/results").detail()).contains("spf=pass smtp.mailfrom=" + ALLOWED)
                .contains("dmarc=pass (p=reject) header.from=" + ALLOWED);

        String delivered = deliveredContaining(allowedSubject);
        String header = delivered.substring(0, delivered.indexOf("\r\n\r\n"));
        Matcher ours = Pattern.compile("(?im)^Authentication-Results:\\s*" + Pattern.quote(AUTHSERV) + ";")
                .matcher(header);
        assertThat(ours.find()).as(header).isTrue();
        assertThat(ours.find()).as("a second field claiming our authserv-id: " + header).isFalse();
        assertThat(header).contains("spf=pass smtp.mailfrom=" + ALLOWED)
                .contains("dmarc=pass (p=reject) header.from=" + ALLOWED)
                .doesNotContain("header.from=" + SPOOFED);
    }

    static byte[] message(String from, String subject, String extraHeader) {
        return (extraHeader + "From: " + from + "\r\nTo: Bob <" + BOB + ">\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + UUID.randomUUID() + "@" + from.substring(from.indexOf('@') + 1)
                + ">\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\nHello Bob,\r\n\r\nsee you at the meeting.\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private String send(String sender, byte[] message) throws IOException {
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO auth-it.example");
            return c.send(sender, List.of(BOB), message);
        }
    }

    /** Sends until the listener knows bob (not 550 5.1.1, not a temporary refusal while detectors start). */
    private String sendUntilKnown(String sender, byte[] message) {
        String[] reply = new String[1];
        waitFor("the gateway to accept mail for " + BOB, Duration.ofSeconds(60), () -> {
            try {
                reply[0] = send(sender, message);
                return !reply[0].startsWith("550 5.1.1") && !reply[0].startsWith("4");
            } catch (IOException e) {
                return false;
            }
        });
        return reply[0];
    }

    /** The message log's entry of the message with {@code subject} from {@code sender}, once it has a verdict. */
    private LogEntry logged(String sender, String subject) {
        MessageLog log = service(MessageLog.class, Duration.ofSeconds(30));
        LogEntry[] found = new LogEntry[1];
        waitFor("the verdict of '" + subject + "'", Duration.ofSeconds(30), () -> {
            for (LogEntry e : log.query(new LogQuery(50, 0, null, sender, null, null, null))) {
                if (subject.equals(e.subject()) && e.verdict() != null) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private static Finding finding(LogEntry entry, String qualifiedRule) {
        return entry.verdict().findings().stream().filter(f -> f.qualifiedRule().equals(qualifiedRule)).findFirst()
                .orElseThrow(() -> new AssertionError(qualifiedRule + " not in " + entry.verdict()));
    }

    /** The delivered file (local folder, the distribution's default next hop) holding {@code text}. */
    private static String deliveredContaining(String text) {
        Path delivered = Path.of(System.getProperty("karaf.data"), "streamail", "delivered");
        String[] content = new String[1];
        waitFor("a delivered message with '" + text + "' in " + delivered, Duration.ofSeconds(30), () -> {
            try (var files = Files.list(delivered)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    String s = Files.readString(f, StandardCharsets.ISO_8859_1);
                    if (s.contains(text)) {
                        content[0] = s;
                        return true;
                    }
                }
                return false;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        });
        return content[0];
    }
}
