package org.streamail.reporting.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.LogEntry;
import org.streamail.testsupport.MutableClock;
import org.streamail.testsupport.InMemoryDirectory;

/**
 * Campaign recall over in-memory stores, with the real {@link AlertServiceImpl} so that idempotence goes
 * through the alert store as it does in the gateway.
 */
class CampaignServiceImplTest {

    static final Instant T = Instant.parse("2025-03-10T09:00:00Z");
    static final String PHISHER = "billing@phish.example";
    static final String URL = "https://phish.example/login";

    final MemoryMessageLog log = new MemoryMessageLog();
    final MemoryLinkStore links = new MemoryLinkStore();
    final FakeMailboxRecall mailboxes = new FakeMailboxRecall();
    final MemoryAlertStore alertStore = new MemoryAlertStore();
    final MutableClock clock = new MutableClock(T.plus(Duration.ofHours(5)));
    AlertServiceImpl alerts;

    @BeforeEach
    void setUp() {
        alerts = new AlertServiceImpl(Configs.of(ReportingConfig.class, Map.of()), alertStore, clock, Runnable::run);
        // The campaign: same sender and subject within the window, and one copy from another sender with its URL.
        entry("g1", "<m1@phish.example>", PHISHER, "Invoice overdue", T, DeliveryStatus.DELIVERED, "alice@corp.example",
                "bob@corp.example");
        entry("g2", "<m2@phish.example>", PHISHER, "Invoice overdue", T.plus(Duration.ofHours(1)),
                DeliveryStatus.DELIVERED, "carol@corp.example");
        entry("g3", "<m3@other.example>", "x@other.example", "Your parcel", T.plus(Duration.ofHours(2)),
                DeliveryStatus.DELIVERED, "frank@corp.example");
        links.recordLinks("g1", List.of("alice@corp.example", "bob@corp.example"), List.of(URL), T);
        links.recordLinks("g3", List.of("frank@corp.example"), List.of(URL, "https://parcel.example/"),
                T.plus(Duration.ofHours(2)));
        // A quarantined copy: part of the campaign, but in nobody's mailbox.
        entry("g4", "<m4@phish.example>", PHISHER, "Invoice overdue", T.minus(Duration.ofHours(1)),
                DeliveryStatus.QUARANTINED, "gina@corp.example");
        // Not the campaign: same sender other subject; same sender and subject but outside P3D; other sender same
        // subject; unrelated mail.
        entry("n1", "<n1@phish.example>", PHISHER, "Newsletter", T.plus(Duration.ofHours(1)), DeliveryStatus.DELIVERED,
                "dave@corp.example");
        entry("n2", "<n2@phish.example>", PHISHER, "Invoice overdue", T.plus(Duration.ofDays(4)),
                DeliveryStatus.DELIVERED, "erin@corp.example");
        entry("n3", "<n3@legit.example>", "ap@legit.example", "Invoice overdue", T, DeliveryStatus.DELIVERED,
                "harry@corp.example");
        entry("n4", "<n4@corp.example>", "boss@corp.example", "Lunch", T, DeliveryStatus.DELIVERED, "alice@corp.example");
        for (String[] copy : new String[][] {{"alice@corp.example", "<m1@phish.example>"},
                {"bob@corp.example", "<m1@phish.example>"}, {"carol@corp.example", "<m2@phish.example>"},
                {"frank@corp.example", "<m3@other.example>"}, {"dave@corp.example", "<n1@phish.example>"},
                {"erin@corp.example", "<n2@phish.example>"}, {"harry@corp.example", "<n3@legit.example>"}}) {
            mailboxes.deliver(copy[0], copy[1]);
        }
    }

    void entry(String id, String messageId, String sender, String subject, Instant at, DeliveryStatus status,
            String... recipients) {
        Envelope env = new Envelope(sender, List.of(recipients), "203.0.113.9", "mx.phish.example", false, at, null, null);
        log.received(new LogEntry(id, messageId, subject, env, List.of(), 1000, null, status, "", at, at));
    }

    CampaignServiceImpl service(boolean withRecall, boolean withAlertStore) {
        return service(withRecall, withAlertStore, Map.of());
    }

    /** With configuration properties, e.g. {@code max.link.deliveries}. */
    CampaignServiceImpl service(boolean withRecall, boolean withAlertStore, Map<String, Object> config) {
        CampaignServiceImpl s = new CampaignServiceImpl(Configs.of(CampaignConfig.class, config), log, clock);
        s.links = links;
        s.alerts = alerts;
        s.alertStore = withAlertStore ? alertStore : null;
        s.mailboxRecall = withRecall ? mailboxes : null;
        return s;
    }

