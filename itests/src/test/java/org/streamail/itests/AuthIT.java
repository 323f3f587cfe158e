package org.streamail.itests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ops4j.pax.exam.karaf.options.KarafDistributionOption.editConfigurationFilePut;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

    /** The protected domain of this instance: nothing like the senders' names, so no look-alike finding adds up. */
    static final String PROTECTED = "streamail-itest.net";
    static final String BOB = "bob@" + PROTECTED;
    static final String AUTHSERV = "itest-gw.example";
    static final String SPOOFED = "bank-auth-it.com";
    static final String ALLOWED = "shop-auth-it.com";
    static final String SIGNED = "football.example.com";
    static final String SUZIE = "suzie@" + PROTECTED;

    @Configuration
    public Option[] config() {
        List<Option> options = new ArrayList<>(List.of(baseConfig()));
        options.add(editConfigurationFilePut("etc/org.streamail.detect.auth.cfg", "authserv.id", AUTHSERV));
        // example.org would make football.example.com (RFC 8463's signer) a look-alike of a protected domain
        options.add(editConfigurationFilePut("etc/org.streamail.directory.cfg", "domains", PROTECTED));
        // both are welcome; only mail authenticated for the From domain is treated so (the spoofed one never is)
        options.add(editConfigurationFilePut("etc/org.streamail.detect.auth.cfg", "welcome.senders",
                ALLOWED + ", " + SPOOFED));
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
        LogEntry spoofed = loggedWithVerdict("ceo@" + SPOOFED, spoofedSubject);
        assertThat(spoofed.verdict().action()).as(spoofed.verdict().toString()).isEqualTo(Action.QUARANTINE);
        List<String> rules = spoofed.verdict().findings().stream().map(Finding::qualifiedRule)
                .collect(Collectors.toList());
        assertThat(rules).contains("auth/results", "auth/dmarc-fail", "auth/spf-fail");
        Finding results = finding(spoofed, "auth/results");
        assertThat(results.detail()).contains("spf=fail smtp.mailfrom=" + SPOOFED)
                .contains("dmarc=fail (p=reject) header.from=" + SPOOFED);
        assertThat(finding(spoofed, "auth/dmarc-fail").score()).isEqualTo(10.0);
        assertThat(rules).as("a spoofed welcome domain is not welcome").doesNotContain("auth/welcome");

        // 2. the domain allows the client (127.0.0.1): SPF pass, aligned, DMARC pass -> delivered, our header on top,
        //    the sender's forgery of our verdict renamed
        String allowedSubject = "Your order has shipped " + marker;
        String forged = "Authentication-Results: " + AUTHSERV + "; dmarc=pass header.from=" + SPOOFED + "\r\n";
        assertThat(send("news@" + ALLOWED, message("news@" + ALLOWED, allowedSubject, forged))).startsWith("250");
        LogEntry allowed = loggedWithVerdict("news@" + ALLOWED, allowedSubject);
        assertThat(allowed.verdict().action()).as(allowed.verdict().toString()).isEqualTo(Action.DELIVER);
        assertThat(finding(allowed, "auth/results").detail()).contains("spf=pass smtp.mailfrom=" + ALLOWED)
                .contains("dmarc=pass (p=reject) header.from=" + ALLOWED);
        assertThat(finding(allowed, "auth/welcome").detail()).contains(ALLOWED + " (welcome.senders " + ALLOWED
                + "; DMARC pass (aligned SPF))");

        String delivered = deliveredContaining(allowedSubject);
        String header = delivered.substring(0, delivered.indexOf("\r\n\r\n"));
        Matcher ours = Pattern.compile("(?im)^Authentication-Results:\\s*" + Pattern.quote(AUTHSERV) + ";")
                .matcher(header);
        assertThat(ours.find()).as(header).isTrue();
        assertThat(ours.find()).as("a second field claiming our authserv-id: " + header).isFalse();
        assertThat(header).contains("spf=pass smtp.mailfrom=" + ALLOWED)
                .contains("dmarc=pass (p=reject) header.from=" + ALLOWED)
                // the forgery stays readable under another name, never as an Authentication-Results field
                .contains("X-Untrusted-AuthResult: " + AUTHSERV + "; dmarc=pass header.from=" + SPOOFED);
    }

    /**
     * RFC 8463 Appendix A.3: a message signed by football.example.com with ed25519-sha256 (selector brisbane) and
     * rsa-sha256 (selector test); AuthTestDns publishes both keys and a DMARC p=reject for the domain, no SPF.
     */
    static final String RFC8463 = String.join("\r\n",
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;",
            " d=football.example.com; i=@football.example.com;",
            " q=dns/txt; s=brisbane; t=1528637909; h=from : to :",
            " subject : date : message-id : from : subject : date;",
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
            " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus",
            " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==",
            "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;",
            " d=football.example.com; i=@football.example.com;",
            " q=dns/txt; s=test; t=1528637909; h=from : to : subject :",
            " date : message-id : from : subject : date;",
            " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;",
            " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3",
            " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz",
            " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=",
            "From: Joe SixPack <joe@football.example.com>",
            "To: Suzie Q <suzie@shopping.example.net>",
            "Subject: Is dinner ready?",
            "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)",
            "Message-ID: <20030712040037.46341.5F8J@football.example.com>",
            "",
            "Hi.",
            "",
            "We lost the game.  Are you hungry yet?",
            "",
            "Joe.",
            "");

    @Test
    public void aMessageSignedForItsFromDomainPassesAndATamperedCopyIsHeld() throws Exception {
        executeCommand("streamail:directory-add " + SUZIE);
        // the copy as signed: both signatures verify through the real intake, aligned DKIM carries DMARC (no SPF)
        assertThat(sendUntilKnown("joe@" + SIGNED, SUZIE, RFC8463.getBytes(StandardCharsets.US_ASCII)))
                .startsWith("250");
        LogEntry signed = loggedWithVerdict("joe@" + SIGNED, "Is dinner ready?");
        assertThat(finding(signed, "auth/results").detail()).isEqualTo("spf=none smtp.mailfrom=" + SIGNED
                + "; dkim=pass header.d=" + SIGNED + " header.s=brisbane; dkim=pass header.d=" + SIGNED
                + " header.s=test; dmarc=pass (p=reject) header.from=" + SIGNED);
        assertThat(signed.verdict().action()).as(signed.verdict().toString()).isEqualTo(Action.DELIVER);

        // one character of the signed Subject changed on the way: both signatures break, DMARC fails
        String tampered = RFC8463.replace("Is dinner ready?", "Is dinner ready!");
        assertThat(send("joe@" + SIGNED, SUZIE, tampered.getBytes(StandardCharsets.US_ASCII))).startsWith("250");
        LogEntry held = loggedWithVerdict("joe@" + SIGNED, "Is dinner ready!");
        assertThat(held.verdict().action()).as(held.verdict().toString()).isEqualTo(Action.QUARANTINE);
        assertThat(finding(held, "auth/dkim-invalid").detail()).contains("signature did not verify");
        assertThat(finding(held, "auth/dmarc-fail").detail()).contains(SIGNED).contains("reject");
    }

    static final String CAROL = "carol@" + PROTECTED;
    static final String PLAIN = AuthTestDns.PLAIN;
    static final String[] SPAMMY = {"pharmacy", "discount", "pills", "cheap", "offer", "limited", "guaranteed",
        "casino", "winner", "prize", "bonus", "lowest", "bargain", "deal", "exclusive", "unbeatable", "savings",
        "clearance", "jackpot", "instant", "miracle", "slimming", "diet", "herbal", "replica", "watches", "luxury",
        "amazing", "hottest", "megastore"};
    static final String[] WORKADAY = {"meeting", "agenda", "minutes", "project", "review", "schedule", "quarter",
        "budget", "team", "design", "draft", "deadline", "sprint", "release", "notes", "document", "feedback",
        "lunch", "proposal", "roadmap", "milestone", "ticket", "build", "deploy", "server", "backup", "holiday",
        "training", "workshop", "whiteboard"};

    /**
     * The classifier is trained through the shell (ten reports of each kind, the fewest it judges with) on two
     * vocabularies; then the same spam wording from an authenticated sender that is not welcome is tagged by
     * {@code spam/bayes}, from the authenticated welcome sender it is delivered untagged with the score not counted,
     * and once an administrator reports that very message, its next copy is refused at DATA all the same.
     */
    @Test
    public void aWelcomeSendersSpamScoreIsNotCountedWhileAReportedCampaignIsStillRefused() throws Exception {
        executeCommand("streamail:directory-add " + CAROL);
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("welcome-it");
        for (int i = 0; i < 10; i++) {
            java.nio.file.Path spam = dir.resolve("spam" + i + ".eml");
            java.nio.file.Files.write(spam, wordy("deals" + i + "@bulk" + i + "-mailer.net", SPAMMY, i,
                    "Offer " + i));
            assertThat(executeCommand("streamail:report-spam " + spam)).contains("Reported SPAM");
            java.nio.file.Path ham = dir.resolve("ham" + i + ".eml");
            java.nio.file.Files.write(ham, wordy("colleague" + i + "@partner" + i + ".org", WORKADAY, 100 + i,
                    "Notes " + i));
            assertThat(executeCommand("streamail:report-ham " + ham)).contains("Reported HAM");
        }
        // the same wording, words drawn anew (no fingerprint of a reported message comes near it)
        String marker = UUID.randomUUID().toString();
        LogEntry[] control = new LogEntry[1];
        int[] attempt = new int[1];
        waitFor("the classifier to tag the wording from " + PLAIN, Duration.ofSeconds(90), () -> {
            String subject = "Weekend offer " + marker + " " + attempt[0]++;
            try {
                assertThat(send("news@" + PLAIN, CAROL, wordy("news@" + PLAIN, SPAMMY, 1000, subject)))
                        .startsWith("250");
            } catch (IOException e) {
                return false;
            }
            control[0] = loggedWithVerdict("news@" + PLAIN, subject);
            return control[0].verdict().findings().stream()
                    .anyMatch(f -> f.qualifiedRule().equals("spam/bayes") && f.score() >= 5);
        });
        assertThat(control[0].verdict().action()).as(control[0].verdict().toString()).isEqualTo(Action.TAG);
        assertThat(control[0].verdict().findings()).noneMatch(f -> f.qualifiedRule().equals("auth/welcome"));
        assertThat(finding(control[0], "auth/results").detail()).contains("spf=pass smtp.mailfrom=" + PLAIN);

        String welcomeSubject = "Weekend offer " + marker + " welcome";
        byte[] welcomed = wordy("news@" + ALLOWED, SPAMMY, 1000, welcomeSubject);
        assertThat(send("news@" + ALLOWED, CAROL, welcomed)).startsWith("250");
        LogEntry entry = loggedWithVerdict("news@" + ALLOWED, welcomeSubject);
        assertThat(entry.verdict().action()).as(entry.verdict().toString()).isEqualTo(Action.DELIVER);
        assertThat(finding(entry, "spam/bayes").score()).isGreaterThanOrEqualTo(5.0);
        assertThat(finding(entry, "auth/welcome").detail()).contains("DMARC pass");
        assertThat(entry.verdict().reason()).contains("welcome sender, auth/welcome: spam findings");
        assertThat(deliveredContaining(welcomeSubject)).doesNotContain("X-Streamail-Verdict: TAG");

        // reported by an administrator: the campaign is refused, welcome or not
        java.nio.file.Path reported = dir.resolve("reported.eml");
        java.nio.file.Files.write(reported, welcomed);
        assertThat(executeCommand("streamail:report-spam " + reported)).contains("Blocking:   yes");
        String[] reply = new String[1];
        waitFor("a copy of the reported message to be refused", Duration.ofSeconds(30), () -> {
            try {
                reply[0] = send("news@" + ALLOWED, CAROL, wordy("news@" + ALLOWED, SPAMMY, 1000,
                        "Weekend offer " + marker + " again " + attempt[0]++));
                return reply[0].startsWith("550");
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(reply[0]).startsWith("550 5.7.1");
    }

    /** A plain-text message of 60 words drawn from {@code words} by a generator seeded with {@code seed}. */
    static byte[] wordy(String from, String[] words, long seed, String subject) {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            body.append(words[r.nextInt(words.length)]).append(i % 12 == 11 ? "\r\n" : " ");
        }
        return ("From: " + from + "\r\nTo: Carol <" + CAROL + ">\r\nSubject: " + subject + "\r\nMessage-ID: <"
                + UUID.randomUUID() + "@" + from.substring(from.indexOf('@') + 1)
                + ">\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] message(String from, String subject, String extraHeader) {
        return ("From: " + from + "\r\n" + extraHeader + "To: Bob <" + BOB + ">\r\nSubject: " + subject
                + "\r\nMessage-ID: <" + UUID.randomUUID() + "@" + from.substring(from.indexOf('@') + 1)
                + ">\r\nDate: Mon, 7 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\nHello Bob,\r\n\r\nsee you at the meeting.\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private String send(String sender, byte[] message) throws IOException {
        return send(sender, BOB, message);
    }

    private String send(String sender, String recipient, byte[] message) throws IOException {
        try (SmtpClient c = new SmtpClient(smtpPort())) {
            c.command("EHLO auth-it.example");
            return c.send(sender, List.of(recipient), message);
        }
    }

    private String sendUntilKnown(String sender, byte[] message) {
        return sendUntilKnown(sender, BOB, message);
    }

    /** Sends until the listener knows the recipient (not 550 5.1.1, not a temporary refusal while detectors start). */
    private String sendUntilKnown(String sender, String recipient, byte[] message) {
        String[] reply = new String[1];
        waitFor("the gateway to accept mail for " + recipient, Duration.ofSeconds(60), () -> {
            try {
                reply[0] = send(sender, recipient, message);
                return !reply[0].startsWith("550 5.1.1") && !reply[0].startsWith("4");
            } catch (IOException e) {
                return false;
            }
        });
        return reply[0];
    }
}
