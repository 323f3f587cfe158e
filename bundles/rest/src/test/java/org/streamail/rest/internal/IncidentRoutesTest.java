package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.isolation.IsolationException;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.isolation.IsolationStore;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiException;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.Router;
import org.streamail.rest.internal.json.JsonMapping;

/** The incident endpoints (alerts, isolation, clicks, recall) over small recording fakes of their services. */
class IncidentRoutesTest {

    static final AuthenticatedUser ADMIN = new AuthenticatedUser("root", Set.of("admin"));
    static final AuthenticatedUser VIEWER = new AuthenticatedUser("watcher", Set.of("viewer"));

    final List<Alert> alerts = new ArrayList<>();
    final Map<String, Isolation> isolated = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    boolean enforcerFails;
    String enforcerMessage = "nft failed";
    AlertQuery lastAlertQuery;

    final AlertStore alertStore = new AlertStore() {
        @Override
        public void add(Alert alert) {
            alerts.add(alert);
        }

        @Override
        public Optional<Alert> get(String id) {
            return alerts.stream().filter(a -> a.id().equals(id)).findFirst();
        }

        @Override
        public List<Alert> query(AlertQuery query) {
            lastAlertQuery = query;
            return alerts.stream().filter(a -> query.minSeverity() == null
                    || a.severity().compareTo(query.minSeverity()) >= 0).limit(query.limit()).toList();
        }

        @Override
        public int count(String kind, String subject, Instant since) {
            return 0;
        }
    };

    final IsolationService isolation = new IsolationService() {
        @Override
        public Isolation isolate(String ip, String mac, String reason, Duration ttl, String actor) {
            if (ip.equals("10.0.0.1")) {
                throw new SecurityException("protected");
            }
            if (ip.equals("2001:db8::99")) {
                throw new IllegalStateException("already 64 hosts of the /64 of 2001:db8::99 isolated");
            }
            if (enforcerFails) {
                throw new IsolationException(enforcerMessage, new RuntimeException("boom"));
            }
            calls.add("isolate " + ip + " " + reason + " " + ttl + " " + actor);
            Instant now = Instant.parse("2026-12-04T10:00:00Z");
            Isolation i = new Isolation(ip, "", reason, actor, now, ttl == null ? null : now.plus(ttl), 1);
            isolated.put(ip, i);
            return i;
        }

        @Override
        public boolean release(String ip, String actor) {
            calls.add("release " + ip + " " + actor);
            return isolated.remove(ip) != null;
        }

        @Override
        public List<Isolation> list() {
            return List.copyOf(isolated.values());
        }

        @Override
        public boolean isProtected(String ip) {
            return ip.equals("10.0.0.1");
        }
    };

    final IsolationStore isolationStore = new IsolationStore() {
        @Override
        public void put(Isolation i) {
        }

        @Override
        public boolean remove(String ip) {
            return false;
        }

        @Override
        public Optional<Isolation> get(String ip) {
            return Optional.empty();
        }

        @Override
        public List<Isolation> list() {
            return List.of();
        }

        @Override
        public int offences(String ip) {
            return 0;
        }

        @Override
        public void audit(IsolationAudit record) {
        }

        @Override
        public List<IsolationAudit> auditLog(String ip, int limit) {
            calls.add("audit " + ip + " " + limit);
            return List.of(new IsolationAudit(Instant.parse("2026-12-04T10:00:00Z"), "root", "isolate", "192.0.2.7",
                    "clicked", "", "192.0.2.7"));
        }
    };

