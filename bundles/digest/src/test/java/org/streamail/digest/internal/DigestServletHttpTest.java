package org.streamail.digest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.digest.internal.DigestFakes.entry;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.streamail.api.model.Category;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.digest.internal.DigestFakes.FakeAlerts;
import org.streamail.digest.internal.DigestFakes.FakeQuarantine;

/**
 * {@link DigestServlet} behind a real Jetty (the one of pax-web) over real sockets, with in-memory services: what a
 * user's browser, a mail scanner prefetching the link, and somebody guessing ids each get.
 */
class DigestServletHttpTest {

    private static final String ALICE = "alice@corp.example";
    private static final String BOB = "bob@corp.example";
    private static final Instant NOW = DigestFakes.T0.plusSeconds(3600);
    private static final String HOSTILE = "<script>alert(1)</script> \u202Efdp.exe \"q\" & 'a'";

    private final FakeQuarantine quarantine = new FakeQuarantine();
    private final FakeAlerts alerts = new FakeAlerts();
    private final DigestTokens tokens = new DigestTokens(DigestTokensTest.KEY);
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private volatile QuarantineService present = quarantine;
    private Server server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        quarantine.add(entry("q-spam", "Cheap watches", 1, List.of(Category.SPAM), ALICE))
                .add(entry("q-phish", HOSTILE, 2, List.of(Category.PHISHING), ALICE))
                .add(entry("q-shared", "Team lunch", 3, List.of(Category.SPAM), ALICE, BOB))
                .add(entry("q-bob", "Bob's secret", 4, List.of(Category.SPAM), BOB))
                .add(entry("q-old", "Already released", 5, List.of(Category.SPAM), ALICE));
        quarantine.release("q-old", "admin");
        quarantine.releases.clear();
        DigestSettings settings = new DigestSettings(false, LocalTime.of(8, 0), ZoneId.of("Europe/Paris"), "", null,
                Duration.ofDays(14), Set.of(Category.SPAM), 50, 20_000, Duration.ofDays(1), "", "", true);
        DigestServlet servlet = new DigestServlet(settings, DigestTokensTest.KEY, () -> present, () -> alerts,
                () -> null,
                Clock.fixed(NOW, ZoneOffset.UTC));
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.setContextPath(DigestContextHelper.PATH);
        context.addServlet(new ServletHolder(servlet), "/*");
        server.setHandler(context);
        server.start();
        base = "http://127.0.0.1:" + connector.getLocalPort() + DigestContextHelper.PATH + "/";
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
    }

    private String link(String recipient) {
        return base + tokens.issue(recipient, NOW.plus(Duration.ofDays(14)));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static void assertSecurityHeaders(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("Cache-Control")).contains("no-store");
        assertThat(r.headers().firstValue("Referrer-Policy")).contains("no-referrer");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).contains("DENY");
        assertThat(r.headers().firstValue("Content-Security-Policy")).contains(DigestPages.CSP);
        assertThat(DigestPages.CSP).startsWith("default-src 'none'").contains("form-action 'self'")
                .contains("frame-ancestors 'none'").doesNotContain("script-src");
        assertThat(r.headers().firstValue("Content-Type").orElseThrow().replace(" ", "").toLowerCase())
                .isEqualTo("text/html;charset=utf-8");
    }

    /** The buttons of the page: each form's hidden id and its label. */
    private static List<String> buttons(String page) {
        Matcher m = Pattern.compile("<input type=\"hidden\" name=\"id\" value=\"([^\"]*)\"><button type=\"submit\">"
                + "([^<]*)</button>").matcher(page);
        return m.results().map(x -> x.group(1) + "=" + x.group(2)).toList();
    }

    @Test
    void theListShowsOnlyThisUsersHeldMessagesAndChangesNothing() throws Exception {
        HttpResponse<String> r = get(link("Alice@Corp.Example"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertSecurityHeaders(r);
        assertThat(buttons(r.body())).containsExactly("q-shared=" + DigestPages.RELEASE_LABEL,
                "q-phish=" + DigestPages.ASK_LABEL, "q-spam=" + DigestPages.RELEASE_LABEL);
        assertThat(r.body()).contains(ALICE).contains("Cheap watches").contains("Team lunch")
                .contains("sender@bad.example").contains("2026-03-01 10:01").contains("spam").contains("phishing")
                .doesNotContain("Bob's secret").doesNotContain("q-bob").doesNotContain("Already released")
                .doesNotContain("class=\"done\"");
        assertThat(quarantine.releases).isEmpty();
        assertThat(alerts.raised).isEmpty();
        assertThat(alerts.keys).isEmpty();
        assertThat(quarantine.status("q-spam")).isEqualTo(QuarantineEntry.Status.HELD);

        HttpResponse<String> head = send(HttpRequest.newBuilder(URI.create(link(ALICE)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()));
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertSecurityHeaders(head);
        assertThat(quarantine.releases).isEmpty();
    }

    @Test
    void aPostReleasesAndRedirectsToTheListWhichSaysSo() throws Exception {
        String link = link(ALICE);
        HttpResponse<String> r = post(link, "id=q-spam");

        assertThat(r.statusCode()).isEqualTo(303);
        assertSecurityHeaders(r);
        String location = r.headers().firstValue("Location").orElseThrow();
        assertThat(location).endsWith(URI.create(link).getPath() + "?done=released");
        assertThat(quarantine.status("q-spam")).isEqualTo(QuarantineEntry.Status.RELEASED);
        assertThat(quarantine.releases).containsExactly("q-spam to " + ALICE + " by digest:" + ALICE);

        HttpResponse<String> after = get(URI.create(link).resolve(location).toString());
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(after.body()).contains("<p class=\"done\">" + DigestPages.outcome(ReleaseDesk.Outcome.RELEASED))
                .doesNotContain("Cheap watches");
        assertThat(get(link + "?done=%3Cscript%3E").body()).doesNotContain("class=\"done\"");
    }

    @Test
    void aPostAsksTheAdministratorsOnceForWhatTheUserMayNotRelease() throws Exception {
        String link = link(ALICE);
        assertThat(post(link, "id=q-phish").headers().firstValue("Location").orElseThrow())
                .endsWith("?done=requested");
        assertThat(post(link, "id=q-phish").headers().firstValue("Location").orElseThrow())
                .endsWith("?done=already_requested");
        assertThat(alerts.raised).singleElement().satisfies(a -> assertThat(a.subject()).isEqualTo("q-phish"));
        assertThat(quarantine.status("q-phish")).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(quarantine.releases).isEmpty();
    }

    @Test
    void anotherUsersIdIsGoneAndNothingChanges() throws Exception {
        HttpResponse<String> r = post(link(ALICE), "id=q-bob");
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location").orElseThrow()).endsWith("?done=gone");
        assertThat(post(link(ALICE), "id=no-such-id").headers().firstValue("Location").orElseThrow())
                .endsWith("?done=gone");
        assertThat(quarantine.status("q-bob")).isEqualTo(QuarantineEntry.Status.HELD);
        assertThat(quarantine.releases).isEmpty();
        assertThat(alerts.raised).isEmpty();
    }

    @Test
    void aHostileSubjectIsShownEscapedOnOneLineWithoutBidiOverride() throws Exception {
        String body = get(link(ALICE)).body();
        assertThat(body).doesNotContain("<script>").doesNotContain("\u202E")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; fdp.exe &quot;q&quot; &amp; &#39;a&#39;");
    }

    @Test
    void badLinksGetTheInvalidLinkPage() throws Exception {
        String good = tokens.issue(ALICE, NOW.plus(Duration.ofDays(1)));
        List<String> bad = List.of(
                base + tokens.issue(ALICE, NOW), // expired this second
                base + new DigestTokens("another key, also 32 bytes long!!".getBytes()).issue(ALICE,
                        NOW.plusSeconds(60)),
                base + good.substring(0, good.length() - 1) + (good.endsWith("A") ? "B" : "A"),
                base, base + good + "/more", base + "x/" + good, base + "v1." + "A".repeat(2000) + ".AAAA");
        for (String url : bad) {
            HttpResponse<String> r = get(url);
            assertThat(r.statusCode()).as(url).isEqualTo(404);
            assertThat(r.body()).as(url).contains("Link not valid").doesNotContain("Cheap watches");
            assertSecurityHeaders(r);
            assertThat(post(url, "id=q-spam").statusCode()).as(url).isEqualTo(404);
        }
        assertThat(quarantine.releases).isEmpty();
    }

    @Test
    void otherMethodsAreNotAllowed() throws Exception {
        for (String method : List.of("PUT", "DELETE", "PATCH")) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(link(ALICE)))
                    .method(method, HttpRequest.BodyPublishers.ofString("id=q-spam")));
            assertThat(r.statusCode()).as(method).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).contains("GET, HEAD, POST");
            assertSecurityHeaders(r);
        }
        assertThat(quarantine.releases).isEmpty();
    }

    @Test
    void malformedAndOversizedFormsChangeNothing() throws Exception {
        String link = link(ALICE);
        for (String body : List.of("", "id=", "id=q-spam&id=q-phish", "id=q-spam&x=1", "x=q-spam", "id=%zz",
                "id=q%0Aspam", "id=" + "a".repeat(300))) {
            assertThat(post(link, body).statusCode()).as(body).isEqualTo(400);
        }
        HttpResponse<String> json = send(HttpRequest.newBuilder(URI.create(link))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("id=q-spam")));
        assertThat(json.statusCode()).isEqualTo(400);
        HttpResponse<String> large = post(link, "id=q-spam&pad=" + "x".repeat(DigestServlet.MAX_BODY_BYTES));
        assertThat(large.statusCode()).isEqualTo(413);
        assertSecurityHeaders(large);
        assertThat(quarantine.releases).isEmpty();
        assertThat(alerts.raised).isEmpty();
    }

    @Test
    void withoutTheQuarantineThePageIsUnavailable() throws Exception {
        present = null;
        HttpResponse<String> r = get(link(ALICE));
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("cannot be shown right now");
        assertSecurityHeaders(r);
        assertThat(post(link(ALICE), "id=q-spam").headers().firstValue("Location").orElseThrow())
                .endsWith("?done=unavailable");
        assertThat(quarantine.releases).isEmpty();
    }
}
