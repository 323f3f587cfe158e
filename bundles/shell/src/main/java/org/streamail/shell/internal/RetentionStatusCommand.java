package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.retention.RetentionService;
import org.streamail.api.retention.SweepStatus;

/** {@code streamail:retention-status}: where the retention sweeps stand, as every node sharing the store sees them. */
@Command(scope = "streamail", name = "retention-status", description = "Shows the last retention sweep by any gateway"
        + " node and a sweep in progress on any node")
@Service
public class RetentionStatusCommand implements Action {

    @Reference(optional = true)
    RetentionService retention;

    @Override
    public Object execute() {
        RetentionService service = Services.require(retention, "retention service (retention bundle)");
        SweepStatus s;
        try {
            s = service.sweepStatus();
        } catch (IllegalStateException e) {
            throw new CommandFailure("Retention status not available: " + Format.visible(e.getMessage()));
        }
        System.out.println("Coordinated: " + (s.coordinated() ? "yes (the nodes sharing the store sweep once between"
                + " them)" : "no (no shared store: this node's own sweeps)"));
        System.out.println("Last sweep:  " + s.lastStart().map(t -> Format.time(t) + s.lastEnd()
                .map(e -> " .. " + Format.time(e)).orElse("") + (s.lastNode().isEmpty() ? "" : " on "
                + Format.visible(s.lastNode()))).orElse("none yet"));
        if (!s.lastSummary().isEmpty()) {
            System.out.println("             " + Format.visible(s.lastSummary()));
        }
        s.running().ifPresentOrElse(r -> {
            System.out.println("Running:     on " + Format.visible(r.node()) + " since " + Format.time(r.started())
                    + (r.full() ? "" : " (one mailbox)") + ", " + r.mailboxesDone() + " mailbox(es) done");
            System.out.println("Lease:       " + Format.time(r.lease()) + (r.lapsed()
                    ? " (lapsed: that node stopped; the next node due sweeps)" : ""));
        }, () -> System.out.println("Running:     no"));
        return null;
    }
}
