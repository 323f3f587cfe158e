package org.streamail.core.internal.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.StatusReport;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.intake.Intake;
import org.streamail.core.internal.pipeline.Pipeline;
import org.streamail.core.internal.spool.Spool;

/**
 * Health and counters of the core for {@code GET /health} and {@code streamail:status}. Each call takes a
 * fresh snapshot (the spool count lists the queue directory). Thread-safe.
 */
@Component(service = GatewayStatus.class)
public class GatewayStatusImpl implements GatewayStatus {

    private final Pipeline pipeline;
    private final Spool spool;
    private final Delivery delivery;
    private final Intake intake;
    private final Instant startedAt;

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
                .map(e -> "delivery held, its configuration is invalid: " + e));
        Map<String, Long> counters = new LinkedHashMap<>(intake.counters());
        delivery.counters().forEach(counters::put);
        return new StatusReport(reason.isEmpty(), reason.orElse(""), pipeline.detectorNames(),
                new ArrayList<>(pipeline.policy().mandatory()), spool.size(), delivery.deferredCount(), counters,
                startedAt);
    }
}
