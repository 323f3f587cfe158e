package org.streamail.api.spam;

import java.util.NoSuchElementException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Takes spam and ham reports from users and administrators. Implemented by the detect-spam bundle; used by
 * the REST API ({@code POST /reports/spam|ham}), the shell ({@code streamail:report-spam|report-ham}) and
 * the core (an administrator's release is a ham report, an administrator's quarantine a spam report).
 *
 * <p>A report fingerprints the message (fuzzy text signature plus exact attachment hashes), records who
 * reported it, and trains the learned classifier once per message. A SPAM fingerprint refuses matching mail
 * on every node once it has the configured number of distinct reporters or one administrator report; a HAM
 * report from an administrator (or, by configuration, from users) lifts it.
 *
 * <p>Threading: thread-safe. Reports are idempotent per (fingerprint, reporter): the same message reported
 * twice by the same person counts once. Arguments are never {@code null}. Failures of the database surface
 * as {@link org.streamail.api.store.StoreException}.
 */
@ProviderType
public interface ReportService {

    /**
     * Reports a raw RFC 822 message.
     *
     * @param kind     spam or ham
     * @param raw      the message bytes
     * @param reporter the authenticated user reporting it (REST user, shell user, or a system actor)
     * @param admin    whether the reporter is an administrator (one admin report blocks or lifts at once)
     * @throws IllegalArgumentException if the bytes are empty, too large or not a mail message (no header field such
     *                                  as From, To, Subject or Received at the start), or the reporter is empty
     */
    ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin);

    /**
     * Reports a message the gateway has seen, by its gateway id: a quarantine id, or a message-log id of a
     * message this node inspected recently.
     *
     * @throws NoSuchElementException   if no message with that id can be found (or its bytes are gone)
     * @throws IllegalArgumentException as for {@link #report(ReportKind, byte[], String, boolean)}
     */
    ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin);
}
