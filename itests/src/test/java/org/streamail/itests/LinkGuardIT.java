package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;

import com.icegreen.greenmail.store.MailFolder;
import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.itests.process.SmtpClient;

/**
 * Issue 6 end to end inside the distribution: a fraudulent message slips through to three users of a
 * GreenMail next hop (SMTP and IMAP in the test), its links rewritten to the click endpoint; the URL turns
 * bad afterwards (an admin block rule); a workstation behind a trusted proxy clicks alice's link and gets
 * the block page; the click is recorded with its address, an alert raised, the host isolated (log
 * enforcer), and the campaign recalled: bob and carol are warned and their copies pulled from INBOX into
 * the recall folder over IMAP (per-mailbox credentials, as GreenMail has no master user).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LinkGuardIT extends StreamailTestSupport {

    static final String PASSWORD = "gm-" + UUID.randomUUID();
    static final List<String> USERS = List.of("alice@example.org", "bob@example.org", "carol@example.org");
    static final String WORKSTATION = "192.0.2.55";

    private GreenMail greenMail;
    private final Map<String, GreenMailUser> users = new LinkedHashMap<>();

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(List.of(baseConfig()));
        // the next hop and mail store, inside the container so the test can look into the mailboxes
        options.add(mavenBundle("com.icegreen", "greenmail", System.getProperty("greenmail.version", "2.1.5")));
        return options.toArray(new Option[0]);
    }

    @Before
    public void startGreenMail() {
        // port 0: the servers bind what is free (a port picked beforehand can be taken by then); the
        // 2 s default startup wait is too short on a loaded two-core machine booting Karaf
        greenMail = new GreenMail(new ServerSetup[] {
                loopback(ServerSetup.PROTOCOL_SMTP), loopback(ServerSetup.PROTOCOL_IMAP)});
        greenMail.start();
        for (String u : USERS) {
            users.put(u, greenMail.setUser(u, u, PASSWORD));
        }
    }

    private static ServerSetup loopback(String protocol) {
        ServerSetup setup = new ServerSetup(0, "127.0.0.1", protocol);
        setup.setServerStartupTimeout(30_000);
        return setup;
    }

    @After
    public void stopGreenMail() {
        if (greenMail != null) {
            greenMail.stop();
        }
    }

    @Test
    public void aBlockedClickIsolatesTheHostAlertsAndPullsTheCampaignBack() throws Exception {
        java.time.Instant started = java.time.Instant.now();
        configureNextHopAndMailboxes();

        // ---- the campaign: one copy per user, same sender and subject, a link that looks harmless today
        String subject = "Slides from the budget meeting " + UUID.randomUUID().toString().substring(0, 6);
        sendCampaign("dan@budget-review.example", subject, "http://slides.budget-review.example/deck", SLIDES);

        // ---- the delivered copy carries the click endpoint, not the original target
        String alicesCopy = copyOf("alice@example.org", subject);
        String unfolded = alicesCopy.replace("=\r\n", "");
        Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:" + httpPort() + "/streamail/click/[A-Za-z0-9_.\\-]+")
                .matcher(unfolded);
        assertThat(m.find()).as("a rewritten link in " + alicesCopy).isTrue();
        String clickUrl = m.group();
        assertThat(unfolded).doesNotContain("href=\"http://slides.budget-review.example");

        // ---- the URL is found bad after delivery
        assertThat(executeCommand("streamail:block-add --reason itest-campaign URL_DOMAIN slides.budget-review.example"))
                .contains("Added rule");

        // ---- the workstation clicks (through the trusted proxy at 127.0.0.1)
        HttpURLConnection c = (HttpURLConnection) new URL(clickUrl).openConnection();
        c.setInstanceFollowRedirects(false);
        c.setRequestProperty("X-Forwarded-For", WORKSTATION);
        int status = c.getResponseCode();
        String page;
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(status).as(page).isEqualTo(403);
        assertThat(c.getHeaderField("Location")).isNull();
        assertThat(page).contains("blocked").contains("slides.budget-review.example");

        // a tampered token is a plain 400, never a redirect
        HttpURLConnection tampered = (HttpURLConnection) new URL(clickUrl.substring(0, clickUrl.length() - 2) + "xx")
                .openConnection();
        tampered.setInstanceFollowRedirects(false);
        assertThat(tampered.getResponseCode()).isEqualTo(400);

        // ---- recorded, alerted, isolated
        LinkStore links = service(LinkStore.class, Duration.ofSeconds(30));
        List<Click> clicks = links.clicks(10, true);
        assertThat(clicks).anySatisfy(k -> {
            assertThat(k.clientIp()).isEqualTo(WORKSTATION);
            assertThat(k.recipient()).isEqualTo("alice@example.org");
            assertThat(k.url()).contains("slides.budget-review.example");
        });
        AlertStore alerts = service(AlertStore.class, Duration.ofSeconds(30));
        assertThat(alerts.query(new AlertQuery(50, null, "click-blocked", WORKSTATION, null))).isNotEmpty();
        IsolationService isolation = service(IsolationService.class, Duration.ofSeconds(30));
        // isolated off the request thread, moments after the page
        waitFor(WORKSTATION + " isolated", Duration.ofSeconds(30),
                () -> isolation.list().stream().anyMatch(i -> i.ip().equals(WORKSTATION)));
        assertThat(executeCommand("streamail:isolation-list")).contains(WORKSTATION);

        // ---- the campaign is pulled back: the other two recipients warned, their copies out of INBOX
        for (String other : List.of("bob@example.org", "carol@example.org")) {
            awaitWarnedAndPulledBack(alerts, other, subject, started);
            // the warning itself reaches the user through the gateway's normal delivery path
            try {
                waitFor(other + " got the warning mail", Duration.ofSeconds(60),
                        () -> inbox(other).stream().anyMatch(s -> subjectOf(s).startsWith("[Streamail")));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; message log:\n" + executeCommand("streamail:messages"), e);
            }
        }
        assertThat(executeCommand("streamail:alerts")).contains("click-blocked").contains("recipient-warned");
        isolation.release(WORKSTATION, "itest");
    }

    /** The next hop and mailboxes are this test's GreenMail; recall moves copies to Quarantine over IMAP. */
    private void configureNextHopAndMailboxes() throws Exception {
        Path credentials = Path.of(System.getProperty("karaf.data"), "itest-imap-credentials");
        StringBuilder lines = new StringBuilder();
        USERS.forEach(u -> lines.append(u).append(" = ").append(PASSWORD).append('\n'));
        Files.writeString(credentials, lines, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));

        updateConfig("org.streamail.delivery", Map.of("relay.host", "127.0.0.1",
                "relay.port", String.valueOf(greenMail.getSmtp().getPort())));
        updateConfig("org.streamail.retention", Map.of("imap.host", "127.0.0.1",
                "imap.port", String.valueOf(greenMail.getImap().getPort()), "imap.security", "none",
                "imap.master.separator", "", "imap.credentials.file", credentials.toString(),
                "recall.action", "move", "recall.folder", "Quarantine"));
        updateConfig("org.streamail.linkguard", Map.of("base.url", "http://127.0.0.1:" + httpPort(),
                "trusted.proxies", "127.0.0.1", "isolate.on.block", "true", "recall.on.block", "true"));
        updateConfig("org.streamail.isolation", Map.of("enforcers", "log"));
        for (String u : USERS) {
            executeCommand("streamail:directory-add " + u);
        }
        waitFor("the mandatory detector and the services", Duration.ofSeconds(60),
                () -> executeCommand("streamail:status").contains("content"));
    }

    static final String SLIDES = "the slides from this morning are here: <a href=\"%s\">slides</a>.</p><p>Regards, Dan";
    static final String SAVINGS = "this weekend only, up to seventy percent off garden furniture, barbecues and "
            + "outdoor lighting in every store: <a href=\"%s\">see the offers</a>.</p><p>The Weekly Savings team";

    /** One copy per user, same sender and subject, an HTML body with one link; waits for all three at the next hop. */
    private void sendCampaign(String from, String subject, String link, String paragraph) throws Exception {
        for (String u : USERS) {
            String reply = waitForReply(from, u, campaignCopy(from, u, subject, link, paragraph));
            assertThat(reply).as("delivery to " + u).startsWith("250");
        }
        waitFor("three copies at the next hop", Duration.ofSeconds(60), () -> USERS.stream()
                .allMatch(u -> inbox(u).stream().anyMatch(m -> subjectOf(m).equals(subject))));
    }

    private static byte[] campaignCopy(String from, String to, String subject, String link, String paragraph) {
        String name = to.substring(0, to.indexOf('@'));
        String html = "<html><body><p>Hello " + name + ",</p><p>" + String.format(paragraph, link + "?u=" + name)
                + "</p></body></html>";
        return ("From: Dan <" + from + ">\r\nTo: " + to + "\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + UUID.randomUUID() + "@" + from.substring(from.indexOf('@') + 1)
                + ">\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n" + html + "\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The copy of one user, as that user would report it (headers the gateway added included). */
    private String copyOf(String user, String subject) throws Exception {
        for (StoredMessage m : inbox(user)) {
            if (subjectOf(m).equals(subject)) {
                return raw(m);
            }
        }
        throw new AssertionError("no copy of '" + subject + "' in " + user + "'s INBOX");
    }

    /** Warned since {@code since} (the other test may have warned the same user) and the copy moved. */
    private void awaitWarnedAndPulledBack(AlertStore alerts, String user, String subject, java.time.Instant since) {
        waitFor(user + " warned", Duration.ofSeconds(60), () -> alerts.query(
                new AlertQuery(100, null, "recipient-warned", null, since)).stream()
                .map(Alert::recipient).anyMatch(user::equals));
        waitFor(user + "'s copy moved to Quarantine", Duration.ofSeconds(60),
                () -> folder(user, "Quarantine").stream().anyMatch(s -> subjectOf(s).equals(subject))
                        && inbox(user).stream().noneMatch(s -> subjectOf(s).equals(subject)));
    }

    @Test
    public void anAdministratorsSpamReportBlocksTheCampaignAndPullsTheDeliveredCopiesBack() throws Exception {
        java.time.Instant started = java.time.Instant.now();
        configureNextHopAndMailboxes();
        String subject = "Your weekly savings digest " + UUID.randomUUID().toString().substring(0, 6);
        sendCampaign("deals@weekly-savings.example", subject, "http://shop.weekly-savings.example/offers", SAVINGS);

        // alice forwards her copy to the administrator, who reports it (as POST /reports/spam would)
        String alicesCopy = copyOf("alice@example.org", subject);
        assertThat(alicesCopy).as("the gateway's own Received line names the copy").contains("(Streamail)");
        ReportService reports = service(ReportService.class, Duration.ofSeconds(30));
        ReportResult result = reports.report(ReportKind.SPAM, alicesCopy.getBytes(StandardCharsets.UTF_8), "admin", true);
        assertThat(result.blocking()).isTrue();

        // every delivered copy of the campaign is pulled back and its recipient warned
        AlertStore alerts = service(AlertStore.class, Duration.ofSeconds(30));
        for (String user : USERS) {
            awaitWarnedAndPulledBack(alerts, user, subject, started);
        }
        // and a new copy is refused at the door
        byte[] again = campaignCopy("deals@weekly-savings.example", "bob@example.org", subject,
                "http://shop.weekly-savings.example/offers", SAVINGS);
        assertThat(waitForReply("deals@weekly-savings.example", "bob@example.org", again)).startsWith("550 5.7.1")
                .contains(result.reference());
    }

    /** Sends until the listener knows the address (the directory is refreshed every few seconds). */
    private String waitForReply(String from, String rcpt, byte[] msg) throws Exception {
        String[] reply = new String[1];
        waitFor("the gateway to accept mail for " + rcpt, Duration.ofSeconds(30), () -> {
            try (SmtpClient client = new SmtpClient(smtpPort())) {
                client.command("EHLO linkguard-it");
                reply[0] = client.send(from, List.of(rcpt), msg);
                return !reply[0].startsWith("550 5.1.1") && !reply[0].startsWith("4");
            } catch (Exception e) {
                return false;
            }
        });
        return reply[0];
    }

    private List<StoredMessage> inbox(String user) {
        return folder(user, "INBOX");
    }

    private List<StoredMessage> folder(String user, String name) {
        MailFolder f = greenMail.getManagers().getImapHostManager().getFolder(users.get(user), name);
        return f == null ? List.of() : f.getMessages();
    }

    private static String subjectOf(StoredMessage s) {
        try {
            String subject = s.getMimeMessage().getSubject();
            return subject == null ? "" : subject;
        } catch (Exception e) {
            return "";
        }
    }

    private static String raw(StoredMessage s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.getMimeMessage().writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
