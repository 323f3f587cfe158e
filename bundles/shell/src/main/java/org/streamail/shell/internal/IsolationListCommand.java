package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationService;

/** {@code streamail:isolation-list}: the hosts cut off the network now. */
@Command(scope = "streamail", name = "isolation-list", description = "Lists the isolated hosts, oldest first")
@Service
public class IsolationListCommand implements Action {

    @Reference(optional = true)
    IsolationService isolation;

    @Override
    public Object execute() {
        List<Isolation> list = Services.require(isolation, "isolation service (isolation bundle)").list();
        if (list.isEmpty()) {
            System.out.println("No isolated hosts.");
            return null;
        }
        ShellTable table = new ShellTable();
        table.column("IP");
        table.column("MAC");
        table.column("Since");
        table.column("Until");
        table.column("Offences");
        table.column("By");
        table.column("Reason");
        for (Isolation i : list) {
            table.addRow().addContent(i.ip(), i.mac(), Format.time(i.since()),
                    i.until() == null ? "released by hand" : Format.time(i.until()), i.offences(),
                    Format.cell(i.actor()), Format.cell(i.reason()));
        }
        table.print(System.out);
        return null;
    }
}
