package org.streamail.spam.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Category;
import org.streamail.api.model.Finding;
import org.streamail.api.model.GatewayReceived;
import org.streamail.api.model.Link;
import org.streamail.api.smtp.SmtpReply;
import org.streamail.api.smtp.SmtpSession;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.api.spam.SpamStore;
import org.streamail.api.spam.SpamStore.FingerprintState;

/**
 * Everything the spam bundle does, without OSGi: reports, fingerprint matching, the classifier, block
 * rules. The DS component ({@link SpamComponent}) wraps it; tests and the accuracy bench use it directly
 * over an in-memory store.
 *
 * <p><b>Shared state and staleness.</b> The database ({@link SpamStore}) is the truth. This node keeps
 * in-memory copies of the fingerprints, the token counts and the block rules, which {@link #refresh()}
 * brings up to date from the store's change feeds; the component calls it every {@code refresh.seconds}
 * (default 2 s). A report, training or rule change made through this node applies here at once; one made
 * on another node applies here after at most one refresh interval plus the time of one refresh. If the
 * database is unreachable, the last copies stay in use and a warning is logged. Reports by gateway id also find
 * messages other nodes inspected: {@link #inspect} queues a summary of each message (hashes and metadata, no
 * bytes) for the store through a {@link SeenWriter}, which stores it within about a second.
 *
 * <p>Thread-safe. {@link #inspect} and the guard methods only read immutable snapshots or concurrent maps.
 */
final class SpamEngine implements ReportService, BlockListService {

    private static final Logger LOG = LoggerFactory.getLogger(SpamEngine.class);
    static final String DETECTOR = "spam";
    private static final int FINGERPRINT_PAGE = 5_000;

    /** A message the gateway stored, as the report-by-id path needs it. */
    record Stored(byte[] raw, String sender) {
    }

    /** Configuration, already validated by the component. */
    record Settings(double similarity, int reportersToBlock, int hamReportersToLift, int autoBlockReporters,
            Duration autoBlockWindow, Duration autoBlockExpiry, double fingerprintScore, double ruleScore,
            double bayesMaxScore, double bayesMinScore, double bayesSpamProbability, int maxFingerprints,
            int maxTokens, long recentBytes, int maxMessageSize, boolean allowLoopbackRules, int maxTrainingMessages,
            Duration recentShared, double bayesUnflaggedProbability) {

        static Settings defaults() {
            return new Settings(0.5, 3, 1, 5, Duration.ofDays(7), Duration.ofDays(30), 100, 100, 6, -2, 0.83,
                    200_000, 4_000_000, 64L * 1024 * 1024, 25 * 1024 * 1024, false, 20_000, Duration.ofHours(48), 0);
        }

        /** The same with loopback client rules allowed (tests whose only client is on loopback). */
        Settings withLoopbackRules() {
            return new Settings(similarity, reportersToBlock, hamReportersToLift, autoBlockReporters, autoBlockWindow,
                    autoBlockExpiry, fingerprintScore, ruleScore, bayesMaxScore, bayesMinScore, bayesSpamProbability,
                    maxFingerprints, maxTokens, recentBytes, maxMessageSize, true, maxTrainingMessages, recentShared,
                    bayesUnflaggedProbability);
        }

        /** The same with another {@code recent.shared.hours} (zero: no shared summaries). */
        Settings withRecentShared(Duration keep) {
            return new Settings(similarity, reportersToBlock, hamReportersToLift, autoBlockReporters, autoBlockWindow,
                    autoBlockExpiry, fingerprintScore, ruleScore, bayesMaxScore, bayesMinScore, bayesSpamProbability,
                    maxFingerprints, maxTokens, recentBytes, maxMessageSize, allowLoopbackRules, maxTrainingMessages,
                    keep, bayesUnflaggedProbability);
        }

        /** The same with another {@code bayes.unflagged.probability} (0: off). */
        Settings withUnflaggedProbability(double p) {
            return new Settings(similarity, reportersToBlock, hamReportersToLift, autoBlockReporters, autoBlockWindow,
                    autoBlockExpiry, fingerprintScore, ruleScore, bayesMaxScore, bayesMinScore, bayesSpamProbability,
                    maxFingerprints, maxTokens, recentBytes, maxMessageSize, allowLoopbackRules, maxTrainingMessages,
                    recentShared, p);
        }
    }

    /** The features of one message, computed once. */
    record Features(MimeText.Extracted extracted, String referenceId, int[] signature, List<String> attachmentHashes,
            long[] tokens) {

        /**
         * What a report takes of these features.
         *
         * @param envelopeSender the envelope sender, or {@code null} or {@code ""} to take the From address
         */
        Reported reported(String envelopeSender) {
            String sender = envelopeSender != null && !envelopeSender.isEmpty() ? envelopeSender.toLowerCase(Locale.ROOT)
                    : fromAddress(extracted);
            return new Reported(referenceId, signature, attachmentHashes, tokens, sender);
        }
    }

    /**
     * What a report takes of a message: its fingerprint's parts, its classifier tokens and its sender (the envelope
     * sender, or the From address when there is none; lower case or {@code ""}). Computed from the bytes
     * ({@link Features#reported}) or read back from the summary kept in the store at inspection
     * ({@link SpamStore.SeenMessage}), so a report by id runs the same way on any node whether it has the bytes
     * or not.
     */
    record Reported(String referenceId, int[] signature, List<String> attachmentHashes, long[] tokens, String sender) {

        static Reported of(SpamStore.SeenMessage m) {
            return new Reported(m.referenceId(), toArray(m.minHash()), m.attachmentHashes(), m.tokens(), m.sender());
        }
    }

    /** A fingerprint in memory. */
    private record Indexed(String id, int[] signature, List<String> attachmentHashes, FingerprintState state,
            long generation) {
    }

    private final SpamStore store;
    private final Settings settings;
    private final Clock clock;
    private final Function<String, Optional<Stored>> storedMessages;
    private final Predicate<String> protectedDomain;
    private final Classifier classifier;
    /** The logistic model when {@code classifier.model = LR}, else {@code null}. */
    private final LogisticModel logistic;
    private final Set<Tokenizer.Family> families;
    private final RecentMessages recent;
    /** Summaries of inspected messages for the shared store; off when {@code recent.shared.hours = 0}. */
    private final SeenWriter seen;

    private final Map<String, Indexed> fingerprints = new ConcurrentHashMap<>();
    private volatile Indexed[] blocking = new Indexed[0];
    private volatile Map<String, Indexed> blockingAttachments = Map.of();
    private long fingerprintGeneration;
    private volatile BlockRules rules = BlockRules.empty();
    private long rulesGeneration = Long.MIN_VALUE;
    private boolean tokenTableFullLogged; // guarded by refreshLock
    private final Object refreshLock = new Object();
    private volatile long lastRefreshFailureLog;
    private volatile BlockedCampaignListener blockedListener = (id, reference, reason, claimed) -> { };

