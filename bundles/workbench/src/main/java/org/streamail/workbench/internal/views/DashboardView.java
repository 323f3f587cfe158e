package org.streamail.workbench.internal.views;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.swt.SWT;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Table;
import org.eclipse.swt.widgets.TableColumn;
import org.eclipse.swt.widgets.TableItem;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.Alert;
import org.streamail.workbench.client.AlertFilter;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.GatewayException;
import org.streamail.workbench.client.Health;
import org.streamail.workbench.client.LogItem;
import org.streamail.workbench.client.MessageFilter;

/**
 * The dashboard: gateway health, messages per action over the last 24 hours or 7 days, messages per
 * category, top senders and top targeted recipients (computed here from the newest message-log entries,
 * as the API has no aggregate endpoint), and the current HIGH and CRITICAL alerts ({@code GET /alerts}).
 */
@Component(service = WorkbenchView.class)
public final class DashboardView implements WorkbenchView {

    static final String[] RANGES = {"Last 24 hours", "Last 7 days"};

    private ViewContext context;
    private Composite root;
    private Label health;
    private Combo range;
    private BarChart byAction;
    private BarChart byCategory;
    private Table senders;
    private Table recipients;
    private Table alerts;
    private Label alertsNote;
    private Color[] actionColors;
    private Color[] categoryColor;
    private Color high;
    private Color critical;
    private List<LogItem> log = List.of();

    @Override
    public String id() {
        return "dashboard";
    }

    @Override
    public String title() {
        return "Dashboard";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public Control createControl(Composite parent, ViewContext ctx) {
        this.context = ctx;
        var d = parent.getDisplay();
        actionColors = new Color[] {new Color(d, 76, 175, 80), new Color(d, 255, 193, 7), new Color(d, 255, 112, 67),
            new Color(d, 198, 40, 40)};
        categoryColor = new Color[] {new Color(d, 63, 81, 181)};
        high = new Color(d, 255, 204, 188);
        critical = new Color(d, 239, 154, 154);
        root = new Composite(parent, SWT.NONE);
        root.setLayout(new GridLayout(2, true));

        Composite top = new Composite(root, SWT.NONE);
        top.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 2, 1));
        top.setLayout(new GridLayout(4, false));
        health = Ui.name(new Label(top, SWT.NONE), "dashboard.health");
        health.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        health.setText("Not connected");
        range = Ui.name(new Combo(top, SWT.READ_ONLY), "dashboard.range");
        range.setItems(RANGES);
        range.select(0);
        range.addListener(SWT.Selection, e -> redrawStats());
        Ui.button(top, "Refresh", "dashboard.refresh", this::refresh);

        byAction = Ui.name(new BarChart(root), "dashboard.byAction");
        GridData ad = new GridData(SWT.FILL, SWT.FILL, true, true, 2, 1);
        ad.heightHint = 220;
        byAction.setLayoutData(ad);

        byCategory = Ui.name(new BarChart(root), "dashboard.byCategory");
        GridData cd = new GridData(SWT.FILL, SWT.FILL, true, true);
        cd.heightHint = 160;
        byCategory.setLayoutData(cd);

