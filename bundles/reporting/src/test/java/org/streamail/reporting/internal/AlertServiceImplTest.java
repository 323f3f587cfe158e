package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Direction;
import org.streamail.api.store.StoreException;
import org.streamail.testsupport.MutableClock;
import org.streamail.testsupport.InMemoryDirectory;

class AlertServiceImplTest {

    static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");

    final MemoryAlertStore store = new MemoryAlertStore();
    final MutableClock clock = new MutableClock(T0);
    final CapturingIntake intake = new CapturingIntake();

    /** Notifications run on the calling thread, so a test sees them when raise() returns. */
    AlertServiceImpl service(Map<String, Object> props) {
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class, props), store, clock, Runnable::run);
        s.intake = intake;
        s.directory = new InMemoryDirectory("corp.example", "branch.example");
        return s;
    }

    static AlertRequest request(String kind, Severity severity, String subject) {
        return new AlertRequest(kind, severity, subject, "m1", "", "Blocked click on a phishing link", "detail");
    }

    static MimeMessage parse(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }

    static String headerSection(byte[] raw) {
        String text = new String(raw, StandardCharsets.US_ASCII);
        return text.substring(0, text.indexOf("\r\n\r\n") + 2);
    }

    // ---------------------------------------------------------------- once by key

    @Test
    void raiseOnceStoresAndNotifiesOneAlertPerKeyAcrossServicesOnOneStore() {
        AlertServiceImpl nodeA = service(Map.of());
        AlertServiceImpl nodeB = service(Map.of());
        AlertRequest warning = new AlertRequest("campaign-warned", Severity.MEDIUM, "c1/ann@corp.example", "m1",
                "ann@corp.example", "A message you received was withdrawn", "detail");
        Alert first = nodeA.raiseOnce(warning, "campaign-warned\nc1\nann@corp.example\nm1").orElseThrow();
        assertThat(first.id()).isEqualTo(AlertServiceImpl.idOf("campaign-warned\nc1\nann@corp.example\nm1"))
                .hasSize(16);
        int mailed = intake.received.size();
        assertThat(nodeB.raiseOnce(warning, "campaign-warned\nc1\nann@corp.example\nm1")).isEmpty();
        assertThat(nodeA.raiseOnce(warning, "campaign-warned\nc1\nann@corp.example\nm1")).isEmpty();
        assertThat(store.all()).hasSize(1);
        assertThat(intake.received).as("nothing mailed for the repeats").hasSize(mailed);
        // another key (another copy covered) is another alert
        assertThat(nodeB.raiseOnce(warning, "campaign-warned\nc1\nann@corp.example\nm1\nm2")).isPresent();
        assertThat(store.all()).hasSize(2);
        assertThatThrownBy(() -> nodeA.raiseOnce(warning, " ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alert key");
        assertThatThrownBy(() -> nodeA.raiseOnce(warning, "k".repeat(AlertServiceImpl.MAX_KEY + 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- escalation

    @Test
    void eachRepeatWithinTheWindowIsRaisedOneStepHigherUpToCritical() {
        AlertServiceImpl s = service(Map.of());
        List<Severity> seen = new java.util.ArrayList<>();
        List<Integer> occurrences = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Alert a = s.raise(request("click-blocked", Severity.LOW, "10.0.0.5"));
            seen.add(a.severity());
            occurrences.add(a.occurrences());
            clock.advance(Duration.ofMinutes(10));
        }
        assertThat(seen).containsExactly(Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL,
                Severity.CRITICAL, Severity.CRITICAL);
        assertThat(occurrences).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(store.all()).extracting(Alert::severity).containsExactlyElementsOf(seen);
    }

    @Test
    void repeatsOutsideTheWindowOrOfAnotherKindOrSubjectDoNotEscalate() {
        AlertServiceImpl s = service(Map.of("escalation.window", "PT1H"));
        assertThat(s.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5")).severity()).isEqualTo(Severity.MEDIUM);
        assertThat(s.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.6")).severity()).isEqualTo(Severity.MEDIUM);
        assertThat(s.raise(request("host-isolated", Severity.MEDIUM, "10.0.0.5")).severity()).isEqualTo(Severity.MEDIUM);
        clock.advance(Duration.ofMinutes(59));
        assertThat(s.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5")).severity()).isEqualTo(Severity.HIGH);
        clock.advance(Duration.ofMinutes(2));
        // The first (61 min ago) is now out of the window, the second (2 min ago) still in it.
        Alert a = s.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5"));
        assertThat(a.severity()).isEqualTo(Severity.HIGH);
        assertThat(a.occurrences()).isEqualTo(2);
        clock.advance(Duration.ofHours(2));
        assertThat(s.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5")).severity()).isEqualTo(Severity.MEDIUM);
    }

    @Test
    void idsAreUniqueShortAndUrlSafe() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            ids.add(AlertServiceImpl.newId());
        }
        assertThat(ids).hasSize(5000).allMatch(id -> id.matches("[A-Za-z0-9_-]{16}"));
        AlertServiceImpl s = service(Map.of());
        assertThat(s.raise(request("x", Severity.INFO, "s")).id()).matches("[A-Za-z0-9_-]{16}");
    }

    @Test
    void badRequestsAreRejectedAndAStoreFailureIsThrown() {
        AlertServiceImpl s = service(Map.of());
        assertThatThrownBy(() -> s.raise(request("Click Blocked", Severity.LOW, "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> s.raise(request("click-blocked", Severity.LOW, "a\nb")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subject");
        assertThatThrownBy(() -> s.raise(request("click-blocked", Severity.LOW, "x".repeat(600))))
                .isInstanceOf(IllegalArgumentException.class);
        store.down = true;
        assertThatThrownBy(() -> s.raise(request("click-blocked", Severity.LOW, "x"))).isInstanceOf(StoreException.class);
        assertThat(intake.received).isEmpty();
    }

    @Test
    void badConfigurationFailsActivationNamingTheProperty() {
        Map<String, String> bad = Map.of("escalation.window", "24h", "notify.min.severity", "URGENT",
                "admin.address", "Admin <a@b.example>", "from.address", "x@y\r\nBcc: z@q",
                "webhook.url", "http://hooks.example.org/x", "notify.queue.size", "0");
        bad.forEach((property, value) -> {
            Map<String, Object> props = new HashMap<>();
            props.put(property, property.equals("notify.queue.size") ? 0 : value);
            assertThatThrownBy(() -> service(props)).as(property).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(property.equals("webhook.url") ? "https" : property);
        });
        assertThatThrownBy(() -> service(Map.of("webhook.url", "https://user:pw@hooks.example.org/x")))
                .hasMessageContaining("credentials").hasMessageNotContaining("pw");
    }

    // ---------------------------------------------------------------- notification mail

    @Test
    void anAdminMailIsAPlainRfc5322MessageFromTheGatewayItself() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example"));
        Alert a = s.raise(new AlertRequest("click-blocked", Severity.HIGH, "10.0.0.5", "g-42", "",
                "Blocked click on a phishing link", "URL: https://evil.example/login\nHost: 10.0.0.5"));

        assertThat(intake.received).hasSize(1);
        CapturingIntake.Received r = intake.received.get(0);
        assertThat(r.envelope().sender()).isEqualTo("streamail-alerts@branch.example");
        assertThat(r.envelope().recipients()).containsExactly("secops@corp.example");
        assertThat(r.envelope().clientIp()).isEqualTo("127.0.0.1");
        assertThat(r.envelope().helo()).isEqualTo("streamail-alerts");
        assertThat(r.envelope().authenticatedUser()).isEqualTo("streamail-alerts");
        assertThat(r.envelope().direction()).isEqualTo(Direction.INBOUND);
        String text = new String(r.raw(), StandardCharsets.US_ASCII);
        assertThat(text.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
        String headers = headerSection(r.raw());
        assertThat(headers).contains("\r\nSubject: [Streamail HIGH] Blocked click on a phishing link\r\n",
                "\r\nAuto-Submitted: auto-generated\r\n", "\r\nContent-Type: text/plain; charset=UTF-8\r\n");
        MimeMessage m = parse(r.raw());
        assertThat(m.getFrom()).containsExactly(new InternetAddress("streamail-alerts@branch.example",
                "Streamail alerts"));
        assertThat(m.getRecipients(MimeMessage.RecipientType.TO)).extracting(Object::toString)
                .containsExactly("secops@corp.example");
        assertThat(m.getMessageID()).matches("<[A-Za-z0-9_-]{16}\\." + a.id().replace("-", "\\-")
                + "@branch\\.example>");
        ZonedDateTime date = ZonedDateTime.parse(m.getHeader("Date")[0], DateTimeFormatter.RFC_1123_DATE_TIME);
        assertThat(date.toInstant()).isEqualTo(T0);
        assertThat(m.getSubject()).isEqualTo("[Streamail HIGH] Blocked click on a phishing link");
        assertThat((String) m.getContent()).contains("Severity:   HIGH", "About:      10.0.0.5", "Message:    g-42",
                "URL: hxxps://evil[.]example/login\r\nHost: 10.0.0.5", "Alert id:   " + a.id())
                .as("the quoted link is defanged, never live").doesNotContain("https://evil.example");
    }

    @Test
    void aTitleWithLineBreaksCannotAddHeadersOrABody() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example"));
        s.raise(new AlertRequest("click-blocked", Severity.HIGH, "s", "", "",
                "Hello\r\nBcc: victim@else.example\r\n\r\nfake body\nX-Injected: 1\u2028Y: 2", "d"));

        byte[] raw = intake.received.get(0).raw();
        MimeMessage m = parse(raw);
        assertThat(m.getHeader("Bcc")).isNull();
        assertThat(m.getHeader("X-Injected")).isNull();
        assertThat(m.getHeader("Y")).isNull();
        assertThat(m.getSubject())
                .isEqualTo("[Streamail HIGH] Hello Bcc: victim@else.example fake body X-Injected: 1 Y: 2");
        assertThat(headerSection(raw).lines().filter(l -> l.startsWith("Bcc") || l.startsWith("X-Injected"))).isEmpty();
        assertThat(store.all().get(0).title()).doesNotContain("\r").doesNotContain("\n");
    }

    @Test
    void nonAsciiTitlesAreEncodedWordsAndNonAsciiDetailIsBase64() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example"));
        String title = "Überweisung sofort bestätigen — 请立即付款 — " + "Ж".repeat(60) + " 🎣 end";
        s.raise(new AlertRequest("click-blocked", Severity.MEDIUM, "s", "", "", title, "Grüße, 送金\nline 2"));

        byte[] raw = intake.received.get(0).raw();
        String headers = headerSection(raw);
        assertThat(headers.chars()).allMatch(c -> c < 128);
        assertThat(headers.split("\r\n")).allMatch(line -> line.length() <= 78);
        assertThat(headers).contains("Content-Transfer-Encoding: base64");
        MimeMessage m = parse(raw);
        String expected = "[Streamail MEDIUM] " + title;
        assertThat(m.getSubject()).isEqualTo(expected.length() > 19 + NotificationMail.MAX_TITLE
                ? expected.substring(0, 19 + NotificationMail.MAX_TITLE) : expected);
        assertThat((String) m.getContent()).contains("Grüße, 送金\r\nline 2");
    }

    @Test
    void alertsBelowTheThresholdAreNotMailedToAdminsButRecipientsAreWarned() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example", "notify.min.severity", "HIGH"));
        s.raise(new AlertRequest("recipient-warned", Severity.MEDIUM, "cmp-1", "g1", "Alice@Corp.example",
                "A fraudulent message was removed from your mailbox", "Subject: invoice"));

        assertThat(intake.received).hasSize(1);
        CapturingIntake.Received r = intake.received.get(0);
        assertThat(r.envelope().recipients()).containsExactly("Alice@Corp.example");
        MimeMessage m = parse(r.raw());
        assertThat(m.getSubject()).isEqualTo("[Streamail MEDIUM] A fraudulent message was removed from your mailbox");
        assertThat((String) m.getContent()).contains("Security notice", "Subject: invoice", "tell your IT");

        s.raise(new AlertRequest("host-isolated", Severity.HIGH, "10.0.0.9", "", "", "Host isolated", ""));
        assertThat(intake.received).hasSize(2);
        assertThat(intake.received.get(1).envelope().recipients()).containsExactly("secops@corp.example");
    }

    /**
     * The administrators' address got a copy of the campaign too (a shared security mailbox is a favourite target): its
     * warning must reach it. The user mail was left out for the admin address in favour of the admin mail, which is
     * not sent below notify.min.severity, and is folded per campaign into a digest that quotes another user's warning.
     */
    @Test
    void theAdminAddressWarnedAsARecipientGetsItsWarning() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example", "notify.min.severity", "HIGH"));
        s.raise(new AlertRequest("recipient-warned", Severity.MEDIUM, "cmp-1/secops@corp.example", "g1",
                "secops@corp.example", "A fraudulent message was removed from your mailbox", "Subject: invoice"));
        assertThat(intake.received).hasSize(1);
        assertThat((String) parse(intake.received.get(0).raw()).getContent()).contains("Security notice");

        AlertServiceImpl folding = service(Map.of("admin.address", "secops@corp.example"));
        intake.received.clear();
        folding.raise(new AlertRequest("recipient-warned", Severity.MEDIUM, "cmp-2/alice@corp.example", "g1",
                "alice@corp.example", "A fraudulent message was removed from your mailbox", "Subject: invoice"));
        folding.raise(new AlertRequest("recipient-warned", Severity.MEDIUM, "cmp-2/secops@corp.example", "g1",
                "secops@corp.example", "A fraudulent message was removed from your mailbox", "Subject: invoice"));
        // alice's warning and its admin mail, then secops' own warning (its admin mail is folded)
        assertThat(intake.received).hasSize(3);
        assertThat((String) parse(intake.received.get(2).raw()).getContent()).contains("Security notice");
        assertThat(intake.received.get(2).envelope().recipients()).containsExactly("secops@corp.example");
    }

    @Test
    void recipientMailCanBeTurnedOffAndBadRecipientAddressesAreNotMailed() {
        AlertServiceImpl off = service(Map.of("notify.recipients", false));
        off.raise(new AlertRequest("recipient-warned", Severity.HIGH, "c", "", "bob@corp.example", "t", ""));
        assertThat(intake.received).isEmpty();

        AlertServiceImpl on = service(Map.of());
        Alert a = on.raise(new AlertRequest("recipient-warned", Severity.HIGH, "c", "", "bob@corp.example\r\nBcc: x@y",
                "t", ""));
        assertThat(intake.received).isEmpty();
        assertThat(store.get(a.id())).isPresent();
    }

    @Test
    void withoutAdminAddressOrIntakeNothingIsMailedAndRaiseStillSucceeds() {
        AlertServiceImpl noAdmin = service(Map.of());
        noAdmin.raise(request("click-blocked", Severity.CRITICAL, "x"));
        assertThat(intake.received).isEmpty();

        AlertServiceImpl noIntake = service(Map.of("admin.address", "secops@corp.example"));
        noIntake.intake = null;
        assertThat(noIntake.raise(request("click-blocked", Severity.CRITICAL, "x")).id()).isNotEmpty();

        AlertServiceImpl failing = service(Map.of("admin.address", "secops@corp.example"));
        intake.failing = true;
        Alert a = failing.raise(request("click-blocked", Severity.CRITICAL, "x"));
        assertThat(store.get(a.id())).isPresent();
    }

    /**
     * The intake answers 451 "try again later" while the pipeline is unavailable (a mandatory detector missing during
     * a bundle update, the spool failing) and keeps nothing: the mail must be tried again, not dropped. A campaign's
     * warning, raised once, was otherwise never mailed to its user.
     */
    @Test
    void aMailRefusedForNowIsTriedAgainLaterAndGivenUpAfterABoundedNumberOfAttempts() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example"));
        s.retryDelay = Duration.ofMillis(10);
        intake.temporaryFailures.set(2);
        s.raise(request("click-blocked", Severity.HIGH, "x"));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (intake.received.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(intake.received).hasSize(1);
        assertThat(intake.calls.get()).isEqualTo(3);

        // a gateway that keeps refusing: tried a bounded number of times, then given up (the alert is in the list)
        intake.calls.set(0);
        intake.temporaryFailures.set(Integer.MAX_VALUE);
        s.raise(request("click-blocked", Severity.HIGH, "y"));
        deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (intake.calls.get() < AlertServiceImpl.MAX_TEMPORARY_ATTEMPTS && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(300);
        assertThat(intake.calls.get()).isEqualTo(AlertServiceImpl.MAX_TEMPORARY_ATTEMPTS);
        assertThat(intake.received).hasSize(1);
        s.deactivate();
    }

    @Test
    void theConfiguredFromAddressWinsAndWithoutDomainsLocalhostIsUsed() {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example", "from.address",
                "alerts@gw.corp.example"));
        assertThat(s.sender()).isEqualTo("alerts@gw.corp.example");
        AlertServiceImpl bare = service(Map.of());
        bare.directory = null;
        assertThat(bare.sender()).isEqualTo("streamail-alerts@localhost");
    }

    @Test
    void notificationsRunAfterRaiseReturnsOnTheBoundedPool() throws Exception {
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class,
                Map.of("admin.address", "secops@corp.example")), store, clock, null);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
        s.intake = new CapturingIntake() {
            @Override
            public org.streamail.api.service.IntakeResult receive(org.streamail.api.model.Envelope e,
                    java.io.InputStream data) throws java.io.IOException {
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                sent.countDown();
                return super.receive(e, data);
            }
        };
        try {
            Alert a = s.raise(request("click-blocked", Severity.HIGH, "x"));
            assertThat(store.get(a.id())).as("stored before the slow mail is sent").isPresent();
            assertThat(sent.getCount()).isEqualTo(1);
            release.countDown();
            assertThat(sent.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            release.countDown();
            s.deactivate();
        }
    }

    /**
     * Bidi controls and invisible characters in hostile text: a right-to-left override makes "invoice<U+202E>fdp.exe"
     * read "invoiceexe.pdf" in the warning itself, and a zero-width space inside a host name kept it from being
     * defanged. Neither reaches the stored title or the mail.
     */
    @Test
    void bidiControlsAndInvisibleCharactersNeverReachTheMail() throws Exception {
        AlertServiceImpl s = service(Map.of());
        Alert a = s.raise(new AlertRequest("recipient-warned", Severity.MEDIUM, "c", "", "ann@corp.example",
                "Attachment invoice\u202Efdp.exe from pay\u200B.evil\u2060.example",
                "Sender: x@y.example\nLink: www\u200B.evil\u00AD.example/login \u2066hidden\u2069\uFEFF"));

        for (String text : List.of(a.title(), new String(intake.received.get(0).raw(), StandardCharsets.US_ASCII))) {
            assertThat(text).doesNotContain("\u202E", "\u200B", "\u2060", "\u00AD", "\u2066", "\uFEFF");
        }
        MimeMessage m = parse(intake.received.get(0).raw());
        assertThat(m.getSubject()).isEqualTo("[Streamail MEDIUM] Attachment invoicefdp[.]exe from pay[.]evil[.]example");
        assertThat((String) m.getContent()).contains("www[.]evil[.]example/login hidden")
                .doesNotContain("\u202E", "\u200B", "\u00AD", "\u2066", "\uFEFF");
    }

    /**
     * A campaign recall raises one warning per user back to back, faster than mail goes out: past the queue, the
     * warnings were stored (so never raised again) but their mail dropped. raiseOnce's callers (the recall, on a
     * worker) send it themselves instead; raise() still drops rather than block its caller.
     */
    @Test
    void aWarningRaisedOnceIsMailedEvenWhenTheQueueIsFull() {
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class, Map.of()), store, clock,
                r -> {
                    throw new java.util.concurrent.RejectedExecutionException("queue full (test)");
                });
        s.intake = intake;
        s.directory = new InMemoryDirectory("corp.example");

        s.raise(new AlertRequest("click-blocked", Severity.HIGH, "10.0.0.5", "", "bob@corp.example", "t", ""));
        assertThat(intake.received).as("raise() drops when full").isEmpty();

        assertThat(s.raiseOnce(new AlertRequest("recipient-warned", Severity.MEDIUM, "cmp-1/ann@corp.example", "g1",
                "ann@corp.example", "A fraudulent message was sent to you", "d"), "k1")).isPresent();
        assertThat(intake.received).singleElement()
                .satisfies(r -> assertThat(r.envelope().recipients()).containsExactly("ann@corp.example"));
    }

    /**
     * An ASCII title that looks like an RFC 2047 encoded word went into the Subject as it was, and the reader's client
     * decoded it: "=?UTF-8?B?4oCu...?=" showed a right-to-left override and a live link the title filter and defanging
     * never saw. Such a title is encoded itself, so the client shows it literally.
     */
    @Test
    void aTitleThatLooksLikeAnEncodedWordIsShownLiterally() throws Exception {
        AlertServiceImpl s = service(Map.of("admin.address", "secops@corp.example"));
        String title = "=?UTF-8?B?4oCuaHR0cDovL2V2aWwuZXhhbXBsZS8=?= =?utf-8?q?=E2=80=AE?=";
        s.raise(new AlertRequest("click-blocked", Severity.HIGH, "s", "", "", title, "d"));

        MimeMessage m = parse(intake.received.get(0).raw());
        assertThat(m.getSubject()).isEqualTo("[Streamail HIGH] " + title);
    }
}
