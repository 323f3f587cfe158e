package org.streamail.smtp.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.streamail.api.alert.AlertService;
import org.streamail.api.model.Direction;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.EnvelopeGuard;
import org.streamail.api.smtp.ListenerState;
import org.streamail.api.store.Directory;
import org.streamail.api.store.SharedState;
import org.streamail.smtp.internal.server.ListenerSettings;

/**
 * The inbound SMTP listener as a DS component (PID {@code org.streamail.smtp}). It runs while a
 * {@link MessageIntake} and a {@link Directory} are available; a configuration change restarts the listener
 * on the new settings. {@link EnvelopeGuard}s come and go at any time and are asked from the next SMTP stage
 * on. Registered as {@link ListenerState}: the core's status is ready only while this listener's port is open
 * (a configuration change to a port that cannot be bound leaves the component active with no port, which only
 * this state shows).
 *
 * <p>Intrusion attempts (see {@code IntrusionAlarm}) are raised as alerts through the optional
 * {@link AlertService}, rate-limited per kind and client address by {@code intrusion.alert.interval.seconds}
 * and per kind over all addresses by {@code intrusion.alert.max.per.interval}. A client blocked for directory
 * harvesting is shared with the other nodes through the optional {@link SharedState} (see
 * {@code SharedHarvestBlocks}).
 *
 * <p>Threading: DS calls the constructor, the guard and alert-service bind methods and {@link #stop()} from its
 * own threads; the guard list is copy-on-write and the alert service an atomic reference, so session threads
 * read them without locking.
 */
@Component(name = InboundListener.PID, configurationPid = InboundListener.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true, service = ListenerState.class)
@Designate(ocd = ListenerConfig.class)
public final class InboundListener implements ListenerState {

    static final String PID = "org.streamail.smtp";

    private final ManagedListener listener;

    /**
     * Prepares the listener; {@link #start()} opens the port once DS has bound the guards present now.
     *
     * @throws IOException if the configuration or the key store is unusable; DS logs it and the component
     *                     stays inactive until the configuration changes
     * @throws IllegalArgumentException if a value does not parse for its type (a boolean other than true or
     *                                  false, say), naming the property
     */
    @Activate
    public InboundListener(@Reference(name = "intake") MessageIntake intake,
            @Reference(name = "directory") Directory directory, ListenerConfig config,
            Map<String, Object> properties) throws IOException {
        ManagedListener.checkProperties(PID, ListenerConfig.class, properties);
        this.listener = new ManagedListener(intake, directory, options(config));
    }

    /**
     * Opens the port. Separate from the constructor because DS binds the dynamic guards between the two:
     * no client is greeted before the guards already registered are in place.
     *
     * @throws IOException if the port cannot be bound
     */
    @Activate
    void start() throws IOException {
        listener.start();
    }

    /**
     * Restarts the listener on a changed configuration (open sessions are closed; their clients retry).
     * A configuration event that changes nothing, as Configuration Admin sometimes delivers at start-up,
     * leaves the running listener and its sessions alone.
     *
     * @throws IOException if the new configuration is invalid (the listener keeps running on the old one) or
     *                     its port cannot be bound (the listener stays closed until the configuration is
     *                     fixed); DS logs it
     * @throws IllegalArgumentException if a value does not parse for its type (a boolean other than true or
     *                                  false, say), naming the property
     */
    @Modified
    void modified(ListenerConfig config, Map<String, Object> properties) throws IOException {
        // Throws before anything changes: the listener keeps running on its previous configuration.
        ManagedListener.checkProperties(PID, ListenerConfig.class, properties);
        listener.modified(options(config));
    }

    @Deactivate
    void stop() {
        listener.stop();
    }

    @Override
    public Direction direction() {
        return Direction.INBOUND;
    }

    @Override
    public Optional<String> unavailableReason() {
        return listener.unavailableReason();
    }

    @Reference(name = "guard", cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addGuard(EnvelopeGuard guard) {
        listener.addGuard(guard);
    }

    void removeGuard(EnvelopeGuard guard) {
        listener.removeGuard(guard);
    }

    /**
     * The alert service that intrusion attempts are raised through. Optional: without the reporting bundle
     * the attempts are only logged.
     */
    @Reference(name = "alerts", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setAlertService(AlertService alerts) {
        listener.setAlertService(alerts);
    }

    void unsetAlertService(AlertService alerts) {
        listener.unsetAlertService(alerts);
    }

    /**
     * The store's shared records, through which the nodes share their harvest blocks (a client one node blocked is
     * refused by all, and after a restart). Optional: without a store each node blocks on its own count only.
     */
    @Reference(name = "shared", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void setSharedState(SharedState shared) {
        listener.setSharedState(shared);
    }

    void unsetSharedState(SharedState shared) {
        listener.unsetSharedState(shared);
    }

    /** The bound port, for tests. */
    int port() {
        return listener.port();
    }

    static ListenerSettings settings(ListenerConfig c) throws IOException {
        return options(c).settings();
    }

    static ListenerOptions options(ListenerConfig c) {
        return new ListenerOptions(PID, Direction.INBOUND, true, c.bind_address(), c.port(), c.hostname(),
                c.max_message_size(), c.max_recipients(), c.max_connections(), c.max_connections_per_ip(),
                c.connection_timeout_ms(), c.data_timeout_seconds(), c.max_errors(), c.tls_keystore(),
                c.tls_keystore_password(), List.of(), c.intrusion_alert_interval_seconds(),
                c.intrusion_alert_max_per_interval(), c.max_session_seconds(),
                ListenerOptions.values(c.tls_cipher_suites()),
                c.tls_required(), c.harvest_max_unknown_recipients(), c.harvest_window_seconds(), c.harvest_action(),
                c.harvest_delay_max_ms(), ListenerOptions.values(c.harvest_exempt_networks()));
    }

}