    /**
     * Told when a report makes a fingerprint refuse mail and the reported message is one the gateway
     * delivered (its gateway id is known), so the copies already delivered can be pulled back. Called on
     * the reporting thread; must not block.
     */
    @FunctionalInterface
    interface BlockedCampaignListener {
        /**
         * @param claimedMessageId {@code null} when the gateway id is the one the report named (a quarantine or
         *                         message-log id: the gateway's own copy); else the reported bytes' Message-ID
         *                         ({@code ""} when they have none), because the id then came from a Received line
         *                         inside bytes the reporter handed in, which anyone can write: the listener must
         *                         check that the logged message is this one before acting on it
         */
        void blocked(String gatewayId, String reference, String reason, String claimedMessageId);
    }

    /**
     * @param storedMessages finds a quarantined (or otherwise stored) message by gateway id; never null
     * @param protectedDomain whether a domain is one of ours (never auto-blocked); never null
     */
    SpamEngine(SpamStore store, Settings settings, Clock clock, Function<String, Optional<Stored>> storedMessages,
            Predicate<String> protectedDomain) {
        this(store, settings, clock, storedMessages, protectedDomain, Classifier.Tuning.defaults(), Tokenizer.DEFAULT);
    }

    /** With explicit classifier tuning and feature families: for the accuracy bench's measurements. */
    SpamEngine(SpamStore store, Settings settings, Clock clock, Function<String, Optional<Stored>> storedMessages,
            Predicate<String> protectedDomain, Classifier.Tuning tuning, Set<Tokenizer.Family> families) {
        this(store, settings, clock, storedMessages, protectedDomain, tuning, families,
                new RecentMessages(settings.recentBytes()));
    }

    /**
     * With the node's recently inspected messages handed in ({@code recent}, sized by the caller): the component
     * keeps them across configuration changes, each of which builds a new engine.
     */
    SpamEngine(SpamStore store, Settings settings, Clock clock, Function<String, Optional<Stored>> storedMessages,
            Predicate<String> protectedDomain, Classifier.Tuning tuning, Set<Tokenizer.Family> families,
            RecentMessages recent) {
        this(store, settings, clock, storedMessages, protectedDomain, tuning, families, recent,
                UnfinishedReports.inMemory());
    }

    /**
     * With the node's unfinished reports handed in too ({@code unfinished}): the component keeps them across
     * configuration changes and, journaled in the bundle's storage, across restarts.
     */
    SpamEngine(SpamStore store, Settings settings, Clock clock, Function<String, Optional<Stored>> storedMessages,
            Predicate<String> protectedDomain, Classifier.Tuning tuning, Set<Tokenizer.Family> families,
            RecentMessages recent, UnfinishedReports unfinished) {
        this(store, settings, clock, storedMessages, protectedDomain, tuning, families, recent, unfinished,
                new SeenWriter(store, settings.recentShared(), clock, SeenWriter.QUEUE));
    }

    /**
     * With the writer of inspected-message summaries handed in ({@code seen}, over the same store and
     * {@code recent.shared.hours}): the component starts its thread and closes it. Without it, the engine makes one
     * that is never started: its summaries reach the store only through {@link #flushSeen()} (tests).
     */
    SpamEngine(SpamStore store, Settings settings, Clock clock, Function<String, Optional<Stored>> storedMessages,
            Predicate<String> protectedDomain, Classifier.Tuning tuning, Set<Tokenizer.Family> families,
            RecentMessages recent, UnfinishedReports unfinished, SeenWriter seen) {
        this.seen = Objects.requireNonNull(seen, "seen");
        this.unfinished = Objects.requireNonNull(unfinished, "unfinished");
        this.families = Set.copyOf(families);
        this.store = Objects.requireNonNull(store, "store");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.storedMessages = Objects.requireNonNull(storedMessages, "storedMessages");
        this.protectedDomain = Objects.requireNonNull(protectedDomain, "protectedDomain");
        this.classifier = new Classifier(settings.maxTokens(), tuning);
        this.logistic = tuning.model() == Classifier.Model.LR
                ? new LogisticModel(LogisticModel.Tuning.defaults(), settings.maxTrainingMessages()) : null;
        this.recent = Objects.requireNonNull(recent, "recent");
    }

    // ------------------------------------------------------------------------------------------ refresh

    /**
     * Once per activation: the in-memory token table is full, so words learned from now on are ignored
     * until {@code max.tokens} is raised. The learning itself is in the database, nothing is lost.
     */
    private void warnIfTokenTableFull() {
        if (!tokenTableFullLogged && classifier.droppedTokens() > 0) {
            tokenTableFullLogged = true;
            LOG.warn("Spam: the classifier holds its maximum of {} tokens (max.tokens); {} learned since are "
                    + "ignored on this node until max.tokens is raised (they are kept in the database)",
                    settings.maxTokens(), classifier.droppedTokens());
        }
    }

    /** Pulls what changed in the store since the last call; keeps the old copies if the store fails. */
    void refresh() {
        synchronized (refreshLock) {
            try {
                long g = store.rulesGeneration();
                if (g != rulesGeneration) {
                    rules = new BlockRules(store.rules());
                    rulesGeneration = g;
                }
                syncFingerprints();
                finishUnfinished();
                classifier.sync(store);
                if (logistic != null) {
                    logistic.sync(store, classifier.spamMessages() + classifier.hamMessages());
                }
                warnIfTokenTableFull();
            } catch (RuntimeException e) {
                long now = System.nanoTime();
                if (now - lastRefreshFailureLog > Duration.ofMinutes(1).toNanos()) {
                    lastRefreshFailureLog = now;
                    LOG.warn("Spam: refreshing reports, tokens and rules from the store failed ({}); using the copies "
                            + "read before", e.toString());
                }
            }
        }
    }

    /** Reads the fingerprints changed since the last read; throws if the store fails. */
    private void syncFingerprints() {
        synchronized (refreshLock) {
            boolean changed = false;
            while (true) {
                List<SpamStore.Fingerprint> page = store.fingerprintsChangedAfter(fingerprintGeneration, FINGERPRINT_PAGE);
                for (SpamStore.Fingerprint f : page) {
                    index(f.id(), toArray(f.minHash()), f.attachmentHashes(), f.state(), f.generation());
                    fingerprintGeneration = Math.max(fingerprintGeneration, f.generation());
                }
                changed |= !page.isEmpty();
                if (page.size() < FINGERPRINT_PAGE) {
                    break;
                }
            }
            if (changed) {
                rebuildBlocking();
            }
        }
    }

