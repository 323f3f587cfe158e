package org.streamail.api.delivery;

import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Signs outbound mail as it leaves (DKIM, RFC 6376): the header fields it returns are put on top of the message, above
 * everything else. Registered as an OSGi service; the core's delivery uses one signer, the one with the highest
 * {@code service.ranking}, and asks it for every outbound message ({@code Direction.OUTBOUND}: from the outbound
 * listener, and the non-delivery reports the gateway sends out) on every delivery attempt. Inbound mail is never
 * signed.
 *
 * <p>Why at delivery and not as a {@link MessageTransformer}: what leaves is changed after the transformers (our
 * {@code Received} line, the internal hops removed, internal message ids replaced by tokens), and a signature
 * made before those changes would not verify outside. The signer sees the bytes the next hop receives.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li><b>Input:</b> {@link OutboundMessage#raw()} is the final message, CRLF line ends, at most the size the core
 *       accepted plus a little (see the core's README). Do not change it; read it once, in one pass (it can be tens
 *       of megabytes).</li>
 *   <li><b>Result:</b> the header fields to put on top, in that order, each complete: {@code Name: value}, long
 *       values folded (CRLF followed by a space or tab), ending in CRLF; US-ASCII only. At most
 *       {@value #MAX_FIELDS} fields and {@value #MAX_BYTES} bytes in all. An empty list means there is nothing to
 *       sign (no key for the author's domain, say): the message leaves unsigned, as it would without a signer. The
 *       core checks the shape of every field and treats a field that breaks it like an exception (below): a stray
 *       empty line would end the header early.</li>
 *   <li><b>Failure:</b> an exception means "this message must not leave now": the core defers it (retried with
 *       its usual backoff; after {@code retry.give.up} FAILED, and its sender gets a report) and puts the exception's
 *       message into the DEFERRED line of the message log. Throw, never return an empty list, when the message should
 *       be signed and cannot be (an unreadable key): unsigned mail from a domain that publishes a DMARC
 *       {@code p=reject} policy is refused everywhere. The message log is read by viewers: the exception's message
 *       names what is wrong (the domain, the selector, the key file's name), never key material or a full path.</li>
 *   <li><b>Repeated calls:</b> a deferred message is signed again at its next attempt, and a message released from
 *       the quarantine again at each release: sign anew each time; keep no state per message.</li>
 *   <li><b>Threading and bounds:</b> called concurrently from the delivery threads while the message waits: be
 *       thread-safe, read the message once, and never wait for the network or for a lock held long (one pass over the
 *       bytes and one private-key operation is what a DKIM signer costs).</li>
 *   <li><b>Lifecycle:</b> the core binds a signer dynamically (optional, greedy): one registered later with a higher
 *       ranking replaces the bound one for the next message. While none is bound, outbound mail leaves unsigned,
 *       unless the delivery configuration requires signing ({@code outbound.sign.required}).</li>
 * </ul>
 *
 * @since 1.1.0
 */
@ConsumerType
public interface OutboundSigner {

    /** Most header fields one call may return. */
    int MAX_FIELDS = 16;

    /** Most bytes the fields of one call may hold together, line ends included. */
    int MAX_BYTES = 65_536;

    /** A short stable name for logs and the message log, e.g. {@code "dkim"}. */
    String name();

    /**
     * The header fields to put on top of {@code message}.
     *
     * @param message the outbound message as it leaves; never {@code null}
     * @return the complete header fields (CRLF-terminated, US-ASCII), in order; empty for none; never {@code null}
     * @throws Exception when the message must not leave now (it is deferred and tried again later)
     */
    List<String> sign(OutboundMessage message) throws Exception;
}
