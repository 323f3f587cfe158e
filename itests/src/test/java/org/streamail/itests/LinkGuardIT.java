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

    /**
     * The links inside a PDF and a Word attachment are rewritten too (PDFBox and commons-compress resolved in the
     * distribution), and a click on the PDF's link is checked at the click endpoint like any other: a clean target
     * is a redirect to it.
     */
    @Test
    public void theLinksInsidePdfWordAndRtfAttachmentsLeadToTheClickEndpoint() throws Exception {
        configureNextHopAndMailboxes();
        String subject = "Invoice 2026-118 " + UUID.randomUUID().toString().substring(0, 6);
        String pdfTarget = "https://pay.invoice-links.example/view?doc=118";
        String wordTarget = "https://files.invoice-links.example/terms";
        String rtfTarget = "https://sign.invoice-links.example/approve";
        // as Word writes a link: the instruction split over runs, the URL's first letter as a hex escape
        String rtf = "{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0 Calibri;}}\\pard Approve here: {\\field"
                + "{\\*\\fldinst {\\rtlch HYPERLINK \"\\'" + Integer.toHexString(rtfTarget.charAt(0)) + "}{\\rtlch "
                + rtfTarget.substring(1) + "\" }}{\\fldrslt {\\ul approve}}}\\par}";
        String boundary = "b-" + UUID.randomUUID();
        String msg = "From: Billing <billing@invoice-links.example>\r\nTo: alice@example.org\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + UUID.randomUUID() + "@invoice-links.example>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n--" + boundary
                + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease find the invoice attached.\r\n--"
                + boundary + "\r\nContent-Type: application/pdf; name=invoice.pdf\r\nContent-Transfer-Encoding: base64"
                + "\r\nContent-Disposition: attachment; filename=invoice.pdf\r\n\r\n" + mimeBase64(pdfWithLink(pdfTarget))
                + "\r\n--" + boundary + "\r\nContent-Type: application/vnd.openxmlformats-officedocument"
                + ".wordprocessingml.document; name=terms.docx\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=terms.docx\r\n\r\n" + mimeBase64(docxWithLink(wordTarget))
                + "\r\n--" + boundary + "\r\nContent-Type: application/rtf; name=approve.rtf\r\n"
                + "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=approve.rtf\r\n\r\n"
                + mimeBase64(rtf.getBytes(StandardCharsets.US_ASCII)) + "\r\n--" + boundary + "--\r\n";
        assertThat(waitForReply("billing@invoice-links.example", "alice@example.org",
                msg.getBytes(StandardCharsets.US_ASCII))).startsWith("250");
        waitFor("the invoice at the next hop", Duration.ofSeconds(60),
                () -> inbox("alice@example.org").stream().anyMatch(m -> subjectOf(m).equals(subject)));

        jakarta.mail.internet.MimeMessage copy = inbox("alice@example.org").stream()
                .filter(m -> subjectOf(m).equals(subject)).findFirst().orElseThrow().getMimeMessage();
        // read as a multipart directly: the probe has no mailcap for getContent() in OSGi
        jakarta.mail.Multipart parts = new jakarta.mail.internet.MimeMultipart(
                new jakarta.mail.util.ByteArrayDataSource(copy.getRawInputStream(), copy.getContentType()));
        byte[] pdf = parts.getBodyPart(1).getInputStream().readAllBytes();
        byte[] docx = parts.getBodyPart(2).getInputStream().readAllBytes();
        String rtfOut = new String(parts.getBodyPart(3).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        Pattern click = Pattern.compile("http://127\\.0\\.0\\.1:" + httpPort() + "/streamail/click/[A-Za-z0-9_.\\-]+");

        // the PDF: an incremental update, so the link annotation's last revision holds the click URL
        String pdfText = new String(pdf, StandardCharsets.ISO_8859_1);
        assertThat(pdfText).startsWith(new String(pdfWithLink(pdfTarget), StandardCharsets.ISO_8859_1));
        Matcher uri = Pattern.compile("/URI\\s*\\(([^)]*)\\)").matcher(pdfText);
        String lastUri = null;
        while (uri.find()) {
            lastUri = uri.group(1);
        }
        assertThat(lastUri).as(pdfText).matches(click.pattern());

        // the Word file: the hyperlink relationship's target
        String rels = null;
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(docx))) {
            for (java.util.zip.ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("word/_rels/document.xml.rels")) {
                    rels = new String(zip.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        assertThat(rels).isNotNull().doesNotContain(wordTarget);
        assertThat(click.matcher(rels).find()).as(rels).isTrue();

        // the RTF file: the field's instruction now names the click URL, its visible text unchanged
        assertThat(rtfOut).doesNotContain(rtfTarget.substring(1)).contains("{\\fldrslt {\\ul approve}}");
        Matcher rtfLink = Pattern.compile("HYPERLINK \"(" + click.pattern() + ")\"").matcher(rtfOut);
        assertThat(rtfLink.find()).as(rtfOut).isTrue();

        // a click on the PDF's link: checked, clean, sent on to the original target
        HttpURLConnection c = (HttpURLConnection) new URL(lastUri).openConnection();
        c.setInstanceFollowRedirects(false);
        assertThat(c.getResponseCode()).isEqualTo(302);
        assertThat(c.getHeaderField("Location")).isEqualTo(pdfTarget);
        LinkStore links = service(LinkStore.class, Duration.ofSeconds(30));
        assertThat(links.clicks(20, false)).anySatisfy(k -> {
            assertThat(k.url()).isEqualTo(pdfTarget);
            assertThat(k.blocked()).isFalse();
        });
    }

    private static String mimeBase64(byte[] data) {
        return java.util.Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(data);
    }

    /** A one-page PDF whose link annotation opens {@code target}; written by hand, with its cross-reference table. */
    static byte[] pdfWithLink(String target) {
        String[] objects = {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>",
            "<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] /A << /S /URI /URI (" + target
                    + ") >> >>"};
        StringBuilder b = new StringBuilder("%PDF-1.4\n");
        List<Integer> offsets = new ArrayList<>();
        for (int i = 0; i < objects.length; i++) {
            offsets.add(b.length());
            b.append(i + 1).append(" 0 obj\n").append(objects[i]).append("\nendobj\n");
        }
        int xref = b.length();
        b.append("xref\n0 ").append(objects.length + 1).append("\n0000000000 65535 f \n");
        for (int o : offsets) {
            b.append(String.format("%010d 00000 n \n", o));
        }
        b.append("trailer\n<< /Size ").append(objects.length + 1).append(" /Root 1 0 R >>\nstartxref\n").append(xref)
                .append("\n%%EOF\n");
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A minimal Word document with one external hyperlink to {@code target}. */
    static byte[] docxWithLink(String target) throws java.io.IOException {
        String w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
        String r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        Map<String, String> entries = new LinkedHashMap<>();
        entries.put("[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                + "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-"
                + "officedocument.wordprocessingml.document.main+xml\"/></Types>");
        entries.put("_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                + "<Relationship Id=\"rId1\" Type=\"" + r + "/officeDocument\" Target=\"word/document.xml\"/>"
                + "</Relationships>");
        entries.put("word/document.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                + "<w:document xmlns:w=\"" + w + "\" xmlns:r=\"" + r + "\"><w:body><w:p><w:hyperlink r:id=\"rId5\">"
                + "<w:r><w:t>Terms</w:t></w:r></w:hyperlink></w:p></w:body></w:document>");
        entries.put("word/_rels/document.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                + "<Relationship Id=\"rId5\" Type=\"" + r + "/hyperlink\" Target=\"" + target
                + "\" TargetMode=\"External\"/></Relationships>");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
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
