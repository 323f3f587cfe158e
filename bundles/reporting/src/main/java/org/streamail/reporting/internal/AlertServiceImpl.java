package org.streamail.reporting.internal;

import java.io.ByteArrayInputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.store.Directory;
import org.streamail.api.store.SharedState;

/**
 * The alert service (PID {@code org.streamail.reporting}): validates, escalates, stores, then notifies.
 *
 * <p>Escalation: the number of alerts of the same kind about the same subject created within
 * {@code escalation.window} is read from the {@link AlertStore} (shared by every node); the n-th is raised
 * n-1 severities above the requested one, capped at CRITICAL. Two alerts raised at the same instant on two
 * threads or nodes may both see the same count; escalation is advisory, so that is accepted rather than
 * serialised through the database.
 *
 * <p>Notification happens after the alert is stored, on a small bounded executor (two threads, a queue of
 * {@code notify.queue.size}): a mail through the gateway's own {@link MessageIntake} (envelope from
 * 127.0.0.1, HELO {@code streamail-alerts}) to {@code admin.address} for alerts at or above
 * {@code notify.min.severity}, and a mail to the alert's recipient when {@code notify.recipients}; a POST to
 * {@code webhook.url} goes through a queue of its own (one thread, {@code notify.queue.size}), so a slow or dead hook
 * never delays the mail. Every failure is logged; {@link #raise} only throws when the alert cannot be stored.
 *
 * <p>Folding ({@code notify.fold.window}, {@link NotificationFolder}): mail to one address about one kind and
 * subject is sent for the first alert and for escalations; the other repeats within the window are stored and
 * posted to the webhook as usual but mailed as one digest when the window closes. The decision is taken in
 * {@link #raise} (so folded alerts take no place in the notification queue); digests are sent by one daemon
 * thread, {@code streamail-alert-digest}, that looks for closed windows every second. With the store's
 * {@link SharedState} (optional, dynamic) the windows are shared by every node on the database ({@link SharedFolds}):
 * one first mail and one digest per key for the whole gateway. Without it, or while the store fails, each node folds
 * on its own ({@link NotificationFolder}), so no mail is lost for want of the store.
 *
 * <p>Lifecycle: active while an {@link AlertStore} is registered; {@link MessageIntake} and
 * {@link Directory} are optional and dynamic. A configuration change re-creates the component;
 * deactivation stops the digest thread, waits briefly for queued notifications, then sends the pending
 * digests (best effort, at most a few seconds). Threading: thread-safe.
 */
@Component(service = AlertService.class, configurationPid = ReportingConfig.PID, immediate = true)
@Designate(ocd = ReportingConfig.class)
public final class AlertServiceImpl implements AlertService {

