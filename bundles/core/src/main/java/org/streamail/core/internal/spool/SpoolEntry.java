package org.streamail.core.internal.spool;

import java.nio.file.Path;
import java.util.Objects;
import org.streamail.api.model.Envelope;

/**
 * One message in the spool, as described by its file header. Immutable.
 *
 * @param key        the file name stem in {@code queue/} (the message id, or {@code <id>-released} for a
 *                   message released from quarantine, {@code <id>-released-<n>} for a copy released to one
 *                   recipient: {@link ReleaseKeys})
 * @param id         the gateway message id (message log and quarantine use it)
 * @param envelope   the envelope as received
 * @param released   whether the entry was released from quarantine by {@code releasedBy} and is delivered
 *                   without scanning
 * @param releasedBy the administrator who released it, or {@code ""}
 * @param file       the spool file
 * @param rawOffset  where the raw message starts in the file
 * @param rawLength  the raw message's length
 */
public record SpoolEntry(String key, String id, Envelope envelope, boolean released, String releasedBy, Path file,
        long rawOffset, long rawLength) {

    public SpoolEntry {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(envelope, "envelope");
        releasedBy = releasedBy == null ? "" : releasedBy;
        Objects.requireNonNull(file, "file");
    }
}
