package org.streamail.workbench.internal.views;

import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.DirectoryItem;
import org.streamail.workbench.client.DirectoryListing;
import org.streamail.workbench.client.GatewayClient;

/**
 * The directory: protected domains and registered addresses (mail to any other local address gets 550).
 * Admins add and remove addresses here; removal asks for confirmation.
 */
@Component(service = WorkbenchView.class)
public final class DirectoryView extends GatewayView {

    private Label domains;
    private Ui.SortedTable<DirectoryItem> table;
    private Text address;
    private Text displayName;
    private Button remove;

    public DirectoryView() {
        super("directory", "Directory", 40);
    }

    @Override
    protected void createContents() {
        domains = summaryLine("directory.domains", "Protected domains: (not connected)");
        table = Ui.filledTable(root, "directory.table");
        table.column("Address", 280, DirectoryItem::address, null)
                .column("Display name", 240, DirectoryItem::displayName, null)
                .column("Registered", 160, d -> Ui.time(d.createdAt()), DirectoryItem::createdAt);
        table.viewer.addSelectionChangedListener(e -> remove.setEnabled(table.selected() != null));

        Composite add = new Composite(root, SWT.NONE);
        add.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        add.setLayout(new GridLayout(7, false));
        address = Ui.labelledText(add, "Address", "directory.address", 220, SWT.NONE);
        displayName = Ui.labelledText(add, "Name", "directory.name", 180, SWT.NONE);
        Ui.button(add, "Add", "directory.add", this::addAddress);
        remove = Ui.button(add, "Remove…", "directory.remove", this::removeSelected);
        remove.setEnabled(false);
        Ui.button(add, "Refresh", "directory.refresh", this::refresh);
    }

    /** Whenever the table is empty, not once per connection: an empty or failed load is asked for again. */
    @Override
    protected boolean stale() {
        return table.viewer.getTable().getItemCount() == 0;
    }

    @Override
    protected void showDisconnected() {
        table.viewer.setInput(java.util.List.of());
        domains.setText("Protected domains: (not connected)");
    }

    @Override
    protected void load(GatewayClient gw) {
        context.run(root, "Loading the directory", gw::directory, this::show, null);
    }

    private void show(DirectoryListing d) {
        domains.setText("Protected domains: " + (d.domains().isEmpty() ? "(none)" : Ui.join(d.domains()))
                + "    Registered addresses: " + d.items().size());
        table.viewer.setInput(d.items());
        remove.setEnabled(table.selected() != null);
        root.layout();
    }

    private void addAddress() {
        String a = address.getText().strip();
        String n = displayName.getText().strip();
        if (a.isEmpty()) {
            context.showStatus("Enter an address to add.", true);
            return;
        }
        GatewayClient gw = context.gateway();
        context.run(root, "Adding " + a, () -> gw.addDirectoryEntry(a, n), added -> {
            context.showStatus("Registered " + added.address(), false);
            address.setText("");
            displayName.setText("");
            refresh();
        }, e -> context.showStatus("Adding " + a + " failed: " + e.getMessage(), true));
    }

    private void removeSelected() {
        DirectoryItem d = table.selected();
        if (d == null || !confirm("Remove address", "Remove " + Visible.cell(d.address())
                + " from the directory?\n\nMail to it will be refused (550 5.1.1).", "Remove")) {
            return;
        }
        GatewayClient gw = context.gateway();
        change("Removing " + d.address(), null, () -> {
            gw.removeDirectoryEntry(d.address());
            return d;
        }, removed -> "Removed " + removed.address());
    }
}