    @Test
    void theCampaignIsTheSameSenderAndSubjectWithinTheWindowPlusEveryCopyOfItsUrls() {
        RecallReport r = service(true, true).recall("g1", "click on a phishing URL", "linkguard");

        assertThat(r.messages()).containsExactlyInAnyOrder("g1", "g2", "g3", "g4");
        assertThat(r.warned()).containsExactlyInAnyOrder("alice@corp.example", "bob@corp.example",
                "carol@corp.example", "frank@corp.example");
        // each delivery's copies by its gateway id, not every message that carries its Message-ID
        assertThat(mailboxes.calls).containsExactlyInAnyOrder("alice@corp.example <m1@phish.example> g1",
                "bob@corp.example <m1@phish.example> g1", "carol@corp.example <m2@phish.example> g2",
                "frank@corp.example <m3@other.example> g3");
        assertThat(r.pulled()).isEqualTo(4);
        assertThat(mailboxes.copiesOf("dave@corp.example", "<n1@phish.example>")).isEqualTo(1);
        assertThat(mailboxes.copiesOf("erin@corp.example", "<n2@phish.example>")).isEqualTo(1);
        assertThat(mailboxes.copiesOf("harry@corp.example", "<n3@legit.example>")).isEqualTo(1);
        assertThat(links.bad).containsOnlyKeys(URL);
        assertThat(links.bad.get(URL)).contains(r.campaignId(), "click on a phishing URL");

        // The earliest copy (the quarantined g4) names the campaign.
        assertThat(r.campaignId()).isEqualTo(CampaignServiceImpl.campaignId("g4")).matches("cmp-[0-9a-f]{12}");
        List<Alert> warnings = alertStore.ofKind("recipient-warned");
        assertThat(warnings).hasSize(4).allSatisfy(a -> {
            assertThat(a.subject()).isEqualTo(r.campaignId() + "/" + a.recipient());
            assertThat(a.title()).contains("removed from your mailbox");
            // four users warned once each: nobody's warning escalates because others were warned too
            assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
            assertThat(a.occurrences()).isEqualTo(1);
        });
        assertThat(warnings).extracting(Alert::recipient).containsExactlyInAnyOrder("alice@corp.example",
                "bob@corp.example", "carol@corp.example", "frank@corp.example");
        assertThat(alertStore.ofKind("campaign-recalled")).singleElement().satisfies(a -> {
            assertThat(a.severity()).isEqualTo(Severity.HIGH);
            assertThat(a.subject()).isEqualTo(r.campaignId());
            assertThat(a.recipient()).isEmpty();
            assertThat(a.detail()).contains("Messages in the campaign: 4 (1 never delivered)",
                    "Recipients warned now: 4", "pulled back: 4", "URLs marked bad: 1 of 1");
        });
    }

    @Test
    void mailTheOrganisationSentOutIsNeverRecalledFromItsOutsideRecipientsNorAreTheyWarned() {
        for (String[] o : new String[][] {{"o1", "customer@client.test"}, {"o2", "buyer@client.test"}}) {
            Envelope env = new Envelope("alice@corp.example", List.of(o[1]), "10.0.0.5", "exch01.corp.internal", false,
                    T, Direction.OUTBOUND, null);
            log.received(new LogEntry(o[0], "<" + o[0] + "@corp.example>", "Quote 42", env, List.of(), 1000, null,
                    DeliveryStatus.DELIVERED, "", T, T));
        }

        RecallReport r = service(true, true).recall("o1", "reported as spam by an administrator", "admin");

        assertThat(r.messages()).containsExactlyInAnyOrder("o1", "o2"); // grouped, but left alone
        assertThat(r.warned()).isEmpty();
        assertThat(mailboxes.calls).isEmpty();
        assertThat(alertStore.ofKind("recipient-warned")).isEmpty();
        assertThat(alertStore.ofKind("campaign-recalled")).singleElement().satisfies(a -> assertThat(a.detail())
                .contains("2 of the copies were sent out by the organisation (outbound)", "Recipients warned now: 0"));
    }

    @Test
    void aSecondRecallFromAnyCopyWarnsNobodyTwiceAndPullsNothingMoreButEscalatesTheAdminAlert() {
        RecallReport first = service(true, true).recall("g1", "click", "linkguard");
        int calls = mailboxes.calls.size();

        // A restarted service (or another node) knows only what the alert store knows.
        RecallReport second = service(true, true).recall("g2", "admin marked it", "admin");

        assertThat(second.campaignId()).isEqualTo(first.campaignId());
        assertThat(second.warned()).isEmpty();
        assertThat(second.outcomes()).isEmpty();
        assertThat(mailboxes.calls).hasSize(calls);
        assertThat(alertStore.ofKind("recipient-warned")).hasSize(4);
        assertThat(alertStore.ofKind("campaign-recalled")).hasSize(2).last()
                // g2 carried no recorded URL, so g3 (found by URL from g1) is not reached from it: 3 pairs.
                .satisfies(a -> assertThat(a.detail()).contains("already handled before: 3"));
        assertThat(alertStore.ofKind("campaign-recalled")).extracting(Alert::severity)
                .containsExactly(Severity.HIGH, Severity.CRITICAL);
    }

