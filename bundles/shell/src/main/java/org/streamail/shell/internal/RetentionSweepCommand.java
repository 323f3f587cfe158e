package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.retention.RetentionException;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.retention.SweepReport;

/** {@code streamail:retention-sweep [mailbox]}: sweeps now and prints the counts. */
@Command(scope = "streamail", name = "retention-sweep", description = "Sweeps all mailboxes (or one) for expired mail now, by the retention policy")
@Service
public class RetentionSweepCommand implements Action {

    @Argument(index = 0, name = "mailbox", description = "Only this mailbox (default: every configured mailbox)")
    String mailbox;

    @Reference(optional = true)
    RetentionService retention;

    @Override
    public Object execute() {
        RetentionService service = Services.require(retention, "retention service (retention bundle)");
        SweepReport r;
        try {
            r = mailbox == null ? service.sweep() : service.sweep(mailbox.strip());
        } catch (IllegalArgumentException | RetentionException e) {
            throw new CommandFailure("Sweep not possible: " + Format.visible(e.getMessage()));
        }
        report(r);
        return null;
    }

    static void report(SweepReport r) {
        System.out.println("Sweep:      " + Format.time(r.startedAt()) + ", " + r.elapsed().toMillis() + " ms"
                + (r.dryRun() ? " (DRY RUN: nothing changed)" : ""));
        System.out.println("Mailboxes:  " + r.mailboxes());
        System.out.println("Scanned:    " + r.scanned());
        System.out.println("Expired:    " + r.expired());
        System.out.println("Deleted:    " + r.deleted());
        System.out.println("Moved:      " + r.moved());
        System.out.println("Flagged:    " + r.flagged());
        System.out.println("Exempt:     " + r.exempt());
        System.out.println("Errors:     " + r.errors());
        for (String p : r.problems()) {
            System.out.println("  - " + Format.visible(p));
        }
    }
}
