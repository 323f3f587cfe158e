package org.streamail.workbench.internal.views;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.custom.StyledText;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Combo;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.Finding;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.QuarantineFilter;
import org.streamail.workbench.client.QuarantineItem;

/**
 * The quarantine: a sortable, filterable table of held messages; a safe text preview of the selected one
 * under a banner listing every finding (and whom a copy was released to one by one); release, to every
 * recipient it is held for or to one of them, and delete with confirmation; report spam / not spam
 * ({@code POST /reports/spam|ham} with the quarantine id) with confirmation, showing the report's reference
 * and whether matching mail is now blocked.
 */
@Component(service = WorkbenchView.class)
public final class QuarantineView extends GatewayView {

    static final int LIMIT = 500;
    static final String[] STATUSES = {"HELD", "RELEASED", "DELETED", "ANY"};
    static final String[] CATEGORIES = {"(any)", "MALWARE", "PHISHING", "SPAM", "MALFORMED", "POLICY", "ERROR",
        "INFO"};

    private Combo status;
    private Combo category;
    private Text sender;
    private Text recipient;
    private Text search;
    private Ui.SortedTable<QuarantineItem> table;
    private Label count;
    private Composite banner;
    private Label bannerTitle;
    private Label releasedTo;
    private Text bannerText;
    private StyledText preview;
    private Button release;
    private Button delete;
    private Button reportSpam;
    private Button reportHam;
    private Label reportResult;
    private List<QuarantineItem> items = List.of();
    private String previewFor = "";

    public QuarantineView() {
        super("quarantine", "Quarantine", 30);
    }

