package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkStore;

/** {@code streamail:clicks [-n 50] [--blocked]}: the newest clicks on rewritten links. */
@Command(scope = "streamail", name = "clicks", description = "Lists the newest clicks on rewritten links")
@Service
public class ClicksCommand implements Action {

    @Option(name = "-n", aliases = "--limit", description = "How many (1..1000, default 50)")
    int limit = 50;

    @Option(name = "-b", aliases = "--blocked", description = "Only blocked clicks")
    boolean blocked;

    @Reference(optional = true)
    LinkStore links;

    @Override
    public Object execute() {
        if (limit < 1 || limit > 1000) {
            throw new CommandFailure("--limit must be 1..1000, got " + limit);
        }
        List<Click> clicks = Services.require(links, "link store (store)").clicks(limit, blocked);
        if (clicks.isEmpty()) {
            System.out.println("No clicks.");
            return null;
        }
        // A viewer does not get the secrets clicked URLs carry (reset tokens, magic logins): audit finding.
        boolean whole = SpamReports.isAdmin();
        ShellTable table = new ShellTable();
        table.column("Time");
        table.column("Client");
        table.column("MAC");
        table.column("Blocked");
        table.column("Message");
        table.column("Recipient");
        table.column("URL");
        table.column("Reason");
        for (Click c : clicks) {
            table.addRow().addContent(Format.time(c.at()), c.clientIp(), c.mac(), c.blocked() ? "yes" : "no",
                    c.messageId(), Format.cell(c.recipient()), Format.cell(whole ? c.url() : Click.redactedUrl(c.url())), Format.cell(c.reason()));
        }
        table.print(System.out);
        return null;
    }
}
