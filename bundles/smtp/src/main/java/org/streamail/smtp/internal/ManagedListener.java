package org.streamail.smtp.internal;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertService;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.store.Directory;
import org.streamail.api.store.SharedState;
import org.streamail.smtp.internal.server.IntrusionAlarm;
import org.streamail.smtp.internal.server.SmtpEngine;

/**
 * What a listener component does with its configuration: one {@link SmtpEngine} built from the options,
 * started, replaced when the options change and left alone when they do not, stopped at the end. Shared by
 * {@link InboundListener} and {@link OutboundListener}.
 *
 * <p>Threading: DS serialises the component's activate, modified and deactivate, which are the only callers
 * of {@link #start()}, {@link #modified} and {@link #stop()}; guards are added and removed from DS threads at
 * any time and read by session threads from a copy-on-write list; the alert service likewise through an atomic
 * reference. Each engine gets its own {@link IntrusionAlarm} (rate-limit table and alert thread), closed with
 * it; and the inbound one its own {@code SharedHarvestBlocks} (local copy and thread), reading the store's
 * {@link SharedState} through an atomic reference as it comes and goes.
 */
final class ManagedListener {

    private static final Logger LOG = LoggerFactory.getLogger(ManagedListener.class);

    private final List<EnvelopeGuard> guards = new CopyOnWriteArrayList<>();
    private final AtomicReference<AlertService> alerts = new AtomicReference<>();
    /** The store's shared records, for the harvest blocks every node shares; {@code null} without a store. */
    private final AtomicReference<SharedState> shared = new AtomicReference<>();
    private final MessageIntake intake;
    private final Directory directory;
    private final String pid;
    /** The running engine, or {@code null} while the listener is disabled. */
    private volatile SmtpEngine engine;
    /** The options the engine runs on; {@code null} after a failed restart, so the next change retries. */
    private ListenerOptions applied;
    /** Why the port is not open (it could not be bound), or {@code null} while it is or before the first start. */
    private volatile String failure;

    /**
     * Validates the options and builds the engine (unless disabled); nothing listens before {@link #start()}.
     *
     * @throws IOException if the options or the key store are unusable
     */
    ManagedListener(MessageIntake intake, Directory directory, ListenerOptions options) throws IOException {
        this.intake = intake;
        this.directory = directory;
        this.pid = options.pid();
        this.engine = build(options);
        this.applied = options;
    }

    /**
     * Checks a listener's raw configuration strictly, before any method of its config annotation is read: DS
     * would read {@code enabled = on} as false and close the port, and fail on {@code port = 25x} without
     * naming the property. Logs one WARN per key nothing reads (a probable typo).
     *
     * @throws IllegalArgumentException naming the PID and the property at the first bad value
     */
    static void checkProperties(String pid, Class<? extends Annotation> type, Map<String, Object> properties) {
        ConfigCheck.check(pid, type, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", pid, k));
    }

    /** @throws IOException if the port cannot be bound */
    void start() throws IOException {
        SmtpEngine e = engine;
        if (e != null) {
            try {
                e.start();
                failure = null;
            } catch (IOException | RuntimeException x) {
                failure = "its port could not be opened: " + x.getMessage();
                throw x;
            }
        } else {
            failure = null;
            LOG.info("{} is disabled (enabled=false): no SMTP port opened", pid);
        }
    }

    /**
     * Restarts on changed options (open sessions are closed; their clients retry). Options equal to the
     * running ones, as Configuration Admin sometimes delivers at start-up, leave the listener alone.
     *
     * @throws IOException if the new options are invalid (the old listener keeps running) or the port cannot
     *                     be bound (the listener stays closed until the configuration is fixed)
     */
    void modified(ListenerOptions options) throws IOException {
        if (options.equals(applied)) {
            return;
        }
        SmtpEngine replacement = build(options);
        stopEngine();
        applied = null;
        engine = replacement;
        start();
        applied = options;
    }

    void stop() {
        stopEngine();
    }

    /**
     * Why the listener does not accept connections, or empty while it listens or is disabled; for
     * {@link org.streamail.api.smtp.ListenerState}. After a configuration change whose port could not be bound it
     * says so until a later change opens a port.
     */
    Optional<String> unavailableReason() {
        String f = failure;
        if (f != null) {
            return Optional.of(f + " (" + pid + "; fix the configuration, the listener retries on the next change)");
        }
        return Optional.empty();
    }

    void addGuard(EnvelopeGuard guard) {
        guards.add(guard);
    }

    void removeGuard(EnvelopeGuard guard) {
        guards.remove(guard);
    }

    void setAlertService(AlertService service) {
        alerts.set(service);
    }

    /** Forgets the service unless a greedy rebind has already replaced it with another. */
    void unsetAlertService(AlertService service) {
        alerts.compareAndSet(service, null);
    }

    void setSharedState(SharedState service) {
        shared.set(service);
    }

    /** Forgets the store's shared records unless a greedy rebind has already replaced them. */
    void unsetSharedState(SharedState service) {
        shared.compareAndSet(service, null);
    }

    /** The bound port, or -1 while disabled; for tests. */
    int port() {
        SmtpEngine e = engine;
        return e == null ? -1 : e.port();
    }

    private SmtpEngine build(ListenerOptions options) throws IOException {
        IntrusionAlarm alarm;
        try {
            // Validated even while disabled, so a bad value is reported when it is set, not when enabled.
            alarm = new IntrusionAlarm(alerts::get, options.intrusionAlertIntervalSeconds(),
                    options.intrusionAlertMaxPerInterval());
        } catch (IllegalArgumentException e) {
            throw new IOException("bad configuration of " + pid + ": " + e.getMessage(), e);
        }
        if (!options.enabled()) {
            alarm.close();
            return null;
        }
        try {
            return new SmtpEngine(options.settings(), intake, directory, () -> guards, alarm, shared::get);
        } catch (IOException | RuntimeException e) {
            alarm.close();
            throw e;
        }
    }

    private void stopEngine() {
        SmtpEngine e = engine;
        if (e != null) {
            e.stop();
            LOG.info("SMTP listener {} on port {} stopped", pid, e.port());
        }
        engine = null;
    }
}
