package org.streamail.workbench.internal.views;

import java.util.List;
import org.eclipse.jface.window.Window;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.BlockRule;
import org.streamail.workbench.client.GatewayClient;

/**
 * The block list: rules by sender, sender domain, client IP, HELO, link domain or attachment hash, added by
 * administrators or automatically after repeated spam reports. Add… opens a validating dialog; Remove… asks
 * for confirmation.
 */
@Component(service = WorkbenchView.class)
public final class BlockListView extends GatewayView {

    private Label summary;
    private Ui.SortedTable<BlockRule> table;
    private Button remove;

    public BlockListView() {
        super("blocklist", "Block list", 45);
    }

    @Override
    protected void createContents() {
        summary = summaryLine("blocklist.summary", "Not connected");
        table = Ui.filledTable(root, "blocklist.table");
        table.column("Type", 120, BlockRule::type, null)
                .column("Value", 240, BlockRule::value, null)
                .column("Reason", 220, BlockRule::reason, null)
                .column("By", 80, BlockRule::createdBy, null)
                .column("Created", 140, r -> Ui.time(r.createdAt()), BlockRule::createdAt)
                .column("Expires", 140, r -> r.expiresAt() == null ? "never" : Ui.time(r.expiresAt()),
                        BlockRule::expiresAt)
                .column("Source", 60, BlockRule::source, null)
                .column("Active", 55, r -> r.active() ? "yes" : "expired", null)
                .column("Id", 90, BlockRule::id, null);
        table.sort(4, true);
        table.viewer.addSelectionChangedListener(e -> remove.setEnabled(table.selected() != null));

        Composite actions = new Composite(root, SWT.NONE);
        actions.setLayout(new GridLayout(3, false));
        Ui.button(actions, "Add…", "blocklist.add", this::addRule);
        remove = Ui.button(actions, "Remove…", "blocklist.remove", this::removeSelected);
        remove.setEnabled(false);
        Ui.button(actions, "Refresh", "blocklist.refresh", this::refresh);
    }

    @Override
    protected void showDisconnected() {
        table.viewer.setInput(List.of());
        remove.setEnabled(false);
        Ui.message(summary, "Not connected", false);
    }

    @Override
    protected void load(GatewayClient gw) {
        context.run(root, "Loading the block list", gw::blockList, rules -> {
            table.viewer.setInput(rules);
            long active = rules.stream().filter(BlockRule::active).count();
            long auto = rules.stream().filter(r -> r.source().equals("AUTO")).count();
            Ui.message(summary, rules.size() + " rules, " + active + " active, " + auto
                    + " added automatically after spam reports", false);
            remove.setEnabled(table.selected() != null);
        }, e -> Ui.message(summary, "Loading the block list failed: " + e.getMessage(), true));
    }

    private void addRule() {
        BlockRuleDialog dialog = new BlockRuleDialog(root.getShell());
        if (dialog.open() != Window.OK) {
            return;
        }
        GatewayClient gw = context.gateway();
        change("Adding block rule " + dialog.type() + " " + dialog.value(), "Adding the block rule failed",
                () -> gw.addBlockRule(dialog.type(), dialog.value(), dialog.reason(), dialog.expires()),
                added -> "Blocked " + added.type() + " " + added.value() + (added.expiresAt() == null ? ""
                        : " until " + Ui.time(added.expiresAt())) + " (rule " + added.id() + ")");
    }

    private void removeSelected() {
        BlockRule r = table.selected();
        if (r == null || !confirm("Remove block rule", "Remove the rule blocking "
                + Visible.cell(r.type() + " " + r.value()) + "?\n\n"
                + (r.reason().isEmpty() ? "" : "It was added by " + Visible.cell(r.createdBy() + ": " + r.reason())
                        + "\n\n")
                + "Mail that matches it will be accepted again.", "Remove")) {
            return;
        }
        GatewayClient gw = context.gateway();
        change("Removing block rule " + r.id(), "Removing the block rule failed", () -> {
            gw.removeBlockRule(r.id());
            return r;
        }, removed -> "Removed the rule blocking " + removed.type() + " " + removed.value());
    }
}
