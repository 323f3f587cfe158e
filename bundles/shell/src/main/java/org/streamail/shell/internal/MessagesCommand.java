package org.streamail.shell.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.model.Action;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;

/** {@code streamail:messages}: the message log, newest first. */
@Command(scope = "streamail", name = "messages", description = "Lists the message log, newest first")
@Service
public class MessagesCommand implements org.apache.karaf.shell.api.action.Action {

    @Option(name = "-n", aliases = "--limit", description = "How many messages (1..1000, default 20)")
    int limit = 20;

    @Option(name = "-a", aliases = "--action", description = "Only messages with this action: DELIVER, TAG, QUARANTINE, REJECT")
    @Completion(value = StringsCompleter.class, values = {"DELIVER", "TAG", "QUARANTINE", "REJECT"}, caseSensitive = false)
    String action;

    @Reference(optional = true)
    MessageLog messageLog;

    @Override
    public Object execute() {
        MessageLog log = Services.require(messageLog, "message log (store)");
        if (limit < 1 || limit > LogQuery.MAX_LIMIT) {
            throw new CommandFailure("--limit must be between 1 and " + LogQuery.MAX_LIMIT + ", got " + limit);
        }
        List<LogEntry> entries = log.query(new LogQuery(limit, 0, parseAction(action), null, null, null, null));
        ShellTable table = new ShellTable().emptyTableText("No messages");
        table.column("Received");
        table.column("Id");
        table.column("From");
        table.column("To");
        table.column("Action");
        table.column("Score").alignRight();
        table.column("Status");
        table.column("Subject");
        for (LogEntry e : entries) {
            table.addRow().addContent(Format.time(e.receivedAt()), e.id(), Format.cell(Format.sender(e.envelope())),
                    Format.cell(Format.recipients(e.envelope())), e.action() == null ? "-" : e.action().name(),
                    e.verdict() == null ? "-" : Format.score(e.verdict().score()), e.status().name(),
                    Format.cell(e.subject()));
        }
        table.print(System.out);
        return null;
    }

    static Action parseAction(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Action.valueOf(text.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure("Unknown action '" + Format.visible(text) + "'; use one of "
                    + Arrays.toString(Action.values()));
        }
    }
}
