package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.store.Directory;

/** {@code streamail:directory-remove <address>}: unregisters an address. */
@Command(scope = "streamail", name = "directory-remove", description = "Removes a registered address")
@Service
public class DirectoryRemoveCommand implements Action {

    @Argument(index = 0, name = "address", description = "The registered address", required = true)
    @Completion(DirectoryAddressCompleter.class)
    String address;

    @Reference(optional = true)
    Directory directory;

    @Override
    public Object execute() {
        Directory d = Services.require(directory, "directory (store)");
        if (!d.remove(address.strip())) {
            throw new CommandFailure("No registered address " + Format.visible(address));
        }
        System.out.println("Removed " + Format.visible(address.strip()));
        return null;
    }
}
