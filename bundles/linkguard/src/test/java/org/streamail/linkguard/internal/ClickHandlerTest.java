package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.Severity;
import org.streamail.api.alert.AlertService;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.Scanner;

class ClickHandlerTest {

    private static final String URL = "https://bad.example/login?u=1&v=<2>";

    @TempDir
    Path dir;

    private final LinkTokens tokens = new LinkTokens(LinkTokensTest.KEY);
    private final Fakes.FakeScanner scanner = new Fakes.FakeScanner();
    private final Fakes.FakeLinkStore store = new Fakes.FakeLinkStore();
    private final Fakes.FakeAlerts alerts = new Fakes.FakeAlerts();
    private final Fakes.FakeIsolation isolation = new Fakes.FakeIsolation(Set.of("10.0.0.2"));
    private final Fakes.FakeCampaigns campaigns = new Fakes.FakeCampaigns();
    private final List<Runnable> queued = new ArrayList<>();
    private final MutableClock clock = new MutableClock();
    private boolean scannerPresent = true;
    private Path arp;

    @BeforeEach
    void arpTable() throws Exception {
        arp = dir.resolve("arp");
        Files.writeString(arp, "IP address       HW type     Flags       HW address            Mask     Device\n"
                + "10.0.0.7         0x1         0x2         AA:bb:cc:dd:ee:07     *        eth0\n"
                + "10.0.0.8         0x1         0x0         00:00:00:00:00:00     *        eth0\n");
    }

    private ClickHandler handler(Settings settings) {
        Executor later = queued::add; // recalls must not run on the request thread
        return new ClickHandler(settings, tokens, services(), new NeighbourTable(arp), later, Runnable::run, clock);
    }

    private ClickHandler.Services services() {
        return new ClickHandler.Services() {
            @Override
            public Scanner scanner() {
                return scannerPresent ? scanner : null;
            }

            @Override
            public LinkStore store() {
                return store;
            }

            @Override
            public AlertService alerts() {
                return alerts;
            }

            @Override
            public IsolationService isolation() {
                return isolation;
            }

            @Override
            public CampaignService campaigns() {
                return campaigns;
            }
        };
    }

    private ClickHandler handler() {
        return handler(TestSettings.defaults(dir.resolve("key")));
    }

    private String token(String url) {
        return tokens.sign("m-42", "alice@corp.example", url).orElseThrow();
    }

    private static ClickHandler.Request get(String token, String remote, String... xff) {
        return new ClickHandler.Request("GET", "/" + token, remote, List.of(xff));
    }

    private static Verdict phishing(double score, Action action) {
        return new Verdict(action, score, List.of(Category.PHISHING),
                List.of(new Finding("phishing", "link-login-page", score, Category.PHISHING, "asks for a password")),
                "score " + score);
    }

    @Test
    void aCleanLinkRedirectsToTheOriginalAndIsRecorded() {
        ClickHandler.Response r = handler().handle(get(token("https://example.com/a b?q=1"), "10.0.0.7"));
        assertThat(r.status()).isEqualTo(302);
        assertThat(r.headers()).containsEntry("Location", "https://example.com/a%20b?q=1")
                .containsEntry("Cache-Control", "no-store").containsEntry("X-Content-Type-Options", "nosniff")
                .containsEntry("Referrer-Policy", "no-referrer");
        assertThat(store.clicks).singleElement().satisfies(c -> {
            assertThat(c.blocked()).isFalse();
            assertThat(c.url()).isEqualTo("https://example.com/a b?q=1");
            assertThat(c.clientIp()).isEqualTo("10.0.0.7");
            assertThat(c.messageId()).isEqualTo("m-42");
            assertThat(c.recipient()).isEqualTo("alice@corp.example");
        });
        assertThat(alerts.raised).isEmpty();
        assertThat(isolation.calls).isEmpty();
        // The scanner saw one link whose text is the URL itself, from the null sender.
        String probe = new String(scanner.scanned.get(0), StandardCharsets.US_ASCII);
        assertThat(probe).contains("Content-Type: text/html; charset=UTF-8");
        assertThat(scanner.envelopes.get(0).sender()).isEmpty();
    }

