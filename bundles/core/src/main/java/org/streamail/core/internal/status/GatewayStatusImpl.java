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
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.StatusReport;
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
 * also needs a recipient directory that can check recipients ({@link Directory#unavailableReason()}).
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
        Optional<String> reason = pipeline.unavailableReason().or(() -> delivery.configurationError()
                .map(e -> "delivery held, its configuration is invalid: " + e)).or(this::directoryUnavailable);
        Map<String, Long> counters = new LinkedHashMap<>(intake.counters());
        delivery.counters().forEach(counters::put);
        // Failed components are listed but leave "ready" alone: mail still flows without them; whether a
        // missing detector stops mail is the policy's mandatory.detectors rule (the reason above).
        return new StatusReport(reason.isEmpty(), reason.orElse(""), pipeline.detectorNames(),
                new ArrayList<>(pipeline.policy().mandatory()), spool.size(), delivery.deferredCount(), counters,
                startedAt, problems());
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

    private List<String> problems() {
        List<String> out = new ArrayList<>(pipeline.overrunningDetectors());
        ServiceComponentRuntime scr = runtime;
        if (scr == null) {
            return out;
        }
        try {
            out.addAll(ComponentProblems.of(scr));
        } catch (RuntimeException e) {
            // e.g. SCR stopping while we ask: the status must still answer.
            out.add("component states unavailable: " + e);
        }
        return out;
    }
}