    static final String HELO = "streamail-alerts";
    static final String LOCAL_PART = "streamail-alerts";
    static final int MAX_SUBJECT = 512;
    static final int MAX_DETAIL = 20_000;
    static final int MAX_MESSAGE_ID = 256;
    /** Open fold windows at most (one per address, kind and subject). */
    static final int MAX_FOLD_KEYS = 10_000;
    static final Duration MAX_FOLD_WINDOW = Duration.ofDays(1);
    static final String DIGEST_THREAD = "streamail-alert-digest";
    /** How long deactivation spends sending pending digests at most. */
    private static final long FLUSH_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Logger LOG = LoggerFactory.getLogger(AlertServiceImpl.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final AlertStore store;
    private final Duration window;
    private final Severity notifyMin;
    private final String adminAddress;
    private final boolean notifyRecipients;
    private final String fromAddress;
    private final AlertWebhook webhook;
    private final Clock clock;
    private final Executor executor;
    private final ThreadPoolExecutor ownExecutor;
    /**
     * Where webhook posts run: apart from the mail, so a hook that is down or slow (up to
     * {@code webhook.timeout.seconds} per alert) never holds back alert mail. {@code null} without a webhook.
     */
    private final Executor webhookExecutor;
    private final ThreadPoolExecutor ownWebhookExecutor;
    private final Duration foldWindow;
    /** {@code null} when folding is off ({@code PT0S}) or no mail is ever sent. */
    private final NotificationFolder folder;
    /** The windows shared across nodes; {@code null} exactly when {@link #folder} is. */
    private final SharedFolds sharedFolds;
    /** When the last WARN said this node folds on its own because the shared records failed (at most one a minute). */
    private final java.util.concurrent.atomic.AtomicLong lastUnsharedWarning = new java.util.concurrent.atomic.AtomicLong(
            Long.MIN_VALUE);
    /** Sends the digests of closed windows; {@code null} in tests that call {@link #sendDueDigests} themselves. */
    private final ScheduledExecutorService digestThread;
    private final AtomicBoolean warnedNoIntake = new AtomicBoolean();
    /** Waits before mails refused for now are queued again; {@code null} when no mail is ever sent. */
    private final ScheduledExecutorService retryTimer;
    /** Mails waiting in {@link #retryTimer}, at most {@code notify.queue.size}. */
    private final AtomicInteger waitingRetries = new AtomicInteger();
    private final int retryBound;
    private final AtomicBoolean warnedNoFrom = new AtomicBoolean();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile MessageIntake intake;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Directory directory;

    /**
     * The store's shared records (store-jdbc): with it, mail folding is decided with the other nodes on the database;
     * without it each node folds on its own.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile SharedState sharedState;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse or is out of range (DS
     *                                  logs it; the component stays inactive until the configuration is fixed)
     */
    @Activate
    public AlertServiceImpl(ReportingConfig config, Map<String, Object> properties,
            @Reference(name = "store") AlertStore store) {
        this(checked(config, properties), store, Clock.systemUTC(), null, Duration.ofSeconds(1), MAX_FOLD_KEYS);
    }

    /**
     * Checks the raw properties before any config method is read (DS would read {@code notify.recipients = yes}
     * as false, and fail on {@code notify.queue.size = 1k} without naming it) and logs each key nothing reads
     * (a probable typo). Returns {@code config}.
     */
    static ReportingConfig checked(ReportingConfig config, Map<String, Object> properties) {
        checkProperties(properties);
        return config;
    }

    /**
     * The check of {@link #checked}; returns the keys nothing reads.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(ReportingConfig.PID, ReportingConfig.class, properties);
        unknown.forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", ReportingConfig.PID, k));
        return unknown;
    }

    /** For tests: no digest thread; digests are sent by {@link #sendDueDigests} and {@link #deactivate}. */
    AlertServiceImpl(ReportingConfig config, AlertStore store, Clock clock, Executor executor) {
        this(config, store, clock, executor, null, MAX_FOLD_KEYS);
    }

    /**
     * @param executor    where notifications run; {@code null}: a private bounded pool
     * @param digestTick  how often the digest thread looks for closed fold windows; {@code null}: no thread
     * @param maxFoldKeys open fold windows at most
     */
    AlertServiceImpl(ReportingConfig config, AlertStore store, Clock clock, Executor executor, Duration digestTick,
            int maxFoldKeys) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = duration("escalation.window", config.escalation_window());
        this.notifyMin = severity(config.notify_min_severity());
        String admin = config.admin_address() == null ? "" : config.admin_address().strip();
        if (!admin.isEmpty() && !Texts.isAddress(admin)) {
            throw new IllegalArgumentException("admin.address must be one plain address such as "
                    + "secops@example.org, got '" + Texts.oneLine(admin, 100) + "'");
        }
        this.adminAddress = admin;
        this.notifyRecipients = config.notify_recipients();
        String from = config.from_address() == null ? "" : config.from_address().strip();
        if (!from.isEmpty() && !Texts.isAddress(from)) {
            throw new IllegalArgumentException("from.address must be one plain address, got '"
                    + Texts.oneLine(from, 100) + "'");
        }
        this.fromAddress = from;
        this.webhook = AlertWebhook.from(config.webhook_url(), config.webhook_secret_file(),
                config.webhook_timeout_seconds());
        int queue = config.notify_queue_size();
        if (queue < 1 || queue > 100_000) {
            throw new IllegalArgumentException("notify.queue.size must be 1..100000, got " + queue);
        }
        this.foldWindow = foldWindow(config.notify_fold_window());
        boolean mails = !adminAddress.isEmpty() || notifyRecipients;
        this.folder = foldWindow.isZero() || !mails ? null : new NotificationFolder(foldWindow, maxFoldKeys, clock);
        this.sharedFolds = folder == null ? null : new SharedFolds(foldWindow, maxFoldKeys, maxFoldKeys, clock);
        if (executor == null) {
            AtomicInteger n = new AtomicInteger();
            ownExecutor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
                Thread t = new Thread(r, "streamail-alert-notify-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            ownExecutor.allowCoreThreadTimeOut(true);
            this.executor = ownExecutor;
        } else {
            ownExecutor = null;
            this.executor = executor;
        }
        if (webhook == null) {
            ownWebhookExecutor = null;
            webhookExecutor = null;
        } else if (executor == null) {
            ownWebhookExecutor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue),
                    r -> {
                        Thread t = new Thread(r, "streamail-alert-webhook");
                        t.setDaemon(true);
                        return t;
                    });
            ownWebhookExecutor.allowCoreThreadTimeOut(true);
            webhookExecutor = ownWebhookExecutor;
        } else {
            ownWebhookExecutor = null;
            webhookExecutor = executor;
        }
        if (folder != null && digestTick != null) {
            digestThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, DIGEST_THREAD);
                t.setDaemon(true);
                return t;
            });
            long tick = Math.max(1, digestTick.toMillis());
            digestThread.scheduleWithFixedDelay(this::digestTick, tick, tick, TimeUnit.MILLISECONDS);
        } else {
            digestThread = null;
        }
        if (mails) {
            retryTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-alert-retry");
                t.setDaemon(true);
                return t;
            });
        } else {
            retryTimer = null;
        }
        retryBound = queue;
        if (adminAddress.isEmpty()) {
            LOG.info("Alerts: admin.address is empty (PID {}): alerts are stored{} but no admin mail is sent",
                    ReportingConfig.PID, webhook == null ? "" : " and sent to the webhook");
        }
        if (webhook != null && !webhook.signed()) {
            LOG.warn("Alerts: webhook {} is not signed: set webhook.secret.file", webhook);
        }
        LOG.info("Alerts active: escalation window {}, admin mail at {}+ to {}, user mail {}, mail folding {}, "
                + "webhook {}", window, notifyMin, adminAddress.isEmpty() ? "nobody" : adminAddress,
                notifyRecipients ? "on" : "off", folder == null ? "off" : foldWindow, webhook == null ? "none" : webhook);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (digestThread != null) {
            // shutdown() cancels the periodic tick; a tick already sending digests finishes them.
            digestThread.shutdown();
            if (!digestThread.awaitTermination(5, TimeUnit.SECONDS)) {
                digestThread.shutdownNow();
            }
        }
        if (ownWebhookExecutor != null) {
            ownWebhookExecutor.shutdown(); // waited for below, while the mail drains
        }
        if (retryTimer != null) {
            int dropped = retryTimer.shutdownNow().size();
            if (dropped > 0) {
                LOG.warn("Alerts: {} mails waiting to be tried again were dropped at shutdown; their alerts are in the "
                        + "alert list", dropped);
            }
        }
        if (ownExecutor != null) {
            ownExecutor.shutdown();
            if (!ownExecutor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("Alerts: {} notifications still queued at shutdown were dropped",
                        ownExecutor.shutdownNow().size());
            }
        }
        if (ownWebhookExecutor != null && !ownWebhookExecutor.awaitTermination(1, TimeUnit.SECONDS)) {
            LOG.warn("Alerts: {} webhook posts still queued at shutdown were dropped",
                    ownWebhookExecutor.shutdownNow().size());
        }
        flushDigests();
    }

    /** Sends the digests of every open window now (after the queued first mails), within a time budget. */
    private void flushDigests() {
        if (folder == null) {
            return;
        }
        List<NotificationFolder.Digest> pending = new ArrayList<>(folder.takeAll());
        SharedState shared = sharedState;
        if (shared != null) {
            // Closes this node's shared windows now, as a node alone would: a node that stops for good would else
            // leave their digests to the next alert of each key. The other nodes then open new windows.
            SharedFolds.Claimed c = sharedFolds.takeDue(shared, true);
            pending.addAll(c.digests());
            if (c.failed() > 0) {
                LOG.warn("Alerts: {} shared fold windows could not be closed at shutdown (the store failed); another "
                        + "node or the next alert of their key sends their digests", c.failed());
            }
        }
        long deadline = System.nanoTime() + FLUSH_BUDGET_NANOS;
        int sent = 0;
        for (NotificationFolder.Digest d : pending) {
            if (System.nanoTime() - deadline > 0) {
                break;
            }
            runAll(List.of(digestJob(d))); // an Error is logged; the pool is shut down, so it is not tried again
            sent++;
        }
        if (sent < pending.size()) {
            LOG.warn("Alerts: {} digests of folded alerts were not mailed at shutdown (out of time); the alerts "
                    + "are in the alert list", pending.size() - sent);
        } else if (sent > 0) {
            LOG.info("Alerts: sent {} pending digests of folded alerts at shutdown", sent);
        }
    }

    @Override
    public Alert raise(AlertRequest request) {
        return raise(request, newId(), false);
    }

    /**
     * Stored under an id derived from the key (the first 12 bytes of its SHA-256, base64url: 16 characters like
     * the random ids), so the store, which keeps one row per id, decides: when that id is already stored (another
     * node raised it first, even at the same moment), nothing is stored or mailed and the answer is empty. Used by
     * the campaign recall's warnings (second multi-node audit: a user warned twice by two nodes recalling at once).
     * When the notification queue is full, its mail is sent on the calling thread rather than dropped: a recall
     * raises one warning per user back to back, faster than mail goes out, and a warning stored is never raised
     * again, so a dropped mail would leave that user unwarned for good.
     */
    @Override
    public Optional<Alert> raiseOnce(AlertRequest request, String key) {
        Objects.requireNonNull(request, "request");
        if (key == null || key.isBlank() || key.length() > MAX_KEY) {
            throw new IllegalArgumentException("an alert key must be 1.." + MAX_KEY + " characters");
        }
        String id = idOf(key);
        if (store.get(id).isPresent()) {
            return Optional.empty();
        }
        try {
            return Optional.of(raise(request, id, true));
        } catch (RuntimeException e) {
            if (store.get(id).isPresent()) {
                return Optional.empty(); // another node stored it between the look and the insert
            }
            throw e;
        }
    }

    /** The longest key {@link #raiseOnce} takes (hashed, so only a bound on work). */
    static final int MAX_KEY = 1 << 20;

    /** The alert id a key stands for. */
    static String idOf(String key) {
        try {
            byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(sha, 12));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /** @param callerRunsWhenFull send the mail on this thread when the notification queue is full */
    private Alert raise(AlertRequest request, String id, boolean callerRunsWhenFull) {
        Objects.requireNonNull(request, "request");
        if (!KIND.matcher(request.kind()).matches()) {
            throw new IllegalArgumentException("alert kind must be a lower-case token such as click-blocked, got '"
                    + Texts.oneLine(request.kind(), 80) + "'");
        }
        String subject = request.subject().strip();
        if (subject.length() > MAX_SUBJECT || subject.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("alert subject must be one line of at most " + MAX_SUBJECT + " characters");
        }
        if (request.messageId().length() > MAX_MESSAGE_ID || request.recipient().length() > 320) {
            throw new IllegalArgumentException("alert messageId or recipient is too long");
        }
        Instant now = clock.instant();
        int before = store.count(request.kind(), subject, now.minus(window));
        Severity severity = escalate(request.severity(), before);
        String detail = request.detail().length() > MAX_DETAIL ? request.detail().substring(0, MAX_DETAIL)
                : request.detail();
        Alert alert = new Alert(id, now, severity, request.kind(), subject,
                Texts.oneLine(request.messageId(), MAX_MESSAGE_ID), Texts.oneLine(request.recipient(), 320),
                Texts.oneLine(request.title(), NotificationMail.MAX_TITLE), detail, before + 1);
        store.add(alert);
        LOG.info("Alert {} {} {} about {} (occurrence {}): {}", alert.id(), alert.severity(), alert.kind(),
                alert.subject(), alert.occurrences(), alert.title());
        List<Job> jobs = plan(alert);
        if (!jobs.isEmpty()) {
            try {
                executor.execute(() -> runAll(jobs));
            } catch (RejectedExecutionException e) {
                if (callerRunsWhenFull && (ownExecutor == null || !ownExecutor.isShutdown())) {
                    LOG.debug("Alerts: notification queue full; alert {} is mailed by its caller", alert.id());
                    runAll(jobs);
                } else {
                    LOG.warn("Alerts: notification queue full or shut down; alert {} is stored but not mailed",
                            alert.id());
                }
            }
        }
        if (webhookExecutor != null) {
            try {
                webhookExecutor.execute(() -> post(alert));
            } catch (RejectedExecutionException e) {
                LOG.warn("Alerts: webhook queue full or shut down; alert {} is stored but not posted", alert.id());
            }
        }
        return alert;
    }

    /** {@code base} raised once per earlier occurrence, capped at CRITICAL (the loop stops there). */
    static Severity escalate(Severity base, int earlier) {
        Severity s = base;
        for (int i = 0; i < earlier && s != Severity.CRITICAL; i++) {
            s = s.raised();
        }
        return s;
    }

    /** 16 URL-safe characters from 96 random bits. */
    static String newId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    // ------------------------------------- notification (planned on the raising thread, sent on the executor)

    /**
     * What to send for {@code alert}, decided on the raising thread so that folded mail never takes a place in
     * the notification queue: admin and user mail (each possibly folded, possibly preceded by the digest of a
     * window that has just closed). The webhook post is queued apart ({@link #webhookExecutor}).
     */
    private List<Job> plan(Alert alert) {
        List<Job> jobs = new ArrayList<>(4);
        boolean adminMailedNow = false;
        if (!adminAddress.isEmpty() && alert.severity().compareTo(notifyMin) >= 0) {
            adminMailedNow = planMail(jobs, alert, adminAddress, false);
        }
        if (notifyRecipients && !alert.recipient().isEmpty()) {
            if (Texts.isAddress(alert.recipient())) {
                // The admin address as the recipient: one mail, the admin one, when it goes out now. Not when it is
                // below notify.min.severity or folded (into a digest quoting another user's warning): the warning
                // never reached that mailbox then.
                if (!alert.recipient().equalsIgnoreCase(adminAddress) || !adminMailedNow) {
                    planMail(jobs, alert, alert.recipient(), true);
                }
            } else {
                LOG.warn("Alerts: alert {} names recipient '{}', which is not a plain address; not mailed", alert.id(),
                        Texts.oneLine(alert.recipient(), 100));
            }
        }
        return jobs;
    }

    /** Returns whether the alert's own mail goes out now (not folded). */
    private boolean planMail(List<Job> jobs, Alert alert, String to, boolean toUser) {
        NotificationFolder.Decision d = folder == null ? NotificationFolder.Decision.MAIL : decide(to, toUser, alert);
        if (d.closed() != null) {
            jobs.add(digestJob(d.closed()));
        }
        if (d.mailNow()) {
            jobs.add(new Job("the mail of alert " + alert.id() + " to " + to, () -> mail(alert, to, toUser), 1));
        } else {
            LOG.debug("Alerts: mail of alert {} to {} folded into the next digest", alert.id(), to);
        }
        return d.mailNow();
    }

    /**
     * The fold decision: shared with the other nodes when {@link SharedState} is there and answers, else this node's
     * own (as a node alone decides: the first alert of a key it has not seen is mailed). A store failure therefore
     * never costs a mail; at worst an administrator gets one mail more.
     */
    private NotificationFolder.Decision decide(String to, boolean toUser, Alert alert) {
        SharedState shared = sharedState;
        if (shared != null) {
            try {
                NotificationFolder.Decision d = sharedFolds.offer(shared, to, toUser, alert);
                if (d != null) {
                    return d;
                }
            } catch (RuntimeException e) {
                warnUnshared(e);
            }
        }
        return folder.offer(to, toUser, alert);
    }

    private void warnUnshared(RuntimeException e) {
        long now = System.nanoTime();
        long last = lastUnsharedWarning.get();
        if ((last == Long.MIN_VALUE || now - last >= TimeUnit.MINUTES.toNanos(1))
                && lastUnsharedWarning.compareAndSet(last, now)) {
            LOG.warn("Alerts: the shared fold records are unavailable ({}): this node folds alert mail on its own for "
                    + "now (other nodes may mail the same key)", e.toString());
        }
    }

    /** Attempts in all of a mail the intake refuses for now (451) or that finds no intake; see {@link #retryDelay}. */
    static final int MAX_TEMPORARY_ATTEMPTS = 6;
    /** The wait before the second attempt of a mail refused for now; doubled before each later one. */
    volatile Duration retryDelay = Duration.ofSeconds(30);

    /** Mails tried at most this many times when an {@link Error} interrupts them (a failure otherwise is final). */
    static final int MAX_MAIL_ATTEMPTS = 3;

    /**
     * One mail to send (an alert's or a digest), with the attempt it is at.
     *
     * @param what names the alert (or digest) and the address, for the log
     */
    private record Job(String what, Runnable send, int attempt, int temporaryAttempt) {
        Job(String what, Runnable send, int attempt) {
            this(what, send, attempt, 1);
        }
    }

    /**
     * The intake refused a mail for now (451: the pipeline unavailable, the spool failing; nothing was kept) or there
     * is no intake yet: the mail is tried again later ({@link #later}), not given up like a final refusal.
     */
    private static final class RefusedForNow extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RefusedForNow(String message) {
            super(message, null, false, false);
        }
    }

    private Job digestJob(NotificationFolder.Digest d) {
        return new Job("the digest of " + d.count() + " alerts (first " + d.listed().get(0).id() + ") to " + d.to(),
                () -> sendDigest(d), 1);
    }

    /**
     * Sends the mails in turn. A {@link RuntimeException} is logged and that mail given up, as before (the intake
     * said no, or the message could not be built: trying again would say the same). An {@link Error} (a
     * {@code NoClassDefFoundError} during a bundle refresh, a {@code ServiceConfigurationError}, a
     * {@code StackOverflowError} or an {@code OutOfMemoryError}) used to end this loop and the worker's task, so the
     * mail in hand and the ones after it were lost for good (audit): now it is logged with its stack trace and that
     * mail queued again, up to {@link #MAX_MAIL_ATTEMPTS} in all, and the loop goes on. A
     * {@link VirtualMachineError} is not swallowed: the mail in hand and the ones not yet tried are queued first,
     * then it is rethrown (the pool replaces its worker thread; the digest thread catches it, see
     * {@link #digestTick}).
     */
    private void runAll(List<Job> jobs) {
        List<Job> again = new ArrayList<>(0);
        try {
            for (int i = 0; i < jobs.size(); i++) {
                Job job = jobs.get(i);
                try {
                    job.send().run();
                } catch (RefusedForNow e) {
                    later(job, e);
                } catch (RuntimeException e) {
                    LOG.warn("Alerts: {} failed: {}", job.what(), e.toString());
                } catch (VirtualMachineError e) {
                    LOG.error("Alerts: {} failed (attempt {} of {}): {}; it and the {} mail(s) after it are queued "
                            + "again", job.what(), job.attempt(), MAX_MAIL_ATTEMPTS, e, jobs.size() - i - 1, e);
                    retryLater(again, job);
                    again.addAll(jobs.subList(i + 1, jobs.size()));
                    throw e;
                } catch (Error e) {
                    LOG.error("Alerts: {} failed (attempt {} of {}): {}", job.what(), job.attempt(), MAX_MAIL_ATTEMPTS,
                            e, e);
                    retryLater(again, job);
                }
            }
        } finally {
            if (!again.isEmpty()) {
                requeue(again);
            }
        }
    }

    private static void retryLater(List<Job> again, Job job) {
        if (job.attempt() < MAX_MAIL_ATTEMPTS) {
            again.add(new Job(job.what(), job.send(), job.attempt() + 1));
        } else {
            LOG.error("Alerts: {} is given up after {} attempts; the alert stays in the alert list (streamail:alerts, "
                    + "GET /alerts)", job.what(), MAX_MAIL_ATTEMPTS);
        }
    }

    /**
     * Queues a mail refused for now again after {@link #retryDelay}, doubled at each attempt, up to
     * {@link #MAX_TEMPORARY_ATTEMPTS} in all. Before, a 451 from the intake (a mandatory detector missing during a
     * bundle update) or a missing intake lost the mail for good: a campaign's warning, raised once, never reached its
     * user.
     */
    private void later(Job job, RefusedForNow why) {
        if (job.temporaryAttempt() >= MAX_TEMPORARY_ATTEMPTS) {
            LOG.error("Alerts: {} is given up after {} attempts ({}); the alert stays in the alert list "
                    + "(streamail:alerts, GET /alerts)", job.what(), MAX_TEMPORARY_ATTEMPTS, why.getMessage());
            return;
        }
        if (retryTimer == null || waitingRetries.incrementAndGet() > retryBound) {
            if (retryTimer != null) {
                waitingRetries.decrementAndGet();
            }
            LOG.error("Alerts: {} was refused for now ({}) and cannot wait to be tried again (too many waiting); the "
                    + "alert stays in the alert list", job.what(), why.getMessage());
            return;
        }
        Job next = new Job(job.what(), job.send(), job.attempt(), job.temporaryAttempt() + 1);
        long delay = retryDelay.toMillis() << Math.min(job.temporaryAttempt() - 1, 16);
        try {
            retryTimer.schedule(() -> {
                waitingRetries.decrementAndGet();
                requeue(List.of(next));
            }, delay, TimeUnit.MILLISECONDS);
            LOG.warn("Alerts: {} was refused for now ({}); attempt {} of {} in {} ms", job.what(), why.getMessage(),
                    next.temporaryAttempt(), MAX_TEMPORARY_ATTEMPTS, delay);
        } catch (RejectedExecutionException e) {
            waitingRetries.decrementAndGet();
            LOG.error("Alerts: {} was refused for now ({}) and is not tried again (shutting down); the alert stays in "
                    + "the alert list", job.what(), why.getMessage());
        }
    }

    /** Puts mails interrupted by an Error at the back of the notification queue. */
    private void requeue(List<Job> jobs) {
        try {
            executor.execute(() -> runAll(jobs));
        } catch (RejectedExecutionException e) {
            for (Job job : jobs) {
                LOG.error("Alerts: {} could not be queued again (queue full or shut down) and is not sent; the alert "
                        + "stays in the alert list (streamail:alerts, GET /alerts)", job.what());
            }
        }
    }

    /** The SMTP AUTH identity alert mail is submitted under. */
    static final String SUBMITTER = "streamail-alerts";

    private void mail(Alert alert, String to, boolean toUser) {
        Instant now = clock.instant();
        String from = sender();
        submit(from, to, now, NotificationMail.build(alert, from, to, toUser, now, newId()), "alert " + alert.id());
    }

    /**
     * The digest thread's periodic task: it must not throw, or the executor would stop running it for good (and
     * no digest would be sent again until the component is re-created). An Error, a {@link VirtualMachineError}
     * included, is logged and the next tick runs as usual; the digests it interrupted were queued again by
     * {@link #runAll}.
     */
    private void digestTick() {
        org.streamail.api.service.Periodic.guarded(this::sendDueDigests, e -> {
            if (e instanceof Error) {
                LOG.error("Alerts: the digest thread caught {}; it goes on at the next tick", e.toString(), e);
            } else {
                LOG.warn("Alerts: sending digests failed: {}", e.toString());
            }
        }).run();
    }

    /** Sends the digests of the fold windows that have closed; returns how many. Called by the digest thread. */
    int sendDueDigests() {
        if (folder == null) {
            return 0;
        }
        List<NotificationFolder.Digest> due = new ArrayList<>(folder.takeDue());
        SharedState shared = sharedState;
        if (shared != null) {
            SharedFolds.Claimed c = sharedFolds.takeDue(shared, false);
            due.addAll(c.digests());
            if (c.failed() > 0) {
                warnUnshared(new IllegalStateException(c.failed() + " closed windows not claimed yet (tried again at "
                        + "the next tick)"));
            }
        }
        List<Job> jobs = new ArrayList<>(due.size());
        due.forEach(d -> jobs.add(digestJob(d)));
        runAll(jobs);
        return due.size();
    }

    private void sendDigest(NotificationFolder.Digest d) {
        String what = "digest of " + d.count() + " alerts (first " + d.listed().get(0).id() + ")";
        try {
            Instant now = clock.instant();
            String from = sender();
            submit(from, d.to(), now, NotificationMail.buildDigest(d, from, now, newId()), what);
        } catch (RefusedForNow e) {
            throw e; // tried again later
        } catch (RuntimeException e) {
            LOG.warn("Alerts: mailing the {} to {} failed: {}", what, d.to(), e.toString());
        }
    }

    /** Hands one built message to the gateway's intake. */
    private void submit(String from, String to, Instant now, byte[] raw, String what) {
        MessageIntake in = intake;
        if (in == null) {
            if (warnedNoIntake.compareAndSet(false, true)) {
                LOG.warn("Alerts: no MessageIntake service (the core) is available: alert mail waits for it (a few "
                        + "attempts)");
            }
            throw new RefusedForNow("no MessageIntake service");
        }
        // Submitted by the gateway's own alerting service: authenticated as such, so the detectors do not take
        // a protected-domain sender arriving unauthenticated for spoofing. The message is still scanned.
        Envelope envelope = new Envelope(from, List.of(to), "127.0.0.1", HELO, false, now, direction(to),
                SUBMITTER);
        try {
            IntakeResult r = in.receive(envelope, new ByteArrayInputStream(raw));
            if (r.outcome() == IntakeResult.Outcome.TEMPORARY_FAILURE) {
                throw new RefusedForNow(r.reply().code() + " " + r.reply().text());
            }
            if (r.outcome() != IntakeResult.Outcome.ACCEPTED) {
                LOG.warn("Alerts: mail for {} to {} was not accepted: {} {}", what, to, r.reply().code(),
                        r.reply().text());
            } else {
                LOG.debug("Alerts: mail for {} to {} queued as {}", what, to, r.id());
            }
        } catch (java.io.IOException e) {
            LOG.warn("Alerts: mail for {} to {} failed: {}", what, to, e.toString());
        }
    }

    private void post(Alert alert) {
        try {
            int status = webhook.post(AlertJson.of(alert));
            if (status < 200 || status >= 300) {
                LOG.warn("Alerts: webhook {} answered {} for alert {}", webhook, status, alert.id());
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("Alerts: webhook {} failed for alert {}: {}", webhook, alert.id(), e.toString());
        } catch (VirtualMachineError e) {
            LOG.error("Alerts: webhook {} failed for alert {}: {}", webhook, alert.id(), e.toString(), e);
            throw e; // the pool replaces its thread; posts are not retried (see the README)
        } catch (Error e) {
            LOG.error("Alerts: webhook {} failed for alert {}: {}", webhook, alert.id(), e.toString(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** from.address, else streamail-alerts@ the first protected domain (sorted, so every node agrees). */
    String sender() {
        if (!fromAddress.isEmpty()) {
            return fromAddress;
        }
        Directory d = directory;
        if (d != null) {
            try {
                Optional<String> own = d.ownAddress(LOCAL_PART);
                if (own.isPresent()) {
                    return own.get();
                }
            } catch (RuntimeException e) {
                LOG.debug("Alerts: directory domains unavailable: {}", e.toString());
            }
        }
        if (warnedNoFrom.compareAndSet(false, true)) {
            LOG.warn("Alerts: no protected domain known and from.address is empty; alert mail comes from {}@localhost",
                    LOCAL_PART);
        }
        return LOCAL_PART + "@localhost";
    }

    /** Inbound when the recipient is in a protected domain (the gateway delivers it), else outbound. */
    private Direction direction(String to) {
        Directory d = directory;
        String domain = to.substring(to.lastIndexOf('@') + 1);
        try {
            return d != null && !d.isProtectedDomain(domain) ? Direction.OUTBOUND : Direction.INBOUND;
        } catch (RuntimeException e) {
            return Direction.INBOUND;
        }
    }

    private static Duration duration(String property, String value) {
        try {
            Duration d = Duration.parse(value == null ? "" : value.strip());
            if (d.isNegative() || d.isZero() || d.compareTo(Duration.ofDays(366)) > 0) {
                throw new IllegalArgumentException(property + " must be a positive ISO-8601 duration up to P366D, got "
                        + value);
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(property + " must be an ISO-8601 duration such as PT24H, got '"
                    + value + "'");
        }
    }

    /** {@code notify.fold.window}: zero (folding off) up to {@link #MAX_FOLD_WINDOW}. */
    static Duration foldWindow(String value) {
        Duration d;
        try {
            d = Duration.parse(value == null ? "" : value.strip());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("notify.fold.window must be an ISO-8601 duration such as PT15M (PT0S: "
                    + "no folding), got '" + Texts.oneLine(value, 80) + "'");
        }
        if (d.isNegative() || d.compareTo(MAX_FOLD_WINDOW) > 0) {
            throw new IllegalArgumentException("notify.fold.window must be between PT0S (no folding) and P1D, got "
                    + Texts.oneLine(value, 80));
        }
        return d;
    }

    private static Severity severity(String value) {
        try {
            return Severity.valueOf(value == null ? "" : value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("notify.min.severity must be INFO, LOW, MEDIUM, HIGH or CRITICAL, got '"
                    + value + "'");
        }
    }
}
