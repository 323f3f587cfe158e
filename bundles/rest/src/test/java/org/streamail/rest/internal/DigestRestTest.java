package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.rest.internal.RestApiTest.ADMIN;
import static org.streamail.rest.internal.RestApiTest.VIEWER;
import static org.streamail.rest.internal.RestApiTest.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.digest.DigestStatus;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;

/** {@code POST /digest/send} and {@code GET /digest/status} over a recording fake of the digest service. */
class DigestRestTest {

    final InMemoryGateway gateway = new InMemoryGateway();
    final List<String> actors = new ArrayList<>();
    RuntimeException failure;
    QuarantineDigest digest = new QuarantineDigest() {
        @Override
        public DigestRun sendNow(String actor) {
            if (failure != null) {
                throw failure;
            }
            actors.add(actor);
            return new DigestRun(Instant.parse("2026-12-06T08:00:00Z"), Instant.parse("2026-12-07T08:00:00Z"), 12,
                    4, 3, 1, true);
        }

        @Override
        public DigestStatus status() {
            if (failure != null) {
                throw failure;
            }
            return new DigestStatus(true, Optional.of(Instant.parse("2026-12-08T08:00:00Z")),
                    Optional.of(Instant.parse("2026-12-06T08:00:00Z")), Optional.of(new DigestStatus.Running(
                            "4711@gw2#a1b2c3", Instant.parse("2026-12-06T08:00:00Z"),
                            Instant.parse("2026-12-07T08:00:00Z"), Instant.parse("2026-12-07T08:10:00Z"), 250, true)));
        }
    };
    QuarantineDigest present = digest;

    final RestApi api = new RestApi(gateway.services(), new RestApi.Limits(1024, 1024),
            IncidentRoutes.Access.registry(), ServiceAccess.of(() -> null, "report service"),
            ServiceAccess.of(() -> null, "block list"), ServiceAccess.of(() -> present, "quarantine digest"));

    ApiResponse post(AuthenticatedUser user, String path) {
        return api.handle(new ApiRequest("POST", path, null, n -> Map.<String, String>of().get(n), -1,
                InputStream.nullInputStream(), user));
    }

    ApiResponse get(AuthenticatedUser user, String path) {
        return api.handle(new ApiRequest("GET", path, null, n -> Map.<String, String>of().get(n), -1,
                InputStream.nullInputStream(), user));
    }

    @Test
    void aViewerSeesWhereTheDigestStandsOnEveryNode() {
        ApiResponse r = get(VIEWER, "/digest/status");
        assertThat(r.status()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("scheduled").asBoolean()).isTrue();
        assertThat(n.get("nextSlot").asText()).isEqualTo("2026-12-08T08:00:00Z");
        assertThat(n.get("lastEnd").asText()).isEqualTo("2026-12-06T08:00:00Z");
        JsonNode run = n.get("running");
        assertThat(run.get("node").asText()).isEqualTo("4711@gw2#a1b2c3");
        assertThat(run.get("until").asText()).isEqualTo("2026-12-07T08:00:00Z");
        assertThat(run.get("lease").asText()).isEqualTo("2026-12-07T08:10:00Z");
        assertThat(run.get("usersDone").asInt()).isEqualTo(250);
        assertThat(run.get("lapsed").asBoolean()).isTrue();
        assertThat(actors).as("looking sends nothing").isEmpty();
        failure = new IllegalStateException("the store cannot be read (down)");
        assertThat(get(ADMIN, "/digest/status").status()).isEqualTo(503);
    }

    @Test
    void anAdminSendsTheDigestAndGetsTheCounts() {
        ApiResponse r = post(ADMIN, "/digest/send");
        assertThat(r.status()).isEqualTo(200);
        JsonNode n = json(r);
        assertThat(n.get("since").asText()).isEqualTo("2026-12-06T08:00:00Z");
        assertThat(n.get("until").asText()).isEqualTo("2026-12-07T08:00:00Z");
        assertThat(n.get("entries").asInt()).isEqualTo(12);
        assertThat(n.get("recipients").asInt()).isEqualTo(4);
        assertThat(n.get("mailsSent").asInt()).isEqualTo(3);
        assertThat(n.get("mailsFailed").asInt()).isEqualTo(1);
        assertThat(n.get("truncated").asBoolean()).isTrue();
        assertThat(actors).containsExactly("rest:" + ADMIN.name());
    }

    @Test
    void aViewerMayNotAndNothingIsSent() {
        assertThat(post(VIEWER, "/digest/send").status()).isEqualTo(403);
        assertThat(actors).isEmpty();
    }

    @Test
    void aDigestThatCannotBeSentIs503WithTheReasonAndWithoutTheServiceToo() {
        failure = new IllegalStateException("the quarantine cannot be read (down); nothing was sent");
        ApiResponse r = post(ADMIN, "/digest/send");
        assertThat(r.status()).isEqualTo(503);
        assertThat(json(r).toString()).contains("digest not sent").contains("nothing was sent");
        present = null;
        ApiResponse absent = post(ADMIN, "/digest/send");
        assertThat(absent.status()).isEqualTo(503);
        assertThat(json(absent).toString()).contains("quarantine digest is not available");
    }
}
