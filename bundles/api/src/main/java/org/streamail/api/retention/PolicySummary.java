package org.streamail.api.retention;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The retention policy in force, without secrets (no key, no password). Immutable.
 *
 * @param trustedDomains  external sender domains whose unsigned retention headers are honoured
 * @param internalDomains the organisation's domains, whose headers count only when signed by the gateway
 * @param minAge          shortest retention allowed, counted from the server's receipt
 * @param maxAge          longest retention allowed
 * @param defaultRules    sender rules applied when stamping, e.g. {@code marketing@*=P14D}
 * @param action          {@code delete}, {@code move:<folder>} or {@code flag}
 * @param exemptFolders   folders (and their subfolders) never touched
 * @param optoutMailboxes mailboxes never swept
 * @param mailboxes       mailboxes swept (configured, or the directory's registered addresses)
 * @param sweepInterval   time between scheduled sweeps, or {@code null} when only manual sweeps run
 * @param dryRun          whether sweeps only report
 * @param imapServer      {@code host:port (security)} of the IMAP server
 * @param lastSweep       the last finished sweep, or {@code null} before the first
 */
public record PolicySummary(
        List<String> trustedDomains,
        List<String> internalDomains,
        Duration minAge,
        Duration maxAge,
        List<String> defaultRules,
        String action,
        List<String> exemptFolders,
        List<String> optoutMailboxes,
        List<String> mailboxes,
        Duration sweepInterval,
        boolean dryRun,
        String imapServer,
        SweepReport lastSweep) {

    public PolicySummary {
        trustedDomains = List.copyOf(trustedDomains);
        internalDomains = List.copyOf(internalDomains);
        Objects.requireNonNull(minAge, "minAge");
        Objects.requireNonNull(maxAge, "maxAge");
        defaultRules = List.copyOf(defaultRules);
        Objects.requireNonNull(action, "action");
        exemptFolders = List.copyOf(exemptFolders);
        optoutMailboxes = List.copyOf(optoutMailboxes);
        mailboxes = List.copyOf(mailboxes);
        imapServer = imapServer == null ? "" : imapServer;
    }
}
