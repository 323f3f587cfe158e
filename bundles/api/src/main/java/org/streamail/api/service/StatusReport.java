package org.streamail.api.service;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the gateway's state.
 *
 * @param ready             whether mail is accepted now
 * @param unavailableReason why not, or {@code ""}
 * @param detectors         names of the detectors bound now
 * @param mandatory         names the policy requires
 * @param spooled           messages in the spool not yet finished
 * @param deferred          messages waiting for a delivery retry
 * @param counters          counters since start, e.g. {@code received}, {@code DELIVER}, {@code REJECT}
 * @param startedAt         when the core started
 */
public record StatusReport(
        boolean ready,
        String unavailableReason,
        List<String> detectors,
        List<String> mandatory,
        long spooled,
        long deferred,
        Map<String, Long> counters,
        Instant startedAt) {

    public StatusReport {
        unavailableReason = unavailableReason == null ? "" : unavailableReason;
        detectors = detectors == null ? List.of() : List.copyOf(detectors);
        mandatory = mandatory == null ? List.of() : List.copyOf(mandatory);
        counters = counters == null ? Map.of() : Map.copyOf(counters);
    }
}
