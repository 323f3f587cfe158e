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
     * Deletes a held message and its bytes.
     *
     * @throws NoSuchElementException if there is no such entry
     * @throws IllegalStateException  if it is not HELD
     */
    QuarantineEntry delete(String id, String actor);
}
