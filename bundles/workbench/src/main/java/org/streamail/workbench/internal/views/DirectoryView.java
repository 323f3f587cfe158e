package org.streamail.workbench.internal.views;

import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.DirectoryItem;
import org.streamail.workbench.client.DirectoryListing;
import org.streamail.workbench.client.GatewayClient;

/**
 * The directory: protected domains and registered addresses (mail to any other local address gets 550).
 * Admins add and remove addresses here; removal asks for confirmation.
 */
@Component(service = WorkbenchView.class)
public final class DirectoryView implements WorkbenchView {

    private ViewContext context;
    private Composite root;
    private Label domains;
    private Ui.SortedTable<DirectoryItem> table;
    private Text address;
    private Text displayName;
    private Button remove;

    @Override
    public String id() {
        return "directory";
    }

    @Override
    public String title() {
        return "Directory";
    }

    @Override
    public int order() {
        return 40;
    }

    @Override
    public Control createControl(Composite parent, ViewContext ctx) {
        this.context = ctx;
        root = new Composite(parent, SWT.NONE);
        root.setLayout(new GridLayout(1, false));
        domains = Ui.name(new Label(root, SWT.WRAP), "directory.domains");
        domains.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        domains.setText("Protected domains: (not connected)");
        table = new Ui.SortedTable<>(root, "directory.table");
        table.viewer.getTable().setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
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
        return root;
    }

    @Override
    public void activated() {
        if (context.gateway().isConnected() && table.viewer.getTable().getItemCount() == 0) {
            refresh();
        }
    }

    @Override
    public void connectionChanged(boolean connected) {
        if (connected) {
            refresh();
        } else {
            table.viewer.setInput(java.util.List.of());
            domains.setText("Protected domains: (not connected)");
        }
    }

    void refresh() {
        if (!context.gateway().isConnected()) {
            return;
        }
        GatewayClient gw = context.gateway();
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
        if (d == null) {
            return;
        }
        int choice = MessageDialog.open(MessageDialog.QUESTION, root.getShell(), "Remove address",
                "Remove " + Visible.cell(d.address())
                        + " from the directory?\n\nMail to it will be refused (550 5.1.1).",
                SWT.NONE, "Remove", "Cancel");
        if (choice != 0) {
            return;
        }
        GatewayClient gw = context.gateway();
        context.run(root, "Removing " + d.address(), () -> {
            gw.removeDirectoryEntry(d.address());
            return d;
        }, removed -> {
            context.showStatus("Removed " + removed.address(), false);
            refresh();
        }, e -> context.showStatus("Removing " + d.address() + " failed: " + e.getMessage(), true));
    }
}
