package org.streamail.spam.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Finding;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.api.spam.SpamStore;
import org.streamail.api.store.Directory;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.MessageLog;
import org.streamail.api.store.QuarantineStore;

/**
 * The spam bundle's one DS component: the {@code spam} detector, the SMTP guard for remembered rejections,
 * and the report and block-list services, all over one {@link SpamEngine} so they share its caches.
 *
 * <p>Lifecycle: active while a {@link SpamStore} is registered (static mandatory reference: the store
 * bundle's update restarts this component, which reloads everything). The quarantine store and the
 * directory are optional and dynamic. A single daemon thread refreshes the caches every
 * {@code refresh.seconds}; another ({@link SeenWriter}) stores the summaries of inspected messages for reports by
 * id; both stop at deactivation. Thread-safe.
 */
@Component(service = {Detector.class, EnvelopeGuard.class, ReportService.class, BlockListService.class},
        configurationPid = SpamComponent.PID, name = SpamComponent.PID, immediate = true)
@Designate(ocd = SpamConfig.class)
public final class SpamComponent implements Detector, EnvelopeGuard, ReportService, BlockListService {

    static final String PID = "org.streamail.spam";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SpamComponent.class);

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile QuarantineStore quarantine;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile Directory directory;

    /** Pulls back the delivered copies of a campaign whose fingerprint reports have made blocking. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile CampaignService campaigns;

    /** To check that a gateway id read from reported bytes names the message that was reported. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile MessageLog messageLog;

    final SpamEngine engine; // package-private: SpamComponentTest watches its learner
    /** Stores the summaries of inspected messages for reports by id on every node (off with recent.shared.hours 0). */
    private final SeenWriter seen;
    private final ScheduledExecutorService refresher;
    private final ScheduledExecutorService learner;
    /**
     * One thread, a queue of {@value #RECALL_QUEUE}: a recall searches the message log and mails warnings,
     * which must not hold the reporting request. A full queue drops the recall with a warning (an
     * administrator can still run {@code streamail:message-recall}).
     */
    private final java.util.concurrent.ThreadPoolExecutor recaller;
    static final int RECALL_QUEUE = 100;

    /**
     * The messages this node inspected recently (for reports by id), kept by the bundle rather than the component
     * instance: a configuration change builds a new instance, and mail delivered before it can still be reported
     * by its id. Emptied when the bundle is updated or restarted.
     */
    private static RecentMessages nodeRecent;

    static synchronized RecentMessages recentMessages(long maxBytes) {
        if (nodeRecent == null) {
            nodeRecent = new RecentMessages(maxBytes);
        } else {
            nodeRecent.resize(maxBytes);
        }
        return nodeRecent;
    }

    /**
     * The reports recorded whose consequences wait for the store, kept by the bundle like {@link #nodeRecent}
     * and journaled in the bundle's storage ({@code data/cache/.../data/unfinished-reports/} in Karaf), so neither a
     * configuration change nor a restart while the database is down loses them.
     */
    private static UnfinishedReports nodeUnfinished;

    static synchronized UnfinishedReports unfinishedReports(java.nio.file.Path journal) {
        if (nodeUnfinished == null) {
            nodeUnfinished = journal == null ? UnfinishedReports.inMemory() : UnfinishedReports.journaled(journal);
        }
        return nodeUnfinished;
    }

    /** Without bundle storage (tests): unfinished reports are kept in memory only. */
    SpamComponent(SpamStore store, SpamConfig config, Map<String, Object> properties) {
        this(store, config, properties, null);
    }

    @Activate
    public SpamComponent(@Reference SpamStore store, SpamConfig config, Map<String, Object> properties,
            org.osgi.framework.BundleContext bundle) {
        checkProperties(properties);
        SpamEngine.Settings settings = settings(config);
        java.io.File data = bundle == null ? null : bundle.getDataFile("unfinished-reports");
        this.seen = new SeenWriter(store, settings.recentShared(), Clock.systemUTC(), SeenWriter.QUEUE);
        this.engine = new SpamEngine(store, settings, Clock.systemUTC(), this::stored, this::isProtected,
                tuning(config.classifier_model()), families(config.classifier_features()),
                recentMessages(settings.recentBytes()), unfinishedReports(data == null ? null : data.toPath()), seen);
        engine.refresh();
        seen.start();
        int seconds = Math.max(1, Math.min(60, config.refresh_seconds()));
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "streamail-spam-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(guarded(engine::refresh, "refreshing from the store"), seconds, seconds,
                TimeUnit.SECONDS);
        this.recaller = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(RECALL_QUEUE), r -> {
                    Thread t = new Thread(r, "streamail-spam-recall");
                    t.setDaemon(true);
                    return t;
                }, (r, pool) -> {
                    if (pool.isShutdown()) {
                        LOG.warn("Spam: the spam component is stopping; a campaign recall was not started "
                                + "(streamail:message-recall can run it by hand)");
                    } else {
                        LOG.warn("Spam: {} campaign recalls are already waiting; one was dropped "
                                + "(streamail:message-recall can run it by hand)", RECALL_QUEUE);
                    }
                });
        // The logistic model learns on its own thread (seconds for large training sets), so neither activation
        // nor the refresh of fingerprints and rules waits for it; until its first weights the counts answer.
        if (engine.logistic() != null) {
            this.learner = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-spam-learner");
                t.setDaemon(true);
                t.setPriority(Thread.MIN_PRIORITY);
                return t;
            });
            long minDelayMillis = seconds * 1000L;
            learner.execute(new Runnable() {
                @Override
                public void run() {
                    long start = System.nanoTime();
                    guarded(engine::learn, "learning the classifier").run();
                    try {
                        learner.schedule(this, nextLearningDelayMillis(minDelayMillis, (System.nanoTime() - start) / 1_000_000),
                                TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException e) {
                        // deactivated
                    }
                }
            });
        } else {
            this.learner = null; // the count models learn as reports arrive
        }
        engine.onBlockedCampaign((id, reference, reason, claimed) -> recaller.execute(() -> recall(id, reference, reason,
                claimed)));
        int releaseSeconds = config.release_learning_seconds();
        if (releaseSeconds > 0) {
            ReleaseLearner releases = new ReleaseLearner(() -> quarantine, engine);
            refresher.scheduleWithFixedDelay(guarded(releases::poll, "learning from quarantine releases"), releaseSeconds,
                    releaseSeconds, TimeUnit.SECONDS);
        }
    }

    /**
     * When the learner runs next: after {@code minDelayMillis} ({@code refresh.seconds}), or after
     * {@value #LEARN_IDLE_FACTOR} times as long as the last learning took, whichever is later, so that learning takes
     * at most about a quarter of one core however many messages are held and however often reports arrive (3,000
     * messages: ~1 s a learning here, so 20,000 an estimated ~7 s and the next at the earliest ~21 s later).
     */
    static long nextLearningDelayMillis(long minDelayMillis, long lastRunMillis) {
        return Math.max(minDelayMillis, Math.max(0, lastRunMillis) * LEARN_IDLE_FACTOR);
    }

    /** The learner waits this many times its last learning's duration before the next. */
    static final int LEARN_IDLE_FACTOR = 3;

    /** A periodic task that no throw can cancel (see {@link org.streamail.api.service.Periodic}). */
    private static Runnable guarded(Runnable task, String what) {
        return org.streamail.api.service.Periodic.guarded(task, e -> LOG.error("Spam: {} failed; the next run is as "
                + "scheduled", what, e));
    }

    @Deactivate
    void deactivate() {
        refresher.shutdownNow();
        if (learner != null) {
            learner.shutdownNow();
        }
        recaller.shutdownNow();
        seen.close(); // writes what is queued, waiting at most SeenWriter.STOP_WAIT
    }

    private void recall(String gatewayId, String reference, String reason, String claimedMessageId) {
        CampaignService c = campaigns;
        if (c == null) {
            LOG.info("Spam: ref {} now blocks, but no campaign service is installed to pull back the delivered "
                    + "copies of {}", reference, gatewayId);
            return;
        }
        if (claimedMessageId != null) {
            MessageLog log = messageLog;
            Optional<String> refused = notTheReportedMessage(gatewayId, claimedMessageId,
                    log == null ? null : log::get);
            if (refused.isPresent()) {
                LOG.warn("Spam: ref {} blocks; the delivered copies of {} are not recalled: {}", reference, gatewayId,
                        refused.get());
                return;
            }
        }
        try {
            var report = c.recall(gatewayId, reason + " (spam ref " + reference + ")", "spam-reports");
            LOG.info("Spam: ref {} blocks; campaign {} recalled from {}: {} messages, {} recipients warned",
                    reference, report.campaignId(), gatewayId, report.messages().size(), report.warned().size());
        } catch (java.util.NoSuchElementException e) {
            LOG.info("Spam: ref {} blocks; {} is not in the message log, nothing to recall", reference, gatewayId);
        } catch (RuntimeException e) {
            LOG.warn("Spam: ref {} blocks; recalling the campaign of {} failed: {}", reference, gatewayId, e.toString());
        }
    }

    /**
     * Why a gateway id read from a Received line of reported bytes must not be acted on, or empty when the
     * message log holds that id with the reported bytes' Message-ID. The Received line is text the reporter
     * handed in: copied from any mail a user received, it would otherwise let reporters recall another message
     * (fifth audit).
     *
     * @param log the message log's lookup, or {@code null} when no message log is installed
     */
    static Optional<String> notTheReportedMessage(String gatewayId, String claimedMessageId,
            Function<String, Optional<LogEntry>> log) {
        if (log == null) {
            return Optional.of("no message log is installed to confirm that " + gatewayId + " is the reported message");
        }
        if (claimedMessageId == null || claimedMessageId.isBlank()) {
            return Optional.of("the reported message has no Message-ID to confirm that it is " + gatewayId);
        }
        Optional<LogEntry> e = log.apply(gatewayId);
        if (e.isEmpty()) {
            return Optional.of(gatewayId + " is not in the message log");
        }
        if (!bare(e.get().messageId()).equalsIgnoreCase(bare(claimedMessageId))) {
            return Optional.of("the reported message's Message-ID is not the one logged for " + gatewayId
                    + " (a Received line copied from other mail?)");
        }
        return Optional.empty();
    }

    /** A Message-ID without white space and angle brackets (the message log keeps it without them). */
    private static String bare(String messageId) {
        String m = messageId.strip();
        if (m.startsWith("<")) {
            m = m.substring(1);
        }
        if (m.endsWith(">")) {
            m = m.substring(0, m.length() - 1);
        }
        return m.strip();
    }

    /**
     * Checks the raw properties before any config method is read (DS would read
     * {@code block.allow.loopback = yes} as false, and fail on {@code refresh.seconds = 2s} without naming it)
     * and logs each key nothing reads (a probable typo).
     *
     * @throws IllegalArgumentException naming the property, at the first value that does not parse
     */
    static void checkProperties(Map<String, Object> properties) {
        ConfigCheck.check(PID, SpamConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", PID, k));
    }

    static SpamEngine.Settings settings(SpamConfig c) {
        double sim = c.similarity_threshold();
        if (!(sim > 0 && sim <= 1)) {
            throw new IllegalArgumentException(PID + ": similarity.threshold must be in (0, 1], got " + sim);
        }
        double cut = c.bayes_spam_probability();
        if (!(cut > 0.5 && cut <= 1)) {
            throw new IllegalArgumentException(PID + ": bayes.spam.probability must be in (0.5, 1], got " + cut);
        }
        double unflagged = c.bayes_unflagged_probability();
        if (unflagged != 0 && !(unflagged >= cut && unflagged <= 1)) {
            throw new IllegalArgumentException(PID + ": bayes.unflagged.probability must be 0 (off) or in "
                    + "[bayes.spam.probability, 1] = [" + cut + ", 1], got " + unflagged);
        }
        if (unflagged != 0 && !families(c.classifier_features()).contains(Tokenizer.Family.TRAITS)) {
            throw new IllegalArgumentException(PID + ": bayes.unflagged.probability needs the TRAITS family in "
                    + "classifier.features (without it no message shows a red flag)");
        }
        int shared = c.recent_shared_hours();
        if (shared < 0 || shared > MAX_RECENT_SHARED_HOURS) {
            throw new IllegalArgumentException(PID + ": recent.shared.hours must be in 0.." + MAX_RECENT_SHARED_HOURS
                    + " (0 turns the shared summaries off), got " + shared);
        }
        int held = c.classifier_max_training_messages();
        if (held < 100 || held > 1_000_000) {
            throw new IllegalArgumentException(PID + ": classifier.max.training.messages must be in 100..1000000, got "
                    + held);
        }
        return new SpamEngine.Settings(sim, Math.max(1, c.reporters_to_block()), Math.max(1, c.ham_reporters_to_lift()),
                Math.max(0, c.auto_block_reporters()), duration("auto.block.window", c.auto_block_window()),
                duration("auto.block.expiry", c.auto_block_expiry()), c.fingerprint_score(), c.rule_score(),
                c.bayes_max_score(), c.bayes_min_score(), cut, Math.max(1000, c.max_fingerprints()),
                Math.max(10_000, c.max_tokens()), Math.max(0, c.recent_bytes()), Math.max(1024, c.max_message_size()),
                c.block_allow_loopback(), held, Duration.ofHours(shared), unflagged);
    }

    /** 30 days: reports by id are about mail a user just got; housekeeping's spam.seen.days (30) is the backstop. */
    static final int MAX_RECENT_SHARED_HOURS = 720;

    static Classifier.Tuning tuning(String model) {
        String m = model == null ? "" : model.strip().toUpperCase(Locale.ROOT);
        return switch (m) {
            case "LLR" -> Classifier.Tuning.llr();
            case "CHI2" -> Classifier.Tuning.chiSquare();
            case "LR" -> Classifier.Tuning.logistic();
            default -> throw new IllegalArgumentException(PID + ": classifier.model must be LR, CHI2 or LLR, not '"
                    + model + "'");
        };
    }

    static Set<Tokenizer.Family> families(String value) {
        Set<Tokenizer.Family> out = EnumSet.noneOf(Tokenizer.Family.class);
        for (String part : value.split(",")) {
            String p = part.strip().toUpperCase(Locale.ROOT);
            if (p.isEmpty()) {
                continue;
            }
            try {
                out.add(Tokenizer.Family.valueOf(p));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(PID + ": classifier.features has unknown family '" + part.strip()
                        + "'; known: " + java.util.Arrays.toString(Tokenizer.Family.values()));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(PID + ": classifier.features is empty");
        }
        return out;
    }

    private static Duration duration(String name, String value) {
        try {
            Duration d = Duration.parse(value.strip());
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(PID + ": " + name + " must be positive, got " + value);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(PID + ": " + name + " must be an ISO-8601 duration such as P7D or "
                    + "PT24H, got '" + value + "'");
        }
    }

    private Optional<SpamEngine.Stored> stored(String id) {
        QuarantineStore q = quarantine;
        if (q == null) {
            return Optional.empty();
        }
        return q.raw(id).map(raw -> new SpamEngine.Stored(raw,
                q.get(id).map(e -> e.envelope().sender()).orElse("")));
    }

    private boolean isProtected(String domain) {
        Directory d = directory;
        return d != null && d.isProtectedDomain(domain);
    }

    // ---- Detector

    @Override
    public String name() {
        return SpamEngine.DETECTOR;
    }

    @Override
    public List<Finding> inspect(Inspection inspection) {
        return engine.inspect(inspection.id(), inspection.envelope().sender(), inspection.raw().toByteArray(),
                inspection.message().links(), inspection.message().attachments(), inspection::expired);
    }

    // ---- EnvelopeGuard

    @Override
    public Optional<SmtpReply> onConnect(SmtpSession session) {
        return engine.onConnect(session);
    }

    @Override
    public Optional<SmtpReply> onHelo(SmtpSession session) {
        return engine.onHelo(session);
    }

    @Override
    public Optional<SmtpReply> onMailFrom(SmtpSession session) {
        return engine.onMailFrom(session);
    }

    // ---- ReportService

    @Override
    public ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin) {
        return engine.report(kind, raw, reporter, admin);
    }

    @Override
    public ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin) {
        return engine.reportById(kind, id, reporter, admin);
    }

    // ---- BlockListService

    @Override
    public List<BlockRule> list() {
        return engine.list();
    }

    @Override
    public BlockRule add(BlockRule.Type type, String value, String reason, java.time.Instant expiresAt, String actor) {
        return engine.add(type, value, reason, expiresAt, actor);
    }

    @Override
    public boolean remove(String id, String actor) {
        return engine.remove(id, actor);
    }

    @Override
    public Optional<BlockRule> match(BlockRule.Type type, String value) {
        return engine.match(type, value);
    }
}
