package org.streamail.rest.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.streamail.api.alert.Alert;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.dkim.DkimAlgorithm;
import org.streamail.api.dkim.DkimKeyStatus;
import org.streamail.api.dkim.DkimRecord;
import org.streamail.api.dkim.DkimStatus;
import org.streamail.api.dkim.NewDkimKey;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationAudit;
import org.streamail.api.linkguard.Click;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.PolicySummary;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.StatusReport;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.QuarantineEntry;

/**
 * The JSON shapes of the REST API, written out field by field so that a change to an API record never
 * changes the wire format by accident. Instants are ISO-8601 strings in UTC ({@code null} when absent),
 * enums their names. Stateless and thread-safe.
 */
public final class JsonMapping {

    /** Deepest JSON nesting accepted in request bodies; our bodies are flat objects. */
    static final int MAX_NESTING_DEPTH = 16;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonMapping() {
    }

    /** A mapper for request bodies: bounded nesting and string length, strict. Thread-safe once built. */
    public static ObjectMapper newMapper(int maxStringLength) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxStringLength(Math.max(1024, maxStringLength))
                        .build())
                // {"address":"a","address":"b"} is ambiguous: refuse it rather than pick one
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        // a body is one JSON value: "{...} trailing garbage" is malformed, not silently cut
        return new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /** {@code {"error": message, "status": status}}. */
    public static ObjectNode error(int status, String message) {
        ObjectNode n = object();
        n.put("error", message);
        n.put("status", status);
        return n;
    }

    /** {@code {"count": n, "items": [...]}} — every list endpoint has this shape. */
    public static ObjectNode list(Collection<? extends ObjectNode> items) {
        ObjectNode n = object();
        n.put("count", items.size());
        ArrayNode a = n.putArray("items");
        items.forEach(a::add);
        return n;
    }

    public static ObjectNode finding(Finding f) {
        ObjectNode n = object();
        n.put("detector", f.detector());
        n.put("rule", f.rule());
        n.put("score", f.score());
        n.put("category", f.category().name());
        n.put("detail", f.detail());
        n.put("part", f.part());
        return n;
    }

    /** The verdict as DESIGN.md fixes it: action, score, categories, findings, reason. */
    public static ObjectNode verdict(Verdict v) {
        ObjectNode n = object();
        putVerdict(n, v);
        return n;
    }

    private static void putVerdict(ObjectNode n, Verdict v) {
        n.put("action", v.action().name());
        n.put("score", v.score());
        ArrayNode cats = n.putArray("categories");
        for (Category c : v.categories()) {
            cats.add(c.name());
        }
        ArrayNode findings = n.putArray("findings");
        for (Finding f : v.findings()) {
            findings.add(finding(f));
        }
        n.put("reason", v.reason());
    }

    /** The result of {@code POST /scan}: id, messageId, subject, elapsedMs, then the verdict's fields. */
    public static ObjectNode scan(ScanResult r) {
        ObjectNode n = object();
        n.put("id", r.id());
        n.put("messageId", r.messageId());
        n.put("subject", r.subject());
        n.put("elapsedMs", millis(r.elapsed()));
        putVerdict(n, r.verdict());
        return n;
    }

    public static ObjectNode envelope(Envelope e) {
        ObjectNode n = object();
        n.put("sender", e.sender());
        ArrayNode rcpts = n.putArray("recipients");
        e.recipients().forEach(rcpts::add);
        n.put("clientIp", e.clientIp());
        n.put("helo", e.helo());
        n.put("tls", e.tls());
        n.put("receivedAt", instant(e.receivedAt()));
        n.put("direction", e.direction().name());
        n.put("authenticatedUser", e.authenticatedUser());
        return n;
    }

    public static ObjectNode logEntry(LogEntry e) {
        ObjectNode n = object();
        n.put("id", e.id());
        n.put("messageId", e.messageId());
        n.put("subject", e.subject());
        n.put("action", e.verdict() == null ? null : e.verdict().action().name());
        n.put("score", e.verdict() == null ? null : e.verdict().score());
        n.put("status", e.status().name());
        n.put("statusDetail", e.statusDetail());
        n.put("size", e.size());
        n.put("receivedAt", instant(e.receivedAt()));
        n.put("updatedAt", instant(e.updatedAt()));
        n.set("envelope", envelope(e.envelope()));
        ArrayNode chain = n.putArray("receivedChain");
        e.receivedChain().forEach(chain::add);
        n.set("verdict", e.verdict() == null ? NODES.nullNode() : verdict(e.verdict()));
        return n;
    }

    public static ObjectNode quarantine(QuarantineEntry q) {
        ObjectNode n = object();
        n.put("id", q.id());
        n.put("messageId", q.messageId());
        n.put("subject", q.subject());
        n.put("status", q.status().name());
        n.put("action", q.verdict().action().name());
        n.put("score", q.verdict().score());
        n.put("size", q.size());
        n.put("quarantinedAt", instant(q.quarantinedAt()));
        n.put("actedBy", q.actedBy());
        n.put("actedAt", instant(q.actedAt()));
        ArrayNode releasedTo = n.putArray("releasedTo");
        q.releasedTo().stream().sorted().forEach(releasedTo::add);
        n.set("envelope", envelope(q.envelope()));
        n.set("verdict", verdict(q.verdict()));
        return n;
    }

    public static ObjectNode directoryEntry(DirectoryEntry d) {
        ObjectNode n = object();
        n.put("address", d.address());
        n.put("displayName", d.displayName());
        n.put("createdAt", instant(d.createdAt()));
        return n;
    }

    public static ObjectNode status(StatusReport s) {
        ObjectNode n = object();
        n.put("status", s.ready() ? "UP" : "DOWN");
        n.put("ready", s.ready());
        n.put("unavailableReason", s.unavailableReason());
        ArrayNode detectors = n.putArray("detectors");
        s.detectors().forEach(detectors::add);
        ArrayNode mandatory = n.putArray("mandatory");
        s.mandatory().forEach(mandatory::add);
        n.put("spooled", s.spooled());
        n.put("deferred", s.deferred());
        ObjectNode counters = n.putObject("counters");
        for (Map.Entry<String, Long> c : new TreeMap<>(s.counters()).entrySet()) {
            counters.put(c.getKey(), c.getValue());
        }
        n.put("startedAt", instant(s.startedAt()));
        ArrayNode problems = n.putArray("problems");
        s.problems().forEach(problems::add);
        return n;
    }

    /** {@code POST /digest/send}: what one digest run sent. */
    public static ObjectNode digestRun(org.streamail.api.digest.DigestRun r) {
        ObjectNode n = object();
        n.put("since", instant(r.since()));
        n.put("until", instant(r.until()));
        n.put("entries", r.entries());
        n.put("recipients", r.recipients());
        n.put("mailsSent", r.mailsSent());
        n.put("mailsFailed", r.mailsFailed());
        n.put("truncated", r.truncated());
        return n;
    }

    /** {@code GET /digest/status}: where the digest stands across the nodes. */
    public static ObjectNode digestStatus(org.streamail.api.digest.DigestStatus s) {
        ObjectNode n = object();
        n.put("scheduled", s.scheduled());
        s.nextSlot().ifPresent(t -> n.put("nextSlot", instant(t)));
        s.lastEnd().ifPresent(t -> n.put("lastEnd", instant(t)));
        s.running().ifPresent(r -> {
            ObjectNode run = n.putObject("running");
            run.put("node", r.node());
            run.put("since", instant(r.since()));
            run.put("until", instant(r.until()));
            run.put("lease", instant(r.lease()));
            run.put("usersDone", r.usersDone());
            run.put("lapsed", r.lapsed());
        });
        return n;
    }

    /** {@code GET /retention/status}: where the sweeps stand across the nodes. */
    public static ObjectNode sweepStatus(org.streamail.api.retention.SweepStatus s) {
        ObjectNode n = object();
        n.put("coordinated", s.coordinated());
        s.lastStart().ifPresent(t -> n.put("lastStart", instant(t)));
        s.lastEnd().ifPresent(t -> n.put("lastEnd", instant(t)));
        n.put("lastNode", s.lastNode());
        n.put("lastSummary", s.lastSummary());
        s.running().ifPresent(r -> {
            ObjectNode run = n.putObject("running");
            run.put("node", r.node());
            run.put("started", instant(r.started()));
            run.put("lease", instant(r.lease()));
            run.put("full", r.full());
            run.put("mailboxesDone", r.mailboxesDone());
            run.put("lapsed", r.lapsed());
        });
        return n;
    }

    /** {@code POST /retention/sweep}: the counts of one sweep. */
    public static ObjectNode sweepReport(SweepReport r) {
        ObjectNode n = object();
        n.put("startedAt", instant(r.startedAt()));
        n.put("elapsedMs", r.elapsed().toMillis());
        n.put("dryRun", r.dryRun());
        n.put("mailboxes", r.mailboxes());
        n.put("scanned", r.scanned());
        n.put("expired", r.expired());
        n.put("deleted", r.deleted());
        n.put("moved", r.moved());
        n.put("flagged", r.flagged());
        n.put("exempt", r.exempt());
        n.put("errors", r.errors());
        ArrayNode problems = n.putArray("problems");
        r.problems().forEach(problems::add);
        return n;
    }

    public static ObjectNode auditRecord(AuditRecord r) {
        ObjectNode n = object();
        n.put("time", instant(r.time()));
        n.put("mailbox", r.mailbox());
        n.put("folder", r.folder());
        n.put("messageId", r.messageId());
        n.put("contentHash", r.contentHash());
        n.put("expiry", instant(r.expiry()));
        n.put("rule", r.rule());
        n.put("action", r.action().name());
        n.put("actor", r.actor());
        n.put("dryRun", r.dryRun());
        n.put("detail", r.detail());
        return n;
    }

    public static ObjectNode extension(Extension e) {
        ObjectNode n = object();
        n.put("mailbox", e.mailbox());
        n.put("folder", e.folder());
        n.put("messageId", e.messageId());
        n.put("previousExpiry", instant(e.previousExpiry()));
        n.put("expiry", instant(e.newExpiry()));
        return n;
    }

    /** {@code GET /retention/policy}: the policy in force (never a secret) and the last sweep. */
    public static ObjectNode policySummary(PolicySummary p) {
        ObjectNode n = object();
        strings(n.putArray("trustedDomains"), p.trustedDomains());
        strings(n.putArray("internalDomains"), p.internalDomains());
        n.put("minAge", p.minAge().toString());
        n.put("maxAge", p.maxAge().toString());
        strings(n.putArray("defaultRules"), p.defaultRules());
        n.put("action", p.action());
        strings(n.putArray("exemptFolders"), p.exemptFolders());
        strings(n.putArray("optoutMailboxes"), p.optoutMailboxes());
        strings(n.putArray("mailboxes"), p.mailboxes());
        n.put("sweepInterval", p.sweepInterval() == null ? null : p.sweepInterval().toString());
        n.put("dryRun", p.dryRun());
        n.put("imapServer", p.imapServer());
        n.set("lastSweep", p.lastSweep() == null ? NODES.nullNode() : sweepReport(p.lastSweep()));
        return n;
    }

    /** {@code GET /alerts} item. */
    public static ObjectNode alert(Alert a) {
        ObjectNode n = object();
        n.put("id", a.id());
        n.put("createdAt", instant(a.createdAt()));
        n.put("severity", a.severity().name());
        n.put("kind", a.kind());
        n.put("subject", a.subject());
        n.put("messageId", a.messageId());
        n.put("recipient", a.recipient());
        n.put("title", a.title());
        n.put("detail", a.detail());
        n.put("occurrences", a.occurrences());
        return n;
    }

    /** {@code GET /isolation} item. */
    public static ObjectNode isolation(Isolation i) {
        ObjectNode n = object();
        n.put("ip", i.ip());
        n.put("mac", i.mac());
        n.put("reason", i.reason());
        n.put("actor", i.actor());
        n.put("since", instant(i.since()));
        n.put("until", instant(i.until()));
        n.put("offences", i.offences());
        return n;
    }

    /** {@code GET /isolation/audit} item. */
    public static ObjectNode isolationAudit(IsolationAudit a) {
        ObjectNode n = object();
        n.put("time", instant(a.at()));
        n.put("actor", a.actor());
        n.put("action", a.action());
        n.put("ip", a.ip());
        n.put("reason", a.reason());
        n.put("before", a.rulesBefore());
        n.put("after", a.rulesAfter());
        return n;
    }

    /** {@code GET /clicks} item. */
    public static ObjectNode click(Click c) {
        ObjectNode n = object();
        n.put("id", c.id());
        n.put("time", instant(c.at()));
        n.put("messageId", c.messageId());
        n.put("recipient", c.recipient());
        n.put("url", c.url());
        n.put("clientIp", c.clientIp());
        n.put("mac", c.mac());
        n.put("blocked", c.blocked());
        n.put("reason", c.reason());
        return n;
    }

    /** {@code GET /bad-urls} item. */
    public static ObjectNode badUrl(org.streamail.api.linkguard.BadUrl b) {
        ObjectNode n = object();
        n.put("url", b.url());
        n.put("reason", b.reason());
        n.put("markedAt", instant(b.markedAt()));
        return n;
    }

    /** {@code POST /messages/{id}/recall}: what the campaign recall did. */
    public static ObjectNode recallReport(RecallReport r) {
        ObjectNode n = object();
        n.put("campaignId", r.campaignId());
        strings(n.putArray("messages"), r.messages());
        strings(n.putArray("warned"), r.warned());
        n.put("pulled", r.pulled());
        ArrayNode outcomes = n.putArray("mailboxes");
        for (RecallOutcome o : r.outcomes()) {
            ObjectNode m = object();
            m.put("mailbox", o.mailbox());
            m.put("found", o.found());
            m.put("moved", o.moved());
            m.put("deleted", o.deleted());
            m.put("error", o.error());
            outcomes.add(m);
        }
        return n;
    }

    /**
     * {@code GET /dkim}: whether outbound mail is signed, how DNS was asked ({@code ""} when it was not) and every
     * configured key. Public data only: names, sizes, the key file's name as configured, the public key's record and
     * what DNS publishes; never a private key.
     */
    public static ObjectNode dkimStatus(DkimStatus s) {
        ObjectNode n = object();
        n.put("enabled", s.enabled());
        n.put("dns", s.dns());
        ArrayNode keys = n.putArray("keys");
        s.keys().forEach(k -> keys.add(dkimKey(k)));
        return n;
    }

    /**
     * One configured key: {@code algorithm} ({@code RSA}, {@code ED25519}), {@code signatureAlgorithm} and
     * {@code record} are {@code null} and {@code bits} 0 when its file cannot be read; {@code problem} says why it
     * cannot be used ({@code ""} when {@code usable}); {@code dns} is what a look-up found ({@code MATCHES},
     * {@code DIFFERS}, {@code MISSING}, {@code FAILED}, {@code NOT_CHECKED}), {@code dnsDetail} in a few words.
     */
    public static ObjectNode dkimKey(DkimKeyStatus k) {
        ObjectNode n = object();
        n.put("domain", k.domain());
        n.put("selector", k.selector());
        n.put("algorithm", k.algorithm().map(DkimAlgorithm::name).orElse(null));
        n.put("signatureAlgorithm", k.algorithm().map(DkimAlgorithm::signatureAlgorithm).orElse(null));
        n.put("bits", k.bits());
        n.put("file", k.file());
        n.put("usable", k.usable());
        n.put("problem", k.problem());
        if (k.record().isPresent()) {
            n.set("record", dkimRecord(k.record().get()));
        } else {
            n.putNull("record");
        }
        n.put("dns", k.dns().name());
        n.put("dnsDetail", k.dnsDetail());
        return n;
    }

    /**
     * A DNS TXT record to publish: {@code name} (without the trailing dot), its {@code text} as a verifier reads it,
     * the {@code strings} of at most 255 bytes it is cut into, and {@code zoneLine} ({@code name IN TXT "…" "…"}).
     */
    public static ObjectNode dkimRecord(DkimRecord r) {
        ObjectNode n = object();
        n.put("name", r.name());
        n.put("text", r.text());
        strings(n.putArray("strings"), r.strings());
        n.put("zoneLine", r.zoneLine());
        return n;
    }

    /**
     * {@code POST /dkim/keys}: the key made, the record to publish, and the entry to add to {@code keys} of
     * {@code org.streamail.dkim.sign} ({@code keysEntry}) or the whole new value ({@code keys}: the other domains'
     * entries kept, an earlier key of the same domain replaced, whose selector {@code replaces} names, else
     * {@code null}).
     */
    public static ObjectNode newDkimKey(NewDkimKey k, String keys, String replaces) {
        ObjectNode n = object();
        n.put("domain", k.domain());
        n.put("selector", k.selector());
        n.put("algorithm", k.algorithm().name());
        n.put("signatureAlgorithm", k.algorithm().signatureAlgorithm());
        n.put("bits", k.bits());
        n.put("file", k.file());
        n.set("record", dkimRecord(k.record()));
        n.put("keysEntry", k.keysEntry());
        n.put("keys", keys);
        n.put("replaces", replaces);
        return n;
    }

    private static void strings(ArrayNode a, Collection<String> values) {
        values.forEach(a::add);
    }

    private static String instant(Instant i) {
        return i == null ? null : i.toString();
    }

    /** Milliseconds with microsecond precision: scans are often under a millisecond. */
    private static BigDecimal millis(Duration d) {
        return BigDecimal.valueOf(d.toNanos()).movePointLeft(6).setScale(3, RoundingMode.HALF_UP);
    }
}
