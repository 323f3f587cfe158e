package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;

/** {@code streamail:quarantine-delete <id>}: deletes a held message and its bytes. */
@Command(scope = "streamail", name = "quarantine-delete", description = "Deletes a held message and its raw bytes; a message held for spam is also reported as your spam report (refused from now on)")
@Service
public class QuarantineDeleteCommand implements Action {

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
        QuarantineEntry e = QuarantineReleaseCommand.act(service, id, "delete",
                () -> service.delete(id, Actor.of(session)));
        System.out.println("Deleted " + e.id() + " (by " + Format.visible(e.actedBy()) + ")");
        return null;
    }
}