    @Test
    void aLocationCannotCarryAHeaderInjection() {
        ClickHandler.Response r = handler().handle(get(token("https://example.com/x\r\nSet-Cookie: a=b"), "10.0.0.7"));
        assertThat(r.status()).isEqualTo(302);
        // Line breaks are dropped as a browser drops them from an href; what remains is percent-encoded.
        assertThat(r.headers().get("Location")).isEqualTo("https://example.com/xSet-Cookie:%20a=b");
        ClickHandler.Response odd = handler().handle(get(token("https://example.com/\u00e9\"<x>"), "10.0.0.7"));
        assertThat(odd.headers().get("Location")).isEqualTo("https://example.com/%C3%A9%22%3Cx%3E");
    }

    @Test
    void aLinkTheScannerFindsBadShowsTheBlockPageRecordsAlertsIsolatesAndRecalls() {
        scanner.verdict = phishing(6.0, Action.TAG);
        ClickHandler.Response r = handler().handle(get(token(URL), "10.0.0.7"));
        assertThat(r.status()).isEqualTo(403);
        String page = new String(r.body(), StandardCharsets.UTF_8);
        assertThat(page).contains("This link was blocked").contains("https://bad.example/login?u=1&amp;v=&lt;2&gt;")
                .contains("link-login-page").contains("IT department has been alerted").doesNotContain("<2>");
        assertThat(r.headers().get("Content-Security-Policy")).startsWith("default-src 'none'");
        assertThat(store.clicks).singleElement().satisfies(c -> {
            assertThat(c.blocked()).isTrue();
            assertThat(c.clientIp()).isEqualTo("10.0.0.7");
            assertThat(c.mac()).isEqualTo("aa:bb:cc:dd:ee:07");
            assertThat(c.reason()).contains("phishing/link-login-page");
        });
        AlertRequest alert = alerts.raised.get(0);
        assertThat(alert.kind()).isEqualTo("click-blocked");
        assertThat(alert.severity()).isEqualTo(Severity.HIGH);
        assertThat(alert.subject()).isEqualTo("10.0.0.7");
        assertThat(alert.messageId()).isEqualTo("m-42");
        assertThat(alert.recipient()).isEqualTo("alice@corp.example");
        // viewers read alerts: the URL without its query (the whole one is in the click record)
        assertThat(alert.detail()).contains("opened a link to https://bad.example/login?\u2026 from message m-42")
                .doesNotContain("u=1");
        assertThat(store.clicks.get(0).url()).isEqualTo(URL);
        // and one for the admins keyed on the link's host, so clicks from other hosts escalate it
        AlertRequest campaign = alerts.raised.get(1);
        assertThat(campaign.kind()).isEqualTo("campaign-clicked");
        assertThat(campaign.subject()).isEqualTo("bad.example");
        assertThat(campaign.recipient()).isEmpty();
        assertThat(campaign.messageId()).isEqualTo("m-42");
        assertThat(alerts.raised).hasSize(2);
        assertThat(isolation.calls).singleElement().satisfies(call -> {
            assertThat(call.get(0)).isEqualTo("10.0.0.7");
            assertThat(call.get(1)).isEqualTo("aa:bb:cc:dd:ee:07");
            assertThat(call.get(3)).isNull();
            assertThat(call.get(4)).isEqualTo("linkguard");
        });
        assertThat(campaigns.recalls).as("queued, not run on the request thread").isEmpty();
        assertThat(queued).hasSize(1);
        queued.get(0).run();
        assertThat(campaigns.recalls).singleElement().satisfies(c -> {
            assertThat(c.get(0)).isEqualTo("m-42");
            assertThat(c.get(2)).isEqualTo("linkguard");
        });
    }

    @Test
    void repeatedBlockedClicksOnOneMessageQueueItsRecallOncePerWindowButStillAlertEachTime() {
        scanner.verdict = phishing(6.0, Action.TAG);
        ClickHandler h = handler();
        for (int i = 0; i < 50; i++) {
            assertThat(h.handle(get(token(URL), "10.0.0." + (i % 5 + 7))).status()).isEqualTo(403);
        }
        assertThat(queued).as("one recall for one message, however many clicks").hasSize(1);
        assertThat(store.clicks).hasSize(50);
        assertThat(alerts.raised).hasSize(100);
        clock.advance(ClickHandler.RECALL_DEDUP.minusSeconds(1));
        h.handle(get(token(URL), "10.0.0.7"));
        assertThat(queued).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        h.handle(get(token(URL), "10.0.0.7"));
        assertThat(queued).as("after the window, a new delivery of the campaign may have arrived").hasSize(2);
        // another message is recalled on its own
        h.handle(get(tokens.sign("m-43", "bob@corp.example", URL).orElseThrow(), "10.0.0.7"));
        assertThat(queued).hasSize(3);
    }