    @Override
    protected void createContents() {
        Composite filters = new Composite(root, SWT.NONE);
        filters.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        filters.setLayout(new GridLayout(8, false)); // two rows: server-side filters, then local search
        new Label(filters, SWT.NONE).setText("Status");
        status = Ui.name(new Combo(filters, SWT.READ_ONLY), "quarantine.status");
        status.setItems(STATUSES);
        status.select(0);
        new Label(filters, SWT.NONE).setText("Category");
        category = Ui.name(new Combo(filters, SWT.READ_ONLY), "quarantine.category");
        category.setItems(CATEGORIES);
        category.select(0);
        sender = Ui.labelledText(filters, "Sender", "quarantine.sender", 180, SWT.NONE);
        recipient = Ui.labelledText(filters, "Recipient", "quarantine.recipient", 180, SWT.NONE);
        search = Ui.labelledText(filters, "Subject contains", "quarantine.search", 0, SWT.SEARCH);
        Ui.button(filters, "Refresh", "quarantine.refresh", this::refresh);
        count = new Label(filters, SWT.NONE);
        count.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false, 5, 1));
        status.addListener(SWT.Selection, e -> refresh());
        category.addListener(SWT.Selection, e -> refresh());
        sender.addListener(SWT.DefaultSelection, e -> refresh());
        recipient.addListener(SWT.DefaultSelection, e -> refresh());
        search.addListener(SWT.Modify, e -> applyLocalFilter()); // local: no request per keystroke

        SashForm sash = verticalSash();
        table = new Ui.SortedTable<>(sash, "quarantine.table");
        table.column("Quarantined", 140, q -> Ui.time(q.quarantinedAt()), QuarantineItem::quarantinedAt)
                .column("Sender", 170, q -> q.envelope().sender(), null)
                .column("Recipients", 170, q -> Ui.join(q.envelope().recipients()), null)
                .column("Subject", 220, QuarantineItem::subject, null)
                .column("Categories", 120, q -> Ui.join(q.verdict().categories()), null)
                .column("Score", 55, q -> Ui.score(q.score()), QuarantineItem::score)
                .column("Status", 75, QuarantineItem::status, null)
                .column("Id", 90, QuarantineItem::id, null);
        table.viewer.addSelectionChangedListener(e -> selectionChanged());

        Composite bottom = new Composite(sash, SWT.NONE);
        GridLayout bl = new GridLayout(1, false);
        bl.marginWidth = 0;
        bottom.setLayout(bl);
        banner = Ui.name(new Composite(bottom, SWT.BORDER), "quarantine.banner");
        banner.setLayoutData(new GridData(SWT.FILL, SWT.TOP, true, false));
        banner.setLayout(new GridLayout(1, false));
        Color warn = new Color(root.getDisplay(), 255, 236, 179); // SWT colours hold no OS resource since 4.17: no dispose
        banner.setBackground(warn);
        bannerTitle = new Label(banner, SWT.NONE);
        bannerTitle.setBackground(warn);
        bannerTitle.setFont(org.eclipse.jface.resource.JFaceResources.getBannerFont());
        releasedTo = Ui.name(new Label(banner, SWT.WRAP), "quarantine.releasedTo");
        releasedTo.setBackground(warn);
        releasedTo.setLayoutData(new GridData(SWT.FILL, SWT.TOP, true, false));
        bannerText = Ui.name(new Text(banner, SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL),
                "quarantine.findings");
        bannerText.setBackground(warn);
        GridData btd = new GridData(SWT.FILL, SWT.TOP, true, false);
        btd.heightHint = 72;
        bannerText.setLayoutData(btd);

        preview = Ui.name(new StyledText(bottom, SWT.MULTI | SWT.READ_ONLY | SWT.BORDER | SWT.V_SCROLL
                | SWT.H_SCROLL), "quarantine.preview");
        preview.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        preview.setFont(org.eclipse.jface.resource.JFaceResources.getTextFont());

        Composite actions = new Composite(bottom, SWT.NONE);
        actions.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        actions.setLayout(new GridLayout(5, false));
        release = Ui.button(actions, "Release…", "quarantine.release", this::releaseSelected);
        delete = Ui.button(actions, "Delete…", "quarantine.delete", this::deleteSelected);
        reportSpam = Ui.button(actions, "Report spam…", "quarantine.reportSpam", () -> report(true));
        reportSpam.setToolTipText("Tell the gateway this message is spam: enough reports block matching mail.");
        reportHam = Ui.button(actions, "Report not spam…", "quarantine.reportHam", () -> report(false));
        reportHam.setToolTipText("Tell the gateway this message is wanted mail (a false positive).");
        reportResult = Ui.name(new Label(actions, SWT.WRAP), "quarantine.reportResult");
        reportResult.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        sash.setWeights(35, 65);
        showSelection(null);
    }

    /** Whenever nothing is listed: the quarantine may have been empty when the view last loaded. */
    @Override
    protected boolean stale() {
        return items.isEmpty();
    }

    @Override
    protected void showDisconnected() {
        items = List.of();
        table.viewer.setInput(items);
        showSelection(null);
        count.setText("Not connected");
    }

    @Override
    protected void refreshWhileDisconnected() {
        count.setText("Not connected");
    }

    /** Reloads the list with the server-side filters. */
    @Override
    protected void load(GatewayClient gw) {
        String cat = category.getSelectionIndex() <= 0 ? null : category.getText();
        QuarantineFilter filter = new QuarantineFilter(LIMIT, status.getText(), cat, sender.getText(),
                recipient.getText());
        context.run(root, "Loading quarantine", () -> gw.quarantine(filter), list -> {
            items = list;
            applyLocalFilter();
        }, e -> {
            count.setText("");
            context.showStatus("Loading quarantine failed: " + e.getMessage(), true);
        });
    }

    private void applyLocalFilter() {
        String needle = search.getText().strip().toLowerCase(Locale.ROOT);
        List<QuarantineItem> shown = needle.isEmpty() ? items
                : items.stream().filter(q -> q.subject().toLowerCase(Locale.ROOT).contains(needle)).toList();
        QuarantineItem selected = table.selected();
        table.viewer.setInput(shown);
        count.setText(shown.size() + " of " + items.size() + (items.size() >= LIMIT ? "+ (newest " + LIMIT + ")" : ""));
        count.getParent().layout();
        if (selected != null) {
            shown.stream().filter(q -> q.id().equals(selected.id())).findFirst()
                    .ifPresentOrElse(q -> table.viewer.setSelection(new org.eclipse.jface.viewers.StructuredSelection(q)),
                            () -> showSelection(null));
        } else {
            showSelection(null);
        }
    }

    private void selectionChanged() {
        showSelection(table.selected());
    }

    private void showSelection(QuarantineItem q) {
        boolean held = q != null && q.status().equals("HELD");
        release.setEnabled(held);
        delete.setEnabled(held);
        reportSpam.setEnabled(q != null);
        reportHam.setEnabled(q != null);
        showReleasedTo(q == null ? "" : describeReleasedTo(q));
        if (q == null) {
            previewFor = "";
            bannerTitle.setText("Select a message to preview it");
            bannerText.setText("");
            preview.setText("");
            banner.getParent().layout(true, true);
            return;
        }
        List<Finding> findings = q.verdict().findings();
        bannerTitle.setText(Visible.cell(findings.size() + (findings.size() == 1 ? " finding" : " findings") + " — "
                + q.verdict().action() + ", score " + Ui.score(q.score())
                + (q.verdict().categories().isEmpty() ? "" : " (" + Ui.join(q.verdict().categories()) + ")")));
        bannerText.setText(describeFindings(q));
        banner.getParent().layout(true, true);
        if (previewFor.equals(q.id())) {
            return;
        }
        previewFor = q.id();
        preview.setText("Loading the message…");
        String id = q.id();
        GatewayClient gw = context.gateway();
        context.run(preview, "Loading message " + id, () -> MessagePreview.of(gw.quarantineRaw(id)).render(),
                text -> {
                    if (previewFor.equals(id)) {
                        preview.setText(text);
                    }
                }, e -> {
                    if (previewFor.equals(id)) {
                        preview.setText("No preview: " + e.getMessage());
                    }
                });
    }

    /** The "Released to" line of the banner, hidden when empty. */
    private void showReleasedTo(String text) {
        releasedTo.setText(text);
        releasedTo.setVisible(!text.isEmpty());
        ((GridData) releasedTo.getLayoutData()).exclude = text.isEmpty();
    }

    /**
     * Whom a copy was released to one by one, and whom the message is still held for, e.g. {@code Released to:
     * bob@corp.example (still held for hr@corp.example)}; empty when it was released to nobody one by one.
     */
    static String describeReleasedTo(QuarantineItem q) {
        if (q.releasedTo().isEmpty()) {
            return "";
        }
        List<String> held = q.heldFor();
        return Visible.cell("Released to: " + Ui.join(q.releasedTo())
                + (held.isEmpty() ? "" : " (still held for " + Ui.join(held) + ")"));
    }

    /** One line per finding: what, who, where, why. */
    static String describeFindings(QuarantineItem q) {
        StringBuilder b = new StringBuilder();
        for (Finding f : q.verdict().findings()) {
            StringBuilder line = new StringBuilder();
            line.append("• ").append(f.category()).append(' ').append(f.detector()).append('/').append(f.rule())
                    .append(" (").append(Ui.score(f.score())).append(')');
            if (!f.part().isEmpty()) {
                line.append(" in ").append(f.part());
            }
            if (!f.detail().isEmpty()) {
                line.append(": ").append(f.detail());
            }
            b.append(Visible.cell(line.toString())).append('\n');
        }
        if (!q.verdict().reason().isEmpty()) {
            b.append("Reason: ").append(Visible.cell(q.verdict().reason())).append('\n');
        }
        return b.toString().strip();
    }

    private void releaseSelected() {
        QuarantineItem q = table.selected();
        if (q == null) {
            return;
        }
        List<String> held = q.heldFor();
        String already = q.releasedTo().isEmpty() ? ""
                : " (already released to " + Visible.cell(Ui.join(q.releasedTo())) + ")";
        if (held.size() < 2) {
            int choice = MessageDialog.open(MessageDialog.CONFIRM, root.getShell(), ReleaseDialog.TITLE,
                    "Release \"" + subjectOf(q) + "\" from " + senderOf(q) + "?\n\nThe gateway delivers it to "
                            + Visible.cell(Ui.join(held.isEmpty() ? q.envelope().recipients() : held)) + already
                            + " despite these findings:\n\n" + describeFindings(q),
                    SWT.NONE, "Release", "Cancel");
            if (choice != 0) {
                return;
            }
            act(q, "Releasing", "released", gw -> gw.release(q.id()));
            return;
        }
        ReleaseDialog ask = new ReleaseDialog(root.getShell(), "Release \"" + subjectOf(q) + "\" from " + senderOf(q)
                + "?\n\nIt is held for " + Visible.cell(Ui.join(held)) + already + ". The gateway delivers it to "
                + "the recipients chosen below despite these findings:\n\n" + describeFindings(q), held);
        if (ask.open() != 0) {
            return;
        }
        Optional<String> one = ask.recipient();
        if (one.isEmpty()) {
            act(q, "Releasing", "released", gw -> gw.release(q.id()));
        } else {
            String to = one.get();
            act(q, "Releasing", "released to " + Visible.cell(to), gw -> gw.release(q.id(), to));
        }
    }

    private void deleteSelected() {
        QuarantineItem q = table.selected();
        if (q == null) {
            return;
        }
        if (!confirm("Delete message", "Delete \"" + subjectOf(q) + "\" from " + senderOf(q)
                + "?\n\nIt will never be delivered.", "Delete")) {
            return;
        }
        act(q, "Deleting", "deleted", gw -> gw.delete(q.id()));
    }

    private void report(boolean spam) {
        QuarantineItem q = table.selected();
        if (q == null) {
            return;
        }
        String kind = spam ? "spam" : "not spam";
        if (!confirm(spam ? "Report spam" : "Report not spam", "Report \"" + subjectOf(q) + "\" from " + senderOf(q)
                + " as " + kind + "?\n\n" + (spam
                        ? "Reports from several users (or one administrator) make the gateway refuse matching mail."
                        : "This counts against blocking the message's fingerprint and helps tune the filters.")
                + " The message itself stays where it is.", "Report")) {
            return;
        }
        reportSpam.setEnabled(false);
        reportHam.setEnabled(false);
        GatewayClient gw = context.gateway();
        String id = q.id();
        context.run(root, "Reporting " + id + " as " + kind, () -> spam ? gw.reportSpam(id) : gw.reportNotSpam(id),
                r -> {
                    String text = "Reported " + id + " as " + kind + ": reference " + r.reference()
                            + (r.counted() ? "" : " (you had already reported it; not counted again)") + "; "
                            + r.spamReporters() + " spam / " + r.hamReporters() + " not-spam reporters; "
                            + (r.blocking() ? "matching mail is now BLOCKED." : "matching mail is not blocked.");
                    Ui.message(reportResult, text, false);
                    context.showStatus(text, false);
                    showSelection(table.selected());
                }, e -> {
                    Ui.message(reportResult, "Report failed: " + e.getMessage(), true);
                    context.showStatus("Reporting " + id + " failed: " + e.getMessage(), true);
                    showSelection(table.selected());
                });
    }

    private static String subjectOf(QuarantineItem q) {
        return q.subject().isBlank() ? "(no subject)" : Visible.cell(q.subject());
    }

    private static String senderOf(QuarantineItem q) {
        return q.envelope().sender().isBlank() ? "<> (null sender)" : Visible.cell(q.envelope().sender());
    }

    private interface Action {
        QuarantineItem apply(GatewayClient gw) throws Exception;
    }

    private void act(QuarantineItem q, String doing, String done, Action action) {
        release.setEnabled(false);
        delete.setEnabled(false);
        GatewayClient gw = context.gateway();
        context.run(root, doing + " message " + q.id(), () -> action.apply(gw), updated -> {
            context.showStatus("Message " + q.id() + " " + done + " (status " + updated.status() + ")", false);
            refresh();
        }, e -> {
            failed(doing + " message " + q.id(), doing + " failed", e);
            showSelection(table.selected());
        });
    }
}
