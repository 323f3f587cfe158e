package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.rest.internal.RestApiTest.ADMIN;
import static org.streamail.rest.internal.RestApiTest.VIEWER;
import static org.streamail.rest.internal.RestApiTest.assertError;
import static org.streamail.rest.internal.RestApiTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.PolicySummary;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.retention.SweepStatus;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;

/** The /retention endpoints over an in-memory retention service that remembers what it was asked. */
class RetentionRestTest {

    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    static final SweepReport REPORT = new SweepReport(T0, Duration.ofMillis(1234), false, 2, 40, 5, 3, 1, 1, 2, 0,
            List.of());

    final InMemoryGateway gateway = new InMemoryGateway();
    final List<String> calls = new ArrayList<>();
    final List<AuditQuery> auditQueries = new ArrayList<>();
    RuntimeException extendFailure;

    final RetentionService retention = new RetentionService() {
        @Override
        public SweepReport sweep() {
            calls.add("sweep");
            return REPORT;
        }

        @Override
        public SweepReport sweep(String mailbox) {
            calls.add("sweep " + mailbox);
            if (mailbox.equals("down@corp.example")) {
                throw new RetentionException("connection refused");
            }
            if (mailbox.equals("db-down@corp.example")) {
                // what RetentionComponent builds from the store's failure (StoreException text = H2's message)
                throw new RetentionException("the directory of mailboxes is not available: list directory failed: "
                        + "Table \"DIRECTORY\" not found (this database is empty); SQL statement:\n"
                        + "SELECT address, display_name FROM directory ORDER BY address [42104-224]");
            }
            return REPORT;
        }

        @Override
        public Extension extend(String mailbox, String messageId, Instant newExpiry, String actor) {
            calls.add("extend " + mailbox + " " + messageId + " " + newExpiry + " " + actor);
            if (extendFailure != null) {
                throw extendFailure;
            }
            return new Extension(mailbox, "INBOX", messageId, T0, newExpiry);
        }

        @Override
        public PolicySummary policySummary() {
            return new PolicySummary(List.of("partner.example"), List.of("corp.example"), Duration.ofDays(1),
                    Duration.ofDays(3650), List.of("marketing@*=P14D"), "move:Expired", List.of("Archives/Local"),
                    List.of(), List.of("alice@corp.example"), Duration.ofHours(1), false, "127.0.0.1:143 (starttls)",
                    REPORT);
        }

        @Override
        public SweepStatus sweepStatus() {
            if (statusFailure != null) {
                throw statusFailure;
            }
            return new SweepStatus(true, Optional.of(T0), Optional.of(T0.plusSeconds(90)), "4711@gw1#a1",
                    "mailboxes=2 scanned=40", Optional.of(new SweepStatus.Running("4712@gw2#b2", T0.plusSeconds(3600),
                            T0.plusSeconds(4200), true, 1, false)));
        }
    };
    RuntimeException statusFailure;

    final RetentionAuditStore audit = new RetentionAuditStore() {
        @Override
        public void record(AuditRecord record) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<AuditRecord> query(AuditQuery query) {
            auditQueries.add(query);
            return List.of(new AuditRecord("alice@corp.example", "INBOX", "<m1@x>", "ab".repeat(32), T0,
                    "signed:P14D", AuditRecord.Action.DELETE, T0.plusSeconds(60), "sweeper", false, "uid=7"));
        }
    };

    final RestApi api = new RestApi(new Services(() -> gateway.scanner, () -> gateway.quarantine, () -> gateway.status,
            () -> gateway.messageLog, () -> gateway.directory, () -> retention, () -> audit),
            new RestApi.Limits(1024, 1024));

    ApiResponse call(AuthenticatedUser user, String method, String pathAndQuery, String body) {
        int q = pathAndQuery.indexOf('?');
        byte[] bytes = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        InputStream in = bytes == null ? InputStream.nullInputStream() : new ByteArrayInputStream(bytes);
        Map<String, String> headers = body == null ? Map.of() : Map.of("content-type", "application/json");
        return api.handle(new ApiRequest(method, q < 0 ? pathAndQuery : pathAndQuery.substring(0, q),
                q < 0 ? null : pathAndQuery.substring(q + 1), n -> headers.get(n.toLowerCase()),
                bytes == null ? -1 : bytes.length, in, user));
    }

