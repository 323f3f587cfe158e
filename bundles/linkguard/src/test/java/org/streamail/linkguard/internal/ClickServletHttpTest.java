package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertService;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.Scanner;

/**
 * A form of a delivered mail, rewritten by {@link LinkRewriter}, submitted to {@link ClickServlet} behind a real
 * Jetty (the one of pax-web) over real sockets, with a local HTTP server standing for the form's target: nothing
 * typed into the form reaches the target, a log line, a record, an alert or a page.
 */
class ClickServletHttpTest {

    private static final String FIELDS = "user=a&password=secret";
    private static final String SECRET = "secret";

    @TempDir
    Path dir;

    private final LinkTokens tokens = new LinkTokens(LinkTokensTest.KEY);
    private final Fakes.FakeScanner scanner = new Fakes.FakeScanner();
    private final Fakes.FakeLinkStore store = new Fakes.FakeLinkStore();
    private final Fakes.FakeAlerts alerts = new Fakes.FakeAlerts();
    private final Fakes.FakeIsolation isolation = new Fakes.FakeIsolation(Set.of());
    private final Fakes.FakeCampaigns campaigns = new Fakes.FakeCampaigns();
    private final List<Runnable> recalls = new ArrayList<>();
    private final AtomicInteger targetRequests = new AtomicInteger();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private final HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private PrintStream stderr;
    private HttpServer target;
    private Server server;
    private int port;

