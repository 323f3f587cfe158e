package org.streamail.shell.internal;

import java.time.Instant;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;
import org.streamail.api.spam.BlockListService;
import org.streamail.api.spam.BlockRule;

/** {@code streamail:block-list}: the remembered rejections, newest first. */
@Command(scope = "streamail", name = "block-list", description = "Lists the block rules (remembered rejections), newest first")
@Service
public class BlockListCommand implements Action {

    @Reference(optional = true)
    BlockListService blockList;

    @Override
    public Object execute() {
        List<BlockRule> rules = Services.require(blockList, "block list (detect-spam)").list();
        if (rules.isEmpty()) {
            System.out.println("No block rules.");
            return null;
        }
        Instant now = Instant.now();
        ShellTable table = new ShellTable();
        table.column("Id");
        table.column("Type");
        table.column("Value");
        table.column("Expires");
        table.column("Source");
        table.column("Active");
        table.column("By");
        table.column("Reason");
        for (BlockRule r : rules) {
            table.addRow().addContent(r.id(), r.type().name(), Format.cell(r.value()),
                    r.expiresAt() == null ? "never" : Format.time(r.expiresAt()), r.source().name(),
                    r.activeAt(now) ? "yes" : "expired", Format.cell(r.createdBy()), Format.cell(r.reason()));
        }
        table.print(System.out);
        return null;
    }
}
