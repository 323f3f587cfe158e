package org.streamail.api.store;

import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/**
 * Durable storage of quarantined messages with their raw bytes. Thread-safe. Does not deliver: releasing
 * is {@link org.streamail.api.service.QuarantineService}'s job, which records the outcome here.
 */
@ProviderType
public interface QuarantineStore {

    /**
     * Holds a message. Idempotent on {@code id}: holding the same id again returns the existing entry
     * (so re-processing a spool entry after a crash does not duplicate it).
     */
    QuarantineEntry hold(String id, String messageId, String subject, Envelope envelope, Verdict verdict, byte[] raw);

    Optional<QuarantineEntry> get(String id);

    /** The raw RFC 822 bytes as received, unless the entry does not exist or was deleted. */
    Optional<byte[]> raw(String id);

    List<QuarantineEntry> list(QuarantineQuery query);

    /** Number of entries with the status. */
    long count(QuarantineEntry.Status status);

    /**
     * Moves an entry from HELD to RELEASED or DELETED, recording who and when. DELETED also drops the raw
     * bytes. Returns {@code false} if there is no such entry or it was not HELD (so two concurrent releases
     * cannot both succeed).
     */
    boolean transition(String id, QuarantineEntry.Status to, String actor);

    /**
     * Records that a copy of a HELD entry was released to one of its envelope recipients (compared without regard to
     * case, kept in lower case in {@link QuarantineEntry#releasedTo()}). Of two calls for the same recipient, on this
     * node or another, one records it. When with it every envelope recipient has been released, the entry moves to
     * RELEASED with this actor and time (its raw bytes are kept, as for any release).
     *
     * @return {@code true} if recorded now; {@code false} if there is no such HELD entry, {@code recipient} is not one
     *         of its envelope recipients, or it was released to them before
     * @since package version 1.5.0
     */
    boolean releaseRecipient(String id, String recipient, String actor);
}
