package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.retention.PolicySummary;
import org.streamail.api.retention.RetentionService;

/** {@code streamail:retention-policy}: the retention policy in force (no secrets) and the last sweep. */
@Command(scope = "streamail", name = "retention-policy", description = "Shows the retention policy in force and the last sweep")
@Service
public class RetentionPolicyCommand implements Action {

    @Reference(optional = true)
    RetentionService retention;

    @Override
    public Object execute() {
        PolicySummary p = Services.require(retention, "retention service (retention bundle)").policySummary();
        System.out.println("Action:           " + Format.visible(p.action()) + (p.dryRun() ? " (DRY RUN)" : ""));
        System.out.println("Min/max age:      " + p.minAge() + " / " + p.maxAge());
        System.out.println("Trusted domains:  " + list(p.trustedDomains()));
        System.out.println("Internal domains: " + list(p.internalDomains()));
        System.out.println("Default rules:    " + list(p.defaultRules()));
        System.out.println("Exempt folders:   " + list(p.exemptFolders()));
        System.out.println("Opted out:        " + list(p.optoutMailboxes()));
        System.out.println("Mailboxes:        " + list(p.mailboxes()));
        System.out.println("Sweep interval:   " + (p.sweepInterval() == null ? "manual only" : p.sweepInterval()));
        System.out.println("IMAP server:      " + Format.visible(p.imapServer()));
        if (p.lastSweep() == null) {
            System.out.println("Last sweep:       none yet");
        } else {
            System.out.println("Last sweep:");
            RetentionSweepCommand.report(p.lastSweep());
        }
        return null;
    }

    private static String list(List<String> values) {
        return values.isEmpty() ? "-" : Format.visible(String.join(", ", values));
    }
}
