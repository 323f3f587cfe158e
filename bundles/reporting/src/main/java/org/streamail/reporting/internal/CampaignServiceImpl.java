package org.streamail.reporting.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.campaign.MailboxRecall;
import org.streamail.api.campaign.RecallOutcome;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.model.Direction;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.Directory;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;

/**
 * Campaign recall (PID {@code org.streamail.campaign}): from one message found bad after delivery, finds
 * the other copies, marks its URLs bad, warns every recipient, pulls the copies back and tells the admins.
 *
 * <p>Members: the message itself; messages of the message log received within {@code campaign.window}
 * before or after it with the same envelope sender and the same subject (at most {@code max.scanned}
 * entries of that sender read, newest first); and every message the {@link LinkStore} says carried one of
 * its URLs since {@code campaign.window} before it. Messages that never reached a mailbox (quarantined,
 * rejected, deleted) are listed but nobody is warned or recalled for them; a FAILED one is searched for, since
 * some of its recipients may have had it delivered before the core gave up on the others. The campaign id is
 * {@code cmp-} + 12 hex digits of SHA-256 of the gateway id of the earliest member, so a recall started
 * from any copy of the same campaign usually lands on the same id, and repeats escalate on it.
 *
 * <p>Per member and envelope recipient: the copy is pulled back through {@link MailboxRecall} (when the
 * message has a Message-ID and a recall service is present). Then each distinct recipient (case ignored, the
 * first spelling kept) gets one {@code recipient-warned} alert (MEDIUM, subject = campaign id + {@code /} +
 * the address, recipient = the address) covering every copy they got, however many: the subject names the
 * recipient so that escalation counts repeats to one user across recalls, never the number of users warned,
 * and one recall never escalates its own warnings. Then one {@code campaign-recalled} alert (HIGH) for the
 * admins. Idempotence: the (message, recipient) pairs already warned are read back from the
 * {@link AlertStore} ({@code recipient-warned} alerts with the campaign id and address as subject: their
 * message id and the gateway ids on their {@link #REFERENCE} line), so a second recall,
 * on any node and after a restart, neither warns nor pulls them again; without an alert store, a bounded
 * in-memory record stands in. A copy whose pull-back failed is left off that record, so the next recall pulls it
 * again.
 *
 * <p>Lifecycle: active while a {@link MessageLog} is registered; the others are optional and dynamic.
 * Threading: thread-safe; recalls are serialised in this JVM (they are rare, and this keeps two clicks on
 * one campaign from warning twice).
 */
@Component(service = CampaignService.class, configurationPid = CampaignConfig.PID, immediate = true)
@Designate(ocd = CampaignConfig.class)
public final class CampaignServiceImpl implements CampaignService {

    static final String KIND_WARNED = "recipient-warned";
    static final String KIND_RECALLED = "campaign-recalled";
    static final int MAX_URLS = 100;
    static final int MAX_URL_LENGTH = 4096;
    static final int MAX_MEMBERS = 10_000;
    static final int MAX_PAIRS = 10_000;
    /** Deliveries asked of the link store at once (its largest page). */
    static final int PAGE = 1000;
    /** Deliveries read in all by one recall, over all its URLs (about 40 MB at most). */
    static final int MAX_RECALL_DELIVERIES = 100_000;
    static final int MAX_REASON = 500;
    /** The line of a warning's detail that lists the gateway ids of the copies it covers. */
    static final String REFERENCE = "Reference (gateway ids): ";
    /** The warning detail stays well below the alert service's 20,000 characters, so the list is never cut. */
    static final int MAX_REFERENCE_CHARS = 16_000;
    private static final int MAX_DETAIL_LINES = 200;
    /**
     * Never in a mailbox. Not FAILED: the core logs FAILED for a message it gave up on after retrying even when some
     * recipients had it delivered on an earlier attempt (see {@link Member#maybeUndelivered}).
     */
    private static final Set<DeliveryStatus> NOT_DELIVERED = Set.of(DeliveryStatus.QUARANTINED,
            DeliveryStatus.REJECTED, DeliveryStatus.DELETED);
    private static final int MEMORY_CAMPAIGNS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(CampaignServiceImpl.class);