    /**
     * Learns the logistic model's weights again if the trained messages changed since the last time (nothing
     * for the count models); the component calls it on its own thread, since it takes about 0.2 s per 1,000
     * messages held. Classification goes on meanwhile with the previous weights.
     *
     * @return whether new weights were learned
     */
    boolean learn() {
        if (logistic == null) {
            return false;
        }
        try {
            long start = System.nanoTime();
            boolean learned = logistic.learn();
            if (learned) {
                LOG.debug("Spam: {} in {} ms", logistic, (System.nanoTime() - start) / 1_000_000);
            }
            return learned;
        } catch (RuntimeException e) {
            LOG.warn("Spam: learning the logistic model failed; the previous weights stay in use", e);
            return false;
        }
    }

    /**
     * The model that answers now: the logistic one once learned, else the count model. The logistic model's
     * full score needs the count model's agreement: when CHI2 calls the message ham or unsure (below 0.5), a
     * logistic probability at or above {@code bayes.spam.probability} is held just below it (the classifier
     * alone then does not tag). Measured on the development protocols (README): the held-out HTML newsletters
     * that only the logistic model calls spam (5 of 40 scored, 1 with the rule) are what the rule is for;
     * it costs 1 of 150 and 5 of 750 newer spam. With {@code bayes.unflagged.probability} set, a message with no
     * structural red flag is held the same way below that probability ({@link #unflaggedHeld}).
     */
    private Classifier.Score classify(long[] tokens, int clues) {
        LogisticModel lr = logistic;
        Classifier.Score sc = lr == null || !lr.ready() ? classifier.score(tokens, clues) : lr.score(tokens, clues);
        double cut = settings.bayesSpamProbability();
        double p = sc.probability();
        if (p >= cut) {
            double held = lr == null || !lr.ready() ? p : agreed(p, classifier.probability(tokens), cut);
            held = unflaggedHeld(held, Tokenizer.flagged(tokens), cut, settings.bayesUnflaggedProbability());
            if (held != p) {
                return new Classifier.Score(held, sc.spamClues(), sc.hamClues());
            }
        }
        return sc;
    }

    /**
     * The agreement rule of {@link #classify}: the logistic probability, or just below {@code cut} when it reaches
     * {@code cut} while the count model says below 0.5 (NaN, an untrained count model, does not hold it).
     */
    static double agreed(double logistic, double counts, double cut) {
        if (logistic >= cut && counts < 0.5) {
            return Math.max(0.5, cut - 0.01);
        }
        return logistic;
    }

    /**
     * {@code bayes.unflagged.probability} ({@code unflagged}; 0, off, by default): a probability at or above
     * {@code cut} but below {@code unflagged}, of a message with no structural red flag ({@link Tokenizer#flagged}),
     * is held just below {@code cut}, as the agreement rule holds it: words alone need a surer verdict. Measured
     * (README, "Words alone"): at the same development false positives it catches more held-out-campaign spam
     * than the same cut-off raised for every message; as a default it cost too much spam.
     */
    static double unflaggedHeld(double p, boolean flagged, double cut, double unflagged) {
        if (!flagged && p >= cut && p < unflagged) {
            return Math.max(0.5, cut - 0.01);
        }
        return p;
    }

    private void index(String id, int[] signature, List<String> attachments, FingerprintState state, long generation) {
        if (!fingerprints.containsKey(id) && fingerprints.size() >= settings.maxFingerprints()
                && state != FingerprintState.BLOCKING) {
            return; // bounded: pending fingerprints beyond the limit are not compared
        }
        fingerprints.put(id, new Indexed(id, signature, List.copyOf(attachments), state, generation));
    }

    /** Synchronized so that a rebuild from an older view of the map can never overwrite a newer one. */
    private synchronized void rebuildBlocking() {
        List<Indexed> list = new ArrayList<>();
        Map<String, Indexed> byAttachment = new HashMap<>();
        for (Indexed f : fingerprints.values()) {
            if (f.state() == FingerprintState.BLOCKING) {
                list.add(f);
                for (String h : f.attachmentHashes()) {
                    byAttachment.put(h, f);
                }
            }
        }
        blocking = list.toArray(Indexed[]::new);
        blockingAttachments = Map.copyOf(byAttachment);
    }

