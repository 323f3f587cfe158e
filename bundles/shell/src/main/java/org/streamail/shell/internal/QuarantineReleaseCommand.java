package org.streamail.shell.internal;

import java.util.NoSuchElementException;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;

/** {@code streamail:quarantine-release <id>}: delivers a held message to its original recipients. */
@Command(scope = "streamail", name = "quarantine-release", description = "Releases a held message: it is delivered to its original recipients")
@Service
public class QuarantineReleaseCommand implements Action {

    @Argument(index = 0, name = "id", description = "The quarantine id", required = true)
    @Completion(QuarantineIdCompleter.class)
    String id;

    @Reference(optional = true)
    QuarantineService quarantine;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        QuarantineService service = Services.require(quarantine, "quarantine service (gateway core)");
        QuarantineEntry e = act(service, id, "release", () -> service.release(id, Actor.of(session)));
        System.out.println("Released " + e.id() + " to " + Format.visible(Format.recipients(e.envelope()))
                + " (by " + Format.visible(e.actedBy()) + ")");
        return null;
    }

    /** Runs a quarantine action, turning the service's exceptions into clear error lines. */
    static QuarantineEntry act(QuarantineService service, String id, String verb,
            java.util.function.Supplier<QuarantineEntry> action) {
        try {
            return action.get();
        } catch (NoSuchElementException e) {
            throw new CommandFailure("No quarantined message with id " + Format.visible(id));
        } catch (IllegalStateException e) {
            String status = service.get(id).map(q -> q.status().name()).orElse("unknown");
            throw new CommandFailure("Cannot " + verb + " " + Format.visible(id) + ": it is not held (status "
                    + status + ")");
        }
    }
}
