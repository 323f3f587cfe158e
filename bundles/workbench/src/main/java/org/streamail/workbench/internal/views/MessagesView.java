package org.streamail.workbench.internal.views;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.Envelope;
import org.streamail.workbench.client.Finding;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.LogItem;
import org.streamail.workbench.client.MessageFilter;

/**
 * The message log (tracking): every message the gateway saw, filtered by sender, recipient and action on the
 * gateway and by time here (the API has no time filter yet); details show the origin (client IP, HELO, TLS,
 * Received chain) and the findings.
 */
@Component(service = WorkbenchView.class)
public final class MessagesView extends GatewayView {

    static final int LIMIT = 1000;
    static final String[] ACTIONS = {"(any)", "DELIVER", "TAG", "QUARANTINE", "REJECT"};
    static final String[] PERIODS = {"any time", "last hour", "last 24 hours", "last 7 days"};
    private static final Duration[] PERIOD_LENGTHS = {null, Duration.ofHours(1), Duration.ofDays(1),
        Duration.ofDays(7)};

    private Text sender;
    private Text recipient;
    private Combo action;
    private Combo period;
    private Label count;
    private Ui.SortedTable<LogItem> table;
    private StyledText details;
    private List<LogItem> items = List.of();

    public MessagesView() {
        super("messages", "Messages", 20);
    }

    @Override
    protected void createContents() {
        Composite filters = new Composite(root, SWT.NONE);
        filters.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        filters.setLayout(new GridLayout(10, false));
        sender = Ui.labelledText(filters, "Sender", "messages.sender", 140, SWT.NONE);
        recipient = Ui.labelledText(filters, "Recipient", "messages.recipient", 140, SWT.NONE);
        new Label(filters, SWT.NONE).setText("Action");
        action = Ui.name(new Combo(filters, SWT.READ_ONLY), "messages.action");
        action.setItems(ACTIONS);
        action.select(0);
        new Label(filters, SWT.NONE).setText("Time");
        period = Ui.name(new Combo(filters, SWT.READ_ONLY), "messages.period");
        period.setItems(PERIODS);
        period.select(0);
        Ui.button(filters, "Search", "messages.search", this::refresh);
        count = new Label(filters, SWT.NONE);
        count.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        sender.addListener(SWT.DefaultSelection, e -> refresh());
        recipient.addListener(SWT.DefaultSelection, e -> refresh());
        action.addListener(SWT.Selection, e -> refresh());
        period.addListener(SWT.Selection, e -> applyPeriod());

        SashForm sash = verticalSash();
        table = new Ui.SortedTable<>(sash, "messages.table");
        table.column("Received", 140, m -> Ui.time(m.receivedAt()), LogItem::receivedAt)
                .column("Sender", 170, m -> m.envelope().sender(), null)
                .column("Recipients", 170, m -> Ui.join(m.envelope().recipients()), null)
                .column("Subject", 200, LogItem::subject, null)
                .column("Action", 100, LogItem::action, null)
                .column("Score", 55, m -> Ui.score(m.score()), LogItem::score)
                .column("Status", 100, LogItem::status, null)
                .column("Client IP", 110, m -> m.envelope().clientIp(), null);
        table.viewer.addSelectionChangedListener(e -> details.setText(describe(table.selected())));
        details = Ui.name(new StyledText(sash, SWT.MULTI | SWT.READ_ONLY | SWT.BORDER | SWT.V_SCROLL | SWT.WRAP),
                "messages.details");
        details.setFont(org.eclipse.jface.resource.JFaceResources.getTextFont());
        sash.setWeights(60, 40);
    }

    /** Whenever no message is listed: the log may have been empty when the view last loaded. */
    @Override
    protected boolean stale() {
        return items.isEmpty();
    }

    @Override
    protected void showDisconnected() {
        items = List.of();
        applyPeriod();
    }

    @Override
    protected void refreshWhileDisconnected() {
        count.setText("Not connected");
    }

