package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.digest.QuarantineDigest;

/** {@code streamail:digest-send}: sends the quarantine digest now and prints what was sent. */
@Command(scope = "streamail", name = "digest-send", description = "Sends every user the digest of what was held for them"
        + " since the last digest, now")
@Service
public class DigestSendCommand implements Action {

    @Reference(optional = true)
    QuarantineDigest digest;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        QuarantineDigest service = Services.require(digest, "quarantine digest (digest bundle)");
        DigestRun r;
        try {
            r = service.sendNow(Actor.of(session));
        } catch (IllegalStateException e) {
            throw new CommandFailure("Digest not sent: " + Format.visible(e.getMessage()));
        }
        System.out.println("Window:      " + Format.time(r.since()) + " .. " + Format.time(r.until()));
        System.out.println("Held:        " + r.entries() + (r.truncated() ? " (more than max.scan: the oldest left out)" : ""));
        System.out.println("Users:       " + r.recipients());
        System.out.println("Sent:        " + r.mailsSent());
        System.out.println("Failed:      " + r.mailsFailed());
        return null;
    }
}
