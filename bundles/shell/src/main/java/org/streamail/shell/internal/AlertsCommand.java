package org.streamail.shell.internal;

import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertQuery;
import org.streamail.api.alert.AlertStore;
import org.streamail.api.alert.Severity;

/** {@code streamail:alerts [-n 50] [--severity HIGH] [--kind click-blocked]}: the newest alerts. */
@Command(scope = "streamail", name = "alerts", description = "Lists the newest alerts (blocked clicks, recalled "
        + "campaigns, isolated hosts), with their escalated severity")
@Service
public class AlertsCommand implements Action {

    @Option(name = "-n", aliases = "--limit", description = "How many (1..1000, default 50)")
    int limit = 50;

    @Option(name = "-s", aliases = "--severity", description = "Only at or above: INFO, LOW, MEDIUM, HIGH, CRITICAL")
    String severity;

    @Option(name = "-k", aliases = "--kind", description = "Only this kind, e.g. click-blocked")
    String kind;

    @Option(name = "-d", aliases = "--detail", description = "Print each alert's detail under it")
    boolean detail;

    @Reference(optional = true)
    AlertStore alerts;

    @Override
    public Object execute() {
        AlertStore store = Services.require(alerts, "alert store (store)");
        if (limit < 1 || limit > 1000) {
            throw new CommandFailure("--limit must be 1..1000, got " + limit);
        }
        Severity min = null;
        if (severity != null) {
            try {
                min = Severity.valueOf(severity.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandFailure("--severity must be INFO, LOW, MEDIUM, HIGH or CRITICAL, got "
                        + Format.visible(severity));
            }
        }
        List<Alert> found = store.query(new AlertQuery(limit, min, kind == null ? null : kind.strip(), null, null));
        if (found.isEmpty()) {
            System.out.println("No alerts.");
            return null;
        }
        ShellTable table = new ShellTable();
        table.column("Id");
        table.column("Time");
        table.column("Severity");
        table.column("Kind");
        table.column("Subject");
        table.column("#");
        table.column("Recipient");
        table.column("Title");
        for (Alert a : found) {
            table.addRow().addContent(a.id(), Format.time(a.createdAt()), a.severity().name(), Format.cell(a.kind()),
                    Format.cell(a.subject()), a.occurrences(), Format.cell(a.recipient()), Format.cell(a.title()));
        }
        table.print(System.out);
        if (detail) {
            for (Alert a : found) {
                System.out.println(a.id() + ": " + Format.visible(a.detail()));
            }
        }
        return null;
    }
}
