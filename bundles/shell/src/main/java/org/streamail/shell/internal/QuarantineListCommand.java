package org.streamail.shell.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;

/** {@code streamail:quarantine-list}: quarantined messages, newest first (held ones by default). */
@Command(scope = "streamail", name = "quarantine-list", description = "Lists quarantined messages, newest first")
@Service
public class QuarantineListCommand implements Action {

    @Option(name = "-n", aliases = "--limit", description = "How many entries (1..1000, default 20)")
    int limit = 20;

    @Option(name = "-s", aliases = "--status", description = "HELD (default), RELEASED, DELETED or ANY")
    @Completion(value = StringsCompleter.class, values = {"HELD", "RELEASED", "DELETED", "ANY"}, caseSensitive = false)
    String status = "HELD";

    @Reference(optional = true)
    QuarantineService quarantine;

    @Override
    public Object execute() {
        QuarantineService service = Services.require(quarantine, "quarantine service (gateway core)");
        if (limit < 1 || limit > QuarantineQuery.MAX_LIMIT) {
            throw new CommandFailure("--limit must be between 1 and " + QuarantineQuery.MAX_LIMIT + ", got " + limit);
        }
        List<QuarantineEntry> entries = service.list(
                new QuarantineQuery(limit, 0, parseStatus(status), null, null, null));
        ShellTable table = new ShellTable().emptyTableText("Quarantine is empty");
        table.column("Id");
        table.column("Quarantined");
        table.column("Status");
        table.column("From");
        table.column("To");
        table.column("Score").alignRight();
        table.column("Categories");
        table.column("Subject");
        for (QuarantineEntry e : entries) {
            table.addRow().addContent(e.id(), Format.time(e.quarantinedAt()), Format.cell(Format.status(e)),
                    Format.cell(Format.sender(e.envelope())), Format.cell(Format.recipients(e.envelope())),
                    Format.score(e.verdict().score()), Format.categories(e.verdict().categories()),
                    Format.cell(e.subject()));
        }
        table.print(System.out);
        return null;
    }

    static QuarantineEntry.Status parseStatus(String text) {
        if (text == null || text.isBlank() || text.strip().equalsIgnoreCase("ANY")) {
            return null;
        }
        try {
            return QuarantineEntry.Status.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Unknown status '" + Format.visible(text) + "'; use one of "
                    + Arrays.toString(QuarantineEntry.Status.values()) + " or ANY");
        }
    }
}
