package org.streamail.core.internal.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.streamail.api.model.Direction;
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.StatusReport;
import org.streamail.api.smtp.ListenerState;
import org.streamail.api.store.Directory;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.intake.Intake;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.spool.Spool;

/**
 * Health and counters of the core for {@code GET /health} and {@code streamail:status}. Each call takes a
 * fresh snapshot (the spool count lists the queue directory). With the Declarative Services runtime bound
 * (optional, dynamic), the snapshot also lists the Streamail components that failed to activate, e.g. a
 * detector that refused a configuration value ({@link ComponentProblems}); they do not change readiness. Ready
 * also needs a recipient directory that can check recipients ({@link Directory#unavailableReason()}) and the
 * inbound SMTP listener listening: its {@link ListenerState} while registered, otherwise the DS state of its
 * component ({@link InboundListenerState}). A load balancer or monitor asking {@code /health} is told "ready"
 * only while mail can be handed over.
 * Thread-safe.
 */
@Component(service = GatewayStatus.class)
public class GatewayStatusImpl implements GatewayStatus {

    private final Pipeline pipeline;
    private final Spool spool;
    private final Delivery delivery;
    private final Intake intake;
    private final Instant startedAt;

    /** The DS runtime, to list components that failed to activate; package-private for tests. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ServiceComponentRuntime runtime;

    /**
     * The recipient directory (store bundle), optional and dynamic so the status answers whatever the store's
     * state; package-private for tests. Without it the inbound listener is down; while it cannot check recipients
     * (its addresses never read, the database down since boot) RCPT answers 451. Either way mail is not accepted,
     * so the gateway is not ready.
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile Directory directory;

    /**
     * The SMTP listeners that run (smtp bundle), dynamic so the status answers whatever the listeners' state;
     * package-private for tests. The inbound one decides readiness; an outbound one that cannot listen is a
     * problem.
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile List<ListenerState> listeners = List.of();

    @Activate
    public GatewayStatusImpl(@Reference Pipeline pipeline, @Reference Spool spool, @Reference Delivery delivery,
            @Reference Intake intake) {
        this.pipeline = pipeline;
        this.spool = spool;
        this.delivery = delivery;
        this.intake = intake;
        this.startedAt = spool.openedAt();
    }

    @Override
    public StatusReport status() {
        // Not ready while the pipeline cannot judge mail, or while delivery holds it (invalid configuration):
        // mail is still accepted then, but monitoring must see that it does not leave.
        Components components = components();
        Optional<String> reason = pipeline.unavailableReason().or(() -> delivery.configurationError()
                .map(e -> "delivery held, its configuration is invalid: " + e)).or(this::directoryUnavailable)
                .or(() -> inboundListenerUnavailable(components));
        Map<String, Long> counters = new LinkedHashMap<>(intake.counters());
        delivery.counters().forEach(counters::put);
        // Failed components are listed but leave "ready" alone: mail still flows without them; whether a
        // missing detector stops mail is the policy's mandatory.detectors rule (the reason above).
        return new StatusReport(reason.isEmpty(), reason.orElse(""), pipeline.detectorNames(),
                new ArrayList<>(pipeline.policy().mandatory()), spool.size(), delivery.deferredCount(), counters,
                startedAt, problems(components));
    }

    /**
     * Why the inbound listener takes no mail: its own word while it is registered (its port may be closed
     * after a failed configuration change, which the DS runtime does not see); otherwise the DS runtime's
     * state of its component (stopped, waiting for the store, failed to start). With neither a registered
     * listener nor a runtime (unit tests) nothing is known and nothing is held against readiness.
     */
    private Optional<String> inboundListenerUnavailable(Components components) {
        for (ListenerState l : listeners) {
            if (l.direction() == Direction.INBOUND) {
                Optional<String> reason = listenerReason(l);
                if (reason.isEmpty()) {
                    return reason;
                }
                return Optional.of("inbound SMTP listener not listening: " + reason.get()
                        + ", inbound mail is not accepted");
            }
        }
        Optional<String> fromRuntime = components.listenerUnavailable();
        if (fromRuntime.isEmpty() && components.scr() != null) {
            // active to the runtime, its service not seen here yet: a moment after it started
            return Optional.of("inbound SMTP listener starting, inbound mail is not accepted yet");
        }
        return fromRuntime;
    }

    private static Optional<String> listenerReason(ListenerState l) {
        try {
            return l.unavailableReason();
        } catch (RuntimeException e) {
            return Optional.of("its state is unavailable: " + e);
        }
    }

    private List<String> problems(Components components) {
        List<String> out = components.problems(pipeline.overrunningDetectors());
        for (ListenerState l : listeners) {
            if (l.direction() == Direction.OUTBOUND) {
                listenerReason(l).ifPresent(r -> out.add("outbound SMTP listener not listening: " + r));
            }
        }
        return out;
    }

    /** One reading of the DS runtime: its component descriptions, or why they could not be read. */
    private Components components() {
        ServiceComponentRuntime scr = runtime;
        if (scr == null) {
            return new Components(null, List.of(), null);
        }
        try {
            return new Components(scr, new ArrayList<>(scr.getComponentDescriptionDTOs()), null);
        } catch (RuntimeException e) {
            // e.g. SCR stopping while we ask: the status must still answer.
            return new Components(scr, List.of(), e);
        }
    }

    /**
     * The DS runtime's view; {@code scr == null} when no runtime is bound (unit tests, or SCR restarting):
     * then nothing is known of the listener and it is not held against readiness.
     */
    private record Components(ServiceComponentRuntime scr, List<ComponentDescriptionDTO> descriptions,
            RuntimeException failure) {

        Optional<String> listenerUnavailable() {
            if (scr == null) {
                return Optional.empty();
            }
            if (failure != null) {
                return Optional.of("inbound SMTP listener state unavailable: " + failure);
            }
            try {
                return InboundListenerState.unavailableReason(descriptions, scr::getComponentConfigurationDTOs);
            } catch (RuntimeException e) {
                return Optional.of("inbound SMTP listener state unavailable: " + e);
            }
        }

        List<String> problems(List<String> overrunning) {
            List<String> out = new ArrayList<>(overrunning);
            if (failure != null) {
                out.add("component states unavailable: " + failure);
            } else if (scr != null) {
                try {
                    out.addAll(ComponentProblems.of(descriptions, scr::getComponentConfigurationDTOs));
                } catch (RuntimeException e) {
                    out.add("component states unavailable: " + e);
                }
            }
            return out;
        }
    }

    private Optional<String> directoryUnavailable() {
        Directory d = directory;
        if (d == null) {
            return Optional.of("no recipient directory (the store is not active), inbound mail is not accepted");
        }
        try {
            return d.unavailableReason();
        } catch (RuntimeException e) {
            return Optional.of("recipient directory unavailable: " + e);
        }
    }

}
