package org.streamail.api.service;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;

/**
 * Administrator actions on the quarantine; reads go through to the store. Implemented by the core.
 * Every action is logged with its actor.
 */
@ProviderType
public interface QuarantineService {

    List<QuarantineEntry> list(QuarantineQuery query);

    Optional<QuarantineEntry> get(String id);

    Optional<byte[]> raw(String id);

    /**
     * Releases a held message: queues it for delivery to its original recipients, unscanned by the
     * detectors that held it (the administrator has judged it), and marks it RELEASED.
     *
     * @throws NoSuchElementException if there is no such entry
     * @throws IllegalStateException  if it is not HELD (already released or deleted)
     */
    QuarantineEntry release(String id, String actor);

    /**
     * Releases a held message to one of its recipients only: queues a copy for {@code recipient} alone, as
     * {@link #release} does for all of them, and records it ({@link QuarantineEntry#releasedTo()}); the message stays
     * held for the others, and becomes RELEASED once each of them has been released. For a user releasing their own
     * copy (the quarantine digest) and an administrator answering one recipient's request.
     *
     * @throws NoSuchElementException   if there is no such entry
     * @throws IllegalArgumentException if {@code recipient} is not one of its envelope recipients
     * @throws IllegalStateException    if it is not HELD, or was released to {@code recipient} already
     * @since package version 1.3.0
     */
    QuarantineEntry releaseTo(String id, String recipient, String actor);

    /**
     * Deletes a held message and its bytes.
     *
     * @throws NoSuchElementException if there is no such entry
     * @throws IllegalStateException  if it is not HELD
     */
    QuarantineEntry delete(String id, String actor);
}
