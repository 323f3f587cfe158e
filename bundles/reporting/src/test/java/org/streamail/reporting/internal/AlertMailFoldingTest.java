package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.streamail.reporting.internal.AlertServiceImplTest.T0;
import static org.streamail.reporting.internal.AlertServiceImplTest.parse;
import static org.streamail.reporting.internal.AlertServiceImplTest.request;

import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.testsupport.MutableClock;
import org.streamail.testsupport.InMemoryDirectory;

/** Folding of repeated alert mail ({@code notify.fold.window}) into one mail, escalations, then a digest. */
class AlertMailFoldingTest {

    static final String ADMIN = "secops@corp.example";

    final MemoryAlertStore store = new MemoryAlertStore();
    final MutableClock clock = new MutableClock(T0);
    final CapturingIntake intake = new CapturingIntake();

    /** Notifications run on the calling thread and no digest thread runs: the test sends due digests itself. */
    AlertServiceImpl service(Map<String, Object> props) {
        return service(props, null, AlertServiceImpl.MAX_FOLD_KEYS);
    }

    AlertServiceImpl service(Map<String, Object> props, Duration digestTick, int maxKeys) {
        AlertServiceImpl s = new AlertServiceImpl(Configs.of(ReportingConfig.class, props), store, clock,
                Runnable::run, digestTick, maxKeys);
        s.intake = intake;
        s.directory = new InMemoryDirectory("corp.example");
        return s;
    }

    static Map<String, Object> admin(Object... more) {
        Map<String, Object> props = new HashMap<>();
        props.put("admin.address", ADMIN);
        for (int i = 0; i < more.length; i += 2) {
            props.put((String) more[i], more[i + 1]);
        }
        return props;
    }

    List<String> subjects() throws Exception {
        List<String> out = new ArrayList<>();
        for (CapturingIntake.Received r : intake.received) {
            out.add(parse(r.raw()).getSubject());
        }
        return out;
    }

    static String body(CapturingIntake.Received r) throws Exception {
        return (String) parse(r.raw()).getContent();
    }

    // ---------------------------------------------------------------- one key: first mail, then one digest