    /**
     * Two nodes recall one campaign at the same moment (say a click on its lure on each): node 2's whole recall runs
     * between node 1's look at what was handled before and its warnings. Each recipient is warned once, not once per
     * node (second multi-node audit: the user got two "A fraudulent message was sent to you" alerts and mails).
     */
    @Test
    void twoNodesRecallingOneCampaignAtOnceWarnEachRecipientOnce() {
        CampaignServiceImpl node2 = service(true, true);
        java.util.concurrent.atomic.AtomicBoolean hooked = new java.util.concurrent.atomic.AtomicBoolean();
        AlertStore racing = (AlertStore) java.lang.reflect.Proxy.newProxyInstance(AlertStore.class.getClassLoader(),
                new Class<?>[] {AlertStore.class}, (proxy, method, args) -> {
                    try {
                        return method.invoke(alertStore, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    } finally {
                        if (method.getName().equals("query") && hooked.compareAndSet(false, true)) {
                            node2.recall("g2", "clicked on node 2", "linkguard"); // after node 1's look
                        }
                    }
                });
        CampaignServiceImpl node1 = service(true, true);
        node1.alertStore = racing;
        RecallReport first = node1.recall("g2", "clicked on node 1", "linkguard");

        assertThat(hooked).isTrue();
        List<String> warnedUsers = alertStore.ofKind("recipient-warned").stream().map(Alert::recipient).toList();
        assertThat(warnedUsers).doesNotHaveDuplicates().isNotEmpty();
        assertThat(first.warned()).as("node 2 warned them all").isEmpty();
        assertThat(alertStore.ofKind("campaign-recalled")).hasSize(2).last()
                .satisfies(a -> assertThat(a.detail()).contains("Recipients warned now: 0"));
    }

    @Test
    void aRecipientWhoseWarningFailedIsTriedAgainNextTime() {
        alertStore.down = true;
        RecallReport first = service(true, true).recall("g2", "click", "linkguard");
        assertThat(first.warned()).isEmpty();
        alertStore.down = false;

        RecallReport second = service(true, true).recall("g2", "click", "linkguard");

        assertThat(second.warned()).containsExactlyInAnyOrder("alice@corp.example", "bob@corp.example",
                "carol@corp.example");
    }

    @Test
    void withoutMailboxRecallRecipientsAndAdminsAreStillAlerted() {
        RecallReport r = service(false, true).recall("g1", "click", "linkguard");

        assertThat(r.outcomes()).isEmpty();
        assertThat(r.pulled()).isZero();
        assertThat(r.warned()).hasSize(4);
        assertThat(mailboxes.calls).isEmpty();
        assertThat(alertStore.ofKind("recipient-warned")).allSatisfy(a -> assertThat(a.title()).contains("sent to you"));
        assertThat(alertStore.ofKind("campaign-recalled")).singleElement()
                .satisfies(a -> assertThat(a.detail()).contains("NOT pulled back"));
    }

    @Test
    void withoutAnAlertStoreARecallIsStillIdempotentInThisProcess() {
        CampaignServiceImpl s = service(true, false);
        RecallReport first = s.recall("g1", "click", "linkguard");
        RecallReport second = s.recall("g1", "click", "linkguard");
        assertThat(first.warned()).hasSize(4);
        assertThat(second.warned()).isEmpty();
        assertThat(mailboxes.calls).hasSize(4);
    }

    @Test
    void withoutALinkStoreOnlySenderAndSubjectCount() {
        CampaignServiceImpl s = service(true, true);
        s.links = null;
        RecallReport r = s.recall("g1", "click", "linkguard");
        assertThat(r.messages()).containsExactlyInAnyOrder("g1", "g2", "g4");
        assertThat(links.bad).isEmpty();
    }

    @Test
    void theWindowIsConfigurableAndTheScanIsBounded() {
        CampaignServiceImpl wide = new CampaignServiceImpl(Configs.of(CampaignConfig.class,
                Map.of("campaign.window", "P5D")), log, clock);
        assertThat(wide.recall("g1", "r", "a").messages()).contains("n2");

        CampaignServiceImpl narrow = new CampaignServiceImpl(Configs.of(CampaignConfig.class,
                Map.of("campaign.window", "PT30M")), log, clock);
        assertThat(narrow.recall("g1", "r", "a").messages()).containsExactly("g1");

        for (int i = 0; i < 50; i++) {
            entry("bulk" + i, "<b" + i + "@phish.example>", PHISHER, "Other " + i, T.plus(Duration.ofMinutes(i)),
                    DeliveryStatus.DELIVERED, "x" + i + "@corp.example");
        }
        log.returned.set(0);
        CampaignServiceImpl bounded = new CampaignServiceImpl(Configs.of(CampaignConfig.class,
                Map.of("max.scanned", 10)), log, clock);
        bounded.recall("g1", "r", "a");
        assertThat(log.returned.get()).isEqualTo(10);
    }

    @Test
    void anUnknownMessageOrBadArgumentsAreRefused() {
        CampaignServiceImpl s = service(true, true);
        assertThatThrownBy(() -> s.recall("nope", "r", "a")).isInstanceOf(NoSuchElementException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> s.recall(" ", "r", "a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new CampaignServiceImpl(Configs.of(CampaignConfig.class,
                Map.of("campaign.window", "3 days")), log, clock)).hasMessageContaining("campaign.window");
        assertThatThrownBy(() -> new CampaignServiceImpl(Configs.of(CampaignConfig.class,
                Map.of("max.scanned", 0)), log, clock)).hasMessageContaining("max.scanned");
        assertThat(alertStore.all()).isEmpty();
    }

    @Test
    void aBounceWithTheNullSenderIsNotGroupedWithEveryOtherBounce() {
        entry("b1", "<b1@corp.example>", "", "Undelivered Mail", T, DeliveryStatus.DELIVERED, "ann@corp.example");
        entry("b2", "<b2@corp.example>", "", "Undelivered Mail", T, DeliveryStatus.DELIVERED, "ben@corp.example");
        RecallReport r = service(true, true).recall("b1", "r", "a");
        assertThat(r.messages()).containsExactly("b1");
        assertThat(r.warned()).containsExactly("ann@corp.example");
    }

