package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;

/** {@code streamail:quarantine-show <id>}: one quarantined message with its envelope and findings. */
@Command(scope = "streamail", name = "quarantine-show", description = "Shows a quarantined message: envelope, verdict and findings")
@Service
public class QuarantineShowCommand implements Action {

    @Argument(index = 0, name = "id", description = "The quarantine id", required = true)
    @Completion(QuarantineIdCompleter.class)
    String id;

    @Reference(optional = true)
    QuarantineService quarantine;

    @Override
    public Object execute() {
        QuarantineEntry e = Services.require(quarantine, "quarantine service (gateway core)").get(id)
                .orElseThrow(() -> new CommandFailure("No quarantined message with id " + Format.visible(id)));
        Format.quarantineEntry(e, System.out);
        return null;
    }
}
