package org.streamail.workbench.client;

import java.util.List;

/**
 * The retention policy in force ({@code GET /retention/policy}; it never contains a secret). Ages and the
 * interval are ISO-8601 durations as the gateway writes them ({@code sweepInterval} empty when only manual
 * sweeps run); {@code action} is {@code delete}, {@code move:<folder>} or {@code flag}; {@code lastSweep} is
 * {@code null} before the first sweep. Lists unmodifiable.
 */
public record RetentionPolicy(List<String> trustedDomains, List<String> internalDomains, String minAge,
        String maxAge, List<String> defaultRules, String action, List<String> exemptFolders,
        List<String> optoutMailboxes, List<String> mailboxes, String sweepInterval, boolean dryRun,
        String imapServer, SweepReport lastSweep) {

    public RetentionPolicy {
        trustedDomains = List.copyOf(trustedDomains);
        internalDomains = List.copyOf(internalDomains);
        defaultRules = List.copyOf(defaultRules);
        exemptFolders = List.copyOf(exemptFolders);
        optoutMailboxes = List.copyOf(optoutMailboxes);
        mailboxes = List.copyOf(mailboxes);
    }
}
