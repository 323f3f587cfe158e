package org.streamail.retention.internal;


import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.delivery.MessageTransformer;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.retention.Extension;
import org.streamail.api.retention.PolicySummary;
import org.streamail.api.retention.RetentionAuditStore;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.retention.SweepReport;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/**
 * The retention service (PID {@code org.streamail.retention}): policy, scheduled and requested sweeps,
 * recipient extensions, and the stamping function for the gateway's delivery hook.
 *
 * <p>Lifecycle: active while an audit store is registered (no action without an audit trail). A
 * configuration change re-creates the component. The signing key is resolved at activation (configured,
 * or generated once into a 0600 file). Scheduled sweeps run on one daemon thread every
 * {@code sweep.interval}; deactivation stops it and waits briefly for a running sweep.
 *
 * <p>Threading: thread-safe. Sweeps and extensions are serialised by one lock; a requested sweep waits
 * up to {@link #LOCK_WAIT} for a running one, a scheduled sweep skips its turn instead.
 */
@Component(service = {RetentionService.class, MessageTransformer.class}, configurationPid = RetentionConfig.PID, immediate = true)
@Designate(ocd = RetentionConfig.class)
public final class RetentionComponent implements RetentionService, MessageTransformer {

    static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(RetentionComponent.class);

    private final Policy policy;
    private final ImapSettings imap;
    private final Signer signer;
    private final RetentionAuditStore audit;
    private final Directory directory;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final ScheduledExecutorService scheduler;
    private volatile SweepReport lastSweep;
    private volatile boolean warnedUnconfigured;

    @Activate
    public RetentionComponent(RetentionConfig config, Map<String, Object> properties,
            @Reference RetentionAuditStore audit,
            @Reference(cardinality = ReferenceCardinality.OPTIONAL, policyOption = ReferencePolicyOption.GREEDY)
            Directory directory) {
        this(checked(config, properties), audit, directory, Clock.systemUTC(), keyFile(config), true);
    }