    @Test
    void aRecipientWhoGotSeveralCopiesIsWarnedOnceForAllOfThemAndEveryCopyIsPulledBack() {
        CapturingIntake intake = new CapturingIntake();
        alerts.intake = intake;
        alerts.directory = new InMemoryDirectory("example.org");
        String lure = "prizes@lure.example";
        entry("c1", "<c1@lure.example>", lure, "You won", T, DeliveryStatus.DELIVERED, "alice@example.org");
        entry("c2", "<c2@lure.example>", lure, "You won", T.plus(Duration.ofMinutes(1)), DeliveryStatus.DELIVERED,
                "Alice@Example.org");
        entry("c3", "<c3@lure.example>", lure, "You won", T.plus(Duration.ofMinutes(2)), DeliveryStatus.DELIVERED,
                "alice@example.org");
        entry("c4", "<c4@lure.example>", lure, "You won", T.plus(Duration.ofMinutes(3)), DeliveryStatus.DELIVERED,
                "bob@example.org");
        mailboxes.deliver("alice@example.org", "<c1@lure.example>");
        mailboxes.deliver("Alice@Example.org", "<c2@lure.example>");
        mailboxes.deliver("alice@example.org", "<c3@lure.example>");
        mailboxes.deliver("bob@example.org", "<c4@lure.example>");

        RecallReport r = service(true, true).recall("c1", "admin marked it", "admin");

        // each address once, in the first spelling met (c1's), whatever the number of copies
        assertThat(r.warned()).containsExactly("alice@example.org", "bob@example.org");
        // but every copy is pulled back
        assertThat(mailboxes.calls).hasSize(4);
        assertThat(r.pulled()).isEqualTo(4);
        for (int i = 1; i <= 3; i++) {
            assertThat(mailboxes.copiesOf("alice@example.org", "<c" + i + "@lure.example>")).isZero();
        }
        assertThat(mailboxes.copiesOf("bob@example.org", "<c4@lure.example>")).isZero();
        // one warning each, not escalated by the recall itself; alice's names her three copies
        List<Alert> warnings = alertStore.ofKind("recipient-warned");
        assertThat(warnings).hasSize(2).allSatisfy(a -> {
            assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
            assertThat(a.occurrences()).isEqualTo(1);
        });
        assertThat(warnings).filteredOn(a -> a.recipient().equalsIgnoreCase("alice@example.org")).singleElement()
                .satisfies(a -> {
                    assertThat(a.recipient()).isEqualTo("alice@example.org");
                    assertThat(a.subject()).isEqualTo(r.campaignId() + "/alice@example.org");
                    assertThat(a.title()).contains("removed from your mailbox", "(3 copies)");
                    assertThat(a.detail()).contains("3 copies");
                });
        assertThat(warnings).filteredOn(a -> a.recipient().equals("bob@example.org")).singleElement()
                .satisfies(a -> assertThat(a.title()).doesNotContain("copies"));
        // one warning mail each (the executor is synchronous, no admin address is set)
        assertThat(intake.received).extracting(m -> m.envelope().recipients())
                .containsExactlyInAnyOrder(List.of("alice@example.org"), List.of("bob@example.org"));
        assertThat(alertStore.ofKind("campaign-recalled")).singleElement().satisfies(a -> assertThat(a.detail())
                .contains("Recipients warned now: 2", "Mailboxes searched: 4", "pulled back: 4"));

        // The one warning remembers all three of alice's copies: a second recall (new instance, from another
        // copy) pulls none of them again and warns nobody.
        RecallReport second = service(true, true).recall("c3", "again", "admin");
        assertThat(second.warned()).isEmpty();
        assertThat(mailboxes.calls).hasSize(4);
        assertThat(alertStore.ofKind("recipient-warned")).hasSize(2);
        assertThat(intake.received).hasSize(2);
    }

    @Test
    void anEverydayUrlTheLureLinksNextToItsBadOneIsNeitherMarkedBadNorUsedToGatherCopies() {
        // Ordinary mail carried the everyday URL two hours before the campaign; the phish copy g2 links to it
        // next to the campaign's own URL. (Audit: one blocked click used to mark every URL of the message bad
        // and recall the ordinary mail too.)
        String everyday = "https://www.wikipedia.org/wiki/Test";
        entry("w0", "<w0@news.example>", "news@news.example", "Weekly digest", T.minus(Duration.ofHours(2)),
                DeliveryStatus.DELIVERED, "ivan@corp.example");
        links.recordLinks("w0", List.of("ivan@corp.example"), List.of(everyday), T.minus(Duration.ofHours(2)));
        links.recordLinks("g2", List.of("carol@corp.example"), List.of(everyday, URL), T.plus(Duration.ofHours(1)));
        mailboxes.deliver("ivan@corp.example", "<w0@news.example>");

        RecallReport r = service(true, true).recall("g2", "a link to phish.example was clicked and blocked",
                "linkguard", List.of(URL));

        // g4, same sender and subject but an hour before the first copy carrying the bad URL, is not a copy
        assertThat(r.messages()).containsExactlyInAnyOrder("g1", "g2", "g3");
        assertThat(r.warned()).doesNotContain("ivan@corp.example");
        assertThat(mailboxes.copiesOf("ivan@corp.example", "<w0@news.example>")).isEqualTo(1);
        assertThat(links.bad).containsOnlyKeys(URL);
        assertThat(alertStore.ofKind("campaign-recalled")).singleElement().satisfies(a -> assertThat(a.detail())
                .contains("URLs marked bad: 1 of 1", "URLs of the message left alone (not judged bad, or carried by "
                        + "ordinary mail before the campaign): 1"));
    }

