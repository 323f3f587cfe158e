package org.streamail.rest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.regex.Pattern;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.dkim.DkimKeys;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.StatusReport;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.ReportService;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.StoreException;
import org.streamail.rest.internal.http.ApiException;
import org.streamail.rest.internal.http.JsonBodies;
import org.streamail.rest.internal.http.ApiRequest;
import org.streamail.rest.internal.http.ApiResponse;
import org.streamail.rest.internal.http.Permission;
import org.streamail.rest.internal.http.Router;
import org.streamail.rest.internal.http.JsonErrors;
import org.streamail.rest.internal.http.TimeBounds;
import org.streamail.rest.internal.json.JsonMapping;
import org.streamail.rest.internal.json.MetricsText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of {@code /streamail/api/v1}, independent of the servlet API. {@link #handle} never throws:
 * every failure becomes a JSON error response, unexpected ones a 500 without details (logged here).
 * Built once per configuration; thread-safe.
 */
final class RestApi {

    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 1000;
    /** Longest address accepted anywhere (RFC 5321 path limit is 256; be generous but bounded). */
    static final int MAX_ADDRESS_LENGTH = 320;
    /** Gateway ids are short tokens; anything else cannot be an id and is a 404 without asking the store. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** An IP literal: digits, hex, dots and colons only, so parsing it never triggers a DNS lookup. */
    private static final Pattern IP_CHARS = Pattern.compile("[0-9A-Fa-f.:]{2,45}");

    /** Media types a plain HTML form can send across sites, without a CORS preflight. */
    private static final java.util.Set<String> FORM_TYPES =
            java.util.Set.of("application/x-www-form-urlencoded", "multipart/form-data", "text/plain");

    private final Services services;
    private final ServiceAccess<QuarantineDigest> digest;
    private final Limits limits;
    private final ObjectMapper mapper;
    private final Router router = new Router();

    /** Body limits in bytes. */
    record Limits(int maxMessageSize, int maxJsonSize) {
    }

    RestApi(Services services, Limits limits) {
        this(services, limits, IncidentRoutes.Access.registry());
    }

    /** With given incident services (tests). */
    RestApi(Services services, Limits limits, IncidentRoutes.Access incidents) {
        this(services, limits, incidents, null, null);
    }

    /**
     * With given incident and spam services (tests); {@code reports} and {@code blockList} both {@code null}: the
     * spam services from the OSGi registry.
     */
    RestApi(Services services, Limits limits, IncidentRoutes.Access incidents, ServiceAccess<ReportService> reports,
            ServiceAccess<BlockListService> blockList) {
        this(services, limits, incidents, reports, blockList,
                ServiceAccess.registry(QuarantineDigest.class, "quarantine digest (digest bundle)"));
    }

    /** With given incident, spam and digest services (tests); DKIM signing from the OSGi registry. */
    RestApi(Services services, Limits limits, IncidentRoutes.Access incidents, ServiceAccess<ReportService> reports,
            ServiceAccess<BlockListService> blockList, ServiceAccess<QuarantineDigest> digest) {
        this(services, limits, incidents, reports, blockList, digest, DkimRoutes.registry());
    }

    /** With every capability service given (tests). */
    RestApi(Services services, Limits limits, IncidentRoutes.Access incidents, ServiceAccess<ReportService> reports,
            ServiceAccess<BlockListService> blockList, ServiceAccess<QuarantineDigest> digest,
            ServiceAccess<DkimKeys> dkim) {
        this.digest = digest;
        this.services = services;
        this.limits = limits;
        this.mapper = JsonMapping.newMapper(limits.maxJsonSize());
        if (reports == null && blockList == null) {
            SpamRoutes.register(router, mapper, limits.maxMessageSize(), limits.maxJsonSize());
        } else {
            SpamRoutes.register(router, reports, blockList, mapper, limits.maxMessageSize(), limits.maxJsonSize());
        }
        IncidentRoutes.register(router, incidents, mapper, limits.maxJsonSize());
        DkimRoutes.register(router, dkim, mapper, limits.maxJsonSize());
        router.add("GET", "/health", Permission.READ, this::health)
                .add("GET", "/metrics", Permission.READ, this::metrics)
                .add("POST", "/scan", Permission.ADMIN, this::scan)
                .add("GET", "/messages", Permission.READ, this::messages)
                .add("GET", "/messages/{id}", Permission.READ, this::message)
                .add("GET", "/quarantine", Permission.READ, this::quarantineList)
                .add("GET", "/quarantine/{id}", Permission.READ, this::quarantineEntry)
                .add("GET", "/quarantine/{id}/raw", Permission.READ, this::quarantineRaw)
                .add("POST", "/quarantine/{id}/release", Permission.ADMIN, this::quarantineRelease)
                .add("DELETE", "/quarantine/{id}", Permission.ADMIN, this::quarantineDelete)
                .add("GET", "/directory", Permission.READ, this::directoryList)
                .add("POST", "/directory", Permission.ADMIN, this::directoryAdd)
                .add("DELETE", "/directory/{address}", Permission.ADMIN, this::directoryRemove)
                .add("POST", "/retention/sweep", Permission.ADMIN, this::retentionSweep)
                .add("GET", "/retention/audit", Permission.READ, this::retentionAudit)
                .add("POST", "/retention/extend", Permission.ADMIN, this::retentionExtend)
                .add("GET", "/retention/policy", Permission.READ, this::retentionPolicy)
                .add("GET", "/retention/status", Permission.READ, this::retentionStatus)
                .add("POST", "/digest/send", Permission.ADMIN, this::digestSend)
                .add("GET", "/digest/status", Permission.READ, this::digestStatus);
    }

    /** The JSON mapper, for the servlet to write responses with. */
    ObjectMapper mapper() {
        return mapper;
    }

    /** Answers a request; never throws. */
    ApiResponse handle(ApiRequest request) {
        try {
            refuseBrowserCrossSite(request);
            return router.dispatch(request);
        } catch (Router.MethodNotAllowed e) {
            return error(e).withHeader("Allow", e.allow());
        } catch (ApiException e) {
            return error(e);
        } catch (StoreException e) {
            LOG.warn("Store failed during {} {}: {}", request.method(), request.path(), e.toString(), e);
            return error(ApiException.unavailable("the store is not available: try again later"));
        } catch (java.time.DateTimeException | ArithmeticException e) {
            // a time or duration from the request that java.time cannot hold (PT9999999999999H, year
            // +999999999): the client's value, not a gateway failure
            LOG.info("Out-of-range time in {} {}: {}", request.method(), request.path(), e.toString());
            return error(ApiException.badRequest("a time or duration in the request is out of range"));
        } catch (RuntimeException e) {
            LOG.error("Unexpected failure during {} {}", request.method(), request.path(), e);
            return error(new ApiException(500, "internal error; see the gateway log"));
        }
    }

    /**
     * A browser sends the Basic credentials it remembers for the gateway with requests any other site makes it
     * send: a hidden form or a no-cors {@code fetch} POST to {@code /quarantine/{id}/release},
     * {@code /isolation/{ip}/release} or {@code /retention/sweep} (no body needed) would act with the
     * administrator's rights. So a request that changes something is refused when the browser says it comes from
     * another site ({@code Sec-Fetch-Site}, or an {@code Origin} that is not this host: 403) or when it carries a
     * form's content type (415: no route takes one). Scripts and the workbench send neither header.
     */
    static void refuseBrowserCrossSite(ApiRequest request) {
        if (request.method().equals("GET") || request.method().equals("HEAD")) {
            return; // reads change nothing, and the same-origin policy keeps their answers from the other site
        }
        String site = request.header("Sec-Fetch-Site");
        if (site != null && !site.strip().equalsIgnoreCase("same-origin") && !site.strip().equalsIgnoreCase("none")) {
            throw new ApiException(403, "cross-site request refused");
        }
        String origin = request.header("Origin");
        if (origin != null && !sameHost(origin, request.header("Host"))) {
            throw new ApiException(403, "cross-site request refused");
        }
        if (FORM_TYPES.contains(request.mediaType())) {
            throw new ApiException(415, request.method() + " requests take application/json or message/rfc822, not "
                    + request.mediaType() + " (a browser form cannot call this API)");
        }
    }

    /** Whether an {@code Origin} header names the host and port the request was sent to. */
    private static boolean sameHost(String origin, String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        try {
            String authority = new java.net.URI(origin.strip()).getRawAuthority();
            return authority != null && authority.equalsIgnoreCase(host.strip());
        } catch (java.net.URISyntaxException e) {
            return false; // "null" (a sandboxed frame, a file: page) or garbage: not this host
        }
    }

    static ApiResponse error(ApiException e) {
        return ApiResponse.json(e.status(), JsonMapping.error(e.status(), e.getMessage()));
    }

    // ---- health

    private ApiResponse health(ApiRequest request) {
        StatusReport report = services.requireStatus().status();
        // 503 when not accepting mail lets a load balancer or monitor act on the status code alone.
        return ApiResponse.json(report.ready() ? 200 : 503, JsonMapping.status(report));
    }

    /**
     * The status in the Prometheus text format. Always {@code 200} while the status service answers: a scrape that
     * failed with {@code 503} when the gateway stops accepting mail would lose the very numbers that say so
     * ({@code streamail_ready 0}).
     */
    private ApiResponse metrics(ApiRequest request) {
        StatusReport report = services.requireStatus().status();
        return ApiResponse.bytes(200, MetricsText.CONTENT_TYPE,
                MetricsText.of(report).getBytes(StandardCharsets.UTF_8));
    }

    // ---- scan

    private ApiResponse scan(ApiRequest request) {
        String type = request.mediaType();
        if (!type.equals("message/rfc822")) {
            throw new ApiException(415, "POST /scan needs Content-Type: message/rfc822"
                    + (type.isEmpty() ? "" : ", got " + abbrev(type)));
        }
        String sender = request.query("sender");
        if (sender != null) {
            sender = address(sender, "sender", true);
        }
        List<String> rcpts = new ArrayList<>();
        List<String> given = request.queryAll("rcpt");
        if (given.size() > MAX_LIMIT) {
            throw ApiException.badRequest("at most " + MAX_LIMIT + " rcpt parameters");
        }
        for (String r : given) {
            String a = address(r, "rcpt", false);
            if (!rcpts.contains(a)) {
                rcpts.add(a);
            }
        }
        String clientIp = request.query("client_ip");
        if (clientIp != null && !isIpLiteral(clientIp)) {
            throw ApiException.badRequest("client_ip must be an IPv4 or IPv6 address, got '"
                    + abbrev(clientIp) + "'");
        }
        byte[] raw = request.body(limits.maxMessageSize());
        if (raw.length == 0) {
            throw ApiException.badRequest("empty message: the body must be a raw RFC 822 message");
        }
        ScanResult result = services.requireScanner()
                .scan(Envelope.inbound(sender == null ? "" : sender, rcpts, clientIp, null), raw);
        return ApiResponse.ok(JsonMapping.scan(result));
    }

    // ---- message log

    private ApiResponse messages(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        int offset = request.intQuery("offset", 0, 0, Integer.MAX_VALUE);
        Action action = enumQuery(request, "action", Action.class);
        String sender = optionalAddress(request, "sender");
        String recipient = optionalAddress(request, "recipient");
        List<LogEntry> entries = services.requireMessageLog()
                .query(new LogQuery(limit, offset, action, sender, recipient, null, null));
        return ApiResponse.ok(JsonMapping.list(entries.stream().limit(limit).map(JsonMapping::logEntry).toList()));
    }

    private ApiResponse message(ApiRequest request) {
        String id = id(request, "message");
        LogEntry entry = services.requireMessageLog().get(id)
                .orElseThrow(() -> ApiException.notFound("no message with id " + id));
        return ApiResponse.ok(JsonMapping.logEntry(entry));
    }

    // ---- quarantine

    private ApiResponse quarantineList(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        int offset = request.intQuery("offset", 0, 0, Integer.MAX_VALUE);
        QuarantineEntry.Status status = QuarantineEntry.Status.HELD;
        String s = request.query("status");
        if (s != null && s.equalsIgnoreCase("ANY")) {
            status = null;
        } else if (s != null) {
            try {
                status = QuarantineEntry.Status.valueOf(s.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("status must be one of " + Arrays.toString(QuarantineEntry.Status.values())
                        + " or ANY, got '" + abbrev(s) + "'");
            }
        }
        Category category = enumQuery(request, "category", Category.class);
        String sender = optionalAddress(request, "sender");
        String recipient = optionalAddress(request, "recipient");
        List<QuarantineEntry> entries = services.requireQuarantine()
                .list(new QuarantineQuery(limit, offset, status, category, sender, recipient));
        return ApiResponse.ok(JsonMapping.list(
                entries.stream().limit(limit).map(JsonMapping::quarantine).toList()));
    }

    private ApiResponse quarantineEntry(ApiRequest request) {
        String id = id(request, "quarantined message");
        QuarantineEntry entry = services.requireQuarantine().get(id)
                .orElseThrow(() -> ApiException.notFound("no quarantined message with id " + id));
        return ApiResponse.ok(JsonMapping.quarantine(entry));
    }

    private ApiResponse quarantineRaw(ApiRequest request) {
        String id = id(request, "quarantined message");
        byte[] raw = services.requireQuarantine().raw(id)
                .orElseThrow(() -> ApiException.notFound("no raw message for id " + id
                        + " (unknown or deleted)"));
        // The id matched ID, so it is safe inside the quoted filename.
        return ApiResponse.bytes(200, "message/rfc822", raw)
                .withHeader("Content-Disposition", "attachment; filename=\"" + id + ".eml\"");
    }

    /**
     * {@code POST /quarantine/{id}/release}: without a body to every recipient still held for; with
     * {@code {"recipient": "..."}} to that recipient only ({@link QuarantineService#releaseTo}).
     */
    private ApiResponse quarantineRelease(ApiRequest request) {
        id(request, "quarantined message");
        String recipient = releaseRecipient(request);
        if (recipient == null) {
            return quarantineAction(request, "release", QuarantineService::release);
        }
        return quarantineReleaseTo(request, recipient);
    }

    /** The recipient a release's body names, or {@code null} without a body (a release to everyone). */
    private String releaseRecipient(ApiRequest request) {
        byte[] bytes = request.body(limits.maxJsonSize());
        if (bytes.length == 0) {
            return null; // as before: a release needs no body, whatever its content type says
        }
        String type = request.mediaType();
        if (!type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "POST /quarantine/{id}/release takes no body, or Content-Type:"
                    + " application/json, got " + abbrev(type));
        }
        JsonNode body;
        try {
            body = mapper.readTree(bytes);
        } catch (java.io.IOException e) {
            throw JsonErrors.malformed(e);
        }
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object {\"recipient\":\"...\"}, or none to release"
                    + " the message to every recipient");
        }
        JsonBodies.onlyFields(body, "recipient");
        JsonNode r = body.get("recipient");
        if (r == null || !r.isTextual()) {
            throw ApiException.badRequest("\"recipient\" (an address) is required; send no body to release the"
                    + " message to every recipient");
        }
        return address(r.asText(), "recipient", false);
    }

    private ApiResponse quarantineReleaseTo(ApiRequest request, String recipient) {
        String id = id(request, "quarantined message");
        QuarantineService service = services.requireQuarantine();
        String actor = request.user().name();
        try {
            QuarantineEntry entry = service.releaseTo(id, recipient, actor);
            LOG.info("Quarantined message {}: release to {} by {}", id, recipient, actor);
            return ApiResponse.ok(JsonMapping.quarantine(entry));
        } catch (NoSuchElementException e) {
            throw ApiException.notFound("no quarantined message with id " + id);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(recipient + " is not a recipient of message " + id);
        } catch (IllegalStateException e) {
            QuarantineEntry now = service.get(id).orElse(null);
            if (now != null && now.heldFor(recipient)) {
                // still held for them: the core could not do it now (spool full, a parallel release under way)
                LOG.warn("Quarantined message {}: release to {} by {} failed: {}", id, recipient, actor,
                        e.getMessage());
                throw ApiException.unavailable("cannot release message " + id + " to " + recipient + " now: it is"
                        + " still held for them; try again later (" + ApiException.SEE_LOG + ")");
            }
            if (now != null && now.releasedTo().contains(recipient.toLowerCase(Locale.ROOT))) {
                throw ApiException.conflict("cannot release message " + id + " to " + recipient + ": it was released"
                        + " to them already (status " + now.status().name() + ")");
            }
            throw ApiException.conflict("cannot release message " + id + " to " + recipient + ": it is not held"
                    + " (status " + (now == null ? "gone" : now.status().name()) + ")");
        }
    }

    private ApiResponse quarantineDelete(ApiRequest request) {
        return quarantineAction(request, "delete", QuarantineService::delete);
    }

    private interface QuarantineAction {
        QuarantineEntry apply(QuarantineService service, String id, String actor);
    }

    private ApiResponse quarantineAction(ApiRequest request, String verb, QuarantineAction action) {
        String id = id(request, "quarantined message");
        QuarantineService service = services.requireQuarantine();
        try {
            QuarantineEntry entry = action.apply(service, id, request.user().name());
            LOG.info("Quarantined message {}: {} by {}", id, verb, request.user().name());
            return ApiResponse.ok(JsonMapping.quarantine(entry));
        } catch (NoSuchElementException e) {
            throw ApiException.notFound("no quarantined message with id " + id);
        } catch (IllegalStateException e) {
            QuarantineEntry.Status now = service.get(id).map(QuarantineEntry::status).orElse(null);
            if (now == QuarantineEntry.Status.HELD) {
                // Still held, so not "not held": the core could not do it now (the released copy could not be
                // spooled, a parallel release is under way). Its text may name spool paths: logged, not sent.
                LOG.warn("Quarantined message {}: {} by {} failed: {}", id, verb, request.user().name(),
                        e.getMessage());
                throw ApiException.unavailable("cannot " + verb + " message " + id + " now: it is still held;"
                        + " try again later (" + ApiException.SEE_LOG + ")");
            }
            throw ApiException.conflict("cannot " + verb + " message " + id + ": it is not held (status "
                    + (now == null ? "gone" : now.name()) + ")");
        }
    }

    // ---- directory

    private ApiResponse directoryList(ApiRequest request) {
        Directory directory = services.requireDirectory();
        var body = JsonMapping.list(directory.list().stream().map(JsonMapping::directoryEntry).toList());
        var domains = body.putArray("domains");
        directory.protectedDomains().stream().sorted().forEach(domains::add);
        return ApiResponse.ok(body);
    }

    private ApiResponse directoryAdd(ApiRequest request) {
        String type = request.mediaType();
        if (!type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "POST /directory needs Content-Type: application/json, got "
                    + abbrev(type));
        }
        JsonNode body = readJson(request);
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object {\"address\":\"...\",\"displayName\":\"...\"}");
        }
        JsonBodies.onlyFields(body, "address", "displayName");
        JsonNode addressNode = body.get("address");
        if (addressNode == null || !addressNode.isTextual()) {
            throw ApiException.badRequest("\"address\" (a string) is required");
        }
        JsonNode nameNode = body.get("displayName");
        if (nameNode != null && !nameNode.isNull() && !nameNode.isTextual()) {
            throw ApiException.badRequest("\"displayName\" must be a string");
        }
        String address = address(addressNode.asText(), "address", false);
        String displayName = nameNode == null || nameNode.isNull() ? "" : nameNode.asText().strip();
        if (displayName.length() > 256 || displayName.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("\"displayName\" must be at most 256 characters without control characters");
        }
        Directory directory = services.requireDirectory();
        boolean existed = directory.find(address).isPresent();
        DirectoryEntry entry;
        try {
            entry = directory.add(address, displayName);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "invalid address " + address : e.getMessage());
        }
        LOG.info("Directory: {} {} by {}", existed ? "updated" : "added", entry.address(), request.user().name());
        return ApiResponse.json(existed ? 200 : 201, JsonMapping.directoryEntry(entry));
    }

    private ApiResponse directoryRemove(ApiRequest request) {
        String address = request.pathParam("address");
        if (address.length() > MAX_ADDRESS_LENGTH || address.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.notFound("no registered address " + abbrev(address));
        }
        if (!services.requireDirectory().remove(address)) {
            throw ApiException.notFound("no registered address " + address);
        }
        LOG.info("Directory: removed {} by {}", address, request.user().name());
        var body = JsonMapping.object();
        body.put("address", address.toLowerCase(Locale.ROOT));
        body.put("removed", true);
        return ApiResponse.ok(body);
    }

    // ---- quarantine digest

    private ApiResponse digestSend(ApiRequest request) {
        DigestRun run;
        try {
            run = digest.with(d -> d.sendNow("rest:" + request.user().name()));
        } catch (IllegalStateException e) {
            String text = ApiException.clientText(e.getMessage());
            if (text.equals(ApiException.SEE_LOG)) {
                LOG.warn("Digest failure: {}", String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", " "), e);
            }
            throw ApiException.unavailable("digest not sent: " + text);
        }
        return ApiResponse.ok(JsonMapping.digestRun(run));
    }

    private ApiResponse digestStatus(ApiRequest request) {
        try {
            return ApiResponse.ok(JsonMapping.digestStatus(digest.with(QuarantineDigest::status)));
        } catch (IllegalStateException e) {
            LOG.warn("Digest status: {}", String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", " "));
            throw ApiException.unavailable("digest status not available: " + ApiException.clientText(e.getMessage()));
        }
    }

    // ---- retention

    private ApiResponse retentionSweep(ApiRequest request) {
        String mailbox = request.query("mailbox");
        if (mailbox != null) {
            mailbox = mailboxName(mailbox);
        }
        var service = services.requireRetention();
        try {
            SweepReport report = mailbox == null ? service.sweep() : service.sweep(mailbox);
            LOG.info("Retention sweep{} requested by {}: deleted {}, moved {}, flagged {}, errors {}",
                    mailbox == null ? "" : " of " + mailbox, request.user().name(), report.deleted(), report.moved(),
                    report.flagged(), report.errors());
            return ApiResponse.ok(JsonMapping.sweepReport(report));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(String.valueOf(e.getMessage()));
        } catch (RetentionException e) {
            throw ApiException.unavailable("retention sweep not possible: " + shown(e));
        }
    }

    private ApiResponse retentionAudit(ApiRequest request) {
        int limit = request.intQuery("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        String mailbox = request.query("mailbox");
        if (mailbox != null) {
            mailbox = mailboxName(mailbox);
        }
        String messageId = request.query("messageId");
        if (messageId != null && (messageId.length() > 998 || messageId.chars().anyMatch(Character::isISOControl))) {
            throw ApiException.badRequest("messageId must be a Message-ID, got '" + abbrev(messageId) + "'");
        }
        List<AuditRecord> records = services.requireRetentionAudit().query(new AuditQuery(limit, mailbox, messageId));
        return ApiResponse.ok(JsonMapping.list(records.stream().limit(limit).map(JsonMapping::auditRecord).toList()));
    }

    private ApiResponse retentionExtend(ApiRequest request) {
        String type = request.mediaType();
        if (!type.isEmpty() && !type.equals("application/json")) {
            throw new ApiException(415, "POST /retention/extend needs Content-Type: application/json, got "
                    + abbrev(type));
        }
        JsonNode body = readJson(request);
        if (!body.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object "
                    + "{\"mailbox\":\"...\",\"messageId\":\"...\",\"expiry\":\"2026-12-31T00:00:00Z\"}");
        }
        JsonBodies.onlyFields(body, "mailbox", "messageId", "expiry");
        String mailbox = mailboxName(requiredText(body, "mailbox"));
        String messageId = requiredText(body, "messageId");
        java.time.Instant expiry = TimeBounds.instant("expiry", requiredText(body, "expiry"));
        try {
            Extension e = services.requireRetention().extend(mailbox, messageId, expiry, request.user().name());
            return ApiResponse.ok(JsonMapping.extension(e));
        } catch (NoSuchElementException e) {
            throw ApiException.notFound(String.valueOf(e.getMessage()));
        } catch (SecurityException e) {
            throw new ApiException(403, String.valueOf(e.getMessage()));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(String.valueOf(e.getMessage()));
        } catch (RetentionException e) {
            throw ApiException.unavailable("extension not possible now: " + shown(e));
        }
    }

    private ApiResponse retentionPolicy(ApiRequest request) {
        return ApiResponse.ok(JsonMapping.policySummary(services.requireRetention().policySummary()));
    }

    private ApiResponse retentionStatus(ApiRequest request) {
        try {
            return ApiResponse.ok(JsonMapping.sweepStatus(services.requireRetention().sweepStatus()));
        } catch (IllegalStateException e) {
            LOG.warn("Retention status: {}", String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", " "));
            throw ApiException.unavailable("retention status not available: " + ApiException.clientText(e.getMessage()));
        }
    }

    /** A retention failure's text as the client may see it ({@link ApiException#clientText}); else logged. */
    private static String shown(RetentionException e) {
        String text = ApiException.clientText(e.getMessage());
        if (text.equals(ApiException.SEE_LOG)) {
            LOG.warn("Retention failure: {}", String.valueOf(e.getMessage()).replaceAll("\\p{Cntrl}", " "), e);
        }
        return text;
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !n.isTextual() || n.asText().isBlank()) {
            throw ApiException.badRequest("\"" + field + "\" (a non-empty string) is required");
        }
        return n.asText().strip();
    }

    /** A mailbox (login) name: bounded, no control characters or spaces. */
    private static String mailboxName(String value) {
        String m = value.strip();
        if (m.isEmpty() || m.length() > MAX_ADDRESS_LENGTH
                || m.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw ApiException.badRequest("mailbox must be a mailbox name, got '" + abbrev(value) + "'");
        }
        return m;
    }

    // ---- helpers

    private JsonNode readJson(ApiRequest request) {
        byte[] bytes = request.body(limits.maxJsonSize());
        if (bytes.length == 0) {
            throw ApiException.badRequest("empty body: a JSON object is required");
        }
        try {
            JsonNode node = mapper.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw ApiException.badRequest("empty body: a JSON object is required");
            }
            return node;
        } catch (java.io.IOException e) {
            throw JsonErrors.malformed(e);
        }
    }

    /** Whether {@code id} has the shape of a gateway id (anything else is a 404 without asking the store). */
    static boolean isId(String id) {
        return ID.matcher(id).matches();
    }

    private static String id(ApiRequest request, String what) {
        String id = request.pathParam("id");
        if (!ID.matcher(id).matches()) {
            throw ApiException.notFound("no " + what + " with id " + abbrev(id));
        }
        return id;
    }

    private static <E extends Enum<E>> E enumQuery(ApiRequest request, String name, Class<E> type) {
        String v = request.query(name);
        if (v == null) {
            return null;
        }
        try {
            return Enum.valueOf(type, v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(name + " must be one of " + Arrays.toString(type.getEnumConstants())
                    + ", got '" + abbrev(v) + "'");
        }
    }

    private static String optionalAddress(ApiRequest request, String name) {
        String v = request.query(name);
        return v == null ? null : address(v, name, true);
    }

    /**
     * A trimmed envelope address, checked only for what would make it unusable (length, control characters,
     * spaces, a missing {@code @}); whether it is acceptable is for the services to say.
     */
    private static String address(String value, String name, boolean allowEmpty) {
        String a = value.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1).strip();
        }
        if (a.isEmpty() && allowEmpty) {
            return a;
        }
        if (a.isEmpty() || a.length() > MAX_ADDRESS_LENGTH || a.indexOf('@') <= 0 || a.endsWith("@")
                || a.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw ApiException.badRequest(name + " must be an address local@domain, got '"
                    + abbrev(value) + "'");
        }
        return a;
    }

    static boolean isIpLiteral(String s) {
        return isIpLiteral(s, java.net.InetAddress::getByName);
    }

    /** Reads an address the way {@link java.net.InetAddress#getByName} does (tests see what reaches it). */
    @FunctionalInterface
    interface AddressParser {
        java.net.InetAddress parse(String text) throws java.net.UnknownHostException;
    }

    /** {@code parser} is only ever given text it parses as a literal, never a name it would look up. */
    static boolean isIpLiteral(String s, AddressParser parser) {
        if (!IP_CHARS.matcher(s).matches()) {
            return false;
        }
        boolean v6 = s.indexOf(':') >= 0;
        if (!v6) {
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                        || Integer.parseInt(p) > 255) {
                    return false;
                }
            }
            return true;
        }
        // InetAddress takes the text for a literal only when it starts with a hex digit or a colon; anything else
        // (".:", ".1:2") it looks up as a host name, a DNS query from an API argument. No IPv6 literal starts so.
        if (s.charAt(0) != ':' && Character.digit(s.charAt(0), 16) < 0) {
            return false;
        }
        try {
            // a hex digit or a colon first, then only hex digits, dots and colons: parsed, never resolved
            return parser.parse(s) != null;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private static String abbrev(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
