package org.streamail.workbench.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /health}: whether the gateway accepts mail and its counters. A gateway that is up but not
 * accepting mail answers 503 with this same body: {@code ready} is then {@code false} and
 * {@code unavailableReason} says why.
 */
public record Health(String status, boolean ready, String unavailableReason, List<String> detectors,
        List<String> mandatory, long spooled, long deferred, Map<String, Long> counters, Instant startedAt) {

    public Health {
        detectors = List.copyOf(detectors);
        mandatory = List.copyOf(mandatory);
        counters = Map.copyOf(counters);
    }
}
