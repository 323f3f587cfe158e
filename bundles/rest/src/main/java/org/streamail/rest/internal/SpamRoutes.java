package org.streamail.rest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.rest.internal.http.ApiException;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.JsonBodies;
import org.streamail.rest.internal.http.Permission;
import org.streamail.rest.internal.http.Router;
import org.streamail.rest.internal.http.TimeBounds;
import org.streamail.rest.internal.json.JsonMapping;

/**
 * The spam endpoints (issue 8): {@code POST /reports/spam}, {@code POST /reports/ham},
 * {@code GET/POST /blocklist}, {@code DELETE /blocklist/{id}}. Kept apart from {@link RestApi} so the
 * spam feature adds one line there.
 *
 * <p>The report and block-list services come from the detect-spam bundle and may come and go: they are
 * looked up in the service registry per request (get, use, unget), and a missing one answers 503 for these
 * endpoints only. Reports need any authenticated user (admins and viewers); the reporter is the
 * authenticated user and an admin's report counts as an administrator's. Changing the block list needs the
 * admin role. Thread-safe (stateless).
 */
final class SpamRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(SpamRoutes.class);
    /** Longest id accepted in a JSON report body. */
    static final int MAX_ID_LENGTH = 128;

    private final ServiceAccess<ReportService> reports;
    private final ServiceAccess<BlockListService> blockList;
    private final ObjectMapper mapper;
    private final int maxMessageSize;
    private final int maxJsonSize;

    private SpamRoutes(ServiceAccess<ReportService> reports, ServiceAccess<BlockListService> blockList,
            ObjectMapper mapper, int maxMessageSize, int maxJsonSize) {
        this.reports = reports;
        this.blockList = blockList;
        this.mapper = mapper;
        this.maxMessageSize = maxMessageSize;
        this.maxJsonSize = maxJsonSize;
    }

    /** Adds the routes, finding the services in the OSGi registry of this bundle. */
    static void register(Router router, ObjectMapper mapper, int maxMessageSize, int maxJsonSize) {
        register(router, ServiceAccess.registry(ReportService.class, "report service (detect-spam)"),
                ServiceAccess.registry(BlockListService.class, "block list (detect-spam)"), mapper, maxMessageSize, maxJsonSize);
    }

    /** Adds the routes over given services (tests). */
    static void register(Router router, ServiceAccess<ReportService> reports, ServiceAccess<BlockListService> blockList,
            ObjectMapper mapper, int maxMessageSize, int maxJsonSize) {
        SpamRoutes r = new SpamRoutes(reports, blockList, mapper, maxMessageSize, maxJsonSize);
        router.add("POST", "/reports/spam", Permission.READ, req -> r.report(req, ReportKind.SPAM))
                .add("POST", "/reports/ham", Permission.READ, req -> r.report(req, ReportKind.HAM))
                .add("GET", "/blocklist", Permission.READ, r::list)
                .add("POST", "/blocklist", Permission.ADMIN, r::add)
                .add("DELETE", "/blocklist/{id}", Permission.ADMIN, r::remove);
    }

    // ---- reports

    private ApiResponse report(ApiRequest request, ReportKind kind) {
        String type = request.mediaType();
        String user = request.user().name();
        boolean admin = request.user().isAdmin();
        String path = "POST /reports/" + kind.name().toLowerCase(Locale.ROOT);
        ReportResult result;
        try {
            if (type.equals("message/rfc822")) {
                byte[] raw = request.body(maxMessageSize);
                if (raw.length == 0) {
                    throw ApiException.badRequest("empty message: the body must be a raw RFC 822 message");
                }
                result = reports.with(s -> s.report(kind, raw, user, admin));
            } else if (type.equals("application/json")) {
                JsonNode body = readJson(request);
                JsonBodies.onlyFields(body, "quarantineId", "messageId");
                String quarantineId = text(body, "quarantineId");
                String messageId = text(body, "messageId");
                if ((quarantineId == null) == (messageId == null)) {
                    throw ApiException.badRequest("give exactly one of \"quarantineId\" and \"messageId\"");
                }
                String id = quarantineId != null ? quarantineId : messageId;
                result = reports.with(s -> s.reportById(kind, id, user, admin));
            } else {
                throw new ApiException(415, path + " needs Content-Type: message/rfc822 (the raw message) or "
                        + "application/json ({\"quarantineId\":...} or {\"messageId\":...})"
                        + (type.isEmpty() ? "" : ", got " + abbrev(type)));
            }
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(e.getMessage() == null ? "no such message" : e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "invalid report" : e.getMessage());
        }
        LOG.info("Report: {} by {}{}: ref {}{}", kind, user, admin ? " (admin)" : "", result.reference(),
                result.blocking() ? " (blocking)" : "");
        ObjectNode n = JsonMapping.object();
        n.put("reference", result.reference());
        n.put("kind", result.kind().name());
        n.put("counted", result.counted());
        n.put("spamReporters", result.spamReporters());
        n.put("hamReporters", result.hamReporters());
        n.put("blocking", result.blocking());
        return ApiResponse.ok(n);
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual() || n.asText().isBlank() || n.asText().length() > MAX_ID_LENGTH
                || n.asText().chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("\"" + field + "\" must be a non-empty string of at most " + MAX_ID_LENGTH
                    + " characters");
        }
        return n.asText().strip();
    }

    // ---- block list

    /** Most rules one {@code GET /blocklist} page may ask for. */
    static final int MAX_LIMIT = 1000;

    private ApiResponse list(ApiRequest request) {
        // read (and refused when malformed) before the service is asked, like every other list endpoint
        int limit = request.intQuery("limit", Integer.MAX_VALUE, 1, MAX_LIMIT);
        int offset = request.intQuery("offset", 0, 0, Integer.MAX_VALUE);
        List<BlockRule> rules = blockList.with(BlockListService::list);
        Instant now = Instant.now();
        return ApiResponse.ok(JsonMapping.list(rules.stream().skip(offset).limit(limit).map(r -> rule(r, now)).toList()));
    }

    private ApiResponse add(ApiRequest request) {
        String type = request.mediaType();
        if (!type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "POST /blocklist needs Content-Type: application/json, got " + abbrev(type));
        }
        JsonNode body = readJson(request);
        JsonBodies.onlyFields(body, "type", "value", "reason", "expires", "expiresAt");
        BlockRule.Type ruleType;
        JsonNode t = body.get("type");
        if (t == null || t.isNull()) {
            throw ApiException.badRequest("\"type\" is required: one of " + java.util.Arrays.toString(BlockRule.Type.values()));
        }
        if (!t.isTextual()) {
            throw ApiException.badRequest("\"type\" must be a string: one of "
                    + java.util.Arrays.toString(BlockRule.Type.values()));
        }
        try {
            ruleType = BlockRule.Type.valueOf(t.asText().strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("unknown \"type\" '" + abbrev(t.asText()) + "': one of "
                    + java.util.Arrays.toString(BlockRule.Type.values()));
        }
        JsonNode v = body.get("value");
        if (v == null || v.isNull()) {
            throw ApiException.badRequest("\"value\" (a string) is required");
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("\"value\" must be a string");
        }
        JsonNode reasonNode = body.get("reason");
        if (reasonNode != null && !reasonNode.isNull() && !reasonNode.isTextual()) {
            throw ApiException.badRequest("\"reason\" must be a string");
        }
        String reason = reasonNode == null || reasonNode.isNull() ? "" : reasonNode.asText();
        Instant expiresAt = expiry(body);
        BlockRule rule;
        try {
            rule = blockList.with(s -> s.add(ruleType, v.asText(), reason, expiresAt, request.user().name()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "invalid rule" : e.getMessage());
        }
        return ApiResponse.json(201, rule(rule, Instant.now()));
    }

    /** {@code "expires": "PT24H"} (from now) or {@code "expiresAt": "2026-03-01T10:00:00Z"}, or neither. */
    private static Instant expiry(JsonNode body) {
        JsonNode in = body.get("expires");
        JsonNode at = body.get("expiresAt");
        boolean hasIn = in != null && !in.isNull();
        boolean hasAt = at != null && !at.isNull();
        if (hasIn && hasAt) {
            throw ApiException.badRequest("give \"expires\" (a duration) or \"expiresAt\" (an instant), not both");
        }
        if (hasIn) {
            String text = textOf(in, "expires");
            Duration d = TimeBounds.duration("expires", text, true);
            return TimeBounds.after("expires", Instant.now(), d, text);
        }
        if (hasAt) {
            return TimeBounds.instant("expiresAt", textOf(at, "expiresAt"));
        }
        return null;
    }

    private static String textOf(JsonNode n, String field) {
        if (!n.isTextual() || n.asText().length() > 64) {
            throw ApiException.badRequest(field + ": must be a string of at most 64 characters");
        }
        return n.asText();
    }

    private ApiResponse remove(ApiRequest request) {
        String id = request.pathParam("id");
        if (id.length() > 64 || id.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.notFound("no block rule " + abbrev(id));
        }
        if (!blockList.with(s -> s.remove(id, request.user().name()))) {
            throw ApiException.notFound("no block rule " + id);
        }
        ObjectNode n = JsonMapping.object();
        n.put("id", id);
        n.put("removed", true);
        return ApiResponse.ok(n);
    }

    static ObjectNode rule(BlockRule r, Instant now) {
        ObjectNode n = JsonMapping.object();
        n.put("id", r.id());
        n.put("type", r.type().name());
        n.put("value", r.value());
        n.put("reason", r.reason());
        n.put("createdBy", r.createdBy());
        n.put("createdAt", r.createdAt().toString());
        if (r.expiresAt() == null) {
            n.putNull("expiresAt");
        } else {
            n.put("expiresAt", r.expiresAt().toString());
        }
        n.put("source", r.source().name());
        n.put("active", r.activeAt(now));
        return n;
    }

    // ---- helpers

    private JsonNode readJson(ApiRequest request) {
        return JsonBodies.object(request, mapper, maxJsonSize);
    }

    private static String abbrev(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 64 ? clean : clean.substring(0, 64) + "...";
    }
}