    private static int[] toArray(List<Integer> list) {
        int[] a = new int[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>(a.length);
        for (int v : a) {
            l.add(v);
        }
        return l;
    }

    // ------------------------------------------------------------------------------------------ features

    Features features(byte[] raw) {
        MimeText.Extracted ex = MimeText.read(raw);
        String textForFingerprint = ex.header("Subject") + "\n" + ex.text();
        List<String> words = Fuzzy.words(textForFingerprint);
        int[] sig = Fuzzy.signature(words);
        List<String> hashes = new ArrayList<>();
        for (MimeText.Part p : ex.parts()) {
            if (!hashes.contains(p.sha256())) {
                hashes.add(p.sha256());
            }
        }
        // a message with no word of text and no attachment has nothing to fingerprint: its reference is
        // its bytes, so unrelated empty messages (or files that are not mail) never share one
        String reference = words.isEmpty() && hashes.isEmpty()
                ? Fuzzy.referenceId(List.of("raw:" + MimeText.sha256(raw)), hashes)
                : Fuzzy.referenceId(words, hashes);
        return new Features(ex, reference, sig, List.copyOf(hashes), Tokenizer.features(ex, families));
    }

    /**
     * Whether a fingerprint of these features can ever refuse mail: it needs a text signature (enough
     * words) or an attachment to match. Without either, a report still counts and trains the classifier,
     * but it is never said to block.
     */
    static boolean matchable(int[] signature, List<String> attachmentHashes) {
        return signature.length > 0 || !attachmentHashes.isEmpty();
    }

    // ------------------------------------------------------------------------------------------ detection

    /**
     * Findings for a message at DATA: a blocking fingerprint or attachment, a URL or attachment block
     * rule, and the classifier's score.
     *
     * @param id          the gateway id (remembered, so the message can be reported by id later)
     * @param raw         the raw bytes
     * @param links       links the core found (added to this bundle's own)
     * @param attachments attachments the core found (their hashes are checked too)
     * @param expired     tells whether the deadline passed; checked between the steps
     */
    List<Finding> inspect(String id, byte[] raw, List<Link> links, List<Attachment> attachments,
            java.util.function.BooleanSupplier expired) {
        return inspect(id, null, raw, links, attachments, expired);
    }

    /**
     * The same with the envelope sender, which the summary kept for a report by id on another node records (the
     * From address when {@code null} or {@code ""}).
     */
    List<Finding> inspect(String id, String envelopeSender, byte[] raw, List<Link> links, List<Attachment> attachments,
            java.util.function.BooleanSupplier expired) {
        recent.remember(id, raw);
        Features f = features(raw);
        share(id, envelopeSender, f);
        List<Finding> out = new ArrayList<>();
        Instant now = clock.instant();

        Indexed best = null;
        double bestSim = 0;
        if (f.signature().length > 0) {
            for (Indexed b : blocking) {
                double sim = Fuzzy.similarity(f.signature(), b.signature());
                if (sim > bestSim) {
                    bestSim = sim;
                    best = b;
                }
            }
        }
        if (best != null && bestSim >= settings.similarity()) {
            // The SMTP reply quotes the strongest finding: the similarity stays in a finding of its own, with no
            // weight, or a sender would read how far its variant still is from the threshold (an evasion gauge).
            out.add(new Finding(DETECTOR, "fuzzy-match", settings.fingerprintScore(), Category.SPAM,
                    "matches reported spam ref " + best.id()));
            out.add(new Finding(DETECTOR, "fuzzy-similarity", 0, Category.INFO,
                    String.format(Locale.ROOT, "similarity %.2f to reported spam ref %s", bestSim, best.id())));
        }
        Set<String> hashes = new HashSet<>(f.attachmentHashes());
        for (Attachment a : attachments) {
            if (a.size() > 0) {
                hashes.add(a.content().sha256());
            }
        }
        Map<String, Indexed> byAttachment = blockingAttachments;
        for (String h : hashes) {
            Indexed hit = byAttachment.get(h);
            if (hit != null) {
                out.add(new Finding(DETECTOR, "reported-attachment", settings.fingerprintScore(), Category.SPAM,
                        "attachment " + h.substring(0, 16) + " is in reported spam ref " + hit.id()));
                break;
            }
        }
        if (expired.getAsBoolean()) {
            return out;
        }
        BlockRules r = rules;
        for (String h : hashes) {
            Optional<BlockRule> rule = r.match(BlockRule.Type.ATTACHMENT_HASH, h, now);
            if (rule.isPresent()) {
                out.add(ruleFinding("blocked-attachment", rule.get(), "attachment " + h.substring(0, 16)));
                break;
            }
        }
        Set<String> hosts = new HashSet<>(f.extracted().linkHosts());
        for (Link l : links) {
            l.host().ifPresent(hosts::add);
        }
        for (String host : hosts) {
            Optional<BlockRule> rule = r.match(BlockRule.Type.URL_DOMAIN, host, now);
            if (rule.isPresent()) {
                out.add(ruleFinding("blocked-url-domain", rule.get(), "link to " + host));
                break;
            }
        }
        if (expired.getAsBoolean()) {
            return out;
        }
        Classifier.Score sc = classify(f.tokens(), CLUES);
        double p = sc.probability();
        if (!Double.isNaN(p)) {
            double score = bayesScore(p);
            out.add(new Finding(DETECTOR, "bayes", score, score > 0 ? Category.SPAM : Category.INFO,
                    String.format(Locale.ROOT, "learned classifier: spam probability %.3f", p)));
            String clues = clues(f, sc);
            if (!clues.isEmpty()) {
                // apart, with no score: the SMTP reply names the strongest finding, and a sender must never
                // learn which of its words the classifier holds against it
                out.add(new Finding(DETECTOR, "bayes-clues", 0, Category.INFO, clues));
            }
        }
        return out;
    }

    /** Bounds of a summary, as the JDBC store's (a summary beyond them would be refused with its whole batch). */
    static final int MAX_SUMMARY_TOKENS = 20_000;
    static final int MAX_SUMMARY_ATTACHMENTS = 200;
    static final int MAX_SUMMARY_ID = 128;
    static final int MAX_SUMMARY_SENDER = 512;

    /**
     * Queues the summary of an inspected message for the shared store (when {@code recent.shared.hours > 0}): on the
     * DATA path, so it never waits and never throws. A message whose summary would exceed the store's bounds is only
     * kept in this node's recent messages; an over-long or odd sender is left out ({@code ""}).
     */
    private void share(String id, String envelopeSender, Features f) {
        if (!seen.enabled() || id == null || id.isBlank() || id.length() > MAX_SUMMARY_ID || id.indexOf('\u0000') >= 0) {
            return;
        }
        try {
            if (f.tokens().length > MAX_SUMMARY_TOKENS || f.attachmentHashes().size() > MAX_SUMMARY_ATTACHMENTS) {
                return;
            }
            Reported r = f.reported(envelopeSender);
            String sender = r.sender().length() > MAX_SUMMARY_SENDER || r.sender().indexOf('\u0000') >= 0 ? ""
                    : r.sender();
            seen.offer(new SpamStore.SeenMessage(id.strip(), r.referenceId(), toList(r.signature()), r.attachmentHashes(),
                    r.tokens(), sender, clock.instant()));
        } catch (RuntimeException e) {
            LOG.debug("Spam: no shared summary of {}: {}", id, e.toString());
        }
    }

    /** Writes the queued summaries now, on the calling thread (tests; the component's writer thread does it). */
    int flushSeen() {
        return seen.flush();
    }

    /** Deletes the summaries older than {@code recent.shared.hours} now (the writer thread does it every 10 min). */
    int cleanSeen() {
        return seen.clean();
    }

    /** How many summaries were dropped (queue full, or the store failed them). */
    long droppedSummaries() {
        return seen.dropped();
    }

    /** How many of the strongest features on each side the {@code spam/bayes-clues} finding names. */
    static final int CLUES = 4;

    /**
     * {@code for spam: word "free" 0.99, link host "x.example" 0.97; for ham: sender domain "corp.example"
     * 0.03}: the features that weighed most, each with the classifier's estimate that mail carrying it is
     * spam, so an administrator can see why a message scored as it did.
     */
    private String clues(Features f, Classifier.Score sc) {
        Set<Long> wanted = new HashSet<>();
        sc.spamClues().forEach(c -> wanted.add(c.feature()));
        sc.hamClues().forEach(c -> wanted.add(c.feature()));
        if (wanted.isEmpty()) {
            return "";
        }
        Map<Long, String> labels = Tokenizer.labels(f.extracted(), families, wanted);
        StringBuilder b = new StringBuilder();
        side(b, "for spam", sc.spamClues(), labels);
        side(b, "for ham", sc.hamClues(), labels);
        return b.toString();
    }

    private static void side(StringBuilder b, String title, List<Classifier.Clue> clues, Map<Long, String> labels) {
        if (clues.isEmpty()) {
            return;
        }
        b.append(b.length() == 0 ? "" : "; ").append(title).append(": ");
        for (int i = 0; i < clues.size(); i++) {
            Classifier.Clue c = clues.get(i);
            b.append(i == 0 ? "" : ", ").append(labels.getOrDefault(c.feature(), "feature " + Long.toHexString(c.feature())))
                    .append(String.format(Locale.ROOT, " %.2f", c.estimate()));
        }
    }

    private Finding ruleFinding(String name, BlockRule rule, String what) {
        return new Finding(DETECTOR, name, settings.ruleScore(), Category.POLICY,
                what + " is blocked by rule " + rule.id() + (rule.reason().isEmpty() ? "" : " (" + rule.reason() + ")"));
    }

    /**
     * Probability to score: at or above {@code bayes.spam.probability} the full {@code bayes.max.score};
     * from 0.5 up to it, rising linearly to two thirds of that; below 0.5 falling linearly to
     * {@code bayes.min.score} at 0.
     */
    double bayesScore(double p) {
        double cut = settings.bayesSpamProbability();
        if (p >= cut) {
            return settings.bayesMaxScore();
        }
        if (p >= 0.5) {
            return round((p - 0.5) / (cut - 0.5) * settings.bayesMaxScore() * 2 / 3);
        }
        return round((0.5 - p) / 0.5 * settings.bayesMinScore());
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** The classifier's spam probability for a raw message, NaN while untrained; for the bench. */
    double probability(byte[] raw) {
        return classify(features(raw).tokens(), 0).probability();
    }

    // ------------------------------------------------------------------------------------------ SMTP guard

    Optional<SmtpReply> onConnect(SmtpSession s) {
        return refuse(BlockRule.Type.CLIENT_IP, s.clientIp(), s);
    }

    Optional<SmtpReply> onHelo(SmtpSession s) {
        return refuse(BlockRule.Type.HELO, s.helo(), s);
    }

    Optional<SmtpReply> onMailFrom(SmtpSession s) {
        Optional<SmtpReply> r = refuse(BlockRule.Type.SENDER, s.sender(), s);
        return r.isPresent() ? r : refuse(BlockRule.Type.SENDER_DOMAIN, s.sender(), s);
    }

    private Optional<SmtpReply> refuse(BlockRule.Type type, String value, SmtpSession s) {
        if (s.authenticated() != null) {
            return Optional.empty(); // our own authenticated users are never refused by remembered rejections
        }
        return rules.match(type, value, clock.instant()).map(rule -> SmtpReply.of(550, "5.7.1",
                "Refused by rule " + rule.id().substring(0, 8) + " (" + type.name().toLowerCase(Locale.ROOT)
                        + (rule.reason().isEmpty() ? "" : ": " + rule.reason()) + ")"));
    }

    // ------------------------------------------------------------------------------------------ reports

    @Override
    public ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(raw, "raw");
        // binary data or a text file (a configuration or password file) would train the shared classifier as if
        // it were mail (audit finding); a message fetched by id was mail the gateway took in
        MailShape.problem(raw).ifPresent(why -> {
            throw new IllegalArgumentException(why);
        });
        return report(kind, raw, null, reporter, admin);
    }

    @Override
    public ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin) {
        Objects.requireNonNull(kind, "kind");
        if (id == null || id.isBlank() || id.length() > 128) {
            throw new IllegalArgumentException("a message id is required (at most 128 characters)");
        }
        // the quarantine's copy, then this node's recent bytes (also a message inspected a moment ago, whose summary
        // the writer has not stored yet), then the summary any node sharing the store kept at inspection
        Optional<Stored> stored = storedMessages.apply(id);
        if (stored.isEmpty()) {
            stored = recent.get(id).map(raw -> new Stored(raw, null));
        }
        if (stored.isPresent()) {
            return report(kind, stored.get().raw(), stored.get().sender(), id.strip(), reporter, admin);
        }
        if (!seen.enabled()) {
            throw new NoSuchElementException("no message with id " + id + " in the quarantine or among the messages "
                    + "this node inspected recently (a message another gateway node received is only known there: "
                    + "report it on that node or send the message itself)");
        }
        requireReporter(reporter);
        Instant since = clock.instant().minus(seen.keep());
        SpamStore.SeenMessage m = store.seen(id.strip()).filter(s -> !s.seenAt().isBefore(since))
                .orElseThrow(() -> new NoSuchElementException("no message with id " + id + " in the quarantine or "
                        + "among the messages the gateway nodes inspected in the last " + seen.keep().toHours()
                        + " hours (recent.shared.hours): send the message itself"));
        // the id names the gateway's own record of the message: it is the recall id, and no Message-ID needs checking
        return report(kind, Reported.of(m), id.strip(), null, reporter, admin);
    }

