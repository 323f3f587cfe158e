package org.streamail.api.retention;

import java.time.Instant;
import java.util.NoSuchElementException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Sweeps mailboxes over IMAP for messages whose trusted retention has expired, and lets recipients extend
 * a message's retention when its sender allowed it. Implemented by the retention bundle; used by the REST
 * API, the shell and its own scheduler.
 *
 * <p>Threading: thread-safe. Sweeps are serialised: a sweep requested while another runs waits for it up
 * to a bounded time, then fails with {@link RetentionException}. Every action (also in a dry run) is
 * written to the {@link RetentionAuditStore}. A sweep never throws for one bad message or folder: it counts
 * the error and goes on.
 */
@ProviderType
public interface RetentionService {

    /** Sweeps every configured mailbox (opt-outs excluded). */
    SweepReport sweep();

    /**
     * Sweeps one mailbox.
     *
     * @throws IllegalArgumentException if the name is empty or not a plausible mailbox name
     * @throws RetentionException       if the IMAP server cannot be used at all
     */
    SweepReport sweep(String mailbox);

    /**
     * Changes the expiry of a message at the recipient's request. Allowed only when the message carries a
     * valid gateway signature granting modification; the message is replaced by a re-signed copy (same
     * flags and INTERNALDATE) and the old one removed by UID. Audited whether done or refused.
     *
     * @param mailbox   the recipient's mailbox
     * @param messageId the Message-ID, with or without angle brackets
     * @param newExpiry the wanted expiry; clamped to the policy's {@code min.age}/{@code max.age}
     * @param actor     who asks (for the audit)
     * @throws NoSuchElementException   if no swept folder of the mailbox holds a message with that id
     * @throws SecurityException        if the sender did not grant modification (or the grant is forged)
     * @throws IllegalArgumentException if an argument is empty or malformed
     * @throws RetentionException       if the IMAP server cannot be used
     */
    Extension extend(String mailbox, String messageId, Instant newExpiry, String actor);

    /** The policy in force and the last sweep; never {@code null}. */
    PolicySummary policySummary();

    /**
     * Where the sweeps stand across the gateway nodes: the last full sweep by any node and a sweep in progress,
     * read from the store they share (without it, this node's own last sweep).
     *
     * @throws IllegalStateException when the store cannot be read
     * @since package version 1.1.0
     */
    SweepStatus sweepStatus();
}
