package org.streamail.shell.internal;

import java.util.Comparator;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;

/** {@code streamail:directory-list}: protected domains and registered addresses. */
@Command(scope = "streamail", name = "directory-list", description = "Lists the protected domains and the registered addresses")
@Service
public class DirectoryListCommand implements Action {

    @Reference(optional = true)
    Directory directory;

    @Override
    public Object execute() {
        Directory d = Services.require(directory, "directory (store)");
        List<String> domains = d.protectedDomains().stream().sorted().toList();
        System.out.println("Protected domains: " + (domains.isEmpty() ? "none (set domains in org.streamail.directory)"
                : String.join(", ", domains)));
        ShellTable table = new ShellTable().emptyTableText("No registered addresses");
        table.column("Address");
        table.column("Display name");
        table.column("Registered");
        for (DirectoryEntry e : d.list().stream().sorted(Comparator.comparing(DirectoryEntry::address)).toList()) {
            table.addRow().addContent(Format.visible(e.address()), Format.cell(e.displayName()),
                    Format.time(e.createdAt()));
        }
        table.print(System.out);
        return null;
    }
}
