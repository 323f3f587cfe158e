package org.streamail.api.delivery;

import org.osgi.annotation.versioning.ConsumerType;
import org.streamail.api.model.Content;

/**
 * Changes a message that the policy lets through (DELIVER or TAG) before it is queued for delivery.
 * Registered as an OSGi service; the core applies every bound transformer in order of
 * {@code service.ranking} (highest first, then by {@link #name()}), each one getting the previous one's
 * output. Rejected mail is never transformed, nor quarantined mail while it is held; a message released from the
 * quarantine goes through the transformers then, from the bytes it was received with.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Idempotent:</b> after a crash the core may scan and transform a message again, so applying a
 *       transformer to its own output must give an equivalent message: no second copy of a header it adds,
 *       no banner added twice (look for your own marker).</li>
 *   <li><b>Failure:</b> an exception is logged and the message goes on unchanged by this transformer: the
 *       policy already decided to deliver it.</li>
 *   <li><b>Bounds:</b> the output may not exceed the pipeline's {@code max.message.bytes}; a larger result is
 *       discarded (logged) and the input kept.</li>
 *   <li><b>Threading:</b> called concurrently for different messages; must be thread-safe.</li>
 *   <li><b>Output:</b> a complete RFC 5322 message with CRLF line ends. Return
 *       {@code transformation.raw()} itself when nothing changes.</li>
 * </ul>
 */
@ConsumerType
public interface MessageTransformer {

    /** A short stable name for logs, e.g. {@code "retention-stamp"}. */
    String name();

    /**
     * Transforms one message.
     *
     * @param transformation the message, its envelope and verdict; never {@code null}
     * @return the message to deliver; never {@code null}
     * @throws Exception on failure (the input is delivered unchanged by this transformer)
     */
    Content transform(Transformation transformation) throws Exception;
}