    final LinkStore links = new LinkStore() {
        @Override
        public void recordLinks(String messageId, List<String> recipients, List<String> urls, Instant at) {
        }

        @Override
        public List<String> linksOf(String messageId) {
            return List.of();
        }

        @Override
        public List<LinkDelivery> deliveriesOf(String url, Instant since, int limit) {
            return List.of();
        }

        @Override
        public List<LinkDelivery> deliveriesBefore(String url, Instant since, Instant before, int limit) {
            return List.of();
        }

        @Override
        public void recordClick(Click click) {
        }

        @Override
        public List<Click> clicks(int limit, boolean blockedOnly) {
            calls.add("clicks " + limit + " " + blockedOnly);
            return List.of(new Click("c1", Instant.parse("2026-12-04T10:00:00Z"), "m1", "a@example.org",
                    "http://alice:pw@bad.example/login?token=S3CRET#top", "192.0.2.7", "02:00:00:00:00:01", true,
                    "known-bad"));
        }

        @Override
        public void markBad(String url, String reason, Instant at) {
        }

        @Override
        public Optional<String> badReason(String url) {
            return Optional.empty();
        }

        final java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();

        {
            bad.put("http://bad.example/login", "campaign cmp-1: clicked and blocked");
            bad.put("https://reset.example/r?token=S3CRET", "campaign cmp-2: clicked and blocked");
        }

        @Override
        public List<org.streamail.api.linkguard.BadUrl> badUrls(int limit) {
            calls.add("bad-urls " + limit);
            return bad.entrySet().stream().limit(limit).map(e -> new org.streamail.api.linkguard.BadUrl(e.getKey(),
                    e.getValue(), Instant.parse("2026-12-04T10:00:00Z"))).toList();
        }

        @Override
        public boolean unmarkBad(String url) {
            calls.add("unmark " + url);
            return bad.remove(url) != null;
        }
    };

    final CampaignService campaigns = (id, reason, actor) -> {
        if (!id.equals("m1")) {
            throw new NoSuchElementException(id);
        }
        calls.add("recall " + id + " " + reason + " " + actor);
        return new RecallReport("cmp1", List.of("m1", "m2"), List.of("a@example.org", "b@example.org"),
                List.of(new RecallOutcome("a@example.org", 1, 1, 0, ""), new RecallOutcome("b@example.org", 0, 0, 0, "")));
    };

    final Router router = new Router();

    IncidentRoutesTest() {
        IncidentRoutes.register(router, new IncidentRoutes.Access(ServiceAccess.of(() -> alertStore, "alerts"),
                ServiceAccess.of(() -> isolation, "isolation"), ServiceAccess.of(() -> isolationStore, "isolation store"),
                ServiceAccess.of(() -> links, "links"), ServiceAccess.of(() -> campaigns, "campaigns")),
                JsonMapping.newMapper(4096), 4096);
    }

    ApiResponse call(AuthenticatedUser user, String method, String path, String query, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>();
        if (body != null) {
            headers.put("content-type", "application/json");
        }
        ApiRequest req = new ApiRequest(method, path, query, n -> headers.get(n.toLowerCase()), bytes.length,
                new ByteArrayInputStream(bytes), user);
        try {
            return router.dispatch(req);
        } catch (ApiException e) {
            return RestApi.error(e);
        }
    }

    static JsonNode json(ApiResponse r) {
        return (JsonNode) r.json();
    }