    @BeforeEach
    void start() throws Exception {
        stderr = System.err;
        // slf4j-simple writes to the System.err of the moment: every log line of the test is kept
        System.setErr(new PrintStream(new TeeStream(logs, stderr), true, StandardCharsets.UTF_8));
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        target.createContext("/", exchange -> {
            targetRequests.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        target.start();
        ClickHandler handler = new ClickHandler(TestSettings.defaults(dir.resolve("key")), tokens, services(),
                new NeighbourTable(dir.resolve("no-arp")), recalls::add, Runnable::run, Clock.systemUTC());
        server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        context.setContextPath("/streamail/click");
        context.addServlet(new ServletHolder(new ClickServlet(handler)), "/*");
        server.setHandler(context);
        server.start();
        port = connector.getLocalPort();
    }

    @AfterEach
    void stop() throws Exception {
        try {
            server.stop();
            target.stop(0);
        } finally {
            System.setErr(stderr);
        }
    }

    private ClickHandler.Services services() {
        return new ClickHandler.Services() {
            @Override
            public Scanner scanner() {
                return scanner;
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

    private String targetUrl() {
        return "http://127.0.0.1:" + target.getAddress().getPort() + "/collect";
    }

    /** The action of the form of a mail as delivered: rewritten by the link guard for this gateway. */
    private String deliveredFormAction() {
        LinkRewriter rewriter = new LinkRewriter(tokens, "http://127.0.0.1:" + port, Set.of(), 500);
        String msg = "From: a@b.example\r\nTo: alice@corp.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                + "<p>Your mailbox is full. Sign in to keep it:</p><form action=\"" + targetUrl() + "\" method=\"post\">"
                + "<input name=user><input type=password name=password><button>Sign in</button></form>\r\n";
        LinkRewriter.Result r = rewriter.rewrite(msg.getBytes(StandardCharsets.UTF_8), "m-7", "alice@corp.example",
                Set.of("corp.example"));
        Matcher m = Pattern.compile("<form action=\"([^\"]+)\"").matcher(new String(r.raw(), StandardCharsets.UTF_8));
        assertThat(m.find()).as("the form action was rewritten").isTrue();
        assertThat(m.group(1)).startsWith("http://127.0.0.1:" + port + "/streamail/click/");
        return m.group(1);
    }

    private HttpResponse<String> post(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(FIELDS)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Nothing typed into the form in any record, alert, isolation, recall, scan or log line. */
    private void assertTheFieldsWentNowhere() {
        assertThat(targetRequests).as("requests that reached the form's target").hasValue(0);
        assertThat(store.clicks).allSatisfy(c -> assertThat(c.toString()).doesNotContain(SECRET).doesNotContain("user=a"));
        assertThat(alerts.raised).allSatisfy(a -> assertThat(a.toString()).doesNotContain(SECRET));
        assertThat(isolation.calls).allSatisfy(c -> assertThat(c.toString()).doesNotContain(SECRET));
        recalls.forEach(Runnable::run);
        assertThat(campaigns.recalls).allSatisfy(c -> assertThat(c.toString()).doesNotContain(SECRET));
        assertThat(scanner.scanned).allSatisfy(s -> assertThat(new String(s, StandardCharsets.UTF_8)).doesNotContain(SECRET));
        System.err.flush();
        assertThat(logs.toString(StandardCharsets.UTF_8)).doesNotContain(SECRET);
    }

    @Test
    void aFormPostedToABadTargetIsBlockedTheHostIsolatedAndThePasswordGoesNowhere() throws Exception {
        scanner.verdict = new Verdict(Action.TAG, 6.0, List.of(Category.PHISHING),
                List.of(new Finding("phishing", "link-login-page", 6.0, Category.PHISHING, "asks for a password")),
                "score 6");
        HttpResponse<String> r = post(deliveredFormAction());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).contains("This form was blocked").contains("was not sent").contains("alerted")
                .doesNotContain(SECRET);
        assertThat(store.clicks).singleElement().satisfies(c -> {
            assertThat(c.blocked()).isTrue();
            assertThat(c.url()).isEqualTo(targetUrl());
            assertThat(c.clientIp()).isEqualTo("127.0.0.1");
            assertThat(c.messageId()).isEqualTo("m-7");
            assertThat(c.reason()).startsWith(ClickHandler.FORM_REASON).contains("link-login-page");
        });
        assertThat(isolation.calls).as("isolation requested for the submitting host").singleElement()
                .satisfies(call -> assertThat(call.get(0)).isEqualTo("127.0.0.1"));
        assertThat(alerts.raised).extracting(a -> a.kind()).containsExactly(ClickHandler.ALERT_KIND,
                ClickHandler.CAMPAIGN_ALERT_KIND);
        assertThat(alerts.raised.get(0).detail()).contains("submitted a form");
        assertThat(recalls).hasSize(1);
        assertTheFieldsWentNowhere();
        assertThat(campaigns.recalls).singleElement().satisfies(c -> assertThat(c.get(0)).isEqualTo("m-7"));
        if (LoggerFactory.getLogger(ClickHandler.class).isWarnEnabled()) {
            assertThat(logs.toString(StandardCharsets.UTF_8)).as("the log capture works")
                    .contains("Blocked a form submission to 127.0.0.1 in message m-7");
        }
    }

    @Test
    void aFormPostedToACleanTargetIsNotSentAndTheUserIsToldWhere() throws Exception {
        HttpResponse<String> r = post(deliveredFormAction());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow()).startsWith("default-src 'none'");
        String host = "127.0.0.1";
        assertThat(r.body()).contains("Form not sent").contains("would have sent what you typed to")
                .contains("<p class=\"url\">" + host + "</p>").contains("Streamail did not send it")
                // a plain link to the origin, not to the form's target
                .contains("<a href=\"http://" + host + ":" + target.getAddress().getPort() + "/\"")
                .doesNotContain("/collect").doesNotContain("<form").doesNotContain(SECRET);
        assertThat(store.clicks).singleElement().satisfies(c -> {
            assertThat(c.blocked()).isFalse();
            assertThat(c.url()).isEqualTo(targetUrl());
        });
        assertThat(isolation.calls).isEmpty();
        assertThat(alerts.raised).isEmpty();
        assertThat(scanner.scanned).as("checked as a click is").hasSize(1);
        assertTheFieldsWentNowhere();
    }

    @Test
    void aGetFormSubmissionIsNeverRedirectedToTheTarget() throws Exception {
        // method=get: the browser replaces the action's query with the fields; the token is in the path
        HttpResponse<String> r = get(deliveredFormAction() + "?" + FIELDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Location")).isEmpty();
        assertThat(r.body()).contains("Form not sent").doesNotContain(SECRET);
        assertTheFieldsWentNowhere();
    }

    @Test
    void aPostOnALinkTokenIsTreatedAsAFormSubmissionAndTheLinkStillRedirects() throws Exception {
        String link = "http://127.0.0.1:" + port + "/streamail/click/"
                + tokens.sign("m-7", "", targetUrl()).orElseThrow();
        HttpResponse<String> posted = post(link);
        assertThat(posted.statusCode()).isEqualTo(200);
        assertThat(posted.headers().firstValue("Location")).isEmpty();
        assertThat(posted.body()).contains("Form not sent");
        assertTheFieldsWentNowhere();
        HttpResponse<String> clicked = get(link);
        assertThat(clicked.statusCode()).isEqualTo(302);
        assertThat(clicked.headers().firstValue("Location")).contains(targetUrl());
        HttpResponse<String> put = client.send(HttpRequest.newBuilder(URI.create(link))
                .PUT(HttpRequest.BodyPublishers.ofString(FIELDS)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("Allow")).contains("GET, POST");
        assertThat(targetRequests).hasValue(0);
    }

    /** Writes to two streams. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }
    }
}