    @Test
    void anAdminRecallWithoutAUrlKnownBadStillGathersCopiesThroughTheCampaignsOwnUrl() {
        String everyday = "https://www.wikipedia.org/wiki/Test";
        entry("w0", "<w0@news.example>", "news@news.example", "Weekly digest", T.minus(Duration.ofHours(2)),
                DeliveryStatus.DELIVERED, "ivan@corp.example");
        links.recordLinks("w0", List.of("ivan@corp.example"), List.of(everyday), T.minus(Duration.ofHours(2)));
        links.recordLinks("g1", List.of("alice@corp.example"), List.of(everyday), T);

        RecallReport r = service(true, true).recall("g1", "admin marked it", "admin");

        // URL first appeared with the campaign (g1, then g3 from another sender): its own, so g3 is found
        assertThat(r.messages()).containsExactlyInAnyOrder("g1", "g2", "g3", "g4");
        assertThat(links.bad).containsOnlyKeys(URL);
    }

    @Test
    void aUrlKnownBadIsMarkedAndGathersCopiesEvenWhenOrdinaryMailCarriedItBefore() {
        links.recordLinks("n4", List.of("alice@corp.example"), List.of(URL), T.minus(Duration.ofHours(3)));

        // Without a verdict, ordinary mail (n4, three hours earlier) makes URL an everyday one: only sender and
        // subject gather copies, and nothing is marked.
        RecallReport withoutVerdict = service(true, true).recall("g1", "admin marked it", "admin");
        assertThat(withoutVerdict.messages()).containsExactlyInAnyOrder("g1", "g2", "g4");
        assertThat(links.bad).isEmpty();

        RecallReport judged = service(true, true).recall("g1", "clicked and blocked", "linkguard", List.of(URL));
        assertThat(judged.messages()).contains("n4", "g3");
        assertThat(links.bad).containsOnlyKeys(URL);
    }

    @Test
    void aLureSpoofingARealSendersEnvelopeAndSubjectDoesNotPullThatSendersEarlierMailIntoTheCampaign() {
        // Audit: the real newsletter arrives first; a lure with the same envelope sender and subject links to
        // the newsletter's URL, an everyday site and its own bad URL. A click on the bad URL is blocked.
        String newsletterUrl = "https://partner.example/news/2025-03";
        String lureUrl = "https://partner-example.lure.example/login";
        entry("nl", "<nl@partner.example>", "news@partner.example", "Monthly newsletter", T.minus(Duration.ofHours(2)),
                DeliveryStatus.DELIVERED, "bob@corp.example");
        links.recordLinks("nl", List.of("bob@corp.example"), List.of(newsletterUrl), T.minus(Duration.ofHours(2)));
        entry("lure", "<lure@partner.example>", "news@partner.example", "Monthly newsletter", T,
                DeliveryStatus.DELIVERED, "alice@corp.example");
        links.recordLinks("lure", List.of("alice@corp.example"),
                List.of(lureUrl, newsletterUrl, "https://www.wikipedia.org/"), T);
        mailboxes.deliver("bob@corp.example", "<nl@partner.example>");
        mailboxes.deliver("alice@corp.example", "<lure@partner.example>");

        RecallReport r = service(true, true).recall("lure", "a link was clicked and blocked", "linkguard",
                List.of(lureUrl));

        assertThat(r.messages()).containsExactly("lure");
        assertThat(r.warned()).containsExactly("alice@corp.example");
        assertThat(mailboxes.copiesOf("bob@corp.example", "<nl@partner.example>")).isEqualTo(1);
        assertThat(links.bad).containsOnlyKeys(lureUrl);
        assertThat(alertStore.ofKind("recipient-warned")).extracting(Alert::recipient)
                .containsExactly("alice@corp.example");
    }

