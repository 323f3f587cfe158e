package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiException;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.Router;
import org.streamail.rest.internal.json.JsonMapping;

/** The spam endpoints over recording fakes of the two services. */
class SpamRoutesTest {

    static final AuthenticatedUser ADMIN = new AuthenticatedUser("root", Set.of("admin"));
    static final AuthenticatedUser VIEWER = new AuthenticatedUser("watcher", Set.of("viewer"));

    record Call(ReportKind kind, String raw, String id, String reporter, boolean admin) {
    }

    final List<Call> reports = new ArrayList<>();
    final Map<String, BlockRule> rules = new HashMap<>();
    ReportService reportService = new ReportService() {
        @Override
        public ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin) {
            reports.add(new Call(kind, new String(raw, StandardCharsets.UTF_8), null, reporter, admin));
            return new ReportResult("00ff", kind, true, admin ? 1 : 0, 0, admin);
        }

        @Override
        public ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin) {
            if (id.equals("missing")) {
                throw new NoSuchElementException("no message with id missing");
            }
            reports.add(new Call(kind, null, id, reporter, admin));
            return new ReportResult("00ee", kind, false, 3, 1, false);
        }
    };
    BlockListService blockList = new BlockListService() {
        @Override
        public List<BlockRule> list() {
            return List.copyOf(rules.values());
        }

        @Override
        public BlockRule add(BlockRule.Type type, String value, String reason, Instant expiresAt, String actor) {
            if (value.contains(" ")) {
                throw new IllegalArgumentException("'" + value + "' is not a domain name");
            }
            BlockRule r = new BlockRule("r" + rules.size(), type, value, reason, actor, Instant.now(), expiresAt,
                    BlockRule.Source.ADMIN);
            rules.put(r.id(), r);
            return r;
        }

        @Override
        public boolean remove(String id, String actor) {
            return rules.remove(id) != null;
        }

        @Override
        public Optional<BlockRule> match(BlockRule.Type type, String value) {
            return Optional.empty();
        }
    };

    final Router router = new Router();

    SpamRoutesTest() {
        SpamRoutes.register(router, ServiceAccess.of(() -> reportService, "report service"),
                ServiceAccess.of(() -> blockList, "block list"), JsonMapping.newMapper(4096), 1000, 4096);
    }

    ApiResponse call(AuthenticatedUser user, String method, String path, String contentType, String body) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new HashMap<>();
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        ApiRequest req = new ApiRequest(method, path, null, n -> headers.get(n.toLowerCase()), bytes.length,
                new ByteArrayInputStream(bytes), user);
        try {
            return router.dispatch(req);
        } catch (ApiException e) {
            return RestApi.error(e);
        }
    }

    ApiResponse get(AuthenticatedUser user, String path, String rawQuery) {
        ApiRequest req = new ApiRequest("GET", path, rawQuery, n -> null, 0, new ByteArrayInputStream(new byte[0]), user);
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
    void theBlockListQueryIsCheckedAndPages() {
        for (int i = 0; i < 5; i++) {
            call(ADMIN, "POST", "/blocklist", "application/json", "{\"type\":\"HELO\",\"value\":\"h" + i + ".example\"}");
        }
        // audit finding: the query was never read, so "limit=0", "limit=abc" and a bad %-escape all answered 200
        for (String bad : new String[] {"limit=0", "limit=-1", "limit=abc", "limit=1001", "limit=99999999999999999999",
                "offset=-5", "limit=%zz"}) {
            ApiResponse r = get(VIEWER, "/blocklist", bad);
            assertThat(r.status()).as(bad).isEqualTo(400);
            assertThat(json(r).get("error").asText()).as(bad).containsAnyOf("limit", "offset", "percent-encoding");
        }
        assertThat(json(get(VIEWER, "/blocklist", null)).get("count").asInt()).isEqualTo(5);
        JsonNode page = json(get(VIEWER, "/blocklist", "limit=2&offset=1"));
        assertThat(page.get("count").asInt()).isEqualTo(2);
        assertThat(page.get("items").get(0).get("id").asText()).isEqualTo(blockList.list().get(1).id());
        assertThat(json(get(VIEWER, "/blocklist", "offset=5")).get("count").asInt()).isZero();
    }

    @Test
    void aRawMessageIsReportedByTheAuthenticatedUserWithTheirAdminFlag() {
        ApiResponse r = call(VIEWER, "POST", "/reports/spam", "message/rfc822", "Subject: x\r\n\r\nbuy\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("reference").asText()).isEqualTo("00ff");
        assertThat(json(r).get("kind").asText()).isEqualTo("SPAM");
        assertThat(reports).containsExactly(new Call(ReportKind.SPAM, "Subject: x\r\n\r\nbuy\r\n", null, "watcher", false));

        call(ADMIN, "POST", "/reports/ham", "message/rfc822; charset=us-ascii", "Subject: y\r\n\r\nhi\r\n");
        assertThat(reports.get(1)).isEqualTo(new Call(ReportKind.HAM, "Subject: y\r\n\r\nhi\r\n", null, "root", true));
    }

    @Test
    void aStoredMessageIsReportedByQuarantineIdOrMessageId() {
        ApiResponse r = call(ADMIN, "POST", "/reports/spam", "application/json", "{\"quarantineId\":\"q-1\"}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(json(r).get("spamReporters").asInt()).isEqualTo(3);
        assertThat(json(r).get("counted").asBoolean()).isFalse();
        call(ADMIN, "POST", "/reports/ham", "application/json", "{\"messageId\":\"spool-9\"}");
        assertThat(reports).extracting(Call::id).containsExactly("q-1", "spool-9");
        assertThat(call(ADMIN, "POST", "/reports/spam", "application/json", "{\"messageId\":\"missing\"}").status())
                .isEqualTo(404);
    }

    @Test
    void badReportsGetClearErrorsAndNothingIsReported() {
        assertThat(call(VIEWER, "POST", "/reports/spam", "text/plain", "x").status()).isEqualTo(415);
        assertThat(call(VIEWER, "POST", "/reports/spam", "message/rfc822", "").status()).isEqualTo(400);
        assertThat(call(VIEWER, "POST", "/reports/spam", "message/rfc822", "x".repeat(1001)).status()).isEqualTo(413);
        assertThat(call(VIEWER, "POST", "/reports/spam", "application/json", "{}").status()).isEqualTo(400);
        assertThat(call(VIEWER, "POST", "/reports/spam", "application/json",
                "{\"quarantineId\":\"a\",\"messageId\":\"b\"}").status()).isEqualTo(400);
        assertThat(call(VIEWER, "POST", "/reports/spam", "application/json", "{\"messageId\":5}").status()).isEqualTo(400);
        assertThat(call(VIEWER, "POST", "/reports/spam", "application/json", "[1").status()).isEqualTo(400);
        assertThat(call(null, "POST", "/reports/spam", "message/rfc822", "x").status()).isEqualTo(401);
        assertThat(reports).isEmpty();
    }

    @Test
    void theBlockListIsReadByViewersAndChangedByAdminsOnly() {
        ApiResponse added = call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"client_ip\",\"value\":\"203.0.113.0/24\",\"reason\":\"botnet\",\"expires\":\"PT24H\"}");
        assertThat(added.status()).isEqualTo(201);
        JsonNode rule = json(added);
        assertThat(rule.get("type").asText()).isEqualTo("CLIENT_IP");
        assertThat(rule.get("createdBy").asText()).isEqualTo("root");
        assertThat(rule.get("active").asBoolean()).isTrue();
        assertThat(Instant.parse(rule.get("expiresAt").asText())).isAfter(Instant.now().plusSeconds(23 * 3600));

        ApiResponse list = call(VIEWER, "GET", "/blocklist", null, null);
        assertThat(json(list).get("items").size()).isEqualTo(1);
        ApiResponse far = call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"HELO\",\"value\":\"far.example\",\"expires\":\"PT9999999999999H\"}");
        assertThat(far.status()).isEqualTo(400);
        assertThat(json(far).get("error").asText()).isEqualTo("expires: at most 36500 days (got PT9999999999999H)");
        assertThat(call(VIEWER, "POST", "/blocklist", "application/json", "{\"type\":\"HELO\",\"value\":\"x\"}").status())
                .isEqualTo(403);
        assertThat(call(VIEWER, "DELETE", "/blocklist/r0", null, null).status()).isEqualTo(403);
        assertThat(call(ADMIN, "DELETE", "/blocklist/r0", null, null).status()).isEqualTo(200);
        assertThat(call(ADMIN, "DELETE", "/blocklist/r0", null, null).status()).isEqualTo(404);
    }

    @Test
    void invalidRulesAreRefusedWithTheReason() {
        ApiResponse r = call(ADMIN, "POST", "/blocklist", "application/json", "{\"type\":\"ASN\",\"value\":\"1\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).contains("CLIENT_IP");
        assertThat(call(ADMIN, "POST", "/blocklist", "application/json", "{\"type\":\"HELO\"}").status()).isEqualTo(400);
        // a field of the wrong JSON type says so, not that it is missing
        assertThat(json(call(ADMIN, "POST", "/blocklist", "application/json", "{\"type\":1,\"value\":\"x.example\"}"))
                .get("error").asText()).startsWith("\"type\" must be a string");
        assertThat(json(call(ADMIN, "POST", "/blocklist", "application/json", "{\"type\":\"HELO\",\"value\":[]}"))
                .get("error").asText()).isEqualTo("\"value\" must be a string");
        ApiResponse bad = call(ADMIN, "POST", "/blocklist", "application/json", "{\"type\":\"HELO\",\"value\":\"a b\"}");
        assertThat(json(bad).get("error").asText()).contains("not a domain name");
        assertThat(call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"HELO\",\"value\":\"x.example\",\"expires\":\"tomorrow\"}").status()).isEqualTo(400);
        assertThat(call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"HELO\",\"value\":\"x.example\",\"expires\":\"PT1H\",\"expiresAt\":\"2030-01-01T00:00:00Z\"}")
                .status()).isEqualTo(400);
        assertThat(rules).isEmpty();
    }

    @Test
    void withoutTheSpamBundleTheEndpointsAnswer503() {
        reportService = null;
        blockList = null;
        assertThat(call(ADMIN, "POST", "/reports/spam", "message/rfc822", "x").status()).isEqualTo(503);
        assertThat(call(ADMIN, "GET", "/blocklist", null, null).status()).isEqualTo(503);
    }

    @Test
    void aMisspeltFieldIsABadRequestNotSilentlyIgnored() {
        // "expire" for "expires" used to create a rule that never expires
        ApiResponse r = call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"SENDER\",\"value\":\"t@b.test\",\"expire\":\"PT1H\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(json(r).get("error").asText()).startsWith("unknown field \"expire\": this request takes")
                .contains("\"expires\"", "\"expiresAt\"");
        assertThat(json(call(ADMIN, "GET", "/blocklist", null, null)).toString()).doesNotContain("t@b.test");

        ApiResponse report = call(ADMIN, "POST", "/reports/spam", "application/json",
                "{\"messageId\":\"m1\",\"admin\":true}");
        assertThat(report.status()).isEqualTo(400);
        assertThat(json(report).get("error").asText()).startsWith("unknown field \"admin\"");
    }

    @Test
    void blockRuleExpiriesOutsideSaneBoundsAreBadRequestsNamingTheField() {
        String[][] cases = {
                {"\"expires\":\"PT9999999999999H\"", "expires: at most 36500 days (got PT9999999999999H)"},
                {"\"expires\":\"P999999999D\"", "expires: at most 36500 days (got P999999999D)"},
                {"\"expires\":\"P36501D\"", "expires: at most 36500 days (got P36501D)"},
                {"\"expires\":\"PT0S\"", "expires: must be a positive duration (got PT0S)"},
                {"\"expires\":\"-PT1H\"", "expires: must be a positive duration (got -PT1H)"},
                {"\"expires\":\"soon\"", "expires: must be an ISO-8601 duration"},
                {"\"expires\":7", "expires: must be a string"},
                {"\"expiresAt\":\"+999999999-12-31T23:59:59Z\"", "expiresAt: not after 9999-12-31T23:59:59Z"},
                {"\"expiresAt\":\"1969-12-31T23:59:59Z\"", "expiresAt: not before 1970-01-01T00:00:00Z"},
                {"\"expiresAt\":\"tomorrow\"", "expiresAt: must be an ISO-8601 instant"},
        };
        for (String[] c : cases) {
            ApiResponse r = call(ADMIN, "POST", "/blocklist", "application/json",
                    "{\"type\":\"HELO\",\"value\":\"far.example\"," + c[0] + "}");
            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(json(r).get("error").asText()).as(c[0]).startsWith(c[1]).doesNotContain("java.")
                    .doesNotContain("Exception");
        }
        ApiResponse longest = call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"HELO\",\"value\":\"far.example\",\"expires\":\"P36500D\"}");
        assertThat(longest.status()).isEqualTo(201);
        assertThat(Instant.parse(json(longest).get("expiresAt").asText()))
                .isAfter(Instant.now().plus(java.time.Duration.ofDays(36_499)));
        ApiResponse lastInstant = call(ADMIN, "POST", "/blocklist", "application/json",
                "{\"type\":\"HELO\",\"value\":\"last.example\",\"expiresAt\":\"9999-12-31T23:59:59Z\"}");
        assertThat(lastInstant.status()).isEqualTo(201);
    }
}
