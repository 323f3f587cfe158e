package org.streamail.linkguard.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.Severity;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.Scanner;

/**
 * What the click endpoint does, without the servlet API (so it is tested as plain Java).
 *
 * <ol>
 *   <li>GET and POST (anything else 405). The path is {@code /<token>}; a missing, malformed, forged or
 *       oversized token gets a 400 page that says nothing about why.</li>
 *   <li>A form submission (a POST on any token, or a GET on a {@link LinkTokens.Kind#FORM} token, whose query
 *       string holds the fields of a {@code method=get} form) is never forwarded: the target is checked as below;
 *       bad → everything a blocked click does; otherwise a 200 page saying the form was not sent. The request body
 *       and query string are never read (they may hold passwords).</li>
 *   <li>The URL is checked now: first the link store's list of URLs found bad since delivery (never
 *       cached, so a recall takes effect at once), then the {@link Scanner} on a {@link ProbeMessage}; the
 *       scan is bad when its action is QUARANTINE or REJECT, or when a PHISHING or MALWARE finding scores at
 *       least {@code block.score}. Scan verdicts are cached per URL for {@code verdict.cache.seconds}. No
 *       scanner (or a scanner failure): 503 "unable to check" unless {@code fail.open}.</li>
 *   <li>Clean: 302 to the original URL (percent-encoded so no header injection is possible), the click
 *       recorded when {@code record.clean.clicks}.</li>
 *   <li>Bad: 403 block page; the click recorded with the client address (X-Forwarded-For only behind a
 *       trusted proxy) and its MAC from the neighbour table; a {@code click-blocked} alert (HIGH, subject the
 *       client IP); the host isolated when {@code isolate.on.block} (with its MAC, unless other IPv4 addresses
 *       of the neighbour table share it: a router, proxy ARP or a range extender, which cutting would cut whole;
 *       then by address only, with a WARN), on the isolation executor so the page never
 *       waits for a firewall or a webhook (an allow-listed host is known at once and the page says nothing of
 *       isolation; one isolation per host is queued at a time); the campaign recalled when
 *       {@code recall.on.block}, on the recall executor so the page never waits for IMAP.</li>
 * </ol>
 * Every service is optional: a missing one is skipped with a log line, a failing one is logged and never
 * changes the answer to the user. Every response has {@code Cache-Control: no-store},
 * {@code X-Content-Type-Options: nosniff} and {@code Referrer-Policy: no-referrer}; HTML pages a strict CSP.
 *
 * <p>Thread-safe: no mutable state besides the verdict cache.
 */
