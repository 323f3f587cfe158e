package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.streamail.api.spam.BlockListService;

/** {@code streamail:block-remove <id>}: removes a block rule. */
@Command(scope = "streamail", name = "block-remove", description = "Removes a block rule by id (see block-list)")
@Service
public class BlockRemoveCommand implements Action {

    @Argument(index = 0, name = "id", description = "The rule id", required = true)
    String id;

    @Reference(optional = true)
    BlockListService blockList;

    @Reference(optional = true)
    Session session;

    @Override
    public Object execute() {
        if (id.isBlank()) {
            throw new CommandFailure("Name the rule to remove: its id, or the first 8 characters of it (see block-list)");
        }
        if (!Services.require(blockList, "block list (detect-spam)").remove(id.strip(), Actor.of(session))) {
            throw new CommandFailure("No block rule " + Format.visible(id));
        }
        System.out.println("Removed rule " + id.strip());
        return null;
    }
}
