package org.streamail.api.detect;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;
import org.streamail.api.model.Finding;

/**
 * A message inspector, registered as an OSGi service. The pipeline binds every {@code Detector} service
 * dynamically and runs all of them on every message.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Pure:</b> read the inspection, return findings. Never change the message, never deliver, never
 *       decide the action: the policy does that from the findings.</li>
 *   <li><b>Threading:</b> {@link #inspect} is called concurrently from several pipeline threads; an
 *       implementation must be thread-safe and should keep no per-message state in fields.</li>
 *   <li><b>Time:</b> return before {@link Inspection#deadline()}. A detector that overruns is abandoned (its
 *       thread interrupted) and the pipeline records an {@code ERROR} finding {@code timeout} for it; check
 *       {@link Inspection#expired()} in long loops and stop early.</li>
 *   <li><b>Failure:</b> an exception is caught by the pipeline and recorded as an {@code ERROR} finding
 *       {@code error}; it never stops the other detectors.</li>
 *   <li><b>Lifecycle:</b> the service may come and go at any time (bundle update). While a detector named
 *       in the policy's {@code mandatory.detectors} is absent, the gateway refuses new mail with 451.</li>
 *   <li><b>Bounds:</b> every loop, buffer and nesting depth is bounded; hostile input yields a finding,
 *       not an exhausted heap.</li>
 * </ul>
 */
@ConsumerType
public interface Detector {

    /**
     * A short, stable, lower-case name (e.g. {@code "content"}, {@code "phishing"}, {@code "spam"}); the
     * value of {@link org.streamail.api.model.Finding#detector()} and of {@code mandatory.detectors}.
     */
    String name();

    /**
     * Inspects one message.
     *
     * @param inspection the message, its envelope and the deadline; never {@code null}
     * @return the findings, possibly empty; never {@code null}
     * @throws Exception on failure; recorded as an error finding
     */
    List<Finding> inspect(Inspection inspection) throws Exception;
}
