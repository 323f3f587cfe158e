package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.osgi.service.http.context.ServletContextHelper;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.Severity;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.auth.AuthenticationUnavailableException;
import org.streamail.rest.internal.auth.Authenticator;
import org.streamail.rest.internal.auth.LoginThrottle;

/** The two OSGi-facing classes driven through hand-made servlet requests: authentication, then the API. */
class ServletAndContextTest {

    static final Authenticator USERS = (user, password) -> switch (user + ":" + password) {
        case "root:s3cret:with:colons" -> Optional.of(new AuthenticatedUser("root", Set.of("admin", "group")));
        case "watcher:pw" -> Optional.of(new AuthenticatedUser("watcher", Set.of("viewer")));
        case "karaf:pw" -> Optional.of(new AuthenticatedUser("karaf", Set.of("manager", "ssh")));
        case "broken:pw" -> throw new AuthenticationUnavailableException("realm down", null);
        default -> Optional.empty();
    };

    final StreamailContextHelper context = new StreamailContextHelper(USERS);
    final InMemoryGateway gateway = new InMemoryGateway();
    final ApiServlet servlet = new ApiServlet(new RestApi(gateway.services(), new RestApi.Limits(1024, 256)));

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    /** Runs a request through the context's security check and, if admitted, the servlet. */
    FakeHttp.Response exchange(FakeHttp.Request request) throws Exception {
        FakeHttp.Response response = new FakeHttp.Response();
        var req = request.proxy();
        var resp = response.proxy();
        if (context.handleSecurity(req, resp)) {
            servlet.service(req, resp);
        }
        return response;
    }

    static FakeHttp.Request request(String method, String path, String authorization) {
        FakeHttp.Request r = new FakeHttp.Request();
        r.method = method;
        r.pathInfo = path;
        if (authorization != null) {
            r.headers.put("Authorization", authorization);
        }
        return r;
    }

    @Test
    void missingCredentialsAreUnauthorizedWithABasicChallenge() throws Exception {
        FakeHttp.Response r = exchange(request("GET", "/health", null));
        assertThat(r.status).isEqualTo(401);
        assertThat(r.headers.get("WWW-Authenticate")).startsWith("Basic realm=\"streamail\"");
        assertThat(r.contentType).isEqualTo("application/json");
        assertThat(r.bodyText()).isEqualTo("{\"error\":\"authentication required\",\"status\":401}");
    }

    @Test
    void wrongPasswordOrGarbledHeaderIsUnauthorized() throws Exception {
        for (String header : new String[] {basic("watcher:wrong"), "Basic !!!notbase64", basic("nocolon"),
                "Bearer abc", "Basic " + "A".repeat(5000)}) {
            FakeHttp.Response r = exchange(request("GET", "/health", header));
            assertThat(r.status).as(header).isEqualTo(401);
            assertThat(r.headers).as(header).containsKey("WWW-Authenticate");
        }
    }

    @Test
    void userWithoutAnApiRoleIsForbiddenAndGetsNoChallenge() throws Exception {
        FakeHttp.Response r = exchange(request("GET", "/health", basic("karaf:pw")));
        assertThat(r.status).isEqualTo(403);
        assertThat(r.headers).doesNotContainKey("WWW-Authenticate");
        assertThat(r.bodyText()).contains("neither the admin nor the viewer role");
    }

    @Test
    void unavailableRealmIsServiceUnavailable() throws Exception {
        assertThat(exchange(request("GET", "/health", basic("broken:pw"))).status).isEqualTo(503);
    }

    @Test
    void admittedRequestCarriesTheUserForTheServlet() throws Exception {
        FakeHttp.Request req = request("GET", "/health", basic("root:s3cret:with:colons"));
        FakeHttp.Response r = exchange(req);
        assertThat(r.status).isEqualTo(200);
        assertThat(req.attributes.get(ServletContextHelper.REMOTE_USER)).isEqualTo("root");
        assertThat(req.attributes.get(ServletContextHelper.AUTHENTICATION_TYPE)).isEqualTo("BASIC");
        assertThat(r.contentType).isEqualTo("application/json");
        assertThat(r.headers.get("Cache-Control")).isEqualTo("no-store");
        assertThat(r.contentLength).isEqualTo(r.body.size());
        assertThat(r.bodyText()).startsWith("{\"status\":\"UP\",\"ready\":true");
    }

    @Test
    void viewerPostIsForbiddenAndNothingIsReleased() throws Exception {
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, new byte[] {'x'});
        FakeHttp.Response r = exchange(request("POST", "/quarantine/q1/release", basic("watcher:pw")));
        assertThat(r.status).isEqualTo(403);
        assertThat(gateway.held.get("q1").status().name()).isEqualTo("HELD");