    @Test
    void aRecallTheFullQueueRejectedIsTriedAgainAtTheNextClick() {
        scanner.verdict = phishing(6.0, Action.TAG);
        int[] offered = new int[1];
        Executor full = job -> {
            offered[0]++;
            if (offered[0] == 1) {
                throw new java.util.concurrent.RejectedExecutionException("full");
            }
            queued.add(job);
        };
        ClickHandler h = new ClickHandler(TestSettings.defaults(dir.resolve("key")), tokens, services(), new NeighbourTable(arp),
                full, Runnable::run, clock);
        h.handle(get(token(URL), "10.0.0.7"));
        assertThat(queued).isEmpty();
        h.handle(get(token(URL), "10.0.0.7"));
        assertThat(queued).hasSize(1);
    }

    @Test
    void aQuarantineVerdictBlocksEvenBelowTheScore() {
        scanner.verdict = new Verdict(Action.QUARANTINE, 9, List.of(Category.SPAM),
                List.of(new Finding("spam", "reported", 9, Category.SPAM, "")), "score 9 >= 8");
        assertThat(handler().handle(get(token(URL), "10.0.0.7")).status()).isEqualTo(403);
    }

    @Test
    void aWeakFindingDoesNotBlock() {
        scanner.verdict = phishing(4.9, Action.TAG);
        assertThat(handler().handle(get(token(URL), "10.0.0.7")).status()).isEqualTo(302);
    }

