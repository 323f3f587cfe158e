package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
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
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.itests.process.SmtpClient;

/**
 * The quarantine digest inside the distribution. Two messages spoofing a domain whose DMARC policy is reject (the
 * test's DNS server, {@link AuthTestDns}) are held: one for bob alone, one for bob and carol. {@code
 * streamail:digest-send} mails each of them their digest through the gateway's own intake (delivered to the local
 * folder), and the administrators their summary (counts, no subjects); bob's holds his personal link, whose page
 * lists both subjects. bob releases the first himself (in a category this instance lets users release) and it is
 * delivered; of the second, held for two people, he releases his own copy, which reaches him alone while the message
 * stays held for carol. With users then allowed to release spam only, carol (the message is phishing and spam) can
 * only ask, which raises a {@code release-request} alert for the administrators and releases nothing, until an
 * administrator releases her copy from the shell, which ends the hold.
 * A link with a changed character is refused.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DigestIT extends StreamailTestSupport {

    static final String PROTECTED = AuthIT.PROTECTED;
    static final String BOB = "bob@" + PROTECTED;
    static final String CAROL = "carol@" + PROTECTED;

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(List.of(baseConfig()));
        options.add(editConfigurationFilePut("etc/org.streamail.directory.cfg", "domains", PROTECTED));
        return options.toArray(new Option[0]);
    }

    @Test
    public void eachUserGetsTheirDigestAndReleasesOrAsksThroughTheirLink() throws Exception {
        // a host name, as a real base URL has (a link to an IP address is a phishing sign the digest must not carry)
        String base = "http://localhost:" + httpPort();
        // the digest's links at the link guard's own base URL: the link guard leaves them as they are
        updateConfig("org.streamail.linkguard", java.util.Map.of("base.url", base));
        // users may release what was held as phishing or spam here (the spoofed test mail is both), so that it
        // exercises both paths
        updateConfig("org.streamail.digest", java.util.Map.of("base.url", base, "self.release.categories",
                "PHISHING,SPAM", "admin.address", "postmaster@" + PROTECTED));
        // a configuration update restarts the components: wait for those of the new one (digest service and page,
        // link guard transformer and click servlet)
        for (String pid : List.of("org.streamail.digest", "org.streamail.linkguard")) {
            String filter = "(&(service.pid=" + pid + ")(base.url=" + base + "))";
            waitFor(pid + " with base.url " + base, Duration.ofSeconds(30), () -> {
                try {
                    var refs = bundleContext.getServiceReferences((String) null, filter);
                    return refs != null && refs.length >= 2;
                } catch (org.osgi.framework.InvalidSyntaxException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        executeCommand("streamail:directory-add " + BOB);
        executeCommand("streamail:directory-add " + CAROL);
        String marker = UUID.randomUUID().toString().substring(0, 8);
        String alone = "Invoice for bob " + marker;
        String shared = "Team offsite for bob and carol " + marker;
        assertThat(sendUntilKnown(List.of(BOB), AuthIT.message("ceo@" + AuthIT.SPOOFED, alone, ""))).startsWith("250");
        assertThat(sendUntilKnown(List.of(BOB, CAROL), AuthIT.message("ceo@" + AuthIT.SPOOFED, shared, "")))
                .startsWith("250");
        QuarantineService quarantine = service(QuarantineService.class, Duration.ofSeconds(30));
        QuarantineEntry heldAlone = held(quarantine, alone);
        QuarantineEntry heldShared = held(quarantine, shared);

        String run = executeCommand("streamail:digest-send");
        assertThat(run).contains("Users:       2").contains("Sent:        2").contains("Failed:      0");
        assertThat(executeCommand("streamail:digest-status")).contains("Last window: ended").contains("Running:     no");

        String bobs = deliveredContaining("X-Streamail-Digest: " + BOB);
        assertThat(bobs).contains("Subject: Quarantine: 2 messages held for you")
                .contains("ref " + heldAlone.id()).contains("ref " + heldShared.id())
                .doesNotContain(alone).doesNotContain(shared); // no subject in the mail: it is scanned like any mail
        String carols = deliveredContaining("X-Streamail-Digest: " + CAROL);
        assertThat(carols).contains("Subject: Quarantine: 1 message held for you").contains("ref " + heldShared.id())
                .doesNotContain(heldAlone.id());
        org.streamail.api.store.LogEntry summaryLogged = logged("Quarantine summary: 2 messages held");
        assertThat(summaryLogged.verdict().action()).as(summaryLogged.verdict().toString())
                .isEqualTo(org.streamail.api.model.Action.DELIVER);
        String summary = deliveredContaining("X-Streamail-Digest: summary");
        assertThat(summary).contains("Subject: Quarantine summary: 2 messages held").contains("To: <postmaster@" + PROTECTED)
                .contains("  2 digests sent to users").contains("  2  " + BOB).contains("  1  " + CAROL)
                .doesNotContain(alone).doesNotContain(shared);
        Matcher m = Pattern.compile(Pattern.quote(base) + "/streamail/digest/[A-Za-z0-9_.\\-]+").matcher(bobs);
        assertThat(m.find()).as("bob's link in " + bobs).isTrue();
        String link = m.group();

        // ---- the page lists both subjects; looking at it changes nothing
        Answer page = get(link);
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        assertThat(page.body()).contains(alone).contains(shared);
        assertThat(quarantine.get(heldAlone.id()).orElseThrow().status()).isEqualTo(QuarantineEntry.Status.HELD);

        // ---- held for bob alone, as phishing and spam (releasable here): released and delivered
        Answer released = post(link, heldAlone.id());
        assertThat(released.status()).isEqualTo(303);
        assertThat(released.location()).endsWith("?done=released");
        assertThat(quarantine.get(heldAlone.id()).orElseThrow().status()).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(deliveredContaining("Subject: " + alone)).contains("From: ceo@" + AuthIT.SPOOFED);

        // ---- held for bob and carol: bob releases his own copy; it reaches him alone and stays held for carol
        Answer his = post(link, heldShared.id());
        assertThat(his.status()).isEqualTo(303);
        assertThat(his.location()).endsWith("?done=released");
        QuarantineEntry afterBob = quarantine.get(heldShared.id()).orElseThrow();
        assertThat(afterBob.status()).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(afterBob.releasedTo()).containsExactly(BOB);
        String bobsCopy = deliveredContaining("Subject: " + shared);
        assertThat(bobsCopy).contains("Delivered-To: " + BOB).doesNotContain("Delivered-To: " + CAROL);
        assertThat(get(link).body()).as("bob's page no longer lists it").doesNotContain(shared);
        assertThat(post(link, heldShared.id()).location()).as("nothing left for bob").endsWith("?done=gone");

        // ---- with users allowed to release spam only, carol (phishing and spam) can only ask: an alert, no release
        updateConfig("org.streamail.digest", java.util.Map.of("base.url", base, "self.release.categories", "SPAM",
                "admin.address", "postmaster@" + PROTECTED));
        String spamOnly = "(&(service.pid=org.streamail.digest)(self.release.categories=SPAM))";
        waitFor("the digest with self.release.categories = SPAM", Duration.ofSeconds(30), () -> {
            try {
                var refs = bundleContext.getServiceReferences((String) null, spamOnly);
                return refs != null && refs.length >= 2;
            } catch (org.osgi.framework.InvalidSyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
        Matcher cm = Pattern.compile(Pattern.quote(base) + "/streamail/digest/[A-Za-z0-9_.\\-]+").matcher(carols);
        assertThat(cm.find()).as("carol's link in " + carols).isTrue();
        String carolsLink = cm.group();
        assertThat(get(carolsLink).body()).contains(shared).doesNotContain(alone);
        Answer asked = post(carolsLink, heldShared.id());
        assertThat(asked.status()).isEqualTo(303);
        assertThat(asked.location()).endsWith("?done=requested");
        assertThat(quarantine.get(heldShared.id()).orElseThrow().status()).isEqualTo(QuarantineEntry.Status.HELD);
        AlertStore alerts = service(AlertStore.class, Duration.ofSeconds(30));
        List<Alert> requests = alerts.query(new AlertQuery(10, null, "release-request", heldShared.id(), null));
        assertThat(requests).hasSize(1);
        assertThat(requests.get(0).title()).contains(CAROL);
        assertThat(post(carolsLink, heldShared.id()).location()).endsWith("?done=already_requested");

        // ---- the administrator answers her request: her copy is released, and the message with it
        assertThat(executeCommand("streamail:quarantine-release --recipient " + CAROL + " " + heldShared.id()))
                .contains(CAROL);
        waitFor("the shared message released to everyone", Duration.ofSeconds(30), () -> quarantine
                .get(heldShared.id()).orElseThrow().status() == QuarantineEntry.Status.RELEASED);
        assertThat(deliveredContaining("Subject: " + shared, "Delivered-To: " + CAROL))
                .doesNotContain("Delivered-To: " + BOB);

        // ---- carol's id through bob's link is not his to touch; a changed link is refused
        String tampered = link.substring(0, link.length() - 1) + (link.endsWith("A") ? "B" : "A");
        assertThat(get(tampered).status()).isEqualTo(404);
        assertThat(post(tampered, heldShared.id()).status()).isEqualTo(404);
    }

    /** The message log's entry of the message with {@code subject}, once it has a verdict. */
    private org.streamail.api.store.LogEntry logged(String subject) {
        var log = service(org.streamail.api.store.MessageLog.class, Duration.ofSeconds(30));
        org.streamail.api.store.LogEntry[] found = new org.streamail.api.store.LogEntry[1];
        waitFor("the verdict of '" + subject + "'", Duration.ofSeconds(30), () -> {
            for (var e : log.query(new org.streamail.api.store.LogQuery(50, 0, null, null, null, null, null))) {
                if (subject.equals(e.subject()) && e.verdict() != null) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private QuarantineEntry held(QuarantineService quarantine, String subject) {
        QuarantineEntry[] found = new QuarantineEntry[1];
        waitFor("'" + subject + "' held", Duration.ofSeconds(30), () -> {
            for (QuarantineEntry e : quarantine.list(QuarantineQuery.held(100))) {
                if (subject.equals(e.subject())) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    record Answer(int status, String location, String body) {
    }

    private static Answer get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setInstanceFollowRedirects(false);
        return answer(c);
    }

    private static Answer post(String url, String id) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setInstanceFollowRedirects(false);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
        try (OutputStream out = c.getOutputStream()) {
            out.write(("id=" + URLEncoder.encode(id, StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII));
        }
        return answer(c);
    }

    private static Answer answer(HttpURLConnection c) throws IOException {
        int status = c.getResponseCode();
        String body;
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Answer(status, String.valueOf(c.getHeaderField("Location")), body);
    }

    private String sendUntilKnown(List<String> recipients, byte[] message) {
        String[] reply = new String[1];
        waitFor("the gateway to accept mail for " + recipients, Duration.ofSeconds(60), () -> {
            try (SmtpClient c = new SmtpClient(smtpPort())) {
                c.command("EHLO digest-it.example");
                reply[0] = c.send("ceo@" + AuthIT.SPOOFED, recipients, message);
                return !reply[0].startsWith("550 5.1.1") && !reply[0].startsWith("4");
            } catch (IOException e) {
                return false;
            }
        });
        return reply[0];
    }
}