    @Test
    void aViewerSeesWhereTheSweepsStandAcrossTheNodes() {
        ApiResponse r = call(VIEWER, "GET", "/retention/status", null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("coordinated").asBoolean()).isTrue();
        assertThat(n.get("lastStart").asText()).isEqualTo(T0.toString());
        assertThat(n.get("lastNode").asText()).isEqualTo("4711@gw1#a1");
        assertThat(n.get("lastSummary").asText()).isEqualTo("mailboxes=2 scanned=40");
        assertThat(n.get("running").get("node").asText()).isEqualTo("4712@gw2#b2");
        assertThat(n.get("running").get("mailboxesDone").asInt()).isEqualTo(1);
        assertThat(n.get("running").get("lapsed").asBoolean()).isFalse();
        assertThat(calls).as("looking sweeps nothing").isEmpty();
        statusFailure = new IllegalStateException("the shared record cannot be read (down)");
        assertThat(call(ADMIN, "GET", "/retention/status", null).status()).isEqualTo(503);
    }

    @Test
    void anAdminSweepReturnsTheCounts() {
        ApiResponse r = call(ADMIN, "POST", "/retention/sweep", null);
        assertThat(r.status()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("scanned").asLong()).isEqualTo(40);
        assertThat(n.get("expired").asLong()).isEqualTo(5);
        assertThat(n.get("deleted").asLong()).isEqualTo(3);
        assertThat(n.get("moved").asLong()).isEqualTo(1);
        assertThat(n.get("flagged").asLong()).isEqualTo(1);
        assertThat(n.get("exempt").asLong()).isEqualTo(2);
        assertThat(n.get("errors").asLong()).isZero();
        assertThat(n.get("elapsedMs").asLong()).isEqualTo(1234);
        assertThat(calls).containsExactly("sweep");
        assertThat(call(ADMIN, "POST", "/retention/sweep?mailbox=bob@corp.example", null).status()).isEqualTo(200);
        assertThat(calls).contains("sweep bob@corp.example");
    }

    @Test
    void aViewerMayReadButNeitherSweepNorExtend() {
        assertError(call(VIEWER, "POST", "/retention/sweep", null), 403, "admin");
        assertError(call(VIEWER, "POST", "/retention/extend", "{}"), 403, "admin");
        assertThat(call(VIEWER, "GET", "/retention/audit", null).status()).isEqualTo(200);
        assertThat(call(VIEWER, "GET", "/retention/policy", null).status()).isEqualTo(200);
        assertThat(calls).isEmpty();
    }

    @Test
    void theAuditIsListedWithItsFiltersAndEveryField() {
        ApiResponse r = call(VIEWER, "GET", "/retention/audit?limit=5&mailbox=alice@corp.example&messageId=%3Cm1@x%3E", null);
        JsonNode item = json(r).get("items").get(0);
        assertThat(json(r).get("count").asInt()).isEqualTo(1);
        assertThat(item.get("action").asText()).isEqualTo("DELETE");
        assertThat(item.get("messageId").asText()).isEqualTo("<m1@x>");
        assertThat(item.get("contentHash").asText()).hasSize(64);
        assertThat(item.get("expiry").asText()).isEqualTo("2026-05-01T10:00:00Z");
        assertThat(item.get("rule").asText()).isEqualTo("signed:P14D");
        assertThat(item.get("dryRun").asBoolean()).isFalse();
        assertThat(auditQueries).containsExactly(new AuditQuery(5, "alice@corp.example", "<m1@x>"));
        assertError(call(VIEWER, "GET", "/retention/audit?limit=0", null), 400, "limit");
    }

