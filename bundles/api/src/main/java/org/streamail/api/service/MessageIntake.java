package org.streamail.api.service;

import java.io.InputStream;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.streamail.api.model.Envelope;

/**
 * Where an SMTP listener hands a message at the end of DATA. Implemented by the core.
 *
 * <p>{@link #receive} writes the message durably to the spool (file and directory fsynced, atomic rename)
 * before it returns anything but a temporary failure, scans it within the configured time budget, and
 * answers with the reply the listener must send:
 * <ul>
 *   <li>REJECT verdict: the spool entry is removed and a 550 5.7.1 reply carries the reason and the id;</li>
 *   <li>DELIVER, TAG, QUARANTINE, or a scan not finished within budget: 250 with the id; the rest happens
 *       after the reply, and a message never ends anywhere but in delivery, quarantine or a bounce-free
 *       failure log;</li>
 *   <li>spool write failed, or a mandatory detector is absent: 451 and nothing is kept.</li>
 * </ul>
 * Thread-safe; called from many session threads at once.
 */
@ProviderType
public interface MessageIntake {

    /**
     * Why mail cannot be accepted now (e.g. "mandatory detector 'content' is not available"), or empty when
     * it can. Listeners ask before DATA so they can answer 451 4.7.0 early.
     */
    Optional<String> unavailableReason();

    /**
     * Receives one message.
     *
     * @param envelope the envelope; {@code receivedAt} is the end of DATA
     * @param data     the message bytes with CRLF line ends and dot-unstuffing done; read to its end. If the
     *                 stream throws, nothing is kept and the exception propagates (the listener answers).
     * @return the outcome and the reply to send
     * @throws java.io.IOException if reading {@code data} failed
     */
    IntakeResult receive(Envelope envelope, InputStream data) throws java.io.IOException;
}