final class ClickHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ClickHandler.class);
    static final String ACTOR = "linkguard";
    static final String ALERT_KIND = "click-blocked";
    /** Blocked clicks on links to one host, whichever workstation clicked: a campaign that is working. */
    static final String CAMPAIGN_ALERT_KIND = "campaign-clicked";
    private static final int CACHE_ENTRIES = 10_000;
    private static final int MAX_REASON = 300;
    /** Starts the reason of a blocked form submission's click record. */
    static final String FORM_REASON = "form submission, not sent: ";

    /**
     * One request.
     *
     * @param method        the HTTP method
     * @param path          the path inside the servlet ({@code /<token>}), or null
     * @param remoteAddress the TCP peer
     * @param forwardedFor  every X-Forwarded-For value, in order
     */
    record Request(String method, String path, String remoteAddress, List<String> forwardedFor) {
        Request {
            forwardedFor = forwardedFor == null ? List.of() : List.copyOf(forwardedFor);
        }
    }

    /** One response: status, headers, body (never null). */
    record Response(int status, Map<String, String> headers, byte[] body) {
    }

    /** The optional services, looked up at each use (they come and go). Each getter may return null. */
    interface Services {
        Scanner scanner();

        LinkStore store();

        AlertService alerts();

        IsolationService isolation();

        CampaignService campaigns();
    }

    private final Settings settings;
    private final LinkTokens tokens;
    private final Services services;
    private final NeighbourTable neighbours;
    private final Executor recallExecutor;
    private final Executor isolationExecutor;
    /** Hosts whose isolation is queued or running: a host clicking again meanwhile queues nothing more. */
    private final java.util.Set<String> pendingIsolations = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Clock clock;
    private final VerdictCache cache;
    /**
     * Message id → when its recall was last queued. A campaign recall is idempotent (a second one pulls
     * nothing more), so the repeated clicks of one workstation, or of many on one campaign, queue it once
     * per {@link #RECALL_DEDUP}; without this every blocked click queued a recall, filling the queue and
     * the log. Bounded by {@link #RECALL_DEDUP_ENTRIES}.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, Instant> recentRecalls =
            new java.util.concurrent.ConcurrentHashMap<>();
    static final java.time.Duration RECALL_DEDUP = java.time.Duration.ofMinutes(10);
    static final int RECALL_DEDUP_ENTRIES = 10_000;

    /**
     * @param recallExecutor    runs campaign recalls (IMAP), never on the request thread
     * @param isolationExecutor runs isolations (a firewall change or a webhook under the isolation service's lock);
     *                          a bounded queue whose refusals are logged
     */
    ClickHandler(Settings settings, LinkTokens tokens, Services services, NeighbourTable neighbours,
            Executor recallExecutor, Executor isolationExecutor, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.services = Objects.requireNonNull(services, "services");
        this.neighbours = Objects.requireNonNull(neighbours, "neighbours");
        this.recallExecutor = Objects.requireNonNull(recallExecutor, "recallExecutor");
        this.isolationExecutor = Objects.requireNonNull(isolationExecutor, "isolationExecutor");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.cache = new VerdictCache(settings.verdictCache(), CACHE_ENTRIES, clock);
    }

    Response handle(Request request) {
        boolean post = "POST".equals(request.method());
        if (!"GET".equals(request.method()) && !post) {
            Response r = html(405, Pages.methodNotAllowed());
            r.headers().put("Allow", "GET, POST");
            return r;
        }
        String path = request.path();
        String token = path != null && path.startsWith("/") ? path.substring(1) : "";
        if (token.equals(LinkRewriter.UNCHECKED)) {
            return html(403, post ? Pages.uncheckedForm() : Pages.unchecked());
        }
        Optional<LinkTokens.Payload> payload = token.length() > LinkTokens.MAX_TOKEN_CHARS ? Optional.empty()
                : tokens.verify(token);
        Optional<String> url = payload.flatMap(p -> Urls.httpUrl(p.url()));
        if (url.isEmpty()) {
            LOG.info("Click with an invalid token from {}", request.remoteAddress());
            return html(400, Pages.badToken());
        }
        LinkTokens.Payload p = payload.get();
        String target = url.get();
        String clientIp = Networks.clientAddress(request.remoteAddress(), request.forwardedFor(),
                settings.trustedProxies());
        // A form submission: a POST (any token: a form whose action was already a click URL is one too), or a GET on
        // a form target (method=get puts the fields in the query string, which is never read). Never forwarded.
        boolean form = post || p.kind() == LinkTokens.Kind.FORM;
        VerdictCache.Check check = check(target);
        if (check == null) {
            if (!settings.failOpen()) {
                LOG.warn("{} to {} from {} refused: the URL cannot be checked now", form ? "Form submission" : "Click on a link",
                        Urls.hostOf(target), clientIp);
                Response r = html(503, Pages.unavailable());
                r.headers().put("Retry-After", "60");
                return r;
            }
            LOG.warn("{} to {} from {} let through unchecked (fail.open){}", form ? "Form submission" : "Click on a link",
                    Urls.hostOf(target), clientIp, form ? ", the form not sent" : "");
        } else if (check.bad()) {
            return block(p, target, clientIp, check.reason(), form);
        }
        if (settings.recordCleanClicks()) {
            record(new Click(newId(), clock.instant(), p.messageId(), p.recipient(), target, clientIp, "", false, ""));
        }
        if (form) {
            LOG.info("Form submission to {} in message {} from {} not sent", Urls.hostOf(target), p.messageId(),
                    clientIp);
            return html(200, Pages.formNotSent(target));
        }
        Response r = new Response(302, baseHeaders(), new byte[0]);
        r.headers().put("Location", Urls.forLocation(target));
        return r;
    }

    /** The verdict for {@code url}, or null when it cannot be judged now. */
    private VerdictCache.Check check(String url) {
        LinkStore store = services.store();
        if (store != null) {
            try {
                Optional<String> bad = store.badReason(url);
                if (bad.isPresent()) {
                    return new VerdictCache.Check(true, clip("reported as part of a malicious campaign: " + bad.get()));
                }
            } catch (RuntimeException e) {
                LOG.warn("Link store unavailable for the bad-URL check: {}", e.toString());
            }
        }
        Optional<VerdictCache.Check> cached = cache.get(url);
        if (cached.isPresent()) {
            return cached.get();
        }
        Scanner scanner = services.scanner();
        if (scanner == null) {
            LOG.warn("No Scanner service: clicked URLs cannot be checked");
            return null;
        }
        ScanResult result;
        try {
            result = scanner.scan(Envelope.inbound("", List.of(), null, null), ProbeMessage.of(url));
        } catch (RuntimeException e) {
            LOG.warn("Scanning a clicked URL failed: {}", e.toString());
            return null;
        }
        VerdictCache.Check c = judge(result.verdict(), settings.blockScore());
        cache.put(url, c);
        return c;
    }

    /** Bad when quarantined or rejected, or when a PHISHING/MALWARE finding reaches {@code blockScore}. */
    static VerdictCache.Check judge(Verdict v, double blockScore) {
        Finding strongest = null;
        for (Finding f : v.findings()) {
            if ((f.category() == Category.PHISHING || f.category() == Category.MALWARE)
                    && (strongest == null || f.score() > strongest.score())) {
                strongest = f;
            }
        }
        String why = strongest == null ? "" : describe(strongest);
        if (v.action() == Action.QUARANTINE || v.action() == Action.REJECT) {
            return new VerdictCache.Check(true, clip(why.isEmpty() ? v.reason() : why));
        }
        if (strongest != null && strongest.score() >= blockScore) {
            return new VerdictCache.Check(true, clip(why));
        }
        return VerdictCache.Check.clean();
    }

    private static String describe(Finding f) {
        return f.category().name().toLowerCase(java.util.Locale.ROOT) + " (" + f.qualifiedRule() + ")"
                + (f.detail().isEmpty() ? "" : ": " + f.detail());
    }

    /**
     * A blocked click, or a blocked form submission ({@code form}): the same record, alerts, isolation and recall (a
     * user who typed into a phishing form is at least as exposed as one who clicked); the record's reason and the
     * texts say it was a form. What was typed is never read, so it is in no record, log line or page.
     */
    private Response block(LinkTokens.Payload p, String url, String clientIp, String reason, boolean form) {
        NeighbourTable.Neighbour neighbour = neighbours.lookup(clientIp);
        String mac = neighbour.mac();
        LOG.warn("Blocked {} {} in message {} from {}{}: {}", form ? "a form submission to" : "a click on a link to",
                Urls.hostOf(url), p.messageId(), clientIp, mac.isEmpty() ? "" : " (" + mac + ")", reason);
        String recorded = form ? clip(FORM_REASON + reason) : reason;
        record(new Click(newId(), clock.instant(), p.messageId(), p.recipient(), url, clientIp, mac, true, recorded));
        alert(p, url, clientIp, neighbour, reason, form);
        boolean isolating = settings.isolateOnBlock() && isolate(clientIp, neighbour, url, reason, form);
        if (settings.recallOnBlock()) {
            recall(p.messageId(), url, (form ? "a form sending to " + Urls.hostOf(url) + " was submitted"
                    : "a link to " + Urls.hostOf(url) + " was clicked") + " and blocked: " + reason);
        }
        return html(403, Pages.blocked(url, reason, isolating, form));
    }

    private void record(Click click) {
        LinkStore store = services.store();
        if (store == null) {
            LOG.info("No LinkStore service: click {} not recorded", click.id());
            return;
        }
        try {
            store.recordClick(click);
        } catch (RuntimeException e) {
            LOG.warn("Could not record click {}: {}", click.id(), e.toString());
        }
    }

    private void alert(LinkTokens.Payload p, String url, String clientIp, NeighbourTable.Neighbour neighbour,
            String reason, boolean form) {
        AlertService alerts = services.alerts();
        if (alerts == null) {
            LOG.warn("No AlertService: the blocked click from {} raised no alert", clientIp);
            return;
        }
        // Alerts are read by viewers: the URL without the query and fragment where reset tokens and magic logins
        // live (third audit); administrators find the whole URL in the click record (GET /clicks, streamail:clicks).
        String mac = neighbour.mac();
        String detail = "Host " + clientIp + (mac.isEmpty() ? "" : " (MAC " + mac + ")")
                + (form ? " submitted a form sending to " : " opened a link to ")
                + Click.redactedUrl(url) + " from message " + p.messageId() + (p.recipient().isEmpty() ? "" : " sent to " + p.recipient())
                + (form ? ". The form was blocked and what was typed into it not sent: " : ". The link was blocked: ")
                + reason + "."
                + (neighbour.shared() ? " The MAC " + mac + " " + neighbour.sharing() + " (a router, proxy ARP or a"
                        + " range extender): it is not used to isolate, so isolating " + clientIp
                        + " cuts its address only." : "");
        try {
            alerts.raise(new AlertRequest(ALERT_KIND, Severity.HIGH, clientIp, p.messageId(), p.recipient(),
                    (form ? "Blocked form submission to a dangerous site from " : "Blocked click on a dangerous link from ")
                            + clientIp, detail));
        } catch (RuntimeException e) {
            LOG.warn("Could not raise the click-blocked alert for {}: {}", clientIp, e.toString());
        }
        // Keyed on the link's host rather than the clicking IP: every further click on the campaign, from
        // any workstation, raises this one a step (escalation counts kind + subject).
        String host = Urls.hostOf(url);
        try {
            alerts.raise(new AlertRequest(CAMPAIGN_ALERT_KIND, Severity.MEDIUM, host, p.messageId(), "",
                    (form ? "Blocked form submission to " : "Blocked click on a link to ") + host, detail));
        } catch (RuntimeException e) {
            LOG.warn("Could not raise the campaign-clicked alert for {}: {}", host, e.toString());
        }
    }

    /**
     * Whether an isolation was queued (or already is) for the clicking host. It runs on the isolation executor:
     * on the request thread a slow enforcer (a webhook, an nft run, the service's lock held by another change)
     * held the block page and a server thread for each click, and with the nftables enforcer on this machine the
     * host was cut off before its page was sent.
     */
    private boolean isolate(String clientIp, NeighbourTable.Neighbour neighbour, String url, String reason,
            boolean form) {
        if (Networks.isTrusted(clientIp, settings.trustedProxies())) {
            // No usable X-Forwarded-For: the clicking host behind the proxy is unknown, and isolating the proxy
            // would cut off everyone behind it (audit).
            LOG.warn("Click from trusted proxy {} without a usable X-Forwarded-For: nobody isolated", clientIp);
            return false;
        }
        IsolationService isolation = services.isolation();
        if (isolation == null) {
            LOG.warn("No IsolationService: host {} not isolated", clientIp);
            return false;
        }
        try {
            if (isolation.isProtected(clientIp)) {
                LOG.info("Host {} is on the isolation allow-list; not isolated", clientIp);
                return false;
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not check whether host {} may be isolated: {}", clientIp, e.toString());
            return false;
        }
        if (!pendingIsolations.add(clientIp)) {
            return true; // its isolation is already on its way
        }
        // A MAC that stands for several hosts is not passed: the enforcer would cut them all (isolation README)
        String mac = neighbour.shared() ? null : neighbour.mac().isEmpty() ? null : neighbour.mac();
        String why = clip((form ? "submitted a blocked form to " : "clicked a blocked link to ") + Urls.hostOf(url)
                + ": " + reason);
        try {
            isolationExecutor.execute(() -> {
                try {
                    isolation.isolate(clientIp, mac, why, null, ACTOR);
                } catch (SecurityException e) {
                    LOG.info("Host {} is on the isolation allow-list; not isolated", clientIp);
                } catch (RuntimeException e) {
                    LOG.warn("Isolating host {} failed: {}", clientIp, e.toString());
                } finally {
                    pendingIsolations.remove(clientIp);
                }
            });
            if (neighbour.shared()) {
                LOG.warn("MAC {} {} (a router, proxy ARP or a range extender): isolating {} by its address only",
                        neighbour.mac(), neighbour.sharing(), clientIp);
            }
            return true;
        } catch (RejectedExecutionException e) {
            pendingIsolations.remove(clientIp);
            LOG.warn("Too many isolations waiting: host {} not isolated (it is recorded and alerted)", clientIp);
            return false;
        }
    }

    /** Recalls the campaign of a message; {@code badUrl} is the blocked link, the only URL known bad. */
    private void recall(String messageId, String badUrl, String reason) {
        if (messageId.isEmpty()) {
            return;
        }
        CampaignService campaigns = services.campaigns();
        if (campaigns == null) {
            LOG.warn("No CampaignService: message {} not recalled", messageId);
            return;
        }
        Instant now = clock.instant();
        Instant[] previous = new Instant[1];
        recentRecalls.compute(messageId, (id, last) -> {
            previous[0] = last;
            return last != null && now.isBefore(last.plus(RECALL_DEDUP)) ? last : now;
        });
        if (previous[0] != null && now.isBefore(previous[0].plus(RECALL_DEDUP))) {
            LOG.debug("Recall of message {} already queued at {}", messageId, previous[0]);
            return;
        }
        if (recentRecalls.size() > RECALL_DEDUP_ENTRIES) {
            recentRecalls.values().removeIf(t -> !now.isBefore(t.plus(RECALL_DEDUP)));
            if (recentRecalls.size() > RECALL_DEDUP_ENTRIES) {
                recentRecalls.clear(); // a flood of distinct messages: forget rather than grow
            }
        }
        try {
            recallExecutor.execute(() -> {
                try {
                    campaigns.recall(messageId, clip(reason), ACTOR, List.of(badUrl));
                } catch (NoSuchElementException e) {
                    LOG.warn("Recall of message {}: not in the message log", messageId);
                } catch (RuntimeException e) {
                    LOG.warn("Recall of message {} failed: {}", messageId, e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            recentRecalls.remove(messageId); // not queued: a later click may try again
            LOG.warn("Recall of message {} dropped: too many recalls pending", messageId);
        }
    }

    private static Response html(int status, byte[] body) {
        Map<String, String> h = baseHeaders();
        h.put("Content-Type", "text/html; charset=UTF-8");
        h.put("Content-Security-Policy", Pages.CSP);
        h.put("X-Frame-Options", "DENY");
        return new Response(status, h, body);
    }

    private static Map<String, String> baseHeaders() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Cache-Control", "no-store");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Referrer-Policy", "no-referrer");
        return h;
    }

    private static String clip(String s) {
        String one = s.replaceAll("[\\r\\n\\t]+", " ").strip();
        return one.length() > MAX_REASON ? one.substring(0, MAX_REASON) + "..." : one;
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }

    /** For tests: how many verdicts are cached. */
    int cachedVerdicts() {
        return cache.size();
    }
}