    /**
     * The organisation's own site is in every signature. It reached ordinary mail before the lure, but the link store
     * answers the newest deliveries only (max.link.deliveries) and, by the time of the recall, ordinary mail after
     * the lure fills that page: it must still not be taken for the campaign's own URL (marked bad for everyone, and
     * every message carrying it recalled).
     */
    @Test
    void aUrlWhoseDeliveriesFillTheLimitIsNotTakenForTheCampaignsOwn() {
        String site = "https://www.corp.example/";
        entry("s0", "<s0@partner.example>", "ann@partner.example", "Meeting", T.minus(Duration.ofHours(3)),
                DeliveryStatus.DELIVERED, "ivan@corp.example");
        links.recordLinks("s0", List.of("ivan@corp.example"), List.of(site), T.minus(Duration.ofHours(3)));
        links.recordLinks("g1", List.of("alice@corp.example"), List.of(site), T);
        for (int i = 0; i < 5; i++) {
            String id = "ord" + i;
            entry(id, "<" + id + "@partner.example>", "ann@partner.example", "Re: Meeting " + i,
                    T.plus(Duration.ofMinutes(10 + i)), DeliveryStatus.DELIVERED, "user" + i + "@corp.example");
            links.recordLinks(id, List.of("user" + i + "@corp.example"), List.of(site),
                    T.plus(Duration.ofMinutes(10 + i)));
            mailboxes.deliver("user" + i + "@corp.example", "<" + id + "@partner.example>");
        }
        CampaignServiceImpl s = service(true, true, Map.of("max.link.deliveries", 5));

        RecallReport r = s.recall("g1", "admin marked it", "admin");

        assertThat(r.messages()).noneMatch(m -> m.startsWith("ord"));
        assertThat(links.bad).doesNotContainKey(site).containsKey(URL);
        for (int i = 0; i < 5; i++) {
            assertThat(mailboxes.copiesOf("user" + i + "@corp.example", "<ord" + i + "@partner.example>")).isEqualTo(1);
        }
    }

    /**
     * A campaign with more copies than max.link.deliveries: its own deliveries fill the page of the newest, which
     * says nothing about mail before it. Its URL is still its own (marked bad, copies pulled by it), as long as no
     * ordinary mail carried it before the first copy.
     */
    @Test
    void aCampaignBiggerThanTheDeliveryLimitStillHasItsUrlTaken() {
        String lure = "https://lure.example/x";
        for (int i = 0; i < 6; i++) {
            String id = "big" + i;
            entry(id, "<" + id + "@lure.example>", "hr" + i + "@lure.example", "Payroll update " + i,
                    T.plus(Duration.ofMinutes(i)), DeliveryStatus.DELIVERED, "user" + i + "@corp.example");
            links.recordLinks(id, List.of("user" + i + "@corp.example"), List.of(lure), T.plus(Duration.ofMinutes(i)));
            mailboxes.deliver("user" + i + "@corp.example", "<" + id + "@lure.example>");
        }
        CampaignServiceImpl s = service(true, true, Map.of("max.link.deliveries", 5));

        RecallReport r = s.recall("big0", "admin marked it", "admin");

        assertThat(links.bad).containsKey(lure);
        assertThat(r.messages()).hasSizeGreaterThanOrEqualTo(5);
        assertThat(mailboxes.copiesOf("user5@corp.example", "<big5@lure.example>")).isZero();
    }

    /** A blank subject says nothing: the sender's other mail without a subject is not a copy. */
    @Test
    void mailWithoutASubjectIsNotGroupedByItsSender() {
        entry("e1", "<e1@scan.example>", "scanner@scan.example", "", T, DeliveryStatus.DELIVERED, "ann@corp.example");
        entry("e2", "<e2@scan.example>", "scanner@scan.example", " ", T.plus(Duration.ofHours(1)),
                DeliveryStatus.DELIVERED, "ben@corp.example");
        mailboxes.deliver("ben@corp.example", "<e2@scan.example>");

        RecallReport r = service(true, true).recall("e1", "admin marked it", "admin");

        assertThat(r.messages()).containsExactly("e1");
        assertThat(r.warned()).containsExactly("ann@corp.example");
        assertThat(mailboxes.copiesOf("ben@corp.example", "<e2@scan.example>")).isEqualTo(1);
    }

    /**
     * A mailbox whose IMAP server failed during the recall keeps its copy: the next recall must try that pull again
     * (and say so), not count the pair as handled; mailboxes that were pulled are not searched again.
     */
    @Test
    void aCopyWhosePullFailedIsPulledAgainByTheNextRecall() {
        mailboxes.down.add("bob@corp.example");
        RecallReport first = service(true, true).recall("g1", "click", "linkguard");
        assertThat(first.outcomes()).anyMatch(o -> !o.error().isEmpty());
        assertThat(mailboxes.copiesOf("bob@corp.example", "<m1@phish.example>")).isEqualTo(1);
        assertThat(alertStore.ofKind("recipient-warned")).filteredOn(a -> a.recipient().equals("bob@corp.example"))
                .singleElement().satisfies(a -> assertThat(a.title()).contains("sent to you"));
        int calls = mailboxes.calls.size();

        // Still down: tried again, but bob is not warned a second time about the same failure.
        RecallReport again = service(true, true).recall("g1", "click", "linkguard");
        assertThat(mailboxes.calls).hasSize(calls + 1).last().asString().startsWith("bob@corp.example");
        assertThat(again.warned()).isEmpty();
        assertThat(alertStore.ofKind("campaign-recalled")).last().satisfies(a -> assertThat(a.detail())
                .contains("1 copies could not be pulled back", "mailboxes with errors: 1"));

        mailboxes.down.clear();
        RecallReport retry = service(true, true).recall("g1", "click", "linkguard");

        assertThat(mailboxes.calls).hasSize(calls + 2).last().asString().startsWith("bob@corp.example");
        assertThat(mailboxes.copiesOf("bob@corp.example", "<m1@phish.example>")).isZero();
        assertThat(retry.pulled()).isEqualTo(1);
        assertThat(retry.warned()).containsExactly("bob@corp.example");
        assertThat(alertStore.ofKind("recipient-warned")).filteredOn(a -> a.recipient().equals("bob@corp.example"))
                .hasSize(2).last().satisfies(a -> assertThat(a.title()).contains("removed from your mailbox"));

        // Once pulled, it is handled.
        service(true, true).recall("g1", "click", "linkguard");
        assertThat(mailboxes.calls).hasSize(calls + 2);
    }