        Group alertGroup = new Group(root, SWT.NONE);
        alertGroup.setText("Current alerts (HIGH and CRITICAL, last 24 hours)");
        alertGroup.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        alertGroup.setLayout(new GridLayout(2, false));
        alertsNote = Ui.name(new Label(alertGroup, SWT.WRAP), "dashboard.alertsNote");
        alertsNote.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        Ui.button(alertGroup, "All alerts…", "dashboard.allAlerts", () -> context.showView("alerts"));
        alerts = Ui.name(new Table(alertGroup, SWT.BORDER | SWT.FULL_SELECTION), "dashboard.alerts");
        alerts.setHeaderVisible(true);
        alerts.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true, 2, 1));
        for (String[] c : new String[][] {{"Raised", "150"}, {"Severity", "75"}, {"Alert", "320"}}) {
            TableColumn col = new TableColumn(alerts, SWT.NONE);
            col.setText(c[0]);
            col.setWidth(Integer.parseInt(c[1]));
        }

        senders = topTable("Top senders", "dashboard.senders");
        recipients = topTable("Top targeted recipients", "dashboard.recipients");
        redrawStats();
        return root;
    }

    private Table topTable(String title, String name) {
        Group g = new Group(root, SWT.NONE);
        g.setText(title);
        g.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        g.setLayout(new GridLayout(1, false));
        Table t = Ui.name(new Table(g, SWT.BORDER | SWT.FULL_SELECTION), name);
        t.setHeaderVisible(true);
        t.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        TableColumn a = new TableColumn(t, SWT.NONE);
        a.setText("Address");
        a.setWidth(280);
        TableColumn c = new TableColumn(t, SWT.RIGHT);
        c.setText("Messages");
        c.setWidth(90);
        return t;
    }

    @Override
    public void activated() {
        if (context.gateway().isConnected() && log.isEmpty()) {
            refresh();
        }
    }

    @Override
    public void connectionChanged(boolean connected) {
        if (connected) {
            refresh();
        } else {
            log = List.of();
            health.setText("Not connected");
            redrawStats();
        }
    }

    void refresh() {
        if (!context.gateway().isConnected()) {
            health.setText("Not connected");
            return;
        }
        GatewayClient gw = context.gateway();
        context.run(root, "Loading gateway health", gw::health, this::showHealth,
                e -> health.setText("Health unknown: " + e.getMessage()));
        context.run(root, "Loading the message log", () -> gw.messages(MessageFilter.latest(1000)), list -> {
            log = list;
            redrawStats();
        }, e -> context.showStatus("Dashboard: " + e.getMessage(), true));
        context.run(root, "Loading alerts", () -> currentAlerts(gw), this::showAlerts, e -> {
            alerts.removeAll();
            Ui.message(alertsNote, "Alerts unknown: " + e.getMessage(), true);
        });
    }

    private void showAlerts(CurrentAlerts current) {
        alerts.removeAll();
        if (current.missing()) {
            Ui.message(alertsNote, "This gateway has no alerts API (GET /alerts answered 404).", false);
            return;
        }
        for (Alert a : current.alerts()) {
            TableItem item = new TableItem(alerts, SWT.NONE);
            item.setText(new String[] {Ui.time(a.createdAt()), Visible.cell(a.severity()),
                Visible.cell(a.title()) + (a.occurrences() > 1 ? " (×" + a.occurrences() + ")" : "")});
            if (a.severityRank() >= Alert.rank("CRITICAL")) {
                item.setBackground(1, critical);
            } else {
                item.setBackground(1, high);
            }
        }
        Ui.message(alertsNote, current.alerts().isEmpty() ? "No HIGH or CRITICAL alert in the last 24 hours."
                : current.alerts().size() + (current.alerts().size() == 1 ? " alert" : " alerts")
                        + " need attention.", !current.alerts().isEmpty());
    }

    private void showHealth(Health h) {
        health.setText("Gateway " + h.status() + (h.ready() ? ", accepting mail" : ", NOT accepting mail: "
                + h.unavailableReason()) + " — " + h.detectors().size() + " detectors, " + h.spooled() + " spooled, "
                + h.deferred() + " deferred");
        health.setForeground(h.ready() ? null : health.getDisplay().getSystemColor(SWT.COLOR_DARK_RED));
        health.getParent().layout();
    }

    /** The newest HIGH and CRITICAL alerts, or {@code missing} when the gateway has no alerts API (404). */
    record CurrentAlerts(List<Alert> alerts, boolean missing) {
    }

    static final int ALERTS_SHOWN = 10;

    static CurrentAlerts currentAlerts(GatewayClient gw) throws GatewayException {
        try {
            return new CurrentAlerts(gw.alerts(new AlertFilter(ALERTS_SHOWN, "HIGH", null, Duration.ofHours(24))), false);
        } catch (GatewayException e) {
            if (e.kind() == GatewayException.Kind.NOT_FOUND) {
                return new CurrentAlerts(List.of(), true); // an older gateway: say so rather than fail
            }
            throw e;
        }
    }

    private void redrawStats() {
        boolean days = range.getSelectionIndex() == 1;
        Duration window = days ? Duration.ofDays(7) : Duration.ofHours(24);
        Duration bucket = days ? Duration.ofDays(1) : Duration.ofHours(1);
        DashboardStats s = DashboardStats.compute(log, Instant.now(), window, bucket);
        DateTimeFormatter f = DateTimeFormatter.ofPattern(days ? "EEE dd" : "HH:00", Locale.ROOT)
                .withZone(ZoneId.systemDefault());
        List<String> labels = s.bucketStarts().stream().map(f::format).toList();
        int[] totals = s.actionTotals();
        List<String> series = new ArrayList<>();
        for (int i = 0; i < DashboardStats.ACTIONS.size(); i++) {
            series.add(DashboardStats.ACTIONS.get(i) + " " + totals[i]);
        }
        byAction.setData("Messages by action, " + RANGES[days ? 1 : 0].toLowerCase(Locale.ROOT) + " (" + s.total()
                + (log.size() >= 1000 ? ", newest 1000 log entries" : "") + ")", labels, series, s.actionCounts(),
                actionColors);
        List<String> cats = new ArrayList<>(s.categoryCounts().keySet());
        int[][] catValues = new int[cats.size()][1];
        for (int i = 0; i < cats.size(); i++) {
            catValues[i][0] = s.categoryCounts().get(cats.get(i));
        }
        byCategory.setData("Messages by category", cats, List.of("findings"), catValues, categoryColor);
        fill(senders, s.topSenders());
        fill(recipients, s.topRecipients());
    }

    private static void fill(Table t, Map<String, Integer> counts) {
        t.removeAll();
        counts.forEach((address, n) -> {
            TableItem item = new TableItem(t, SWT.NONE);
            item.setText(new String[] {Visible.cell(address), String.valueOf(n)});
        });
    }
}