    /** Sets who is told when a report makes a delivered message's fingerprint block; never null. */
    void onBlockedCampaign(BlockedCampaignListener listener) {
        this.blockedListener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * The gateway id of a message this gateway delivered, from its own Received line: the first one in
     * header order that names Streamail. Lines a sender forged sit below ours, so ours is met first; a
     * message that never passed through the gateway has none, or only a forged one naming an id the
     * message log does not know (the recall then finds nothing).
     */
    static String deliveredId(MimeText.Extracted m) {
        return GatewayReceived.firstGatewayId(m.headers().stream()
                .filter(h -> h.name().equalsIgnoreCase("Received")).map(MimeText.Field::value).toList()).orElse(null);
    }

    private ReportResult report(ReportKind kind, byte[] raw, String envelopeSender, String reporter, boolean admin) {
        return report(kind, raw, envelopeSender, null, reporter, admin);
    }

    private static void requireReporter(String reporter) {
        if (reporter == null || reporter.isBlank() || reporter.length() > 256) {
            throw new IllegalArgumentException("the reporter must be a login name of 1..256 characters");
        }
    }

    /**
     * A report of a message's bytes.
     *
     * @param gatewayId the gateway id the report named (quarantine or recent bytes), else {@code null}: the recall id
     *                  is then read from the bytes' own Received line and must be confirmed by their Message-ID
     */
    private ReportResult report(ReportKind kind, byte[] raw, String envelopeSender, String gatewayId, String reporter,
            boolean admin) {
        requireReporter(reporter);
        if (raw.length == 0) {
            throw new IllegalArgumentException("the message is empty");
        }
        if (raw.length > settings.maxMessageSize()) {
            throw new IllegalArgumentException("the message has " + raw.length + " bytes, more than the "
                    + settings.maxMessageSize() + " allowed");
        }
        // A message too short for a text signature and without attachments still gets a fingerprint of its
        // own, so reports stay idempotent and it trains the classifier; it can never refuse mail, so the
        // result never says it blocks.
        Features f = features(raw);
        String recallId = gatewayId != null ? gatewayId : deliveredId(f.extracted());
        String claimedMessageId = gatewayId != null ? null : f.extracted().header("Message-ID").strip();
        return report(kind, f.reported(envelopeSender), recallId, claimedMessageId, reporter, admin);
    }

    /**
     * Every report ends here, from bytes or from a stored summary.
     *
     * @param recallId         the gateway id whose campaign is recalled if this report makes it block, or {@code null}
     * @param claimedMessageId see {@link BlockedCampaignListener#blocked}
     */
    private ReportResult report(ReportKind kind, Reported f, String recallId, String claimedMessageId, String reporter,
            boolean admin) {
        requireReporter(reporter);
        Instant now = clock.instant();
        String fingerprintId = findOrCreateFingerprint(f, now);
        String sender = f.sender();
        Recorded r = new Recorded(fingerprintId, kind, reporter.strip(), admin, sender, now, recallId, claimedMessageId,
                f.referenceId(), f.tokens());
        // Kept (in the bundle's journal) before the store records it, until everything it calls for took effect: a
        // process killed between the report's commit and its state write, or a database gone in between, would
        // otherwise leave it counted but its block, recall and training undone until someone reported it again.
        unfinished.begin(r).ifPresent(this::droppedUnfinished);
        boolean counted;
        Settled settled;
        try {
            counted = store.recordReport(r.asReport());
            settled = complete(r);
        } catch (org.streamail.api.store.StoreException e) {
            // The store went away during the report: the refresh thread records it (again: idempotent) and finishes
            // it as soon as the store answers, so the block, the recall and the training do not wait for the
            // reporter to try again. The caller still gets the failure (503).
            unfinished(r, e);
            throw e;
        } catch (RuntimeException e) {
            unfinished.finished(r); // refused (a bad reporter name...) or a bug: retrying would fail the same way
            throw e;
        } catch (Error e) {
            unfinished.failed(r); // the refresh thread tries again, as after a restart
            throw e;
        }
        unfinished.finished(r);
        LOG.info("Spam: {}{} reported {} (ref {}; {} spam / {} ham reporters; {})", r.reporter(),
                admin ? " (admin)" : "", kind, fingerprintId, settled.tally().spamReporters(),
                settled.tally().hamReporters(), settled.state());
        return new ReportResult(fingerprintId, kind, counted, settled.tally().spamReporters(),
                settled.tally().hamReporters(),
                settled.state() == FingerprintState.BLOCKING && matchable(f.signature(), f.attachmentHashes()));
    }

    /** A report stored by {@link SpamStore#recordReport}, with what its consequences need. */
    record Recorded(String fingerprintId, ReportKind kind, String reporter, boolean admin, String sender,
            Instant at, String recallId, String claimedMessageId, String referenceId, long[] tokens) {

        SpamStore.Report asReport() {
            return new SpamStore.Report(fingerprintId, reporter, kind, admin, sender, at);
        }
    }

    /** Where a report's fingerprint settled. */
    private record Settled(SpamStore.Tally tally, FingerprintState state) {
    }

    /**
     * A recorded report's consequences, each safe to run again: the fingerprint's state written from the tally
     * (and the campaign recalled by the write that made it block), this node's copy updated, the message trained,
     * the automatic sender rule. Throws if the store fails.
     */
    private Settled complete(Recorded r) {
        String fingerprintId = r.fingerprintId();
        SpamStore.Tally tally = store.tally(fingerprintId);
        FingerprintState written = stateOf(tally);
        // Tally and state write are two steps: another node (or thread) may record a report in between and write
        // the state it calls for before this write lands, which would then put back a stale state (the third
        // reporter's BLOCKING overwritten by the second reporter's PENDING: the block lost on every node; second
        // multi-node audit). So read the tally again after writing and write again until they agree: the last
        // writer always ends with the state of every report recorded before its final read.
        boolean madeBlocking = false;
        boolean overwrote = false;
        for (int round = 0;; round++) {
            // setState is true only for the write that changed the stored state, on whichever node: that report,
            // and no other, recalls the campaign (a node's own memory may not have seen another node's block yet).
            // A write that only puts back what this report's stale write had just overwritten is no new block:
            // the node whose write it overwrote made the transition and recalled.
            boolean changed = store.setState(fingerprintId, written);
            if (changed) {
                madeBlocking = written == FingerprintState.BLOCKING && !overwrote;
            }
            SpamStore.Tally again = store.tally(fingerprintId);
            FingerprintState settled = stateOf(again);
            tally = again;
            if (settled == written || round == MAX_STATE_ROUNDS) {
                break;
            }
            overwrote = changed;
            written = settled;
        }
        FingerprintState state = written;
        Indexed old = fingerprints.get(fingerprintId);
        if (old == null) {
            // saved by another node and not refreshed here yet: take it now, so this node acts at once
            store.fingerprint(fingerprintId).ifPresent(sf -> index(sf.id(), toArray(sf.minHash()), sf.attachmentHashes(), state,
                    sf.generation()));
            rebuildBlocking();
        } else if (old.state() != state) {
            index(fingerprintId, old.signature(), old.attachmentHashes(), state, old.generation());
            rebuildBlocking();
        }
        // the recall is queued as soon as the block is stored, before the training and the automatic rule: a store
        // failure in those fails the report (503), and the retry would no longer be the report that made it block
        if (r.kind() == ReportKind.SPAM && madeBlocking && state == FingerprintState.BLOCKING && r.recallId() != null) {
            String reason = r.admin() ? "reported as spam by an administrator (" + r.reporter() + ")"
                    : "reported as spam by " + tally.spamReporters() + " users";
            try {
                blockedListener.blocked(r.recallId(), fingerprintId, reason, r.claimedMessageId());
            } catch (RuntimeException e) {
                LOG.warn("Spam: recalling the campaign of {} (ref {}) failed: {}", r.recallId(), fingerprintId,
                        e.toString());
            }
        }
        train(r.referenceId(), r.tokens(), r.kind(), r.admin());
        if (r.kind() == ReportKind.SPAM) {
            autoBlock(r.sender(), r.at());
        }
        return new Settled(tally, state);
    }

    /** Reports stored whose consequences failed; finished by {@link #refresh()}. */
    private final UnfinishedReports unfinished;

    private void unfinished(Recorded r, RuntimeException cause) {
        unfinished.add(r).ifPresent(this::droppedUnfinished);
        LOG.warn("Spam: the store failed before {}'s {} report (ref {}) took effect ({}); it is kept and takes effect "
                + "once the store answers", r.reporter(), r.kind(), r.fingerprintId(), cause.toString());
    }

    private void droppedUnfinished(Recorded dropped) {
        LOG.warn("Spam: more than {} reports wait for the database; the oldest ({} by {}, ref {}) takes effect with "
                + "the next report of that message", UnfinishedReports.MAX, dropped.kind(), dropped.reporter(),
                dropped.fingerprintId());
    }

    /** How many stored reports still wait for their consequences (the refresh thread finishes them). */
    int unfinishedReports() {
        return unfinished.size();
    }

    /**
     * Finishes the reports whose consequences the store failed, oldest first, until the store fails again (they
     * wait for the next refresh). Never throws, so the rest of the refresh runs whatever happens here; a report
     * that fails for another reason than the store is dropped with its error logged, never retried forever.
     */
    private void finishUnfinished() {
        while (true) {
            Optional<Recorded> next = unfinished.oldest();
            if (next.isEmpty()) {
                return;
            }
            Recorded r = next.get();
            Settled settled;
            try {
                store.recordReport(r.asReport()); // it may not have been stored (killed, or the store failed first)
                settled = complete(r);
            } catch (org.streamail.api.store.StoreException e) {
                return; // still down; the refresh's own store calls log it (at most once a minute)
            } catch (RuntimeException e) {
                LOG.error("Spam: {} reported {} (ref {}) cannot take effect and is dropped (send it again to retry)",
                        r.reporter(), r.kind(), r.fingerprintId(), e);
                settled = null;
            }
            unfinished.finished(r);
            if (settled == null) {
                continue;
            }
            LOG.info("Spam: {}{} reported {} (ref {}) took effect after its reporting call had failed or the node "
                    + "restarted ({} spam / {} ham reporters; {})", r.reporter(), r.admin() ? " (admin)" : "", r.kind(), r.fingerprintId(),
                    settled.tally().spamReporters(), settled.tally().hamReporters(), settled.state());
        }
    }

    /** Writes of a fingerprint's state after which a report stops re-reading the tally (it has settled long before). */
    private static final int MAX_STATE_ROUNDS = 5;

    /** The fingerprint a report counts for: the same message, else a near duplicate already reported, else new. */
    private String findOrCreateFingerprint(Reported f, Instant now) {
        if (fingerprints.containsKey(f.referenceId())) {
            // the same message again; if a race left its campaign two fingerprints, the oldest still counts
            String oldest = reportedBefore(f);
            return oldest != null ? oldest : f.referenceId();
        }
        Optional<SpamStore.Fingerprint> known = store.fingerprint(f.referenceId());
        if (known.isPresent()) {
            return known.get().id();
        }
        // Compare with every fingerprint in the store, not only those this node's last refresh saw: a near copy
        // reported on another node within the refresh interval would otherwise get a fingerprint of its own here,
        // and the reporters of one campaign would stay split between the two for good, neither reaching the
        // threshold (second multi-node audit). One query for the few fingerprints saved since.
        syncFingerprints();
        String near = reportedBefore(f);
        if (near != null) {
            return near;
        }
        if (fingerprints.containsKey(f.referenceId())) {
            return f.referenceId();
        }
        SpamStore.Fingerprint saved = store.saveFingerprint(new SpamStore.Fingerprint(f.referenceId(),
                toList(f.signature()), f.attachmentHashes(), FingerprintState.PENDING, now, 0));
        index(saved.id(), toArray(saved.minHash()), saved.attachmentHashes(), saved.state(), saved.generation());
        // Another node may have saved a near copy of the same campaign in the same moments (both compared before
        // either saved). Read what was saved since and count for the oldest of them: the store numbers saves in
        // commit order, and of two racing nodes at least the one that reads last sees both, so both end on the
        // older fingerprint, whose reporters then reach the threshold together (the open item of the second
        // multi-node audit: one campaign split between two fingerprints, neither blocking).
        syncFingerprints();
        String oldest = reportedBefore(f);
        return oldest != null ? oldest : saved.id();
    }

    /**
     * The fingerprint a report of this message counts for, among those in memory: of the near duplicates (similarity
     * at least {@code similarity.threshold}; without text, the same attachments), the oldest (lowest generation,
     * then id), so every node picks the same one even when a campaign has two; {@code null} when none.
     */
    private String reportedBefore(Reported f) {
        Indexed best = null;
        for (Indexed i : fingerprints.values()) {
            boolean near = f.signature().length > 0
                    ? i.signature().length > 0 && Fuzzy.similarity(f.signature(), i.signature()) >= settings.similarity()
                    : !f.attachmentHashes().isEmpty() && i.signature().length == 0
                            && i.attachmentHashes().equals(f.attachmentHashes());
            if (near && (best == null || i.generation() < best.generation()
                    || i.generation() == best.generation() && i.id().compareTo(best.id()) < 0)) {
                best = i;
            }
        }
        return best == null ? null : best.id();
    }

    /** The state the reports call for; a pure function of the tally, so every node agrees. */
    FingerprintState stateOf(SpamStore.Tally t) {
        if (t.latestAdminKind() == ReportKind.SPAM) {
            return FingerprintState.BLOCKING;
        }
        if (t.latestAdminKind() == ReportKind.HAM) {
            return FingerprintState.LIFTED;
        }
        if (t.hamReporters() >= settings.hamReportersToLift()) {
            return FingerprintState.LIFTED;
        }
        if (t.spamReporters() >= settings.reportersToBlock()) {
            return FingerprintState.BLOCKING;
        }
        return FingerprintState.PENDING;
    }

    /**
     * Trains the classifier once per message (its reference id). A message already trained one way is
     * re-trained the other way only by an administrator, so one user cannot undo what an admin taught.
     */
    private void train(String referenceId, long[] tokens, ReportKind kind, boolean admin) {
        Optional<ReportKind> before = store.trainedAs(referenceId);
        if (before.isPresent() && (before.get() == kind || !admin)) {
            return;
        }
        if (store.train(referenceId, kind, tokens)) {
            classifier.applyLocally(tokens, kind, before.orElse(null));
        }
    }

    /** Trains directly, bypassing fingerprints and reporters; for the accuracy bench. */
    void trainOnly(byte[] raw, ReportKind kind) {
        Features f = features(raw);
        train(f.referenceId(), f.tokens(), kind, true);
    }

    private void autoBlock(String sender, Instant now) {
        if (settings.autoBlockReporters() <= 0 || sender.isEmpty() || sender.indexOf('@') <= 0) {
            return;
        }
        String domain = sender.substring(sender.lastIndexOf('@') + 1);
        if (protectedDomain.test(domain)) {
            return; // never lock out our own domains; a compromised account is an incident, not a rule
        }
        if (rules.match(BlockRule.Type.SENDER, sender, now).isPresent()) {
            return;
        }
        int reporters = store.spamReportersOfSender(sender, now.minus(settings.autoBlockWindow()));
        if (reporters < settings.autoBlockReporters()) {
            return;
        }
        String value;
        try {
            value = BlockRules.normalize(BlockRule.Type.SENDER, sender);
        } catch (IllegalArgumentException e) {
            return; // an odd sender address cannot become a rule
        }
        BlockRule rule;
        try {
            rule = store.addRule(new BlockRule(UUID.randomUUID().toString(), BlockRule.Type.SENDER, value,
                    reporters + " users reported spam from this sender", "auto", now,
                    now.plus(settings.autoBlockExpiry()), BlockRule.Source.AUTO));
        } catch (IllegalArgumentException e) {
            // another node blocked this sender since this node last read the rules (the store refuses a second
            // active rule with the same type and value): the sender is blocked, which is what was wanted
            LOG.info("Spam: no automatic rule for sender {}: {}", value, e.getMessage());
            reloadRules();
            return;
        }
        LOG.info("Spam: automatic rule {} blocks sender {} until {}", rule.id(), value, rule.expiresAt());
        reloadRules();
    }

    private static String fromAddress(MimeText.Extracted ex) {
        String from = ex.header("From");
        int[] a = Tokenizer.address(from);
        return a == null ? "" : from.substring(a[0], a[1]).toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------------------------------ block list

    @Override
    public List<BlockRule> list() {
        return store.rules();
    }

    @Override
    public BlockRule add(BlockRule.Type type, String value, String reason, Instant expiresAt, String actor) {
        Objects.requireNonNull(type, "type");
        String v = BlockRules.normalize(type, value);
        Instant now = clock.instant();
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("the expiry " + expiresAt + " is not in the future");
        }
        if (expiresAt != null && expiresAt.isAfter(now.plus(MAX_RULE_LIFETIME))) {
            throw new IllegalArgumentException("the expiry " + expiresAt + " is more than "
                    + MAX_RULE_LIFETIME.toDays() + " days ahead; leave it out for a rule that never expires");
        }
        String why = reason == null ? "" : reason.strip();
        if (why.length() > 500 || why.codePoints().anyMatch(SpamEngine::hiddenCharacter)) {
            throw new IllegalArgumentException("the reason must be at most 500 characters without control, "
                    + "line-separator or invisible formatting characters (such as bidi overrides)");
        }
        if (actor == null || actor.isBlank()) {
            throw new IllegalArgumentException("the actor is required");
        }
        refuseSelfLockout(type, v, now);
        // a rule stored in the older IPv6 form holds other text than v, which the store's check cannot see
        Optional<BlockRule> twin = rules.sameValue(type, v, now);
        if (twin.isPresent()) {
            throw new IllegalArgumentException(type + " " + v + " is already blocked by rule " + twin.get().id());
        }
        // a second active rule with this type and value is refused by the store itself, under the lock every node's
        // rule writes take (IllegalArgumentException naming the rule there is): one check for one node and many
        BlockRule rule = store.addRule(new BlockRule(UUID.randomUUID().toString(), type, v, why, actor.strip(), now,
                expiresAt, BlockRule.Source.ADMIN));
        LOG.info("Spam: {} added block rule {} {} {}{}", actor, rule.id(), type, v,
                expiresAt == null ? "" : " until " + expiresAt);
        reloadRules();
        return rule;
    }

    /**
     * Characters a reason must not hold: it is printed in the shell, the workbench and SMTP replies, where a
     * control character, a line or paragraph separator or a bidi override (U+202E) would forge or reorder text.
     */
    static boolean hiddenCharacter(int c) {
        int t = Character.getType(c);
        return Character.isISOControl(c) || t == Character.FORMAT || t == Character.LINE_SEPARATOR
                || t == Character.PARAGRAPH_SEPARATOR || t == Character.SURROGATE || t == Character.UNASSIGNED;
    }

    /** The furthest expiry a rule may have (about 100 years); beyond that "never" is what is meant. */
    static final Duration MAX_RULE_LIFETIME = Duration.ofDays(36_500);

    /**
     * Rules that would cut the gateway off from its own side are refused: a client address or network that
     * is or covers loopback (local submission, the health checks, the workbench on the same host; unless
     * {@code block.allow.loopback}), a sender domain that is one of the protected domains (our own users' mail).
     */
    private void refuseSelfLockout(BlockRule.Type type, String v, Instant now) {
        if (type == BlockRule.Type.CLIENT_IP && !settings.allowLoopbackRules()) {
            BlockRules probe = new BlockRules(List.of(new BlockRule("probe", type, v, "", "probe", now, null,
                    BlockRule.Source.ADMIN)));
            byte[] network = BlockRules.ip(v.contains("/") ? v.substring(0, v.indexOf('/')) : v);
            boolean loopbackNetwork = false;
            try {
                loopbackNetwork = network != null && java.net.InetAddress.getByAddress(network).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                // a 4- or 16-byte array is always an address
            }
            for (String loopback : new String[] {"127.0.0.1", "::1"}) {
                if (loopbackNetwork || probe.match(type, loopback, now).isPresent()) {
                    throw new IllegalArgumentException(v + " is or covers a loopback address"
                            + ": the gateway's own local clients would be refused");
                }
            }
        }
        if (type == BlockRule.Type.SENDER_DOMAIN && protectedDomain.test(v)) {
            throw new IllegalArgumentException(v + " is a protected domain: blocking it would refuse our own users' mail");
        }
    }

    /**
     * Removes a rule by its id, or by the first 8 or more characters of it as SMTP replies show them
     * ({@code Refused by rule edd0e678}) when exactly one rule starts with them.
     */
    @Override
    public boolean remove(String id, String actor) {
        if (id == null || id.isBlank() || id.length() > 64) {
            return false;
        }
        String given = id.strip().toLowerCase(Locale.ROOT);
        String wanted = given;
        if (given.length() >= 8 && given.length() < 36) {
            List<String> starting = store.rules().stream().map(BlockRule::id).filter(r -> r.startsWith(given)).toList();
            if (starting.size() == 1) {
                wanted = starting.get(0);
            }
        }
        boolean removed = store.removeRule(wanted);
        if (removed) {
            LOG.info("Spam: {} removed block rule {}", actor, wanted);
            reloadRules();
        }
        return removed;
    }

    @Override
    public Optional<BlockRule> match(BlockRule.Type type, String value) {
        return rules.match(type, value, clock.instant());
    }

    private void reloadRules() {
        synchronized (refreshLock) {
            rulesGeneration = store.rulesGeneration();
            rules = new BlockRules(store.rules());
        }
    }

    // ------------------------------------------------------------------------------------------ status

    int blockingFingerprints() {
        return blocking.length;
    }

    int knownFingerprints() {
        return fingerprints.size();
    }

    Classifier classifier() {
        return classifier;
    }

    /** The logistic model, or {@code null} when another model is configured; for tests and the bench. */
    LogisticModel logistic() {
        return logistic;
    }
}
