package org.streamail.api.spam;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The remembered rejections ("requests not to accept again"). Implemented by the detect-spam bundle; used
 * by the REST API ({@code /blocklist}), the shell ({@code block-*}) and that bundle's SMTP guard and
 * detector.
 *
 * <p>Threading: thread-safe. {@link #match} answers from an in-memory copy that is at most a few seconds
 * stale for rules added on another node (the implementation documents the bound); changes made through
 * this node apply at once. Database failures surface as {@link org.streamail.api.store.StoreException}.
 */
@ProviderType
public interface BlockListService {

    /** Every rule, expired ones included, newest first. */
    List<BlockRule> list();

    /**
     * Adds an administrator's rule.
     *
     * @param type      what to match
     * @param value     the value; normalised (lower case, CIDR checked, hash checked)
     * @param reason    why, or {@code null}
     * @param expiresAt when it stops applying, or {@code null} for never; must be in the future
     * @param actor     who adds it
     * @return the stored rule
     * @throws IllegalArgumentException when the value is not valid for the type (a clear message says why)
     */
    BlockRule add(BlockRule.Type type, String value, String reason, Instant expiresAt, String actor);

    /** Removes a rule; {@code false} if there is no rule with that id. */
    boolean remove(String id, String actor);

    /**
     * The first active rule of {@code type} matching {@code value} (an address, domain, IP address, HELO
     * name, URL host or SHA-256), or empty. A {@code null} or empty value matches nothing.
     */
    Optional<BlockRule> match(BlockRule.Type type, String value);
}