    @Test
    void aUrlMarkedBadInTheStoreIsBlockedWithoutAScan() {
        store.markBad(URL, "campaign c-1 recalled", Instant.now());
        ClickHandler.Response r = handler().handle(get(token(URL), "10.0.0.9"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("campaign c-1 recalled");
        assertThat(scanner.scanned).isEmpty();
        assertThat(store.clicks.get(0).mac()).isEmpty(); // not in the neighbour table
    }

    @Test
    void anAllowListedHostStillGetsTheBlockPage() {
        scanner.verdict = phishing(8, Action.QUARANTINE);
        ClickHandler.Response r = handler().handle(get(token(URL), "10.0.0.2"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("This link was blocked")
                .doesNotContain("disconnected");
        assertThat(isolation.calls).as("known to be allow-listed before anything is queued").isEmpty();
        assertThat(alerts.raised).extracting(AlertRequest::kind).containsExactly("click-blocked", "campaign-clicked");
    }

    @Test
    void isolationRunsOffTheRequestThreadOncePerHostAtATime() {
        scanner.verdict = phishing(8, Action.QUARANTINE);
        List<Runnable> isolations = new ArrayList<>();
        boolean[] full = {false};
        Executor isolator = job -> {
            if (full[0]) {
                throw new java.util.concurrent.RejectedExecutionException("full");
            }
            isolations.add(job);
        };
        ClickHandler h = new ClickHandler(TestSettings.defaults(dir.resolve("key")), tokens, services(),
                new NeighbourTable(arp), queued::add, isolator, clock);
        ClickHandler.Response first = h.handle(get(token(URL), "10.0.0.7"));
        assertThat(new String(first.body(), StandardCharsets.UTF_8)).contains("disconnected");
        assertThat(isolation.calls).as("the page does not wait for the firewall").isEmpty();
        // the same host clicking again before its isolation ran queues nothing more; another host does
        h.handle(get(token(URL), "10.0.0.7"));
        h.handle(get(token(URL), "10.0.0.8"));
        assertThat(isolations).hasSize(2);
        isolations.forEach(Runnable::run);
        assertThat(isolation.calls).extracting(c -> c.get(0)).containsExactly("10.0.0.7", "10.0.0.8");
        assertThat(isolation.calls.get(0).get(1)).isEqualTo("aa:bb:cc:dd:ee:07");
        // once done, a later click from the host is isolated again (an extension)
        h.handle(get(token(URL), "10.0.0.7"));
        assertThat(isolations).hasSize(3);
        // a full queue: the page does not promise an isolation, and the host is queued at its next click
        full[0] = true;
        ClickHandler.Response refused = h.handle(get(token(URL), "10.0.0.9"));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).doesNotContain("disconnected");
        full[0] = false;
        h.handle(get(token(URL), "10.0.0.9"));
        assertThat(isolations).hasSize(4);
        assertThat(store.clicks).hasSize(6);
    }

    @Test
    void aTrustedProxyIsNeverIsolatedWhenTheClientBehindItIsUnknown() {
        // Audit: without a usable X-Forwarded-For the click was pinned on the proxy, which was then isolated,
        // cutting off everyone behind it.
        scanner.verdict = phishing(8, Action.QUARANTINE);
        ClickHandler h = handler(TestSettings.withProxies(TestSettings.defaults(dir.resolve("key")), "192.0.2.0/24"));
        ClickHandler.Response r = h.handle(get(token(URL), "192.0.2.10"));
        h.handle(get(token(URL), "192.0.2.10", "garbage"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).doesNotContain("disconnected");
        assertThat(isolation.calls).isEmpty();
        assertThat(store.clicks).extracting(Click::clientIp).containsExactly("192.0.2.10", "192.0.2.10");
        assertThat(alerts.raised).extracting(AlertRequest::kind).contains("click-blocked");
    }

    @Test
    void forwardedForIsHonouredOnlyFromTrustedProxies() {
        scanner.verdict = phishing(8, Action.QUARANTINE);
        Settings trusted = TestSettings.withProxies(TestSettings.defaults(dir.resolve("key")), "192.0.2.0/24");
        ClickHandler h = handler(trusted);
        h.handle(get(token(URL), "192.0.2.10", "203.0.113.5, 10.0.0.7", "192.0.2.11"));
        h.handle(get(token(URL), "198.51.100.1", "10.0.0.99"));
        assertThat(store.clicks).extracting(Click::clientIp).containsExactly("10.0.0.7", "198.51.100.1");
        assertThat(isolation.calls).extracting(c -> c.get(0)).containsExactly("10.0.0.7", "198.51.100.1");
    }

    @Test
    void aTamperedOrMissingTokenGetsA400WithoutDetails() {
        String t = token("https://example.com/");
        String tampered = t.substring(0, 5) + (t.charAt(5) == 'A' ? 'B' : 'A') + t.substring(6);
        for (String path : new String[] {"/" + tampered, "/", "", null, "/a/b", "/" + "x".repeat(9000)}) {
            ClickHandler.Response r = handler().handle(new ClickHandler.Request("GET", path, "10.0.0.7", List.of()));
            assertThat(r.status()).as("path %s", path).isEqualTo(400);
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("This link is not valid")
                    .doesNotContain("HMAC").doesNotContain("signature");
        }
        assertThat(store.clicks).isEmpty();
        assertThat(scanner.scanned).isEmpty();
    }

    @Test
    void theUncheckedLinkOfAnUnguardableUrlIsAPageThatOpensNothingAndIsolatesNoOne() {
        ClickHandler.Response r = handler().handle(get(LinkRewriter.UNCHECKED, "10.0.0.7"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers()).doesNotContainKey("Location").containsEntry("Cache-Control", "no-store");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("was not opened");
        assertThat(scanner.scanned).isEmpty();
        assertThat(store.clicks).isEmpty();
        assertThat(isolation.calls).isEmpty();
    }

    @Test
    void otherMethodsGet405() {
        for (String method : List.of("PUT", "DELETE", "HEAD", "OPTIONS", "get")) {
            ClickHandler.Response r = handler().handle(new ClickHandler.Request(method, "/" + token(URL), "10.0.0.7",
                    List.of()));
            assertThat(r.status()).as(method).isEqualTo(405);
            assertThat(r.headers()).containsEntry("Allow", "GET, POST");
        }
        assertThat(scanner.scanned).isEmpty();
    }

    private String formToken(String url) {
        return tokens.sign("m-42", "alice@corp.example", url, LinkTokens.Kind.FORM).orElseThrow();
    }

    @Test
    void aFormIsNeverForwardedNotEvenUnderFailOpenOrWhenItsTokenIsClickedAsALink() {
        ClickHandler.Response clicked = handler().handle(get(formToken("https://example.com/login"), "10.0.0.7"));
        assertThat(clicked.status()).isEqualTo(200);
        assertThat(clicked.headers()).doesNotContainKey("Location");
        assertThat(new String(clicked.body(), StandardCharsets.UTF_8)).contains("Form not sent")
                .contains("<a href=\"https://example.com/\"").doesNotContain("/login");
        scannerPresent = false;
        ClickHandler failOpen = handler(TestSettings.withFailOpen(TestSettings.defaults(dir.resolve("key")), true));
        ClickHandler.Response r = failOpen.handle(new ClickHandler.Request("POST", "/" + formToken(URL), "10.0.0.7",
                List.of()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers()).doesNotContainKey("Location");
        ClickHandler.Response closed = handler().handle(new ClickHandler.Request("POST", "/" + formToken(URL),
                "10.0.0.7", List.of()));
        assertThat(closed.status()).isEqualTo(503);
        assertThat(isolation.calls).isEmpty();
    }

    @Test
    void aBlockedFormSubmissionDoesAllABlockedClickDoes() {
        scanner.verdict = phishing(6.0, Action.TAG);
        ClickHandler.Response r = handler().handle(new ClickHandler.Request("POST", "/" + formToken(URL), "10.0.0.7",
                List.of()));
        assertThat(r.status()).isEqualTo(403);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("This form was blocked")
                .contains("https://bad.example/login?u=1&amp;v=&lt;2&gt;").contains("disconnected");
        assertThat(store.clicks).singleElement().satisfies(c -> {
            assertThat(c.blocked()).isTrue();
            assertThat(c.mac()).isEqualTo("aa:bb:cc:dd:ee:07");
            assertThat(c.reason()).startsWith("form submission, not sent: ").contains("phishing/link-login-page");
        });
        assertThat(alerts.raised).extracting(AlertRequest::kind).containsExactly("click-blocked", "campaign-clicked");
        assertThat(alerts.raised.get(0).title()).startsWith("Blocked form submission");
        assertThat(isolation.calls).singleElement().satisfies(call -> assertThat(call.get(2).toString())
                .startsWith("submitted a blocked form to bad.example"));
        assertThat(queued).hasSize(1);
        queued.get(0).run();
        assertThat(campaigns.recalls).singleElement().satisfies(c -> assertThat(c.get(1)).contains("a form sending to"));
        // an unguardable form target: the page says the form was not sent
        ClickHandler.Response unchecked = handler().handle(new ClickHandler.Request("POST", "/" + LinkRewriter.UNCHECKED,
                "10.0.0.7", List.of()));
        assertThat(unchecked.status()).isEqualTo(403);
        assertThat(new String(unchecked.body(), StandardCharsets.UTF_8)).contains("was not sent");
    }

    @Test
    void aCachedVerdictIsNotRescannedUntilItExpires() {
        ClickHandler h = handler();
        h.handle(get(token(URL), "10.0.0.7"));
        h.handle(get(token(URL), "10.0.0.8"));
        assertThat(scanner.scanned).hasSize(1);
        clock.advance(Duration.ofSeconds(31));
        h.handle(get(token(URL), "10.0.0.7"));
        assertThat(scanner.scanned).hasSize(2);
    }

    @Test
    void withoutAScannerTheClickFailsSafeUnlessFailOpen() {
        scannerPresent = false;
        ClickHandler.Response r = handler().handle(get(token(URL), "10.0.0.7"));
        assertThat(r.status()).isEqualTo(503);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("Unable to check");
        Settings open = TestSettings.withFailOpen(TestSettings.defaults(dir.resolve("key")), true);
        assertThat(handler(open).handle(get(token(URL), "10.0.0.7")).status()).isEqualTo(302);
    }

    @Test
    void judgingCountsOnlyPhishingAndMalwareForTheScore() {
        Verdict spamOnly = new Verdict(Action.TAG, 20, List.of(Category.SPAM),
                List.of(new Finding("spam", "bulk", 20, Category.SPAM, "")), "tag");
        assertThat(ClickHandler.judge(spamOnly, 5).bad()).isFalse();
        Verdict malware = new Verdict(Action.DELIVER, 5, List.of(Category.MALWARE),
                List.of(new Finding("clamav", "hit", 5, Category.MALWARE, "Eicar")), "x");
        assertThat(ClickHandler.judge(malware, 5).bad()).isTrue();
        assertThat(ClickHandler.judge(Verdict.clean(), 5).bad()).isFalse();
    }

    private void arpTable(String... lines) throws Exception {
        Files.writeString(arp, "IP address       HW type     Flags       HW address            Mask     Device\n"
                + String.join("\n", lines) + "\n");
    }

    /** What {@code run} logged: slf4j-simple writes to the System.err of the moment. */
    private static String logOf(Runnable run) {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream logs = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(stderr);
        }
        String text = logs.toString(StandardCharsets.UTF_8);
        stderr.print(text);
        return text;
    }

    @Test
    void aMacOtherAddressesShareIsRecordedAndAlertedButNotUsedToIsolate() throws Exception {
        // 10.0.0.5 and two more addresses behind one MAC: a router, proxy ARP or a range extender
        arpTable("10.0.0.5         0x1         0x2         aa:bb:cc:dd:ee:01     *        eth0",
                "10.0.0.6         0x1         0x2         aa:bb:cc:dd:ee:01     *        eth0",
                "10.0.0.1         0x1         0x2         AA:BB:CC:DD:EE:01     *        eth0");
        scanner.verdict = phishing(6.0, Action.TAG);
        ClickHandler h = handler();
        ClickHandler.Response[] r = new ClickHandler.Response[1];
        String log = logOf(() -> r[0] = h.handle(get(token(URL), "10.0.0.5")));
        assertThat(r[0].status()).isEqualTo(403);
        assertThat(new String(r[0].body(), StandardCharsets.UTF_8)).contains("disconnected");
        assertThat(isolation.calls).singleElement().satisfies(call -> {
            assertThat(call.get(0)).isEqualTo("10.0.0.5");
            assertThat(call.get(1)).as("the MAC would cut the other hosts too").isNull();
        });
        // the record and the alert keep the MAC, and the alert says why it was not used
        assertThat(store.clicks).singleElement().satisfies(c -> assertThat(c.mac()).isEqualTo("aa:bb:cc:dd:ee:01"));
        assertThat(alerts.raised.get(0).detail()).contains("Host 10.0.0.5 (MAC aa:bb:cc:dd:ee:01)")
                .contains("The MAC aa:bb:cc:dd:ee:01 is shared by 2 other IPv4 addresses in the neighbour table"
                        + " (a router, proxy ARP or a range extender): it is not used to isolate, so isolating 10.0.0.5"
                        + " cuts its address only.");
        if (org.slf4j.LoggerFactory.getLogger(ClickHandler.class).isWarnEnabled()) {
            assertThat(log).containsOnlyOnce("MAC aa:bb:cc:dd:ee:01 is shared by 2 other IPv4 addresses in the"
                    + " neighbour table (a router, proxy ARP or a range extender): isolating 10.0.0.5 by its address only");
        }
    }

    @Test
    void aMacOnlyIncompleteEntriesOrTheSameAddressOnOtherDevicesHaveIsUsedToIsolate() throws Exception {
        arpTable("10.0.0.5         0x1         0x2         aa:bb:cc:dd:ee:01     *        eth0",
                "10.0.0.5         0x1         0x2         aa:bb:cc:dd:ee:01     *        br0",
                "10.0.0.6         0x1         0x0         aa:bb:cc:dd:ee:01     *        eth0",
                "10.0.0.9         0x1         0x0         00:00:00:00:00:00     *        eth0",
                "10.0.0.7         0x1         0x2         aa:bb:cc:dd:ee:07     *        eth0");
        scanner.verdict = phishing(6.0, Action.TAG);
        ClickHandler h = handler();
        String log = logOf(() -> h.handle(get(token(URL), "10.0.0.5")));
        assertThat(isolation.calls).singleElement().satisfies(call -> assertThat(call.get(1)).isEqualTo("aa:bb:cc:dd:ee:01"));
        assertThat(alerts.raised.get(0).detail()).contains("(MAC aa:bb:cc:dd:ee:01)").doesNotContain("not used");
        assertThat(log).doesNotContain("by its address only");
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