    private final MessageLog log;
    private final Duration window;
    private final int maxScanned;
    private final int maxLinkDeliveries;
    private final Clock clock;
    private final Object recallLock = new Object();
    /** Pairs warned per campaign when no alert store is there to remember them; guarded by recallLock. */
    private final Map<String, Set<String>> remembered = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Set<String>> eldest) {
            return size() > MEMORY_CAMPAIGNS;
        }
    };

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile LinkStore links;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile MailboxRecall mailboxRecall;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile AlertService alerts;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile AlertStore alertStore;

    /** The protected domains: their URLs are the organisation's own, never an administrator's recall's. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Directory directory;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse or is out of range (DS
     *                                  logs it; the component stays inactive until the configuration is fixed)
     */
    @Activate
    public CampaignServiceImpl(CampaignConfig config, Map<String, Object> properties,
            @Reference(name = "log") MessageLog log) {
        this(checked(config, properties), log, Clock.systemUTC());
    }

    /**
     * Checks the raw properties before any config method is read (DS would fail on {@code max.scanned = 1k}
     * without naming the property) and logs each key nothing reads (a probable typo). Returns {@code config}.
     */
    static CampaignConfig checked(CampaignConfig config, Map<String, Object> properties) {
        checkProperties(properties);
        return config;
    }

    /**
     * The check of {@link #checked}; returns the keys nothing reads.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(CampaignConfig.PID, CampaignConfig.class, properties);
        unknown.forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", CampaignConfig.PID, k));
        return unknown;
    }

    CampaignServiceImpl(CampaignConfig config, MessageLog log, Clock clock) {
        this.log = Objects.requireNonNull(log, "log");
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            this.window = Duration.parse(config.campaign_window() == null ? "" : config.campaign_window().strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("campaign.window must be an ISO-8601 duration such as P3D, got '"
                    + config.campaign_window() + "'");
        }
        if (window.isNegative() || window.isZero() || window.compareTo(Duration.ofDays(90)) > 0) {
            throw new IllegalArgumentException("campaign.window must be positive and at most P90D, got " + window);
        }
        this.maxScanned = bounded("max.scanned", config.max_scanned(), 10_000);
        this.maxLinkDeliveries = bounded("max.link.deliveries", config.max_link_deliveries(), MAX_RECALL_DELIVERIES);
        LOG.info("Campaign recall active: window {}, at most {} log entries and {} deliveries per URL examined",
                window, maxScanned, maxLinkDeliveries);
    }

    private static int bounded(String property, int value, int max) {
        if (value < 1 || value > max) {
            throw new IllegalArgumentException(property + " must be 1.." + max + ", got " + value);
        }
        return value;
    }

    /** One copy of the campaign: the log entry when the log has it, and who got it. */
    private static final class Member {
        final String id;
        final LogEntry entry;
        /** Lower-cased address -> its first spelling in this copy; insertion-ordered. */
        final Map<String, String> recipients = new LinkedHashMap<>();

        Member(String id, LogEntry entry) {
            this.id = id;
            this.entry = entry;
            if (entry != null) {
                entry.envelope().recipients().forEach(this::addRecipient);
            }
        }

        void addRecipient(String address) {
            recipients.putIfAbsent(address.toLowerCase(Locale.ROOT), address);
        }

        boolean delivered() {
            return entry == null || !NOT_DELIVERED.contains(entry.status());
        }

        /**
         * FAILED: usually in nobody's mailbox, but delivered to the recipients that took it before the core gave up
         * on the others. Each recipient's mailbox is searched; one where no copy is found is not warned.
         */
        boolean maybeUndelivered() {
            return entry != null && entry.status() == DeliveryStatus.FAILED;
        }

        /** Still being delivered (RECEIVED, DEFERRED): a copy may reach a mailbox after the recall searched it. */
        boolean pending() {
            return entry != null && (entry.status() == DeliveryStatus.RECEIVED
                    || entry.status() == DeliveryStatus.DEFERRED);
        }

        /**
         * Mail the organisation sent out: its recipients are strangers, who must not get our warnings (naming
         * our sender, our administrator and our ids) and whose mailboxes we do not hold.
         */
        boolean outbound() {
            return entry != null && entry.envelope().direction() == Direction.OUTBOUND;
        }

        Instant receivedAt(Instant fallback) {
            return entry == null ? fallback : entry.receivedAt();
        }
    }

    /** The copies of the campaign one recipient got that this recall handles: warned about in one alert. */
    private static final class Warning {
        /** The first spelling of the address met in this recall. */
        final String address;
        final List<Member> copies = new ArrayList<>();
        /** Pull-back results of the copies that could be searched for (those with a Message-ID). */
        final List<RecallOutcome> outcomes = new ArrayList<>();
        final List<String> pairKeys = new ArrayList<>();
        /** Copies (gateway ids) whose pull-back failed: not remembered as handled, so the next recall tries again. */
        final Set<String> failed = new HashSet<>();
        /**
         * Copies (gateway ids) still being delivered that were not found: not remembered as handled either, so the
         * next recall pulls them back once they have arrived.
         */
        final Set<String> notYetDelivered = new HashSet<>();
        int notSearched;

        Warning(String address) {
            this.address = address;
        }

        void add(Member m, RecallOutcome outcome, String pairKey) {
            copies.add(m);
            pairKeys.add(pairKey);
            if (outcome == null) {
                notSearched++;
            } else {
                outcomes.add(outcome);
                if (!outcome.error().isEmpty()) {
                    failed.add(m.id);
                } else if (m.pending() && outcome.found() == 0) {
                    notYetDelivered.add(m.id);
                }
            }
        }

        /** Whether this copy is left for the next recall: its pull failed, or it had not arrived yet. */
        boolean unsettled(Member m) {
            return failed.contains(m.id) || notYetDelivered.contains(m.id);
        }

        /** The pairs this warning settles: every copy but those whose pull-back failed. */
        List<String> handledKeys() {
            List<String> keys = new ArrayList<>(pairKeys.size());
            for (int i = 0; i < copies.size(); i++) {
                if (!unsettled(copies.get(i))) {
                    keys.add(pairKeys.get(i));
                }
            }
            return keys;
        }

        Member first() {
            return copies.get(0);
        }

        int pulled() {
            return outcomes.stream().mapToInt(o -> o.moved() + o.deleted()).sum();
        }

        String title() {
            return "A fraudulent message was " + (pulled() > 0 ? "removed from your mailbox" : "sent to you")
                    + (copies.size() > 1 ? " (" + copies.size() + " copies)" : "");
        }
    }

    @Override
    public RecallReport recall(String messageId, String reason, String actor) {
        return recall(messageId, reason, actor, List.of());
    }

    @Override
    public RecallReport recall(String messageId, String reason, String actor, java.util.Collection<String> badUrls) {
        Set<String> bad = new java.util.LinkedHashSet<>();
        if (badUrls != null) {
            for (String url : badUrls) {
                if (bad.size() >= MAX_URLS) {
                    break;
                }
                if (url != null && !url.isBlank() && url.length() <= MAX_URL_LENGTH) {
                    bad.add(url.strip());
                }
            }
        }
        if (messageId == null || messageId.isBlank() || messageId.length() > 256) {
            throw new IllegalArgumentException("messageId must be a gateway message id (1..256 characters)");
        }
        String id = messageId.strip();
        String why = reason == null || reason.isBlank() ? "found bad after delivery" : Texts.oneLine(reason, MAX_REASON);
        String who = actor == null || actor.isBlank() ? "unknown" : Texts.oneLine(actor, 100);
        LogEntry first = log.get(id).orElseThrow(() -> new NoSuchElementException("no message " + id
                + " in the message log"));
        synchronized (recallLock) {
            return recallLocked(first, why, who, bad);
        }
    }

    private RecallReport recallLocked(LogEntry first, String reason, String actor, Set<String> badUrls) {
        Instant now = clock.instant();
        Map<String, Member> members = new LinkedHashMap<>();
        members.put(first.id(), new Member(first.id(), first));
        bySenderAndSubject(first, members);
        LinkStore linkStore = links;
        List<String> urls = List.of();
        int shared = 0;
        Map<String, List<LinkDelivery>> deliveries = new LinkedHashMap<>();
        int[] budget = {MAX_RECALL_DELIVERIES};
        if (!badUrls.isEmpty()) {
            // An automatic recall (a click was blocked): only the URL judged bad is known to be bad. The
            // campaign starts with its first copy carrying it: sender and subject are spoofable, so mail with
            // the same ones delivered before that (a real newsletter a lure imitates) is not a copy.
            Instant anchor = first.receivedAt();
            for (String url : linkStore == null ? Set.<String>of() : badUrls) {
                List<LinkDelivery> d = deliveriesOf(linkStore, first, url, budget);
                deliveries.put(url, d);
                for (LinkDelivery x : d) {
                    anchor = x.at().isBefore(anchor) ? x.at() : anchor;
                }
            }
            Instant from = anchor;
            members.values().removeIf(m -> !m.id.equals(first.id()) && m.receivedAt(from).isBefore(from));
        }
        if (linkStore != null) {
            List<String> candidates = new ArrayList<>(badUrls);
            List<String> own = urlsOf(linkStore, first);
            if (badUrls.isEmpty()) {
                // An administrator's recall: the message is judged bad as a whole, so its own URLs may count.
                candidates.addAll(own.subList(0, Math.min(own.size(), MAX_URLS)));
            } else {
                shared = (int) own.stream().filter(u -> !badUrls.contains(u)).count();
            }
            Instant start = members.values().stream().map(m -> m.receivedAt(first.receivedAt()))
                    .min(Comparator.naturalOrder()).orElse(first.receivedAt());
            urls = new ArrayList<>();
            for (String url : candidates) {
                if (deliveries.containsKey(url)) {
                    urls.add(url); // judged bad, read above
                    continue;
                }
                if (organisations(url)) {
                    // A lure spoofing us links our real pages next to its bad one: marked bad they would be blocked
                    // for everyone, and our own later mail carrying them recalled.
                    shared++;
                    continue;
                }
                // Asked for the deliveries before the campaign began, not among the newest: ordinary mail after it
                // (the organisation's site, in every signature) would fill that page and hide the earlier ones,
                // and so would a big campaign's own copies.
                if (!carriedBefore(deliveriesBefore(linkStore, first, url, start), members.keySet(), start)) {
                    urls.add(url);
                    deliveries.put(url, deliveriesOf(linkStore, first, url, budget));
                } else {
                    shared++; // an everyday URL the lure links next to its bad one: not the campaign's
                }
            }
            byUrl(deliveries, members);
        }
        // The earliest copy names the campaign, so recalls started from different copies agree.
        Member earliest = members.values().stream()
                .min(Comparator.comparing((Member m) -> m.receivedAt(Instant.MAX)).thenComparing(m -> m.id))
                .orElseThrow();
        String campaignId = campaignId(earliest.id);
        int marked = 0;
        if (linkStore != null) {
            for (String url : urls) {
                try {
                    linkStore.markBad(url, "campaign " + campaignId + ": " + reason, now);
                    marked++;
                } catch (RuntimeException e) {
                    LOG.warn("Campaign {}: marking a URL bad failed: {}", campaignId, e.toString());
                }
            }
        }
        Set<String> recipients = new java.util.TreeSet<>();
        for (Member m : members.values()) {
            if (m.delivered() && !m.outbound()) {
                recipients.addAll(m.recipients.keySet());
            }
        }
        List<String> problems = new ArrayList<>();
        Set<String> done = alreadyWarned(campaignId, recipients, problems);
        AlertService alertService = alerts;
        MailboxRecall recall = mailboxRecall;
        List<String> warned = new ArrayList<>();
        List<RecallOutcome> outcomes = new ArrayList<>();
        int pairs = 0;
        int skippedUndelivered = 0;
        int alreadyDone = 0;
        int outbound = 0;
        int failedPulls = 0;
        int notYetDelivered = 0;
        // Pass 1: every copy not handled before is pulled back, and grouped by recipient (case ignored), so that a
        // user who got several copies is warned once for all of them (pass 2), not once per copy: one recall must
        // never escalate its own warnings.
        Map<String, Warning> byRecipient = new LinkedHashMap<>();
        outer:
        for (Member m : members.values()) {
            if (m.outbound()) {
                outbound++;
                continue;
            }
            if (!m.delivered()) {
                skippedUndelivered++;
                continue;
            }
            String header = m.entry == null ? "" : m.entry.messageId();
            for (Map.Entry<String, String> r : m.recipients.entrySet()) {
                String recipient = r.getKey();
                String key = pairKey(m.id, recipient);
                if (done.contains(key)) {
                    alreadyDone++;
                    continue;
                }
                // Only the pairs handled now count against the bound: counting those handled before as well, the next
                // recall stopped at the same place again and the copies past it were never pulled back.
                if (++pairs > MAX_PAIRS) {
                    problems.add("more than " + MAX_PAIRS + " copies to handle; the rest are left to the next recall");
                    break outer;
                }
                RecallOutcome outcome = null;
                if (recall != null && !header.isEmpty()) {
                    outcome = pull(recall, recipient, header, m.id, campaignId, reason, actor);
                    outcomes.add(outcome);
                    if (!outcome.error().isEmpty() && problems.size() < 20) {
                        problems.add(recipient + ": " + outcome.error());
                    }
                    if (m.maybeUndelivered() && outcome.error().isEmpty() && outcome.found() == 0) {
                        continue; // a FAILED copy that never reached this mailbox: nobody to warn
                    }
                }
                byRecipient.computeIfAbsent(recipient, k -> new Warning(r.getValue())).add(m, outcome, key);
            }
        }
        // Pass 2: one warning per recipient, naming how many copies it covers.
        for (Warning w : byRecipient.values()) {
            failedPulls += w.failed.size();
            notYetDelivered += w.notYetDelivered.size();
            if (alertService != null) {
                try {
                    AlertRequest warning = new AlertRequest(KIND_WARNED, Severity.MEDIUM,
                            warningSubject(campaignId, w.address), w.first().id, w.address, w.title(),
                            userDetail(w, reason));
                    // once across nodes: two nodes recalling the campaign at once (clicks on its lure on both, say)
                    // both find these pairs unhandled above; the warning's key says what it covers
                    if (alertService.raiseOnce(warning, warningKey(campaignId, w)).isEmpty()) {
                        alreadyDone += w.handledKeys().size();
                        done.addAll(w.handledKeys());
                        continue;
                    }
                    warned.add(w.address);
                } catch (RuntimeException e) {
                    problems.add(w.address + ": warning not stored: " + e.getMessage());
                    LOG.warn("Campaign {}: warning {} failed: {}", campaignId, w.address, e.toString());
                    continue; // not remembered: the next recall tries again
                }
            }
            done.addAll(w.handledKeys());
        }
        if (alertStore == null) {
            remembered.put(campaignId, done);
        }
        if (notYetDelivered > 0) {
            problems.add(0, notYetDelivered + " copies were still being delivered (the gateway retrying) and not found "
                    + "in their mailboxes: they are not counted as handled, and the next recall of this campaign pulls "
                    + "them back if they arrived");
        }
        if (failedPulls > 0) {
            problems.add(0, failedPulls + " copies could not be pulled back (mailbox errors): they are not counted as "
                    + "handled, and the next recall of this campaign tries them again");
        }
        if (outbound > 0) {
            problems.add(0, outbound + " of the copies were sent out by the organisation (outbound): their "
                    + "recipients are outside, so they were neither warned nor searched");
        }
        List<String> messageIds = new ArrayList<>(members.keySet());
        RecallReport report = new RecallReport(campaignId, messageIds, warned, outcomes);
        if (alertService != null) {
            try {
                alertService.raise(new AlertRequest(KIND_RECALLED, Severity.HIGH, campaignId, first.id(), "",
                        "Campaign " + campaignId + " recalled: " + messageIds.size() + " message(s), " + warned.size()
                                + " recipient(s) warned, " + report.pulled() + " copies pulled back",
                        adminDetail(first, reason, actor, messageIds.size(), warned.size(), alreadyDone,
                                skippedUndelivered, report, urls.size(), marked, shared, recall != null, problems)));
            } catch (RuntimeException e) {
                LOG.warn("Campaign {}: the admin alert could not be stored: {}", campaignId, e.toString());
            }
        } else {
            LOG.warn("Campaign {}: no AlertService; recipients and admins are not alerted", campaignId);
        }
        LOG.info("Campaign {} recalled by {} from {}: {} message(s), {} warned, {} already handled, {} pulled, "
                + "{} URL(s) marked bad", campaignId, actor, first.id(), messageIds.size(), warned.size(), alreadyDone,
                report.pulled(), marked);
        return report;
    }

    private void bySenderAndSubject(LogEntry first, Map<String, Member> members) {
        String sender = first.envelope().sender();
        if (sender.isEmpty() || first.subject().isBlank()) {
            // the null sender (bounces) is not one campaign, and no subject is no match: a sender's other mail
            // without one (a scanner's, a fax gateway's) would be pulled with the lure
            return;
        }
        Instant since = first.receivedAt().minus(window);
        Instant until = first.receivedAt().plus(window).plusMillis(1);
        int scanned = 0;
        int page = Math.min(LogQuery.MAX_LIMIT, maxScanned);
        while (scanned < maxScanned && members.size() < MAX_MEMBERS) {
            int limit = Math.min(page, maxScanned - scanned);
            List<LogEntry> batch = log.query(new LogQuery(limit, scanned, null, sender, null, since, until));
            for (LogEntry e : batch) {
                if (e.envelope().sender().equalsIgnoreCase(sender) && e.subject().strip().equals(first.subject().strip())
                        && !e.receivedAt().isBefore(since) && e.receivedAt().isBefore(until)) {
                    members.putIfAbsent(e.id(), new Member(e.id(), e));
                }
            }
            scanned += batch.size();
            if (batch.size() < limit) {
                break;
            }
        }
        if (scanned >= maxScanned) {
            LOG.warn("Campaign of {}: {} entries of sender {} examined, the limit (max.scanned); older copies may be "
                    + "missed", first.id(), scanned, sender);
        }
    }

    private List<String> urlsOf(LinkStore linkStore, LogEntry first) {
        try {
            List<String> urls = linkStore.linksOf(first.id());
            return urls.size() > MAX_URLS ? urls.subList(0, MAX_URLS) : urls;
        } catch (RuntimeException e) {
            LOG.warn("Campaign of {}: the link store failed: {}", first.id(), e.toString());
            return List.of();
        }
    }

    /**
     * Deliveries of {@code url} within the window before the first copy, newest first, at most
     * {@code max.link.deliveries} and what is left of the recall's {@code budget}; read in pages of the store's
     * {@link #PAGE}; empty (or what was read) when unreadable.
     */
    private List<LinkDelivery> deliveriesOf(LinkStore linkStore, LogEntry first, String url, int[] budget) {
        int max = Math.min(maxLinkDeliveries, budget[0]);
        List<LinkDelivery> d = new ArrayList<>();
        try {
            pagedDeliveries(linkStore, url, first.receivedAt().minus(window), max, d);
        } catch (RuntimeException e) {
            LOG.warn("Campaign of {}: deliveries of a URL could not be read ({} read): {}", first.id(), d.size(),
                    e.toString());
        }
        budget[0] -= d.size();
        if (d.size() >= max) {
            LOG.warn("Campaign of {}: a URL of it had {} deliveries or more ({}): only the newest were examined, "
                    + "copies among the older ones are not recalled", first.id(), max,
                    max == maxLinkDeliveries ? "max.link.deliveries" : "the recall's " + MAX_RECALL_DELIVERIES
                    + " in all");
        }
        return d;
    }

    /**
     * Reads at most {@code max} deliveries of {@code url} since {@code since}, newest first, into {@code out}.
     * Page after page with {@link LinkStore#deliveriesBefore}: the next page starts at the instant of the oldest
     * delivery read, so the other deliveries of that instant (one message's other recipients) are not skipped, and
     * those already read are left out. An instant with more deliveries than a page is passed over, with a WARN.
     */
    static void pagedDeliveries(LinkStore store, String url, Instant since, int max, List<LinkDelivery> out) {
        Instant oldest = null;
        Set<LinkDelivery> atOldest = new HashSet<>();
        while (out.size() < max) {
            if (atOldest.size() >= PAGE) {
                LOG.warn("Deliveries of a URL: more than {} at {}; the others of that instant are skipped", PAGE,
                        oldest);
                atOldest.clear(); // the next page starts strictly before it
            }
            int again = atOldest.size();
            int limit = again + Math.min(PAGE - again, max - out.size());
            List<LinkDelivery> page = oldest == null ? store.deliveriesOf(url, since, limit)
                    : store.deliveriesBefore(url, since, again == 0 ? oldest : oldest.plusMillis(1), limit);
            int fresh = 0;
            for (LinkDelivery d : page) {
                if (out.size() >= max || oldest != null && (d.at().isAfter(oldest) || atOldest.contains(d))) {
                    continue; // read on an earlier page
                }
                out.add(d);
                fresh++;
                if (oldest == null || d.at().isBefore(oldest)) {
                    oldest = d.at();
                    atOldest.clear();
                }
                if (d.at().equals(oldest)) {
                    atOldest.add(d);
                }
            }
            if (page.size() < limit || fresh == 0) {
                return; // the store has no more
            }
        }
    }

    /** Deliveries of {@code url} within the window before the campaign's {@code start} (bounded); empty when unreadable. */
    private List<LinkDelivery> deliveriesBefore(LinkStore linkStore, LogEntry first, String url, Instant start) {
        try {
            return linkStore.deliveriesBefore(url, first.receivedAt().minus(window), start, maxLinkDeliveries);
        } catch (RuntimeException e) {
            LOG.warn("Campaign of {}: deliveries of a URL could not be read: {}", first.id(), e.toString());
            return List.of();
        }
    }

    /** Whether {@code url}'s host is a protected domain or below one (the directory's answer; false without one). */
    private boolean organisations(String url) {
        Directory d = directory;
        if (d == null) {
            return false;
        }
        String host;
        try {
            host = java.net.URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (host == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        try {
            for (int labels = 0; labels < 128 && !h.isEmpty(); labels++) {
                if (d.isProtectedDomain(h)) {
                    return true;
                }
                int dot = h.indexOf('.');
                h = dot < 0 ? "" : h.substring(dot + 1);
            }
        } catch (RuntimeException e) {
            LOG.debug("Campaign: directory unavailable: {}", e.toString());
        }
        return false;
    }

    /**
     * Whether ordinary mail carried a URL before the campaign began: a delivery, earlier than the earliest
     * copy known so far (the message and its sender+subject copies), of a message that is not one of them.
     * Such a URL is an everyday one that the lure links next to its bad one (a lure often does, to look
     * real): it cannot tell the campaign's copies apart, and marking it bad would block it for everyone. A
     * URL that first appears with the campaign stays its own, so copies from other senders are still found.
     * A URL judged bad is never asked.
     */
    static boolean carriedBefore(List<LinkDelivery> deliveries, Set<String> members, Instant start) {
        for (LinkDelivery d : deliveries) {
            if (!members.contains(d.messageId()) && d.at().isBefore(start)) {
                return true;
            }
        }
        return false;
    }

    private void byUrl(Map<String, List<LinkDelivery>> byUrl, Map<String, Member> members) {
        for (List<LinkDelivery> deliveries : byUrl.values()) {
            for (LinkDelivery d : deliveries) {
                if (members.size() >= MAX_MEMBERS && !members.containsKey(d.messageId())) {
                    break;
                }
                Member m = members.computeIfAbsent(d.messageId(), mid -> new Member(mid, safeGet(mid).orElse(null)));
                if (!d.recipient().isEmpty() && m.recipients.size() < 10_000) {
                    m.addRecipient(d.recipient());
                }
            }
        }
    }

    private Optional<LogEntry> safeGet(String id) {
        try {
            return log.get(id);
        } catch (RuntimeException e) {
            LOG.debug("Campaign: log entry {} unreadable: {}", id, e.toString());
            return Optional.empty();
        }
    }

    /**
     * The pairs already warned, from the alert store (shared, durable), else from memory. A recipient whose warnings
     * cannot be read (a query failing) counts as not handled, with a line in {@code problems}: the recall goes on, since
     * pulling a copy back again is harmless and {@link AlertService#raiseOnce} does not repeat a warning it covered.
     */
    private Set<String> alreadyWarned(String campaignId, Set<String> recipients, List<String> problems) {
        AlertStore s = alertStore;
        Set<String> done = new HashSet<>();
        if (s == null) {
            done.addAll(remembered.getOrDefault(campaignId, Collections.emptySet()));
            return done;
        }
        int asked = 0;
        int unreadable = 0;
        RuntimeException firstFailure = null;
        for (String recipient : recipients) {
            if (++asked > MAX_PAIRS) {
                break; // the pairs loop stops there too
            }
            List<Alert> earlier;
            try {
                // one user's warnings about one campaign: a handful (one per copy they got), far below the limit
                earlier = s.query(new AlertQuery(AlertQuery.MAX_LIMIT, null, KIND_WARNED,
                        warningSubject(campaignId, recipient), null));
            } catch (RuntimeException e) {
                // Before, this ended the whole recall with nothing pulled back (the URLs already marked bad).
                unreadable++;
                firstFailure = firstFailure == null ? e : firstFailure;
                continue;
            }
            for (Alert a : earlier) {
                List<String> referenced = referencedCopies(a.detail());
                if (referenced == null) {
                    done.add(pairKey(a.messageId(), a.recipient())); // a warning from before the reference line
                    continue;
                }
                for (String gatewayId : referenced) {
                    done.add(pairKey(gatewayId, a.recipient()));
                }
            }
        }
        if (unreadable > 0) {
            LOG.warn("Campaign {}: what was handled before could not be read for {} recipient(s): {}", campaignId,
                    unreadable, firstFailure.toString());
            problems.add("what was handled before could not be read for " + unreadable + " recipient(s) ("
                    + firstFailure.getMessage() + "): their copies were searched again");
        }
        return done;
    }

    /**
     * The gateway ids a warning's detail lists on its {@link #REFERENCE} line: one warning covers every copy the
     * user got, while its {@code messageId} can name only the first. The line leaves out copies whose pull-back
     * failed, so it may be empty; {@code null} when there is no such line.
     */
    static List<String> referencedCopies(String detail) {
        if (detail == null) {
            return null;
        }
        String reference = REFERENCE.strip(); // the line may have lost its trailing space when it lists no copy
        for (String line : detail.split("\n", MAX_DETAIL_LINES)) {
            if (line.startsWith(reference)) {
                String ids = line.substring(reference.length()).strip();
                return ids.isEmpty() ? List.of() : List.of(ids.split("\\s+"));
            }
        }
        return null;
    }

    /**
     * The key of the warning of one recipient about these copies of a campaign: the same on every node that recalls
     * them, so the alert is stored once ({@link AlertService#raiseOnce}; the id it derives is the one warnings had
     * before the key went through the API, so warnings stored earlier still count). A copy whose pull-back failed is
     * marked in the key.
     */
    static String warningKey(String campaignId, Warning w) {
        List<String> keys = new ArrayList<>(w.pairKeys.size());
        for (int i = 0; i < w.copies.size(); i++) {
            // a failed pull is a warning of its own: the retry that succeeds warns again ("removed"), one that fails
            // again does not
            String copy = w.copies.get(i).id;
            keys.add(w.pairKeys.get(i) + (w.failed.contains(copy) ? " (pull failed)"
                    : w.notYetDelivered.contains(copy) ? " (not delivered yet)" : ""));
        }
        Collections.sort(keys);
        return KIND_WARNED + "\n" + campaignId + "\n" + w.address.toLowerCase(Locale.ROOT) + "\n"
                + String.join("\n", keys);
    }

    /** The subject of a warning: the campaign and the user, so escalation counts repeats to that user only. */
    static String warningSubject(String campaignId, String recipient) {
        return campaignId + "/" + recipient.toLowerCase(Locale.ROOT);
    }

    /** Pulls back the copies of one delivery (its gateway id), not every message that carries its Message-ID. */
    private static RecallOutcome pull(MailboxRecall recall, String recipient, String header, String gatewayId,
            String campaignId, String reason, String actor) {
        try {
            return recall.recall(recipient, header, gatewayId, "campaign " + campaignId + ": " + reason, actor);
        } catch (RuntimeException e) {
            // A malformed recipient or Message-ID, or a misbehaving implementation: that mailbox only.
            return new RecallOutcome(recipient, 0, 0, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    static String pairKey(String gatewayId, String recipient) {
        return gatewayId + "\n" + recipient.toLowerCase(Locale.ROOT);
    }

    /** {@code cmp-} + the first 12 hex digits of SHA-256 of the gateway id. */
    static String campaignId(String gatewayId) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(gatewayId.getBytes(StandardCharsets.UTF_8));
            return "cmp-" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static String userDetail(Warning w, String reason) {
        StringBuilder b = new StringBuilder();
        Member m = w.first();
        if (m.entry != null) {
            b.append("Subject: ").append(Texts.oneLine(m.entry.subject(), 200)).append('\n');
            b.append("Sender:  ").append(Texts.oneLine(m.entry.envelope().sender(), 320)).append('\n');
            b.append("Received: ").append(m.entry.receivedAt()).append('\n');
        }
        if (w.copies.size() > 1) {
            b.append("You received ").append(w.copies.size()).append(" copies of this campaign.\n");
        }
        b.append("Why: ").append(reason).append('\n');
        int moved = w.outcomes.stream().mapToInt(RecallOutcome::moved).sum();
        int deleted = w.outcomes.stream().mapToInt(RecallOutcome::deleted).sum();
        if (w.outcomes.isEmpty()) {
            b.append("Delete this message if you still have it; do not open its links or attachments.\n");
        } else if (moved > 0) {
            b.append(copies(moved)).append(" moved out of your mailbox to a quarantine folder.\n");
        } else if (deleted > 0) {
            b.append(copies(deleted)).append(" deleted from your mailbox.\n");
        } else {
            b.append("It was not found in your mailbox any more, or could not be removed: delete it if you see it.\n");
        }
        if (!w.outcomes.isEmpty() && w.notSearched > 0) {
            b.append("Some copies could not be searched for: delete them if you see them.\n");
        }
        if (!w.failed.isEmpty() && (moved > 0 || deleted > 0)) {
            b.append("Some copies could not be removed (mail server error): delete them if you see them.\n");
        }
        if (!w.notYetDelivered.isEmpty()) {
            b.append("A copy had not reached your mailbox yet: do not open it if it arrives.\n");
        }
        // Read back by alreadyWarned(): the copies this one warning covers, so a later recall skips them all.
        b.append(REFERENCE);
        int listed = 0;
        for (Member c : w.copies) {
            if (w.unsettled(c)) {
                continue; // not handled: the next recall pulls it again
            }
            if (b.length() + c.id.length() + 1 > MAX_REFERENCE_CHARS) {
                break; // the rest are not remembered: a later recall pulls them again (harmless) and warns once more
            }
            b.append(listed++ == 0 ? "" : " ").append(c.id);
        }
        b.append('\n');
        return b.toString();
    }

    private static String copies(int n) {
        return n == 1 ? "The message was" : n + " copies were";
    }

    private static String adminDetail(LogEntry first, String reason, String actor, int messages, int warned,
            int alreadyDone, int undelivered, RecallReport report, int urls, int marked, int shared,
            boolean recallAvailable,
            List<String> problems) {
        StringBuilder b = new StringBuilder();
        b.append("Started from message ").append(first.id()).append(" by ").append(actor).append(": ").append(reason)
                .append('\n');
        b.append("Sender: ").append(Texts.oneLine(first.envelope().sender(), 320)).append('\n');
        b.append("Subject: ").append(Texts.oneLine(first.subject(), 200)).append('\n');
        b.append("Messages in the campaign: ").append(messages).append(" (").append(undelivered)
                .append(" never delivered)\n");
        b.append("Recipients warned now: ").append(warned).append(", already handled before: ").append(alreadyDone)
                .append('\n');
        if (recallAvailable) {
            int found = report.outcomes().stream().mapToInt(RecallOutcome::found).sum();
            long failed = report.outcomes().stream().filter(o -> !o.error().isEmpty()).count();
            b.append("Mailboxes searched: ").append(report.outcomes().size()).append(", copies found: ").append(found)
                    .append(", pulled back: ").append(report.pulled()).append(", mailboxes with errors: ")
                    .append(failed).append('\n');
        } else {
            b.append("No mailbox recall service is available: copies were NOT pulled back\n");
        }
        b.append("URLs marked bad: ").append(marked).append(" of ").append(urls).append('\n');
        if (shared > 0) {
            b.append("URLs of the message left alone (not judged bad, or carried by ordinary mail before the campaign): ").append(shared).append('\n');
        }
        for (String p : problems) {
            b.append("Problem: ").append(Texts.oneLine(p, 300)).append('\n');
        }
        return b.toString();
    }
}
