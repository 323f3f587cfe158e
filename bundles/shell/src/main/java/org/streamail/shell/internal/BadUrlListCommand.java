package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.linkguard.BadUrl;
import org.streamail.api.linkguard.LinkStore;

/** {@code streamail:bad-url-list [-n 50]}: the URLs campaign recalls marked bad, newest first. */
@Command(scope = "streamail", name = "bad-url-list",
        description = "Lists the URLs marked bad by campaign recalls (every click on them is blocked)")
@Service
public class BadUrlListCommand implements Action {

    @Option(name = "-n", aliases = "--limit", description = "How many (1..1000, default 50)")
    int limit = 50;

    @Reference(optional = true)
    LinkStore links;

    @Override
    public Object execute() {
        if (limit < 1 || limit > 1000) {
            throw new CommandFailure("--limit must be 1..1000, got " + limit);
        }
        List<BadUrl> bad;
        try {
            bad = Services.require(links, "link store (store)").badUrls(limit);
        } catch (UnsupportedOperationException e) {
            throw new CommandFailure("This gateway's link store cannot list bad URLs");
        }
        if (bad.isEmpty()) {
            System.out.println("No URL is marked bad.");
            return null;
        }
        boolean whole = SpamReports.isAdmin(); // a marked URL may be a clicked reset link: as for clicks
        ShellTable table = new ShellTable();
        table.column("Marked");
        table.column("URL");
        table.column("Reason");
        for (BadUrl b : bad) {
            table.addRow().addContent(Format.time(b.markedAt()), Format.cell(whole ? b.url() : org.streamail.api.linkguard.Click.redactedUrl(b.url())), Format.cell(b.reason()));
        }
        table.print(System.out);
        return null;
    }
}
