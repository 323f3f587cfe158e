package org.streamail.workbench.internal.views;

import java.time.Duration;
import java.util.List;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.Alert;
import org.streamail.workbench.client.AlertFilter;
import org.streamail.workbench.client.GatewayClient;

/**
 * The gateway's alerts ({@code GET /alerts}): a table sortable by time and severity (newest first at the
 * start), filtered on the gateway by minimum severity, kind and age, with the selected alert's full detail
 * below. Severity cells are coloured so HIGH and CRITICAL stand out.
 */
@Component(service = WorkbenchView.class)
public final class AlertsView extends GatewayView {

    static final int LIMIT = 500;
    static final String ANY = "(any)";
    static final String[] SEVERITY_FILTERS = {ANY, "LOW", "MEDIUM", "HIGH", "CRITICAL"};
    static final String[] AGES = {"Last 24 hours", "Last 7 days", "Last 30 days", "Any time"};
    private static final Duration[] AGE_VALUES = {Duration.ofHours(24), Duration.ofDays(7), Duration.ofDays(30), null};

    private Combo severity;
    private Combo age;
    private Text kind;
    private Label count;
    private Ui.SortedTable<Alert> table;
    private Text detail;
    private Color[] severityColors;
    private List<Alert> items = List.of();

    public AlertsView() {
        super("alerts", "Alerts", 15);
    }

    @Override
    protected void createContents() {
        Display d = root.getDisplay();
        // INFO, LOW, MEDIUM, HIGH, CRITICAL; SWT colours hold no OS resource since 4.17: no dispose
        severityColors = new Color[] {null, new Color(d, 227, 242, 253), new Color(d, 255, 249, 196),
            new Color(d, 255, 204, 188), new Color(d, 239, 154, 154)};

        Composite filters = new Composite(root, SWT.NONE);
        filters.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        filters.setLayout(new GridLayout(9, false));
        new Label(filters, SWT.NONE).setText("Severity at least");
        severity = Ui.name(new Combo(filters, SWT.READ_ONLY), "alerts.severity");
        severity.setItems(SEVERITY_FILTERS);
        severity.select(0);
        new Label(filters, SWT.NONE).setText("Raised");
        age = Ui.name(new Combo(filters, SWT.READ_ONLY), "alerts.age");
        age.setItems(AGES);
        age.select(1);
        kind = Ui.labelledText(filters, "Kind", "alerts.kind", 160, SWT.NONE);
        Ui.button(filters, "Refresh", "alerts.refresh", this::refresh);
        count = Ui.name(new Label(filters, SWT.NONE), "alerts.count");
        count.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        severity.addListener(SWT.Selection, e -> refresh());
        age.addListener(SWT.Selection, e -> refresh());
        kind.addListener(SWT.DefaultSelection, e -> refresh());

        SashForm sash = verticalSash();
        table = new Ui.SortedTable<>(sash, "alerts.table");
        table.column("Raised", 140, a -> Ui.time(a.createdAt()), Alert::createdAt)
                .column("Severity", 80, Alert::severity, Alert::severityRank, this::colorOf)
                .column("Kind", 120, Alert::kind, null)
                .column("Title", 320, Alert::title, null)
                .column("Subject", 140, Alert::subject, null)
                .column("Recipient", 170, Alert::recipient, null)
                .column("Times", 50, a -> String.valueOf(a.occurrences()), Alert::occurrences)
                .column("Id", 80, Alert::id, null);
        table.sort(0, true); // newest first
        table.viewer.addSelectionChangedListener(e -> showDetail(table.selected()));
        detail = Ui.name(new Text(sash, SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL | SWT.BORDER),
                "alerts.detail");
        sash.setWeights(60, 40);
        showDetail(null);
    }

    private Color colorOf(Alert a) {
        int r = a.severityRank();
        return r < 0 ? null : severityColors[r];
    }

    /** Whenever no alert is listed: none may have been raised when the view last loaded. */
    @Override
    protected boolean stale() {
        return items.isEmpty();
    }

    @Override
    protected void showDisconnected() {
        items = List.of();
        table.viewer.setInput(items);
        showDetail(null);
        count.setText("Not connected");
    }

    @Override
    protected void refreshWhileDisconnected() {
        count.setText("Not connected");
    }

    @Override
    protected void load(GatewayClient gw) {
        String min = severity.getText().equals(ANY) ? null : severity.getText();
        AlertFilter filter;
        try {
            filter = new AlertFilter(LIMIT, min, kind.getText().strip(), AGE_VALUES[Math.max(0, age.getSelectionIndex())]);
        } catch (IllegalArgumentException e) {
            context.showStatus("Alerts: " + e.getMessage(), true);
            return;
        }
        context.run(root, "Loading alerts", () -> gw.alerts(filter), list -> {
            Alert selected = table.selected();
            items = list;
            table.viewer.setInput(items);
            long high = list.stream().filter(a -> a.severityRank() >= Alert.rank("HIGH")).count();
            count.setText(list.size() + (list.size() >= LIMIT ? "+ (newest " + LIMIT + ")" : "") + " alerts, " + high
                    + " HIGH or CRITICAL");
            count.getParent().layout();
            Alert again = selected == null ? null
                    : list.stream().filter(a -> a.id().equals(selected.id())).findFirst().orElse(null);
            if (again != null) {
                table.viewer.setSelection(new org.eclipse.jface.viewers.StructuredSelection(again), true);
            } else {
                showDetail(null);
            }
        }, e -> {
            count.setText("");
            context.showStatus("Loading alerts failed: " + e.getMessage(), true);
        });
    }

    private void showDetail(Alert a) {
        if (a == null) {
            detail.setText(items.isEmpty() ? "" : "Select an alert to see what was seen and what was done.");
            return;
        }
        detail.setText(describe(a));
    }

    /** Every field of an alert, for the detail pane. */
    static String describe(Alert a) {
        StringBuilder b = new StringBuilder();
        b.append('[').append(Visible.cell(a.severity())).append("] ").append(Visible.cell(a.title())).append('\n');
        b.append("Raised: ").append(Ui.time(a.createdAt()));
        if (a.occurrences() > 1) {
            b.append(" (").append(a.occurrences()).append(" times for this subject within the escalation window)");
        }
        b.append('\n').append("Kind: ").append(Visible.cell(a.kind())).append('\n');
        if (!a.subject().isEmpty()) {
            b.append("Subject: ").append(Visible.cell(a.subject())).append('\n');
        }
        if (!a.messageId().isEmpty()) {
            b.append("Message: ").append(Visible.cell(a.messageId())).append('\n');
        }
        b.append("For: ").append(a.recipient().isEmpty() ? "the administrators" : Visible.cell(a.recipient()))
                .append('\n');
        b.append("Alert id: ").append(Visible.cell(a.id())).append("\n\n").append(Visible.text(a.detail()));
        return b.toString().strip();
    }
}