    @Override
    protected void load(GatewayClient gw) {
        String a = action.getSelectionIndex() <= 0 ? null : action.getText();
        MessageFilter filter = new MessageFilter(LIMIT, a, sender.getText(), recipient.getText());
        context.run(root, "Loading the message log", () -> gw.messages(filter), list -> {
            items = list;
            applyPeriod();
        }, e -> {
            count.setText("");
            context.showStatus("Loading the message log failed: " + e.getMessage(), true);
        });
    }

    private void applyPeriod() {
        Duration d = PERIOD_LENGTHS[Math.max(0, period.getSelectionIndex())];
        Instant since = d == null ? null : Instant.now().minus(d);
        List<LogItem> shown = since == null ? items : items.stream()
                .filter(m -> m.receivedAt() != null && !m.receivedAt().isBefore(since)).toList();
        table.viewer.setInput(shown);
        count.setText(shown.size() + " messages" + (items.size() >= LIMIT ? " (of the newest " + LIMIT + ")" : ""));
        count.getParent().layout();
        details.setText(describe(table.selected()));
    }

    /** The details pane: identity, origin, verdict and findings. */
    static String describe(LogItem m) {
        if (m == null) {
            return "Select a message to see its origin and findings.";
        }
        Envelope e = m.envelope();
        StringBuilder b = new StringBuilder();
        b.append("Id: ").append(Visible.cell(m.id())).append("    Message-ID: ").append(Visible.cell(m.messageId()))
                .append('\n');
        b.append("Subject: ").append(Visible.cell(m.subject())).append('\n');
        b.append("From: ").append(Visible.cell(e.sender())).append("    To: ")
                .append(Visible.cell(Ui.join(e.recipients()))).append('\n');
        b.append("Received: ").append(Ui.time(m.receivedAt())).append("    Size: ").append(m.size())
                .append(" bytes    Status: ").append(Visible.cell(m.status()))
                .append(m.statusDetail().isEmpty() ? "" : " (" + Visible.cell(m.statusDetail()) + ")").append('\n');
        b.append("\nOrigin\n");
        b.append("  Client IP: ").append(Visible.cell(e.clientIp())).append("    HELO: ")
                .append(Visible.cell(e.helo())).append("    TLS: ").append(e.tls() ? "yes" : "no")
                .append("    Direction: ").append(Visible.cell(e.direction()))
                .append(e.authenticatedUser().isEmpty() ? ""
                        : "    Authenticated: " + Visible.cell(e.authenticatedUser()))
                .append('\n');
        if (m.receivedChain().isEmpty()) {
            b.append("  Received chain: (none)\n");
        } else {
            b.append("  Received chain (newest first):\n");
            m.receivedChain().forEach(r -> b.append("    ").append(Visible.cell(r)).append('\n'));
        }
        b.append("\nVerdict\n");
        if (m.verdict() == null) {
            b.append("  (not judged yet)\n");
        } else {
            b.append("  ").append(Visible.cell(m.verdict().action())).append(", score ")
                    .append(Ui.score(m.verdict().score()))
                    .append(m.verdict().categories().isEmpty() ? ""
                            : ", " + Visible.cell(Ui.join(m.verdict().categories())))
                    .append(m.verdict().reason().isEmpty() ? "" : " — " + Visible.cell(m.verdict().reason()))
                    .append('\n');
            for (Finding f : m.verdict().findings()) {
                b.append("  • ").append(Visible.cell(f.category())).append(' ')
                        .append(Visible.cell(f.detector())).append('/').append(Visible.cell(f.rule()))
                        .append(" (").append(Ui.score(f.score())).append(')')
                        .append(f.part().isEmpty() ? "" : " in " + Visible.cell(f.part()))
                        .append(f.detail().isEmpty() ? "" : ": " + Visible.cell(f.detail())).append('\n');
            }
        }
        return b.toString();
    }
}
