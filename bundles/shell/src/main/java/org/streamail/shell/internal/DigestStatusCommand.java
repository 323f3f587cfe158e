package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.digest.DigestStatus;
import org.streamail.api.digest.QuarantineDigest;

/** {@code streamail:digest-status}: where the quarantine digest stands, as every node sharing the store sees it. */
@Command(scope = "streamail", name = "digest-status", description = "Shows when the last quarantine digest window"
        + " ended, this node's next send time and a run in progress on any node")
@Service
public class DigestStatusCommand implements Action {

    @Reference(optional = true)
    QuarantineDigest digest;

    @Override
    public Object execute() {
        QuarantineDigest service = Services.require(digest, "quarantine digest (digest bundle)");
        DigestStatus s;
        try {
            s = service.status();
        } catch (IllegalStateException e) {
            throw new CommandFailure("Digest status not available: " + Format.visible(e.getMessage()));
        }
        System.out.println("Scheduled:   " + (s.scheduled() ? "yes" : "no (enabled = false: by hand only)"));
        s.nextSlot().ifPresent(t -> System.out.println("Next:        " + Format.time(t)));
        System.out.println("Last window: " + s.lastEnd().map(t -> "ended " + Format.time(t))
                .orElse("none yet (the first digest covers first.window)"));
        s.running().ifPresentOrElse(r -> {
            System.out.println("Running:     on " + Format.visible(r.node()) + ", window " + Format.time(r.since())
                    + " .. " + Format.time(r.until()) + ", " + r.usersDone() + " users done");
            System.out.println("Lease:       " + Format.time(r.lease()) + (r.lapsed()
                    ? " (lapsed: that node stopped; the next tick of an enabled node goes on with it)" : ""));
        }, () -> System.out.println("Running:     no"));
        return null;
    }
}