    /**
     * A lure spoofing the organisation links its real intranet page next to the bad one; the real announcement with
     * that link arrives after the lure. An administrator's recall must not take the organisation's own URL for the
     * campaign's: marked bad it would be blocked for everyone, and the real announcement recalled.
     */
    @Test
    void anAdminRecallLeavesTheOrganisationsOwnUrlsAlone() {
        String intranet = "https://intranet.corp.example/benefits";
        links.recordLinks("g1", List.of("alice@corp.example"), List.of(intranet), T);
        entry("hr1", "<hr1@esp.example>", "hr@esp.example", "Benefits update", T.plus(Duration.ofHours(20)),
                DeliveryStatus.DELIVERED, "zoe@corp.example");
        links.recordLinks("hr1", List.of("zoe@corp.example"), List.of(intranet), T.plus(Duration.ofHours(20)));
        mailboxes.deliver("zoe@corp.example", "<hr1@esp.example>");
        CampaignServiceImpl s = service(true, true);
        s.directory = new InMemoryDirectory("corp.example");

        RecallReport r = s.recall("g1", "admin marked it", "admin");

        assertThat(r.messages()).doesNotContain("hr1").contains("g1", "g3");
        assertThat(links.bad).containsOnlyKeys(URL);
        assertThat(mailboxes.copiesOf("zoe@corp.example", "<hr1@esp.example>")).isEqualTo(1);

        // judged bad by the link guard, it counts like any other
        RecallReport judged = service(true, true).recall("g1", "clicked and blocked", "linkguard", List.of(intranet));
        assertThat(judged.messages()).contains("hr1");
    }
    /**
     * A lure sent in three waves to the same 3,400 users: 10,200 (copy, user) pairs, more than one recall handles
     * ({@link CampaignServiceImpl#MAX_PAIRS}). The next recall must go on with the rest: counting the pairs handled
     * before against the bound, it stopped at the same place again, and the last copies were never pulled back.
     */
    @Test
    void aCampaignBiggerThanOneRecallIsFinishedByTheNextRecall() {
        String[] users = java.util.stream.IntStream.range(0, 3400).mapToObj(i -> "u" + i + "@corp.example")
                .toArray(String[]::new);
        for (int k = 1; k <= 3; k++) {
            entry("w" + k, "<w" + k + "@lure.example>", "hr@lure.example", "Payroll update",
                    T.plus(Duration.ofMinutes(k)), DeliveryStatus.DELIVERED, users);
        }

        RecallReport first = service(true, true).recall("w1", "admin marked it", "admin");
        assertThat(first.outcomes()).hasSize(CampaignServiceImpl.MAX_PAIRS);

        RecallReport second = service(true, true).recall("w1", "admin marked it", "admin");
        assertThat(second.outcomes()).hasSize(3 * users.length - CampaignServiceImpl.MAX_PAIRS);
        assertThat(mailboxes.calls.stream().distinct().count()).isEqualTo(3L * users.length);

        RecallReport third = service(true, true).recall("w1", "admin marked it", "admin");
        assertThat(third.outcomes()).isEmpty();
        assertThat(third.warned()).isEmpty();
    }
    /**
     * A lure with no common sender and subject, sent to 2,500 users one message each, whose link a click was blocked
     * on: an automatic recall finds its copies by the link store only. It read the newest 1,000 deliveries, so the
     * 1,500 users who got the lure first kept it and were never warned.
     */
    @Test
    void anAutomaticRecallFindsEveryCopyOfABigCampaignNotOnlyTheNewestPage() {
        String lure = "https://lure.example/sso";
        for (int i = 0; i < 2500; i++) {
            String id = "c" + i;
            String user = "u" + i + "@corp.example";
            Instant at = T.plusSeconds(i / 3); // three deliveries share each instant, across the pages' edges
            entry(id, "<" + id + "@lure" + i + ".example>", "hr" + i + "@lure" + i + ".example", "Note " + i, at,
                    DeliveryStatus.DELIVERED, user);
            links.recordLinks(id, List.of(user), List.of(lure), at);
            mailboxes.deliver(user, "<" + id + "@lure" + i + ".example>");
        }

        RecallReport r = service(true, true).recall("c2499", "clicked and blocked", "linkguard", List.of(lure));

        assertThat(r.messages()).hasSize(2500);
        assertThat(r.pulled()).isEqualTo(2500);
        assertThat(mailboxes.copiesOf("u0@corp.example", "<c0@lure0.example>")).isZero();
        assertThat(mailboxes.calls).doesNotHaveDuplicates();
    }