    @Test
    void aHundredRepeatsWithinTheWindowMakeOneMailAtOnceAndOneDigestOfTheOther99() throws Exception {
        AlertServiceImpl s = service(admin());
        List<Alert> raised = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            raised.add(s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5")));
            clock.advance(Duration.ofSeconds(5));
        }
        assertThat(store.all()).as("every alert is stored").hasSize(100);
        assertThat(intake.received).as("only the first is mailed at once").hasSize(1);
        assertThat(parse(intake.received.get(0).raw()).getHeader("X-Streamail-Alert")[0]).isEqualTo(raised.get(0).id());

        clock.advance(Duration.ofMinutes(15).minusSeconds(500).minusMillis(1));
        assertThat(s.sendDueDigests()).as("the window (09:00 + 15 min) is still open").isZero();
        assertThat(intake.received).hasSize(1);
        clock.advance(Duration.ofMillis(1));
        assertThat(s.sendDueDigests()).isEqualTo(1);
        assertThat(s.sendDueDigests()).as("one digest per window").isZero();

        assertThat(intake.received).hasSize(2);
        CapturingIntake.Received digest = intake.received.get(1);
        assertThat(digest.envelope().recipients()).containsExactly(ADMIN);
        assertThat(digest.envelope().clientIp()).isEqualTo("127.0.0.1");
        MimeMessage m = parse(digest.raw());
        assertThat(m.getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link (99 more since 09:00 UTC)");
        assertThat(m.getHeader("Auto-Submitted")).containsExactly("auto-generated");
        String body = body(digest);
        assertThat(body).contains("Kind:       click-blocked", "About:      10.0.0.5",
                "Folded:     99 alerts since the mail at 09:00 UTC",
                "First:      " + raised.get(1).createdAt(), "Last:       " + raised.get(99).createdAt(),
                "Highest:    CRITICAL", "... and 79 more, in the alert list.", "streamail:alerts -k click-blocked",
                "GET /alerts?kind=click-blocked&since=" + raised.get(1).createdAt());
        for (Alert a : raised.subList(1, 1 + NotificationFolder.MAX_LISTED)) {
            assertThat(body).contains("  " + a.createdAt() + "  " + a.id() + "\r\n");
        }
        assertThat(body).as("the first was mailed; beyond 20 only the count")
                .doesNotContain(raised.get(0).id(), raised.get(21).id(), raised.get(99).id());
        assertThat(new String(digest.raw(), java.nio.charset.StandardCharsets.US_ASCII).replace("\r\n", ""))
                .doesNotContain("\n").doesNotContain("\r");

        // After the digest the next alert opens a new window: mailed at once, the one after folded again.
        s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(intake.received).hasSize(3);
        assertThat(parse(intake.received.get(2).raw()).getSubject())
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link");
    }

    @Test
    void aWindowWithoutRepeatsSendsNoDigest() {
        AlertServiceImpl s = service(admin());
        s.raise(request("click-blocked", Severity.HIGH, "10.0.0.5"));
        clock.advance(Duration.ofMinutes(16));
        assertThat(s.sendDueDigests()).isZero();
        assertThat(intake.received).hasSize(1);
    }

    @Test
    void anAlertAfterTheWindowClosedBringsTheDigestOutBeforeItsOwnMail() throws Exception {
        AlertServiceImpl s = service(admin("notify.fold.window", "PT10M"));
        for (int i = 0; i < 3; i++) {
            s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        }
        clock.advance(Duration.ofMinutes(10));
        s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        assertThat(subjects()).containsExactly("[Streamail CRITICAL] Blocked click on a phishing link",
                "[Streamail CRITICAL] Blocked click on a phishing link (2 more since 09:00 UTC)",
                "[Streamail CRITICAL] Blocked click on a phishing link");
        assertThat(s.sendDueDigests()).as("already sent").isZero();
    }

    // ---------------------------------------------------------------- keys, escalation, switching off

    @Test
    void anotherSubjectOrKindIsMailedOnItsOwnAndFoldedOnItsOwn() throws Exception {
        AlertServiceImpl s = service(admin());
        for (int i = 0; i < 3; i++) {
            s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
            s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.6"));
            s.raise(new AlertRequest("campaign-clicked", Severity.CRITICAL, "10.0.0.5", "", "", "Campaign clicked", ""));
        }
        assertThat(intake.received).hasSize(3);
        assertThat(bodies()).anyMatch(b -> b.contains("About:      10.0.0.5") && b.contains("Kind:       click-blocked"))
                .anyMatch(b -> b.contains("About:      10.0.0.6"))
                .anyMatch(b -> b.contains("Kind:       campaign-clicked"));

        clock.advance(Duration.ofMinutes(15));
        assertThat(s.sendDueDigests()).isEqualTo(3);
        assertThat(subjects().subList(3, 6)).containsExactlyInAnyOrder(
                "[Streamail CRITICAL] Blocked click on a phishing link (2 more since 09:00 UTC)",
                "[Streamail CRITICAL] Blocked click on a phishing link (2 more since 09:00 UTC)",
                "[Streamail CRITICAL] Campaign clicked (2 more since 09:00 UTC)");
    }

    List<String> bodies() throws Exception {
        List<String> out = new ArrayList<>();
        for (CapturingIntake.Received r : intake.received) {
            out.add(body(r));
        }
        return out;
    }

    @Test
    void anEscalationAboveWhatWasMailedIsMailedAtOnceAndFoldingGoesOnAfterIt() throws Exception {
        AlertServiceImpl s = service(admin());
        // Requested LOW each time; the store's count escalates them LOW, MEDIUM, HIGH, CRITICAL, CRITICAL...
        List<Alert> raised = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            raised.add(s.raise(request("click-blocked", Severity.LOW, "10.0.0.5")));
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(raised).extracting(Alert::severity).containsExactly(Severity.LOW, Severity.MEDIUM, Severity.HIGH,
                Severity.CRITICAL, Severity.CRITICAL, Severity.CRITICAL, Severity.CRITICAL);
        assertThat(subjects()).as("LOW is below notify.min.severity; MEDIUM opens the window; each step up is mailed")
                .containsExactly("[Streamail MEDIUM] Blocked click on a phishing link",
                        "[Streamail HIGH] Blocked click on a phishing link",
                        "[Streamail CRITICAL] Blocked click on a phishing link");

        clock.advance(Duration.ofMinutes(15));
        assertThat(s.sendDueDigests()).isEqualTo(1);
        assertThat(subjects().get(3))
                .isEqualTo("[Streamail CRITICAL] Blocked click on a phishing link (3 more since 09:01 UTC)");
        assertThat(body(intake.received.get(3))).contains(raised.get(4).id(), raised.get(6).id())
                .doesNotContain(raised.get(3).id());
    }

    @Test
    void aLowerSeverityAfterAHigherOneIsFoldedAndTheDigestNamesTheHighestFolded() throws Exception {
        // A one-second escalation window keeps the requested severities as they are (no step-ups).
        AlertServiceImpl s = service(admin("escalation.window", "PT1S"));
        s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        clock.advance(Duration.ofSeconds(2));
        s.raise(request("click-blocked", Severity.MEDIUM, "10.0.0.5"));
        clock.advance(Duration.ofSeconds(2));
        s.raise(request("click-blocked", Severity.HIGH, "10.0.0.5"));
        assertThat(intake.received).hasSize(1);
        clock.advance(Duration.ofMinutes(15));
        s.sendDueDigests();
        assertThat(subjects().get(1)).startsWith("[Streamail HIGH] ");
        assertThat(body(intake.received.get(1))).contains("Highest:    HIGH", "Folded:     2 alerts");
    }

    @Test
    void aZeroWindowMailsEveryAlertAsBefore() {
        AlertServiceImpl s = service(admin("notify.fold.window", "PT0S"));
        for (int i = 0; i < 10; i++) {
            s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
        }
        assertThat(intake.received).hasSize(10);
        clock.advance(Duration.ofDays(1));
        assertThat(s.sendDueDigests()).isZero();
    }

    @Test
    void aBadFoldWindowFailsActivationNamingTheProperty() {
        for (String bad : List.of("15m", "", "-PT1M", "P2D", "PT24H0.001S")) {
            assertThatThrownBy(() -> service(admin("notify.fold.window", bad))).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("notify.fold.window");
        }
        assertThat(service(admin("notify.fold.window", "P1D"))).isNotNull();
        assertThat(service(admin("notify.fold.window", " PT0S "))).isNotNull();
    }

    // ---------------------------------------------------------------- user mail

    /** A campaign's warned users: each user gets their own warning, the administrators one mail and a digest. */
    @Test
    void adminMailAboutACampaignsWarnedUsersFoldsPerCampaign() throws Exception {
        AlertServiceImpl s = service(admin());
        for (int i = 0; i < 40; i++) {
            String user = "user" + i + "@corp.example";
            s.raise(new AlertRequest(CampaignServiceImpl.KIND_WARNED, Severity.MEDIUM,
                    CampaignServiceImpl.warningSubject("cmp-1", user), "", user, "A message you received was recalled",
                    ""));
        }
        s.raise(new AlertRequest(CampaignServiceImpl.KIND_WARNED, Severity.MEDIUM,
                CampaignServiceImpl.warningSubject("cmp-2", "user0@corp.example"), "", "user0@corp.example",
                "A message you received was recalled", ""));
        List<String> toAdmin = intake.received.stream().map(r -> r.envelope().recipients().get(0))
                .filter(ADMIN::equals).toList();
        assertThat(toAdmin).as("one for each campaign, not one per user").hasSize(2);
        assertThat(intake.received).as("every user warned").hasSize(40 + 1 + 2);

        clock.advance(Duration.ofMinutes(16));
        assertThat(s.sendDueDigests()).as("the other 39 of cmp-1, in one digest").isEqualTo(1);
        assertThat(parse(intake.received.get(intake.received.size() - 1).raw()).getSubject()).contains("(39 more since");
    }

    @Test
    void userMailFoldsPerRecipientKindAndSubject() throws Exception {
        AlertServiceImpl s = service(Map.of());
        List<Alert> alice = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            // Same mailbox whatever the case of the address.
            String to = i % 2 == 0 ? "alice@corp.example" : "Alice@Corp.example";
            alice.add(s.raise(new AlertRequest("link-warned", Severity.CRITICAL, "cmp-1", "", to,
                    "A dangerous link was blocked", "")));
            s.raise(new AlertRequest("link-warned", Severity.CRITICAL, "cmp-1", "", "bob@corp.example",
                    "A dangerous link was blocked", ""));
            clock.advance(Duration.ofMinutes(1));
        }
        assertThat(intake.received).extracting(r -> r.envelope().recipients().get(0))
                .containsExactly("alice@corp.example", "bob@corp.example");

        clock.advance(Duration.ofMinutes(15));
        assertThat(s.sendDueDigests()).isEqualTo(2);
        assertThat(intake.received).hasSize(4);
        for (CapturingIntake.Received r : intake.received.subList(2, 4)) {
            assertThat(parse(r.raw()).getSubject())
                    .isEqualTo("[Streamail CRITICAL] A dangerous link was blocked (4 more since 09:00 UTC)");
            assertThat(body(r)).contains("Security notice", "raised 4 more times", "tell your IT", "References:")
                    .doesNotContain("streamail:alerts");
        }
        CapturingIntake.Received toAlice = intake.received.stream()
                .filter(r -> r.envelope().recipients().get(0).equals("alice@corp.example")).skip(1).findFirst()
                .orElseThrow();
        assertThat(body(toAlice)).contains(alice.get(1).id(), alice.get(4).id()).doesNotContain(alice.get(0).id());
    }