    @Test
    void anAdminIsolatesAHostWithReasonAndTtlAndSeesItListed() {
        ApiResponse r = call(ADMIN, "POST", "/isolation", null,
                "{\"ip\":\"192.0.2.7\",\"reason\":\"clicked a phishing link\",\"ttl\":\"PT4H\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(json(r).get("ip").asText()).isEqualTo("192.0.2.7");
        assertThat(json(r).get("until").asText()).isEqualTo("2026-12-04T14:00:00Z");
        assertThat(calls).containsExactly("isolate 192.0.2.7 clicked a phishing link PT4H root");

        ApiResponse list = call(ADMIN, "GET", "/isolation", null, null);
        assertThat(json(list).get("count").asInt()).isEqualTo(1);
        assertThat(json(list).get("items").get(0).get("reason").asText()).isEqualTo("clicked a phishing link");

        assertThat(call(ADMIN, "POST", "/isolation/192.0.2.7/release", null, null).status()).isEqualTo(200);
        assertThat(isolated).isEmpty();
        assertThat(call(ADMIN, "POST", "/isolation/192.0.2.7/release", null, null).status()).isEqualTo(404);
    }

    @Test
    void isolationIsForAdminsOnly() {
        assertThat(call(VIEWER, "GET", "/isolation", null, null).status()).isEqualTo(403);
        assertThat(call(VIEWER, "POST", "/isolation", null, "{\"ip\":\"192.0.2.7\",\"reason\":\"x\"}").status())
                .isEqualTo(403);
        assertThat(call(VIEWER, "POST", "/isolation/192.0.2.7/release", null, null).status()).isEqualTo(403);
        assertThat(call(VIEWER, "GET", "/isolation/audit", null, null).status()).isEqualTo(403);
        assertThat(calls).isEmpty();
    }

    @Test
    void badIsolationRequestsGetClearErrorsAndChangeNothing() {
        assertThat(call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"intranet.example\",\"reason\":\"x\"}").status())
                .isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"192.0.2.7\"}").status()).isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"192.0.2.7\",\"reason\":\"x\",\"ttl\":\"4 hours\"}")
                .status()).isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"192.0.2.7\",\"reason\":\"x\",\"ttl\":\"-PT1H\"}")
                .status()).isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/isolation", null, "{\"ip\":").status()).isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/isolation", null, "[1]").status()).isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/isolation/not-an-ip/release", null, null).status()).isEqualTo(400);
        ApiResponse protectedHost = call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"10.0.0.1\",\"reason\":\"x\"}");
        assertThat(protectedHost.status()).isEqualTo(409);
        assertThat(json(protectedHost).get("error").asText()).contains("protected");
        ApiResponse full = call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"2001:db8::99\",\"reason\":\"x\"}");
        assertThat(full.status()).isEqualTo(409);
        assertThat(json(full).get("error").asText()).contains("/64");
        enforcerFails = true;
        ApiResponse failed = call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"192.0.2.8\",\"reason\":\"x\"}");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(json(failed).get("error").asText()).contains("nothing was changed");
        assertThat(calls).isEmpty();
        assertThat(isolated).isEmpty();
    }

    @Test
    void anEnforcerFailureIs502WithoutTheJavaExceptionItsTextCarries() {
        // what IsolationServiceImpl makes of a WebhookEnforcer that could not connect ("...: " + e)
        enforcerFails = true;
        enforcerMessage = "enforcer webhook failed to isolate 192.0.2.8: webhook https://nac.corp.example/isolate"
                + " unreachable for isolate 192.0.2.8: java.net.ConnectException: Connection refused"
                + " (rolled back on every enforcer)";
        ApiResponse failed = call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"192.0.2.8\",\"reason\":\"x\"}");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(json(failed).get("error").asText()).contains("nothing was changed", "see the gateway log")
                .doesNotContain("java.", "Exception");
        enforcerMessage = "nft failed";
        assertThat(json(call(ADMIN, "POST", "/isolation", null, "{\"ip\":\"192.0.2.8\",\"reason\":\"x\"}"))
                .get("error").asText()).endsWith("nothing was changed: nft failed");
    }

    @Test
    void alertsAreReadableByViewersAndFilteredBySeverity() {
        alerts.add(new Alert("a1", Instant.parse("2026-12-04T10:00:00Z"), Severity.HIGH, "click-blocked", "192.0.2.7",
                "m1", "", "Blocked click", "detail", 2));
        alerts.add(new Alert("a2", Instant.parse("2026-12-04T10:01:00Z"), Severity.LOW, "recipient-warned", "cmp1",
                "m1", "a@example.org", "Warned", "", 1));
        ApiResponse r = call(VIEWER, "GET", "/alerts", "severity=high&limit=5", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("count").asInt()).isEqualTo(1);
        JsonNode a = json(r).get("items").get(0);
        assertThat(a.get("severity").asText()).isEqualTo("HIGH");
        assertThat(a.get("occurrences").asInt()).isEqualTo(2);
        assertThat(lastAlertQuery.limit()).isEqualTo(5);
        assertThat(call(VIEWER, "GET", "/alerts", "since=PT24H", null).status()).isEqualTo(200);
        assertThat(lastAlertQuery.since()).isBefore(Instant.now()).isAfter(Instant.now().minusSeconds(86_500));
        assertThat(call(VIEWER, "GET", "/alerts", "severity=urgent", null).status()).isEqualTo(400);
        assertThat(call(VIEWER, "GET", "/alerts", "since=yesterday", null).status()).isEqualTo(400);
        // beyond what java.time holds: the client's mistake, a 400 that says so, never a 500
        for (String since : new String[] {"PT9999999999999H", "-999999999-01-01T00:00:00Z", "+999999999-12-31T23:59:59Z"}) {
            ApiResponse r2 = call(VIEWER, "GET", "/alerts", "since=" + since, null);
            assertThat(r2.status()).as(since).isEqualTo(400);
            assertThat(json(r2).get("error").asText()).as(since).startsWith("since: ").doesNotContain("java.");
        }
        ApiResponse far = call(VIEWER, "GET", "/alerts", "since=PT9999999999999H", null);
        assertThat(far.status()).isEqualTo(400);
        assertThat(json(far).get("error").asText()).isEqualTo("since: at most 36500 days (got PT9999999999999H)");
    }

    @Test
    void clicksAndTheIsolationAuditAreListed() {
        ApiResponse r = call(VIEWER, "GET", "/clicks", "blocked=true", null);
        assertThat(json(r).get("items").get(0).get("mac").asText()).isEqualTo("02:00:00:00:00:01");
        // a viewer gets no user information, query or fragment (reset tokens); an administrator the whole URL
        assertThat(json(r).get("items").get(0).get("url").asText()).isEqualTo("http://bad.example/login?\u2026");
        assertThat(json(call(ADMIN, "GET", "/clicks", "blocked=true", null)).get("items").get(0).get("url").asText())
                .isEqualTo("http://alice:pw@bad.example/login?token=S3CRET#top");
        assertThat(call(VIEWER, "GET", "/clicks", "blocked=maybe", null).status()).isEqualTo(400);
        ApiResponse audit = call(ADMIN, "GET", "/isolation/audit", "ip=192.0.2.7&limit=10", null);
        assertThat(json(audit).get("items").get(0).get("after").asText()).isEqualTo("192.0.2.7");
        assertThat(calls).containsExactly("clicks 50 true", "clicks 50 true", "audit 192.0.2.7 10");
    }

    @Test
    void anAdminListsAndLiftsBadUrlsAndAViewerOnlyLists() {
        ApiResponse list = call(VIEWER, "GET", "/bad-urls", "limit=10", null);
        assertThat(list.status()).isEqualTo(200);
        assertThat(json(list).get("items").get(0).get("url").asText()).isEqualTo("http://bad.example/login");
        assertThat(json(list).get("items").get(0).get("reason").asText()).contains("cmp-1");
        // a viewer gets no query (a marked URL may be a clicked reset link); an administrator the whole URL
        assertThat(json(list).toString()).contains("https://reset.example/r?\u2026").doesNotContain("S3CRET");
        assertThat(json(call(ADMIN, "GET", "/bad-urls", "limit=10", null)).toString())
                .contains("https://reset.example/r?token=S3CRET");
        assertThat(call(VIEWER, "DELETE", "/bad-urls", "url=http%3A%2F%2Fbad.example%2Flogin", null).status())
                .isEqualTo(403);
        ApiResponse lifted = call(ADMIN, "DELETE", "/bad-urls", "url=http%3A%2F%2Fbad.example%2Flogin", null);
        assertThat(lifted.status()).isEqualTo(200);
        assertThat(json(lifted).get("unmarked").asBoolean()).isTrue();
        assertThat(call(ADMIN, "DELETE", "/bad-urls", "url=http%3A%2F%2Fbad.example%2Flogin", null).status())
                .isEqualTo(404);
        assertThat(call(ADMIN, "DELETE", "/bad-urls", null, null).status()).isEqualTo(400);
        assertThat(call(ADMIN, "GET", "/bad-urls", "limit=0", null).status()).isEqualTo(400);
        assertThat(calls).containsExactly("bad-urls 10", "bad-urls 10", "unmark http://bad.example/login",
                "unmark http://bad.example/login");
    }

    @Test
    void aRedactedClickUrlKeepsSchemeHostAndPathOnly() {
        assertThat(Click.redactedUrl("https://x.example/a/b")).isEqualTo("https://x.example/a/b");
        assertThat(Click.redactedUrl("https://u:p@x.example:8443/a")).isEqualTo("https://x.example:8443/a");
        assertThat(Click.redactedUrl("https://x.example/p@q")).isEqualTo("https://x.example/p@q");
        assertThat(Click.redactedUrl("https://x.example/r?u=a@b.example&t=1")).isEqualTo("https://x.example/r?\u2026");
        assertThat(Click.redactedUrl("https://x.example#frag")).isEqualTo("https://x.example?\u2026");
        assertThat(Click.redactedUrl("")).isEmpty();
    }

    @Test
    void anAdminRecallsACampaignByMessageId() {
        ApiResponse r = call(ADMIN, "POST", "/messages/m1/recall", null, "{\"reason\":\"CEO fraud\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("pulled").asInt()).isEqualTo(1);
        assertThat(json(r).get("warned")).hasSize(2);
        assertThat(call(ADMIN, "POST", "/messages/m1/recall", null, null).status()).isEqualTo(200);
        assertThat(calls).containsExactly("recall m1 CEO fraud root", "recall m1 marked bad by an administrator root");
        assertThat(call(ADMIN, "POST", "/messages/zz/recall", null, null).status()).isEqualTo(404);
        assertThat(call(VIEWER, "POST", "/messages/m1/recall", null, null).status()).isEqualTo(403);
    }

    @Test
    void aMissingServiceAnswers503ForItsEndpointsOnly() {
        Router partial = new Router();
        IncidentRoutes.register(partial, new IncidentRoutes.Access(ServiceAccess.of(() -> null, "alert store"),
                ServiceAccess.of(() -> isolation, "isolation"), ServiceAccess.of(() -> null, "isolation store"),
                ServiceAccess.of(() -> null, "links"), ServiceAccess.of(() -> null, "campaigns")),
                JsonMapping.newMapper(4096), 4096);
        ApiRequest alertsReq = new ApiRequest("GET", "/alerts", null, n -> null, 0,
                new ByteArrayInputStream(new byte[0]), VIEWER);
        try {
            partial.dispatch(alertsReq);
            throw new AssertionError("expected 503");
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(503);
        }
        ApiRequest listReq = new ApiRequest("GET", "/isolation", null, n -> null, 0,
                new ByteArrayInputStream(new byte[0]), ADMIN);
        assertThat(partial.dispatch(listReq).status()).isEqualTo(200);
    }

    @Test
    void alertSinceOutsideSaneBoundsIsABadRequestNamingTheParameter() {
        String[][] cases = {
                {"PT9999999999999H", "since: at most 36500 days (got PT9999999999999H)"},
                {"-999999999-01-01T00:00:00Z", "since: not before 1970-01-01T00:00:00Z"},
                {"+999999999-12-31T23:59:59Z", "since: not after 9999-12-31T23:59:59Z"},
                {"P36000D", "since: not before 1970-01-01T00:00:00Z (got P36000D)"},
                {"-PT1H", "since: must be a non-negative duration"},
                {"yesterday", "since: must be an ISO-8601 instant such as 2026-12-01T00:00:00Z or a duration back from now"},
        };
        for (String[] c : cases) {
            lastAlertQuery = null;
            ApiResponse r = call(VIEWER, "GET", "/alerts", "since=" + c[0].replace("+", "%2B"), null);
            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(json(r).get("error").asText()).as(c[0]).startsWith(c[1]).doesNotContain("java.")
                    .doesNotContain("Exception");
            assertThat(lastAlertQuery).as("store not asked for " + c[0]).isNull();
        }
        assertThat(call(VIEWER, "GET", "/alerts", "since=1970-01-01T00:00:00Z", null).status()).isEqualTo(200);
        assertThat(lastAlertQuery.since()).isEqualTo(Instant.EPOCH);
        assertThat(call(VIEWER, "GET", "/alerts", "since=P7D", null).status()).isEqualTo(200);
    }

    @Test
    void isolationTtlOutsideSaneBoundsIsABadRequestNamingTheField() {
        String[][] cases = {
                {"PT9999999999999H", "ttl: at most 36500 days (got PT9999999999999H)"},
                {"P36501D", "ttl: at most 36500 days (got P36501D)"},
                {"PT0S", "ttl: must be a positive duration (got PT0S)"},
                {"-PT4H", "ttl: must be a positive duration (got -PT4H)"},
                {"four hours", "ttl: must be an ISO-8601 duration"},
        };
        for (String[] c : cases) {
            ApiResponse r = call(ADMIN, "POST", "/isolation", null,
                    "{\"ip\":\"192.0.2.9\",\"reason\":\"worm\",\"ttl\":\"" + c[0] + "\"}");
            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(json(r).get("error").asText()).as(c[0]).startsWith(c[1]).doesNotContain("java.");
        }
        assertThat(isolated).isEmpty();
        assertThat(call(ADMIN, "POST", "/isolation", null,
                "{\"ip\":\"192.0.2.9\",\"reason\":\"worm\",\"ttl\":\"pt4h\"}").status()).isEqualTo(201);
    }
}
