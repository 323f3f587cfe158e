package org.streamail.api.digest;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends the quarantine digest: one mail per recipient listing the messages held for them since the previous
 * digest. The digest bundle runs it on its schedule; {@link #sendNow} is the same run by hand. Runs never overlap:
 * a call while one is in progress on this node waits for it, one while another node sends is refused. Thread-safe.
 */
@ProviderType
public interface QuarantineDigest {

    /**
     * How the actor of a release a user made from their digest starts ({@code digest:<user's address>}): such a
     * release is that user's judgement, not an administrator's (the spam bundle learns it as a user's ham report).
     */
    String RELEASE_ACTOR_PREFIX = "digest:";

    /**
     * Sends the digest of what was held since the previous digest (or over the configured first window when
     * there was none), and moves the start of the next one to the end of this one.
     *
     * @param actor who asked, for the log
     * @return what was sent
     * @throws IllegalStateException when the quarantine cannot be read (nothing was sent, the window is kept)
     */
    DigestRun sendNow(String actor);

    /**
     * Where the digest stands: the end of the last window and the run in progress, read from the store every node
     * shares.
     *
     * @throws IllegalStateException when the store cannot be read
     * @since package version 1.1.0
     */
    DigestStatus status();
}