    @Test
    void adminAndUserMailOfOneAlertFoldSeparately() {
        AlertServiceImpl s = service(admin());
        for (int i = 0; i < 3; i++) {
            s.raise(new AlertRequest("link-warned", Severity.CRITICAL, "cmp-1", "", "alice@corp.example", "t", ""));
        }
        assertThat(intake.received).extracting(r -> r.envelope().recipients().get(0))
                .containsExactly(ADMIN, "alice@corp.example");
        clock.advance(Duration.ofMinutes(15));
        assertThat(s.sendDueDigests()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- bounds, thread, deactivation

    @Test
    void beyondTheKeyBoundMailIsSentWithoutFolding() {
        AlertServiceImpl s = service(admin(), null, 3);
        for (String subject : List.of("s1", "s2", "s3")) {
            s.raise(request("click-blocked", Severity.CRITICAL, subject));
        }
        s.raise(request("click-blocked", Severity.CRITICAL, "s4"));
        s.raise(request("click-blocked", Severity.CRITICAL, "s4"));
        s.raise(request("click-blocked", Severity.CRITICAL, "s1"));
        assertThat(intake.received).as("s1..s3 once each, s4 twice unfolded, s1's repeat folded").hasSize(5);
        clock.advance(Duration.ofMinutes(15));
        assertThat(s.sendDueDigests()).isEqualTo(1);
        s.raise(request("click-blocked", Severity.CRITICAL, "s4"));
        s.raise(request("click-blocked", Severity.CRITICAL, "s4"));
        assertThat(intake.received).as("windows expired, so s4 folds now").hasSize(7);
    }

    @Test
    void deactivateSendsThePendingDigests() throws Exception {
        AlertServiceImpl s = service(admin());
        for (int i = 0; i < 3; i++) {
            s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
            s.raise(request("host-isolated", Severity.CRITICAL, "10.0.0.9"));
        }
        s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.7"));
        assertThat(intake.received).hasSize(3);
        s.deactivate();
        assertThat(subjects().subList(3, intake.received.size())).as("windows with repeats only")
                .containsExactlyInAnyOrder(
                        "[Streamail CRITICAL] Blocked click on a phishing link (2 more since 09:00 UTC)",
                        "[Streamail CRITICAL] Blocked click on a phishing link (2 more since 09:00 UTC)");
        assertThat(s.sendDueDigests()).isZero();
    }

    @Test
    void theDigestThreadSendsDigestsWhenTheWindowClosesAndStopsOnDeactivate() throws Exception {
        List<String> threads = new CopyOnWriteArrayList<>();
        CountDownLatch two = new CountDownLatch(2);
        CapturingIntake recording = new CapturingIntake() {
            @Override
            public IntakeResult receive(Envelope e, InputStream data) throws IOException {
                threads.add(Thread.currentThread().getName());
                IntakeResult r = super.receive(e, data);
                two.countDown();
                return r;
            }
        };
        AlertServiceImpl s = service(admin(), Duration.ofMillis(20), AlertServiceImpl.MAX_FOLD_KEYS);
        s.intake = recording;
        try {
            for (int i = 0; i < 4; i++) {
                s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"));
            }
            Thread.sleep(100);
            assertThat(recording.received).as("the window is still open").hasSize(1);
            clock.advance(Duration.ofMinutes(15));
            assertThat(two.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(parse(recording.received.get(1).raw()).getSubject()).endsWith("(3 more since 09:00 UTC)");
            assertThat(threads.get(1)).isEqualTo(AlertServiceImpl.DIGEST_THREAD);
        } finally {
            s.deactivate();
        }
        // The executor has terminated when deactivate returns; its worker thread may take a moment more to end.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (digestThreadAlive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(digestThreadAlive()).as("the digest thread ends after deactivate").isFalse();
    }

    private static boolean digestThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive()
                && t.getName().equals(AlertServiceImpl.DIGEST_THREAD));
    }

    @Test
    void concurrentRaisesOfOneKeyMailOnceAndFoldTheRest() throws Exception {
        AlertServiceImpl s = service(admin());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                done.add(pool.submit(() -> s.raise(request("click-blocked", Severity.CRITICAL, "10.0.0.5"))));
            }
            for (var f : done) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(intake.received).hasSize(1);
        clock.advance(Duration.ofMinutes(15));
        assertThat(s.sendDueDigests()).isEqualTo(1);
        assertThat(subjects().get(1)).endsWith("(199 more since 09:00 UTC)");
    }

    /** An open window keeps what its digest needs, not the folded alert's detail (up to 20,000 characters each). */
    @Test
    void aFoldWindowDoesNotKeepTheDetailOfTheAlertsItFolds() {
        NotificationFolder folder = new NotificationFolder(Duration.ofMinutes(15), 10, clock);
        String big = "x".repeat(AlertServiceImpl.MAX_DETAIL);
        for (int i = 0; i < 2; i++) {
            folder.offer("secops@corp.example", false, new org.streamail.api.alert.Alert("id" + i, clock.instant(),
                    Severity.HIGH, "click-blocked", "10.0.0.5", "", "", "title", big, 1));
        }
        assertThat(folder.takeAll()).singleElement().satisfies(d -> {
            assertThat(d.sample().detail()).isEmpty();
            assertThat(d.sample().title()).isEqualTo("title");
        });
    }
}
