package org.streamail.shell.internal;

import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.retention.AuditQuery;
import org.streamail.api.retention.AuditRecord;
import org.streamail.api.retention.RetentionAuditStore;

/** {@code streamail:retention-audit}: the retention audit trail, newest first. */
@Command(scope = "streamail", name = "retention-audit", description = "Lists retention actions (deletions, moves, flags, extensions), newest first")
@Service
public class RetentionAuditCommand implements Action {

    @Option(name = "-n", aliases = "--limit", description = "How many entries (1..1000, default 20)")
    int limit = 20;

    @Option(name = "-m", aliases = "--mailbox", description = "Only this mailbox")
    String mailbox;

    @Option(name = "-i", aliases = "--message-id", description = "Only this Message-ID")
    String messageId;

    @Reference(optional = true)
    RetentionAuditStore audit;

    @Override
    public Object execute() {
        RetentionAuditStore store = Services.require(audit, "retention audit (store)");
        if (limit < 1 || limit > AuditQuery.MAX_LIMIT) {
            throw new CommandFailure("--limit must be between 1 and " + AuditQuery.MAX_LIMIT + ", got " + limit);
        }
        List<AuditRecord> records = store.query(new AuditQuery(limit, blankToNull(mailbox), blankToNull(messageId)));
        ShellTable table = new ShellTable().emptyTableText("No retention actions recorded");
        table.column("Time");
        table.column("Action");
        table.column("Mailbox");
        table.column("Folder");
        table.column("Message-ID");
        table.column("Expiry");
        table.column("Rule");
        table.column("Actor");
        table.column("Dry run");
        for (AuditRecord r : records) {
            table.addRow().addContent(Format.time(r.time()), r.action().name(), Format.cell(r.mailbox()),
                    Format.cell(r.folder()), Format.cell(r.messageId()), Format.time(r.expiry()), Format.cell(r.rule()),
                    Format.cell(r.actor()), r.dryRun() ? "yes" : "");
        }
        table.print(System.out);
        return null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
