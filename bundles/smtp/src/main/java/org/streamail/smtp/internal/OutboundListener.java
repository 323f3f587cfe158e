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

/**
 * The outbound SMTP listener as a DS component (PID {@code org.streamail.smtp.outbound}): the organisation's
 * internal mail server hands it mail for the Internet. Only clients inside {@code internal.networks} are
 * greeted, senders must be in a protected domain (or the null sender), recipients must not be; every message
 * reaches the {@link MessageIntake} with {@code Direction.OUTBOUND}. It runs while a {@link MessageIntake} and
 * a {@link Directory} are available; a configuration change restarts it, an unchanged one leaves it alone;
 * {@code enabled=false} keeps the component active with no port open. {@link EnvelopeGuard}s (say, one that
 * blocks an infected internal host) come and go at any time and are asked from the next SMTP stage on.
 *
 * <p>Intrusion attempts (see {@code IntrusionAlarm}) are raised as alerts through the optional
 * {@link AlertService}, rate-limited per kind and client address by {@code intrusion.alert.interval.seconds} and per kind over all
 * addresses by {@code intrusion.alert.max.per.interval}.
 *
 * <p>Threading: DS calls the constructor, the guard and alert-service bind methods and {@link #stop()} from its
 * own threads; the guard list is copy-on-write and the alert service an atomic reference, so session threads
 * read them without locking.
 */
@Component(name = OutboundListener.PID, configurationPid = OutboundListener.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true, service = ListenerState.class)
@Designate(ocd = OutboundListenerConfig.class)
public final class OutboundListener implements ListenerState {

    static final String PID = "org.streamail.smtp.outbound";

    private final ManagedListener listener;

    /**
     * Prepares the listener; {@link #start()} opens the port once DS has bound the guards present now.
     *
     * @throws IOException if the configuration (say a bad {@code internal.networks} entry) or the key store is
     *                     unusable; DS logs it and the component stays inactive until the configuration changes
     * @throws IllegalArgumentException if a value does not parse for its type (a boolean other than true or
     *                                  false, say), naming the property
     */
    @Activate
    public OutboundListener(@Reference(name = "intake") MessageIntake intake,
            @Reference(name = "directory") Directory directory, OutboundListenerConfig config,
            Map<String, Object> properties) throws IOException {
        ManagedListener.checkProperties(PID, OutboundListenerConfig.class, properties);
        this.listener = new ManagedListener(intake, directory, options(config));
    }

    /**
     * Opens the port (unless disabled). Separate from the constructor because DS binds the dynamic guards
     * between the two.
     *
     * @throws IOException if the port cannot be bound
     */
    @Activate
    void start() throws IOException {
        listener.start();
    }

    /**
     * Restarts the listener on a changed configuration (open sessions are closed; their clients retry).
     *
     * @throws IOException if the new configuration is invalid (the listener keeps running on the old one) or
     *                     its port cannot be bound (the listener stays closed until the configuration is
     *                     fixed); DS logs it
     * @throws IllegalArgumentException if a value does not parse for its type (a boolean other than true or
     *                                  false, say), naming the property
     */
    @Modified
    void modified(OutboundListenerConfig config, Map<String, Object> properties) throws IOException {
        // Throws before anything changes: the listener keeps running on its previous configuration.
        ManagedListener.checkProperties(PID, OutboundListenerConfig.class, properties);
        listener.modified(options(config));
    }

    @Deactivate
    void stop() {
        listener.stop();
    }

    @Override
    public Direction direction() {
        return Direction.OUTBOUND;
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

    /** The bound port, or -1 while disabled; for tests. */
    int port() {
        return listener.port();
    }

    static ListenerOptions options(OutboundListenerConfig c) {
        List<String> networks = ListenerOptions.values(c.internal_networks());
        return new ListenerOptions(PID, Direction.OUTBOUND, c.enabled(), c.bind_address(), c.port(), c.hostname(),
                c.max_message_size(), c.max_recipients(), c.max_connections(), c.max_connections_per_ip(),
                c.connection_timeout_ms(), c.data_timeout_seconds(), c.max_errors(), c.tls_keystore(),
                c.tls_keystore_password(), networks, c.intrusion_alert_interval_seconds(),
                c.intrusion_alert_max_per_interval(), c.max_session_seconds(),
                ListenerOptions.values(c.tls_cipher_suites()),
                c.tls_required(), 0, 0, "alert", 0, List.of()); // no directory lookup outbound: no harvest handling
    }

}