    @Test
    void extendPassesTheCallerAsActorAndMapsRefusalsToClearStatuses() {
        String body = "{\"mailbox\":\"alice@corp.example\",\"messageId\":\"<m1@x>\",\"expiry\":\"2026-12-31T00:00:00Z\"}";
        ApiResponse ok = call(ADMIN, "POST", "/retention/extend", body);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(json(ok).get("expiry").asText()).isEqualTo("2026-12-31T00:00:00Z");
        assertThat(json(ok).get("previousExpiry").asText()).isEqualTo("2026-05-01T10:00:00Z");
        assertThat(calls).containsExactly("extend alice@corp.example <m1@x> 2026-12-31T00:00:00Z root");

        extendFailure = new SecurityException("the sender did not grant permission");
        assertError(call(ADMIN, "POST", "/retention/extend", body), 403, "did not grant");
        extendFailure = new NoSuchElementException("no message <m1@x>");
        assertError(call(ADMIN, "POST", "/retention/extend", body), 404, "no message");
        extendFailure = new RetentionException("IMAP down");
        assertError(call(ADMIN, "POST", "/retention/extend", body), 503, "IMAP down");
    }

    @Test
    void aMalformedExtendBodyIsABadRequestThatReachesNoService() {
        assertError(call(ADMIN, "POST", "/retention/extend", "{\"mailbox\":\"a@b\",\"messageId\":\"<m@x>\"}"), 400, "expiry");
        assertError(call(ADMIN, "POST", "/retention/extend",
                "{\"mailbox\":\"a@b\",\"messageId\":\"<m@x>\",\"expiry\":\"tomorrow\"}"), 400, "ISO-8601");
        assertError(call(ADMIN, "POST", "/retention/extend", "[1]"), 400, "JSON object");
        assertError(call(ADMIN, "POST", "/retention/extend", "{\"mailbox\":\"a b\",\"messageId\":\"<m@x>\","
                + "\"expiry\":\"2026-12-31T00:00:00Z\"}"), 400, "mailbox");
        assertThat(calls).isEmpty();
    }

    @Test
    void thePolicyIsShownWithoutSecretsAndWithTheLastSweep() {
        JsonNode n = json(call(VIEWER, "GET", "/retention/policy", null));
        assertThat(n.get("action").asText()).isEqualTo("move:Expired");
        assertThat(n.get("minAge").asText()).isEqualTo("PT24H");
        assertThat(n.get("exemptFolders").get(0).asText()).isEqualTo("Archives/Local");
        assertThat(n.get("lastSweep").get("deleted").asLong()).isEqualTo(3);
        assertThat(n.toString()).doesNotContainIgnoringCase("password").doesNotContainIgnoringCase("key");
    }

    @Test
    void aFailureWhoseTextIsADatabaseOrExceptionDumpIs503WithoutThatText() {
        ApiResponse r = call(ADMIN, "POST", "/retention/sweep?mailbox=db-down@corp.example", null);
        assertError(r, 503, "see the gateway log");
        assertThat(json(r).get("error").asText()).doesNotContain("SQL", "SELECT", "DIRECTORY", "42104");

        String body = "{\"mailbox\":\"alice@corp.example\",\"messageId\":\"<m1@x>\",\"expiry\":\"2026-12-31T00:00:00Z\"}";
        extendFailure = new RetentionException("message <m1@x> has no readable header section: java.io.IOException:"
                + " Stream closed\n\tat com.sun.mail.imap.IMAPInputStream.read(IMAPInputStream.java:283)");
        r = call(ADMIN, "POST", "/retention/extend", body);
        assertError(r, 503, "see the gateway log");
        assertThat(json(r).get("error").asText()).doesNotContain("java.", "com.sun", "Stream closed");
        extendFailure = new RetentionException(null, new IllegalStateException());
        assertError(call(ADMIN, "POST", "/retention/extend", body), 503, "see the gateway log");
    }

    @Test
    void aMailServerFailureIs503AndAMissingServiceToo() {
        assertError(call(ADMIN, "POST", "/retention/sweep?mailbox=down@corp.example", null), 503, "connection refused");
        RestApi without = new RestApi(gateway.services(), new RestApi.Limits(1024, 1024));
        ApiResponse r = without.handle(new ApiRequest("GET", "/retention/policy", null, n -> null, -1,
                InputStream.nullInputStream(), VIEWER));
        assertError(r, 503, "retention service");
    }
}
