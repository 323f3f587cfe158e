package org.streamail.api.service;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of the gateway's state.
 *
 * <p>{@code problems} lists Streamail components that could not start, typically because a value in their
 * configuration was refused (for example a detector whose {@code @Activate} threw on a bad property). Such a
 * component is simply absent: a detector that failed is missing from {@code detectors} and mail flows
 * without its check. Problems do <em>not</em> make {@code ready} false, because the gateway still accepts,
 * judges and delivers mail; only a missing detector named in the policy's {@code mandatory.detectors} does
 * that (intake answers {@code 451} and {@code ready} is false with the reason). Monitoring should therefore
 * alert on a non-empty {@code problems} as well as on {@code ready}.
 *
 * @param ready             whether mail is accepted now
 * @param unavailableReason why not, or {@code ""}
 * @param detectors         names of the detectors bound now
 * @param mandatory         names the policy requires
 * @param spooled           messages in the spool not yet finished
 * @param deferred          messages waiting for a delivery retry
 * @param counters          counters since start, e.g. {@code received}, {@code DELIVER}, {@code REJECT}
 * @param startedAt         when the core started
 * @param problems          one line per Streamail component that failed to activate, e.g.
 *                          {@code org.streamail.spam (org.streamail.detect-spam): bayes.spam.probability must be
 *                          in (0.5, 1], got 3.0}; empty when there are none (never {@code null})
 * @since package version 1.1.0 for {@code problems}
 */
public record StatusReport(
        boolean ready,
        String unavailableReason,
        List<String> detectors,
        List<String> mandatory,
        long spooled,
        long deferred,
        Map<String, Long> counters,
        Instant startedAt,
        List<String> problems) {

    public StatusReport {
        unavailableReason = unavailableReason == null ? "" : unavailableReason;
        detectors = detectors == null ? List.of() : List.copyOf(detectors);
        mandatory = mandatory == null ? List.of() : List.copyOf(mandatory);
        counters = counters == null ? Map.of() : Map.copyOf(counters);
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** A report without problems: the shape before package version 1.1.0, kept for existing callers. */
    public StatusReport(boolean ready, String unavailableReason, List<String> detectors, List<String> mandatory,
            long spooled, long deferred, Map<String, Long> counters, Instant startedAt) {
        this(ready, unavailableReason, detectors, mandatory, spooled, deferred, counters, startedAt, List.of());
    }
}