    /**
     * Checks the raw properties before any config method is read (DS would read {@code dry.run = yes} as false
     * and delete for real) and logs each key nothing reads (a probable typo). Returns {@code config}.
     */
    private static RetentionConfig checked(RetentionConfig config, Map<String, Object> properties) {
        ConfigCheck.check(RetentionConfig.PID, RetentionConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", RetentionConfig.PID, k));
        return config;
    }

    RetentionComponent(RetentionConfig config, RetentionAuditStore audit, Directory directory, Clock clock,
            Path keyFile, boolean schedule) {
        this.policy = Policy.from(config);
        this.imap = ImapSettings.from(config);
        this.signer = new Signer(SigningKeys.resolve(config.signing_key(), keyFile));
        this.audit = Objects.requireNonNull(audit, "audit");
        this.directory = directory;
        this.clock = clock;
        if (schedule && policy.sweepInterval() != null) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "streamail-retention-sweeper");
                t.setDaemon(true);
                return t;
            });
            long every = policy.sweepInterval().toSeconds();
            scheduler.scheduleWithFixedDelay(org.streamail.api.service.Periodic.guarded(this::scheduledSweep, e -> LOG.error("Retention: the "
                    + "scheduled sweep failed; the next one runs as scheduled", e)), every, every, TimeUnit.SECONDS);
        } else {
            scheduler = null;
        }
        LOG.info("Retention policy active: action {}, min.age {}, max.age {}, exempt {}, {}sweeps {} via {}",
                policy.action(), policy.minAge(), policy.maxAge(), policy.exemptFolders(),
                policy.dryRun() ? "DRY RUN " : "", policy.sweepInterval() == null ? "manual only"
                        : "every " + policy.sweepInterval(), imap);
    }

    private static Path keyFile(RetentionConfig config) {
        String f = config.signing_key_file();
        return f == null || f.isBlank() ? SigningKeys.defaultFile() : Path.of(f.strip());
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        if (scheduler != null) {
            scheduler.shutdownNow();
            if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Retention: a sweep was still running at shutdown; it stops at its next IMAP timeout");
            }
        }
    }

    // ---------------------------------------------------------------- RetentionService

    @Override
    public SweepReport sweep() {
        return locked(() -> run(mailboxes()));
    }

    /**
     * Sweeps one of the mailboxes a full sweep would visit (the configured {@code mailboxes}, or else the
     * Directory's registered addresses), under the spelling configured there.
     *
     * @throws IllegalArgumentException if the name is malformed, is not one of those mailboxes, or opted out
     */
    @Override
    public SweepReport sweep(String mailbox) {
        String m = configuredMailbox(Policy.mailboxName("mailbox", Objects.requireNonNullElse(mailbox, "")));
        if (policy.optout().contains(m.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("mailbox " + m + " has opted out of retention sweeps");
        }
        return locked(() -> run(List.of(m)));
    }

    /**
     * The configured spelling of a requested mailbox. A requested sweep logs in to the named mailbox (with a
     * master user, any mailbox), so it must be limited to the ones a full sweep covers: anything else would
     * let the caller open arbitrary mailboxes with the gateway's credentials.
     */
    private String configuredMailbox(String requested) {
        List<String> known;
        try {
            known = mailboxes();
        } catch (RuntimeException e) {
            // the store's text (a database message with its SQL) is for the log, not for the REST client
            LOG.warn("Retention: the directory of mailboxes is not available", e);
            throw new RetentionException("the directory of mailboxes is not available (see the gateway log)", e);
        }
        for (String k : known) {
            if (k != null && k.equalsIgnoreCase(requested)) {
                return k;
            }
        }
        throw new IllegalArgumentException("mailbox " + requested + " is not among the configured mailboxes");
    }

    /**
     * Changes one message's expiry, in a mailbox a sweep may reach only (as {@link #sweep(String)}): with a master
     * user the login would otherwise open, and rewrite a message in, any mailbox on the server.
     *
     * @throws IllegalArgumentException if the name is malformed, is not one of those mailboxes, or opted out
     */
    @Override
    public Extension extend(String mailbox, String messageId, Instant newExpiry, String actor) {
        String m = configuredMailbox(Policy.mailboxName("mailbox", Objects.requireNonNullElse(mailbox, "")));
        if (policy.optout().contains(m.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("mailbox " + m + " has opted out of retention sweeps");
        }
        Objects.requireNonNull(newExpiry, "newExpiry");
        String id = normaliseMessageId(messageId);
        String who = actor == null || actor.isBlank() ? "unknown" : actor.strip();
        return locked(() -> withMailClassLoader(() -> sweeper().extend(m, id, newExpiry, who)));
    }

    @Override
    public PolicySummary policySummary() {
        List<String> mailboxes;
        try {
            mailboxes = mailboxes();
        } catch (RuntimeException e) {
            mailboxes = List.of(); // directory unavailable: the summary still answers
        }
        return new PolicySummary(policy.trustedDomains(), new ArrayList<>(internalDomains()), policy.minAge(),
                policy.maxAge(), policy.rules().stream().map(Policy.Rule::text).toList(), actionText(),
                policy.exemptFolders(), new ArrayList<>(policy.optout()), mailboxes, policy.sweepInterval(),
                policy.dryRun(), imap.toString(), lastSweep);
    }

    @Override
    public String name() {
        return "retention-stamp";
    }

    /** The delivery hook: DELIVER/TAG mail leaves the gateway stamped (see {@link #stamp}). */
    @Override
    public Content transform(Transformation t) {
        byte[] in = t.raw().toByteArray();
        byte[] out = stamp(in, t.envelope());
        return out == in ? t.raw() : Content.of(out);
    }

    /**
     * The stamping function behind {@link #transform}: the raw message with its retention claim signed when
     * the sender is internal (or trusted), and any foreign signature removed.
     */
    public byte[] stamp(byte[] raw, Envelope envelope) {
        Stamper.Stamped s = new Stamper(signer, policy, internalDomains()).stamp(raw, envelope);
        LOG.debug("Retention stamp: {}", s.outcome());
        return s.raw();
    }

    // ---------------------------------------------------------------- internals

    private void scheduledSweep() {
        if (!imap.configured()) {
            if (!warnedUnconfigured) {
                warnedUnconfigured = true;
                LOG.warn("Retention: scheduled sweeps skipped: neither imap.user nor imap.credentials.file is configured (PID {})", RetentionConfig.PID);
            }
            return;
        }
        if (!lock.tryLock()) {
            LOG.info("Retention: scheduled sweep skipped: another sweep is running");
            return;
        }
        try {
            run(mailboxes());
        } catch (RuntimeException e) {
            LOG.warn("Retention: scheduled sweep failed: {}", e.toString());
        } finally {
            lock.unlock();
        }
    }

    private <T> T locked(Supplier<T> work) {
        try {
            if (!lock.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new RetentionException("another retention sweep is running; try again later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RetentionException("interrupted while waiting for a running sweep");
        }
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    private SweepReport run(List<String> mailboxes) {
        if (!imap.configured()) {
            throw new RetentionException("neither imap.user nor imap.credentials.file is configured (PID "
                    + RetentionConfig.PID + ")");
        }
        return withMailClassLoader(() -> {
            Instant started = clock.instant();
            long t0 = System.nanoTime();
            RetentionSweeper sweeper = sweeper();
            RetentionSweeper.Counters c = new RetentionSweeper.Counters();
            int visited = 0;
            LOG.info("Retention sweep started: {} mailbox(es){}", mailboxes.size(), policy.dryRun() ? " (dry run)" : "");
            for (String m : mailboxes) {
                if (policy.optout().contains(m.toLowerCase(Locale.ROOT))) {
                    c.exempt++;
                    continue;
                }
                if (Thread.currentThread().isInterrupted()) {
                    c.error("sweep interrupted (shutdown) before " + m);
                    break;
                }
                sweeper.sweepMailbox(m, c);
                visited++;
            }
            SweepReport report = new SweepReport(started, Duration.ofNanos(System.nanoTime() - t0), policy.dryRun(),
                    visited, c.scanned, c.expired, c.deleted, c.moved, c.flagged, c.exempt, c.errors, c.problems);
            lastSweep = report;
            LOG.info("Retention sweep finished in {} ms: scanned {}, expired {}, deleted {}, moved {}, flagged {}, "
                    + "exempt {}, errors {}", report.elapsed().toMillis(), report.scanned(), report.expired(),
                    report.deleted(), report.moved(), report.flagged(), report.exempt(), report.errors());
            return report;
        });
    }

    /** Most folders a sweep opens per mailbox and run; lowered by tests only. */
    int maxFolders = RetentionSweeper.MAX_FOLDERS;
    /** Where the previous sweep of each mailbox with too many folders for one run stopped (in memory only). */
    private final FolderRotation rotation = new FolderRotation();

    private RetentionSweeper sweeper() {
        RetentionSweeper sweeper = new RetentionSweeper(imap, new ExpiryCalculator(signer, policy, internalDomains()),
                audit, clock);
        sweeper.maxFolders = maxFolders;
        sweeper.rotation = rotation;
        return sweeper;
    }

    /** Jakarta Mail finds its providers through the context class loader: make it angus-mail's in OSGi. */
    private static <T> T withMailClassLoader(Supplier<T> work) {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(org.eclipse.angus.mail.imap.IMAPStore.class.getClassLoader());
        try {
            return work.get();
        } finally {
            t.setContextClassLoader(before);
        }
    }

    private List<String> mailboxes() {
        if (!policy.mailboxes().isEmpty()) {
            return policy.mailboxes();
        }
        Directory d = directory;
        if (d == null) {
            return List.of();
        }
        return d.list().stream().map(DirectoryEntry::address).toList();
    }

    private Set<String> internalDomains() {
        Set<String> out = new LinkedHashSet<>(policy.internalDomains());
        Directory d = directory;
        if (d != null) {
            try {
                d.protectedDomains().forEach(x -> out.add(x.toLowerCase(Locale.ROOT)));
            } catch (RuntimeException e) {
                LOG.debug("Retention: directory domains unavailable: {}", e.toString());
            }
        }
        return out;
    }

    private String actionText() {
        return switch (policy.action()) {
            case DELETE -> "delete";
            case FLAG -> "flag";
            case MOVE -> "move:" + policy.moveFolder();
        };
    }

    static String normaliseMessageId(String messageId) {
        if (messageId == null || messageId.isBlank()) {
            throw new IllegalArgumentException("messageId is required");
        }
        String id = messageId.strip();
        if (!id.startsWith("<")) {
            id = "<" + id + ">";
        }
        if (id.length() > 998 || id.chars().anyMatch(ch -> ch <= ' ' || ch >= 127)) {
            throw new IllegalArgumentException("messageId is not a Message-ID");
        }
        return id;
    }

    /** For tests. */
    Signer signer() {
        return signer;
    }
}