    /** Pages of the link store are joined without losing or repeating a delivery, also within one instant. */
    @Test
    void deliveriesAreReadPageAfterPageWithoutLossOrRepeat() {
        String url = "https://x.example/";
        // one message to 1,500 recipients (one instant bigger than a page), 700 others in twos, one older alone
        List<String> many = java.util.stream.IntStream.range(0, 1500).mapToObj(i -> "m" + i + "@corp.example").toList();
        links.recordLinks("big", many, List.of(url), T.plusSeconds(500));
        for (int i = 0; i < 700; i++) {
            links.recordLinks("p" + i, List.of("p" + i + "@corp.example"), List.of(url), T.plusSeconds(i / 2));
        }
        links.recordLinks("old", List.of("o@corp.example"), List.of(url), T.minusSeconds(60));

        List<LinkDelivery> all = new ArrayList<>();
        CampaignServiceImpl.pagedDeliveries(links, url, T.minus(Duration.ofDays(1)), 100_000, all);
        // the instant bigger than a page keeps its first 1,000; everything else is read once, newest first
        assertThat(all).hasSize(1000 + 700 + 1).doesNotHaveDuplicates();
        assertThat(all).extracting(LinkDelivery::at).isSortedAccordingTo(Comparator.reverseOrder());
        assertThat(all).filteredOn(d -> d.messageId().startsWith("p")).hasSize(700);
        assertThat(all.get(all.size() - 1).messageId()).isEqualTo("old");

        List<LinkDelivery> some = new ArrayList<>();
        CampaignServiceImpl.pagedDeliveries(links, url, T.minus(Duration.ofDays(1)), 1201, some);
        assertThat(some).hasSize(1201).doesNotHaveDuplicates().startsWith(all.subList(0, 1201).toArray(LinkDelivery[]::new));
    }

    /**
     * The record of what was handled before cannot be read (the alert store's query fails): the copies must still be
     * pulled back and their users warned. The recall threw before pulling anything, after marking the URL bad, and
     * the link guard does not ask again for a while.
     */
    @Test
    void aFailingLookAtTheAlertStoreDoesNotStopTheRecall() {
        alertStore.queriesFailing = true;

        RecallReport r = service(true, true).recall("g1", "click on a phishing URL", "linkguard");

        assertThat(mailboxes.copiesOf("alice@corp.example", "<m1@phish.example>")).isZero();
        assertThat(mailboxes.copiesOf("frank@corp.example", "<m3@other.example>")).isZero();
        assertThat(r.warned()).containsExactlyInAnyOrder("alice@corp.example", "bob@corp.example",
                "carol@corp.example", "frank@corp.example");
        assertThat(alertStore.ofKind("campaign-recalled")).singleElement()
                .satisfies(a -> assertThat(a.detail()).contains("handled before could not be read"));

        // once it can be read again, nobody is warned twice
        alertStore.queriesFailing = false;
        RecallReport again = service(true, true).recall("g2", "click on a phishing URL", "linkguard");
        assertThat(again.warned()).isEmpty();
        assertThat(alertStore.ofKind("recipient-warned")).hasSize(4);
    }
    /**
     * The core logs FAILED for a message it gave up on after retrying, even when some of its recipients had it
     * delivered on an earlier attempt: such a copy is in a mailbox and must be pulled back and its user warned.
     * A recipient whose mailbox holds no copy (the usual FAILED case) is not warned about mail they never got.
     */
    @Test
    void aFailedCopyDeliveredToSomeRecipientsIsPulledBackForThem() {
        entry("g5", "<m5@phish.example>", PHISHER, "Invoice overdue", T.plus(Duration.ofHours(3)),
                DeliveryStatus.FAILED, "ivan@corp.example", "judy@corp.example");
        mailboxes.deliver("ivan@corp.example", "<m5@phish.example>"); // delivered on the first attempt; judy's never

        RecallReport r = service(true, true).recall("g1", "click on a phishing URL", "linkguard");

        assertThat(r.messages()).contains("g5");
        assertThat(mailboxes.copiesOf("ivan@corp.example", "<m5@phish.example>")).isZero();
        assertThat(r.warned()).contains("ivan@corp.example").doesNotContain("judy@corp.example");
    }
    /**
     * A copy the gateway has not delivered yet (DEFERRED: the mail server refused it for now) is not in the mailbox
     * when the campaign is recalled. It must not be taken for handled: delivered later, the next recall pulls it
     * back. It was remembered as handled, and every later recall left it in the mailbox.
     */
    @Test
    void aCopyStillBeingDeliveredIsPulledBackByTheNextRecallOnceItArrives() {
        entry("g6", "<m6@phish.example>", PHISHER, "Invoice overdue", T.plus(Duration.ofHours(3)),
                DeliveryStatus.DEFERRED, "kim@corp.example");

        RecallReport first = service(true, true).recall("g1", "click on a phishing URL", "linkguard");
        assertThat(first.warned()).contains("kim@corp.example");

        mailboxes.deliver("kim@corp.example", "<m6@phish.example>");
        log.status("g6", DeliveryStatus.DELIVERED, "250 ok");
        RecallReport second = service(true, true).recall("g2", "click on a phishing URL", "linkguard");

        assertThat(mailboxes.copiesOf("kim@corp.example", "<m6@phish.example>")).isZero();
        assertThat(second.warned()).containsExactly("kim@corp.example");
        RecallReport third = service(true, true).recall("g2", "click on a phishing URL", "linkguard");
        assertThat(third.warned()).isEmpty();
        assertThat(third.outcomes()).isEmpty();
    }
}
