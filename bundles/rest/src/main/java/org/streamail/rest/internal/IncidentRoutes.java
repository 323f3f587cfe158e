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
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationException;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.isolation.IsolationStore;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.rest.internal.http.ApiException;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.JsonBodies;
import org.streamail.rest.internal.http.Permission;
import org.streamail.rest.internal.http.Router;
import org.streamail.rest.internal.http.TimeBounds;
import org.streamail.rest.internal.json.JsonMapping;

/**
 * The incident endpoints (issue 6): {@code GET /alerts}; {@code GET /isolation}, {@code POST /isolation},
 * {@code POST /isolation/{ip}/release}, {@code GET /isolation/audit} (admin role only: isolation cuts a
 * machine off the network); {@code GET /clicks}; {@code POST /messages/{id}/recall} (admin). Their services
 * come from the reporting, isolation, linkguard and store bundles and are looked up per request: a missing
 * one answers 503 for its endpoints only. Thread-safe (stateless).
 */
final class IncidentRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(IncidentRoutes.class);
    static final int MAX_REASON_LENGTH = 500;
    private static final int DEFAULT_LIMIT = 50;
    /** Longest URL the link store keeps (store-jdbc's limit); a longer one was never marked. */
    private static final int MAX_URL = 8192;

    /** The services these routes use. */
    record Access(ServiceAccess<AlertStore> alerts, ServiceAccess<IsolationService> isolation,
            ServiceAccess<IsolationStore> isolationStore, ServiceAccess<LinkStore> links,
            ServiceAccess<CampaignService> campaigns) {

        /** From the OSGi service registry. */
        static Access registry() {
            return new Access(ServiceAccess.registry(AlertStore.class, "alert store (store)"),
                    ServiceAccess.registry(IsolationService.class, "isolation service (isolation bundle)"),
                    ServiceAccess.registry(IsolationStore.class, "isolation store (store)"),
                    ServiceAccess.registry(LinkStore.class, "link store (store)"),
                    ServiceAccess.registry(CampaignService.class, "campaign service (reporting bundle)"));
        }
    }

    private final Access access;
    private final ObjectMapper mapper;
    private final int maxJsonSize;

    private IncidentRoutes(Access access, ObjectMapper mapper, int maxJsonSize) {
        this.access = access;
        this.mapper = mapper;
        this.maxJsonSize = maxJsonSize;
    }

    static void register(Router router, Access access, ObjectMapper mapper, int maxJsonSize) {
        IncidentRoutes r = new IncidentRoutes(access, mapper, maxJsonSize);
        router.add("GET", "/alerts", Permission.READ, r::alerts)
                .add("GET", "/isolation", Permission.ADMIN, r::isolationList)
                .add("POST", "/isolation", Permission.ADMIN, r::isolate)
                .add("GET", "/isolation/audit", Permission.ADMIN, r::isolationAudit)
                .add("POST", "/isolation/{ip}/release", Permission.ADMIN, r::release)
                .add("GET", "/clicks", Permission.READ, r::clicks)
                .add("GET", "/bad-urls", Permission.READ, r::badUrls)
                .add("DELETE", "/bad-urls", Permission.ADMIN, r::unmarkBad)
                .add("POST", "/messages/{id}/recall", Permission.ADMIN, r::recall);
    }

    // ---- alerts

    private ApiResponse alerts(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, AlertQuery.MAX_LIMIT);
        Severity min = null;
        String s = request.query("severity");
        if (s != null) {
            try {
                min = Severity.valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("severity must be one of " + java.util.Arrays.toString(Severity.values())
                        + ", got '" + abbrev(s) + "'");
            }
        }
        String kind = boundedQuery(request, "kind");
        String subject = boundedQuery(request, "subject");
        Instant since = null;
        String sinceText = request.query("since");
        if (sinceText != null) {
            since = sinceParam(sinceText);
        }
        AlertQuery query = new AlertQuery(limit, min, kind, subject, since);
        List<Alert> found = access.alerts().with(a -> a.query(query));
        return ApiResponse.ok(JsonMapping.list(found.stream().map(JsonMapping::alert).toList()));
    }

    // ---- isolation

    private ApiResponse isolationList(ApiRequest request) {
        List<Isolation> list = access.isolation().with(IsolationService::list);
        return ApiResponse.ok(JsonMapping.list(list.stream().map(JsonMapping::isolation).toList()));
    }

    private ApiResponse isolate(ApiRequest request) {
        String type = request.mediaType();
        if (!type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "POST /isolation needs Content-Type: application/json, got " + abbrev(type));
        }
        JsonNode body = JsonBodies.object(request, mapper, maxJsonSize);
        JsonBodies.onlyFields(body, "ip", "reason", "ttl");
        String ip = JsonBodies.optionalText(body, "ip", 64);
        if (ip == null || ip.isEmpty()) {
            throw ApiException.badRequest("\"ip\" (an IPv4 or IPv6 address) is required");
        }
        if (!RestApi.isIpLiteral(ip)) {
            throw ApiException.badRequest("\"ip\" must be an IPv4 or IPv6 address, got '" + abbrev(ip) + "'");
        }
        String reason = JsonBodies.optionalText(body, "reason", MAX_REASON_LENGTH);
        if (reason == null || reason.isEmpty()) {
            throw ApiException.badRequest("\"reason\" is required: say why the host is cut off");
        }
        String ttlText = JsonBodies.optionalText(body, "ttl", 64);
        Duration ttl = null;
        if (ttlText != null && !ttlText.isEmpty()) {
            ttl = TimeBounds.duration("ttl", ttlText, true);
        }
        Duration givenTtl = ttl;
        String actor = request.user().name();
        Isolation done;
        try {
            done = access.isolation().with(s -> s.isolate(ip, null, reason, givenTtl, actor));
        } catch (SecurityException e) {
            throw ApiException.conflict(ip + " is protected (allow-list) and is never isolated");
        } catch (IllegalStateException e) {
            throw ApiException.conflict("cannot isolate " + ip + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "invalid isolation request" : e.getMessage());
        } catch (IsolationException e) {
            LOG.warn("Isolation of {} by {} failed: {}", ip, actor, e.toString());
            throw new ApiException(502, "an enforcer failed; nothing was changed: "
                    + ApiException.clientText(e.getMessage()));
        }
        LOG.info("Host {} isolated by {} until {}: {}", done.ip(), actor, done.until(), reason);
        return ApiResponse.json(201, JsonMapping.isolation(done));
    }

    private ApiResponse release(ApiRequest request) {
        String ip = request.pathParam("ip");
        if (!RestApi.isIpLiteral(ip)) {
            throw ApiException.badRequest("not an IPv4 or IPv6 address: '" + abbrev(ip) + "'");
        }
        String actor = request.user().name();
        boolean released;
        try {
            released = access.isolation().with(s -> s.release(ip, actor));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "invalid address" : e.getMessage());
        } catch (IsolationException e) {
            LOG.warn("Release of {} by {} failed: {}", ip, actor, e.toString());
            throw new ApiException(502, "an enforcer failed; the host stays isolated: "
                    + ApiException.clientText(e.getMessage()));
        }
        if (!released) {
            throw ApiException.notFound(ip + " is not isolated");
        }
        ObjectNode n = JsonMapping.object();
        n.put("ip", ip);
        n.put("released", true);
        return ApiResponse.ok(n);
    }

    private ApiResponse isolationAudit(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, 1000);
        String ip = request.query("ip");
        if (ip != null && !RestApi.isIpLiteral(ip.strip())) {
            throw ApiException.badRequest("ip must be an IPv4 or IPv6 address, got '" + abbrev(ip) + "'");
        }
        String host = ip == null ? null : ip.strip();
        return ApiResponse.ok(JsonMapping.list(access.isolationStore().with(s -> s.auditLog(host, limit)).stream()
                .map(JsonMapping::isolationAudit).toList()));
    }

    // ---- clicks

    private ApiResponse clicks(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, 1000);
        String blocked = request.query("blocked");
        if (blocked != null && !blocked.equals("true") && !blocked.equals("false")) {
            throw ApiException.badRequest("blocked must be true or false");
        }
        boolean blockedOnly = "true".equals(blocked);
        // A viewer does not get the secrets clicked URLs carry (reset tokens, magic logins): audit finding.
        boolean whole = request.user().isAdmin();
        return ApiResponse.ok(JsonMapping.list(access.links().with(s -> s.clicks(limit, blockedOnly)).stream()
                .map(c -> JsonMapping.click(whole ? c : c.redacted())).toList()));
    }

    // ---- URLs marked bad by campaign recalls

    private ApiResponse badUrls(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, 1000);
        boolean whole = request.user().isAdmin(); // a marked URL may be a clicked reset link: as for /clicks
        try {
            return ApiResponse.ok(JsonMapping.list(access.links().with(s -> s.badUrls(limit)).stream()
                    .map(b -> JsonMapping.badUrl(whole ? b
                            : new org.streamail.api.linkguard.BadUrl(
                                    org.streamail.api.linkguard.Click.redactedUrl(b.url()), b.reason(), b.markedAt())))
                    .toList()));
        } catch (UnsupportedOperationException e) {
            throw new ApiException(501, "this gateway's link store cannot list bad URLs");
        }
    }

    /** {@code DELETE /bad-urls?url=...}: an administrator decides a URL marked bad is safe after all. */
    private ApiResponse unmarkBad(ApiRequest request) {
        String url = request.query("url");
        if (url == null || url.isBlank()) {
            throw ApiException.badRequest("url is required: DELETE /bad-urls?url=<the URL as GET /bad-urls shows it>");
        }
        if (url.length() > MAX_URL || url.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("url must be at most " + MAX_URL + " characters without control characters");
        }
        boolean lifted;
        try {
            lifted = access.links().with(s -> s.unmarkBad(url));
        } catch (UnsupportedOperationException e) {
            throw new ApiException(501, "this gateway's link store cannot lift bad marks");
        }
        if (!lifted) {
            throw ApiException.notFound("that URL is not marked bad");
        }
        LOG.info("URL {} is no longer marked bad (lifted by {})", abbrev(url), request.user().name());
        ObjectNode n = JsonMapping.object();
        n.put("url", url);
        n.put("unmarked", true);
        return ApiResponse.ok(n);
    }

    // ---- campaign recall

    private ApiResponse recall(ApiRequest request) {
        String id = request.pathParam("id");
        if (!RestApi.isId(id)) {
            throw ApiException.notFound("no message with id " + abbrev(id));
        }
        String reason = "marked bad by an administrator";
        JsonNode body = JsonBodies.optionalObject(request, mapper, maxJsonSize);
        if (body != null) {
            JsonBodies.onlyFields(body, "reason");
            String given = JsonBodies.optionalText(body, "reason", MAX_REASON_LENGTH);
            if (given != null && !given.isEmpty()) {
                reason = given;
            }
        }
        String why = reason;
        String actor = request.user().name();
        RecallReport report;
        try {
            report = access.campaigns().with(s -> s.recall(id, why, actor));
        } catch (NoSuchElementException e) {
            throw ApiException.notFound("no message with id " + id + " in the message log");
        }
        LOG.info("Campaign of {} recalled by {}: {} message(s), {} copies pulled", id, actor,
                report.messages().size(), report.pulled());
        return ApiResponse.ok(JsonMapping.recallReport(report));
    }

    // ---- helpers

    private static String boundedQuery(ApiRequest request, String name) {
        String v = request.query(name);
        if (v == null) {
            return null;
        }
        if (v.length() > 256 || v.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest(name + " must be at most 256 characters without control characters");
        }
        return v.strip();
    }

    /** An instant, or a duration back from now; both within {@link TimeBounds}. */
    private static Instant sinceParam(String v) {
        String t = v.strip();
        String unsigned = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        if (unsigned.startsWith("P") || unsigned.startsWith("p")) {
            Duration d = TimeBounds.duration("since", t, false);
            return TimeBounds.before("since", Instant.now(), d, t);
        }
        try {
            Instant.parse(t);
        } catch (java.time.DateTimeException e) {
            throw ApiException.badRequest("since: must be an ISO-8601 instant such as 2026-12-01T00:00:00Z or a duration "
                    + "back from now such as PT24H (got " + abbrev(t) + ")");
        }
        return TimeBounds.instant("since", t); // the range check
    }

    private static String abbrev(String s) {
        String clean = s.replaceAll("\\p{Cntrl}", "?");
        return clean.length() <= 64 ? clean : clean.substring(0, 64) + "...";
    }
}
