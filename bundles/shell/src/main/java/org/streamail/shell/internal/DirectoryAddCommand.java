package org.streamail.shell.internal;

import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/** {@code streamail:directory-add <address> [displayName]}: registers an address (or renames it). */
@Command(scope = "streamail", name = "directory-add", description = "Registers an address in a protected domain, or updates its display name")
@Service
public class DirectoryAddCommand implements Action {

    @Argument(index = 0, name = "address", description = "local@domain in a protected domain", required = true)
    String address;

    @Argument(index = 1, name = "displayName", description = "The person's or role's name")
    String displayName;

    @Reference(optional = true)
    Directory directory;

    @Override
    public Object execute() {
        Directory d = Services.require(directory, "directory (store)");
        String name = displayName == null ? "" : displayName.strip();
        if (name.chars().anyMatch(Character::isISOControl) || name.length() > 256) {
            throw new CommandFailure("The display name must be at most 256 characters without control characters");
        }
        boolean existed = d.find(address.strip()).isPresent();
        DirectoryEntry e;
        try {
            e = d.add(address.strip(), name);
        } catch (IllegalArgumentException ex) {
            // the directory's reason names the address already ("cannot register 'x': ..."): said once
            String reason = ex.getMessage() == null ? "" : ex.getMessage();
            throw new CommandFailure(reason.startsWith("cannot register") ? "C" + Format.visible(reason.substring(1))
                    : "Cannot register " + Format.visible(address) + ": " + Format.visible(reason));
        }
        System.out.println((existed ? "Updated " : "Registered ") + e.address()
                + (e.displayName().isEmpty() ? "" : " (" + Format.visible(e.displayName()) + ")"));
        return null;
    }
}