        FakeHttp.Response ok = exchange(request("POST", "/quarantine/q1/release", basic("root:s3cret:with:colons")));
        assertThat(ok.status).isEqualTo(200);
        assertThat(gateway.held.get("q1").actedBy()).isEqualTo("root");
    }

    @Test
    void declaredOversizedBodyIsRefusedBeforeReading() throws Exception {
        FakeHttp.Request req = request("POST", "/scan", basic("root:s3cret:with:colons"));
        req.headers.put("Content-Type", "message/rfc822");
        req.contentLength = 10_000_000;
        FakeHttp.Response r = exchange(req);
        assertThat(r.status).isEqualTo(413);
        assertThat(gateway.lastScanBytes).isNull();
    }

    @Test
    void rawMessageIsSentAsAnAttachmentWithItsBytes() throws Exception {
        byte[] raw = "Subject: x\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, raw);
        FakeHttp.Response r = exchange(request("GET", "/quarantine/q1/raw", basic("watcher:pw")));
        assertThat(r.status).isEqualTo(200);
        assertThat(r.contentType).isEqualTo("message/rfc822");
        assertThat(r.headers.get("Content-Disposition")).isEqualTo("attachment; filename=\"q1.eml\"");
        assertThat(r.body.toByteArray()).isEqualTo(raw);
    }

    @Test
    void malformedQueryStringIsABadRequest() throws Exception {
        FakeHttp.Request req = request("GET", "/messages", basic("watcher:pw"));
        req.query = "limit=%G1";
        FakeHttp.Response r = exchange(req);
        assertThat(r.status).isEqualTo(400);
        assertThat(r.bodyText()).contains("malformed query string");
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    /** The collaborator the lockout is reported to: records what it is asked, can be made to fail. */
    static final class RecordingAlerts implements AlertService {
        final List<AlertRequest> raised = new ArrayList<>();
        boolean failing;

        @Override
        public synchronized Alert raise(AlertRequest r) {
            raised.add(r);
            if (failing) {
                throw new IllegalStateException("store down");
            }
            return new Alert("a" + raised.size(), Instant.EPOCH, r.severity(), r.kind(), r.subject(), r.messageId(),
                    r.recipient(), r.title(), r.detail(), 1);
        }

        @Override
        public java.util.Optional<Alert> raiseOnce(AlertRequest r, String key) {
            throw new UnsupportedOperationException("the REST never raises an alert once by key");
        }
    }

    final MovableClock clock = new MovableClock();
    final StreamailContextHelper throttled = new StreamailContextHelper(USERS, LoginThrottle.Settings.DEFAULTS, clock);

    FakeHttp.Response guard(String authorization, String address) throws Exception {
        FakeHttp.Request req = request("GET", "/health", authorization);
        req.remoteAddr = address;
        FakeHttp.Response response = new FakeHttp.Response();
        if (throttled.handleSecurity(req.proxy(), response.proxy())) {
            response.status = 200;
        }
        return response;
    }

    @Test
    void theEleventhLoginFromOneAddressIsTooManyRequestsEvenWithTheRightPassword() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(guard(basic("root:guess" + i), "203.0.113.7").status).isEqualTo(401);
        }
        FakeHttp.Response r = guard(basic("root:s3cret:with:colons"), "203.0.113.7");
        assertThat(r.status).isEqualTo(429);
        assertThat(r.headers.get("Retry-After")).isEqualTo("300");
        assertThat(r.headers).doesNotContainKey("WWW-Authenticate");
        assertThat(r.headers.get("Cache-Control")).isEqualTo("no-store");
        assertThat(r.contentType).isEqualTo("application/json");
        assertThat(r.bodyText()).isEqualTo(
                "{\"error\":\"too many failed logins from your address; retry in 300 s\",\"status\":429}");

        assertThat(guard(basic("root:s3cret:with:colons"), "198.51.100.20").status).as("another address")
                .isEqualTo(200);
        clock.now = clock.now.plusSeconds(120);
        assertThat(guard(basic("root:s3cret:with:colons"), "203.0.113.7").headers.get("Retry-After"))
                .isEqualTo("180");
        clock.now = clock.now.plusSeconds(180);
        assertThat(guard(basic("root:s3cret:with:colons"), "203.0.113.7").status).as("after the window")
                .isEqualTo(200);
    }

    @Test
    void aLockoutRaisesOneMediumAlertAboutTheAddress() throws Exception {
        RecordingAlerts alerts = new RecordingAlerts();
        throttled.alertService = alerts;
        for (int i = 0; i < 10; i++) {
            guard(basic("watcher:Xq7z" + i), "203.0.113.7");
        }
        for (int i = 0; i < 5; i++) {
            assertThat(guard(basic("watcher:pw"), "203.0.113.7").status).isEqualTo(429);
        }
        assertThat(alerts.raised).hasSize(1);
        AlertRequest a = alerts.raised.get(0);
        assertThat(a.kind()).isEqualTo("rest-login-throttled");
        assertThat(a.severity()).isEqualTo(Severity.MEDIUM);
        assertThat(a.subject()).isEqualTo("203.0.113.7");
        assertThat(a.detail()).contains("10 failed", "300 s").doesNotContain("Xq7z", "watcher");

        clock.now = clock.now.plusSeconds(300);
        for (int i = 0; i < 10; i++) {
            guard(basic("watcher:Xq7z" + i), "203.0.113.7");
        }
        assertThat(alerts.raised).as("a new lockout after the window").hasSize(2);
    }

    @Test
    void aFailingOrMissingAlertServiceNeverFailsTheRequest() throws Exception {
        RecordingAlerts alerts = new RecordingAlerts();
        alerts.failing = true;
        throttled.alertService = alerts;
        for (int i = 0; i < 10; i++) {
            assertThat(guard(basic("root:guess" + i), "203.0.113.7").status).isEqualTo(401);
        }
        assertThat(alerts.raised).hasSize(1);
        assertThat(guard(basic("root:guess"), "203.0.113.7").status).isEqualTo(429);

        throttled.alertService = null;
        for (int i = 0; i < 10; i++) {
            assertThat(guard(basic("root:guess" + i), "198.51.100.20").status).isEqualTo(401);
        }
        assertThat(guard(basic("root:guess"), "198.51.100.20").status).isEqualTo(429);
    }
}
