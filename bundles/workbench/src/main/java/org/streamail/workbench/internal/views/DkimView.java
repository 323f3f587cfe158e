package org.streamail.workbench.internal.views;

import java.time.Year;
import java.util.List;
import org.eclipse.jface.viewers.StructuredSelection;
import org.eclipse.jface.window.Window;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.Text;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.DkimKey;
import org.streamail.workbench.client.DkimRecord;
import org.streamail.workbench.client.DkimStatus;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.NewDkimKey;

/**
 * DKIM signing of outbound mail: whether it is on, every configured key with its state (usable, or why not) and
 * whether DNS publishes it, the selected key's DNS record to publish (selectable, and Copy record puts the zone-file
 * line on the clipboard), and New key… (a validating dialog, then the record to publish and the {@code keys} line to
 * configure). {@code GET /dkim} and {@code POST /dkim/keys}; making a key needs the admin role on the gateway.
 */
@Component(service = WorkbenchView.class)
public final class DkimView extends GatewayView {

    private Label summary;
    private Ui.SortedTable<DkimKey> table;
    private Text record;
    private Button copy;
    private Button checkDns;

    public DkimView() {
        super("dkim", "DKIM", 65);
    }

    @Override
    protected void createContents() {
        summary = summaryLine("dkim.summary", "Not connected");

        SashForm sash = verticalSash();
        Group keys = Ui.group(sash, "Signing keys", 1, true);
        table = Ui.filledTable(keys, "dkim.table");
        table.column("Domain", 160, DkimKey::domain, null)
                .column("Selector", 90, DkimKey::selector, null)
                .column("Key", 180, DkimView::keyText, null)
                .column("State", 280, k -> k.usable() ? "usable" : "NOT USABLE: " + k.problem(), null)
                .column("DNS", 260, DkimView::dnsText, null)
                .column("File", 280, DkimKey::file, null);
        table.viewer.addSelectionChangedListener(e -> showRecord(table.selected()));

        Group publish = Ui.group(sash, "DNS record to publish", 1, true);
        record = Ui.name(new Text(publish, SWT.BORDER | SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL),
                "dkim.record");
        record.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        sash.setWeights(50, 50);

        Composite actions = new Composite(root, SWT.NONE);
        actions.setLayout(new GridLayout(4, false));
        Ui.button(actions, "New key…", "dkim.new", this::newKey);
        copy = Ui.button(actions, "Copy record", "dkim.copy", this::copyRecord);
        Ui.button(actions, "Refresh", "dkim.refresh", this::refresh);
        checkDns = Ui.name(new Button(actions, SWT.CHECK), "dkim.checkDns");
        checkDns.setText("Look the records up in DNS");
        checkDns.setSelection(true);
        showRecord(null);
    }

    @Override
    protected void showDisconnected() {
        table.viewer.setInput(List.of());
        showRecord(null);
        Ui.message(summary, "Not connected", false);
    }

    @Override
    protected void load(GatewayClient gw) {
        boolean dns = checkDns.getSelection();
        context.run(root, dns ? "Loading the DKIM keys and looking their records up in DNS" : "Loading the DKIM keys",
                () -> gw.dkimStatus(dns), status -> {
                    DkimKey selected = table.selected();
                    table.viewer.setInput(status.keys());
                    DkimKey again = selected == null ? null : status.keys().stream()
                            .filter(k -> k.domain().equals(selected.domain())).findFirst().orElse(null);
                    DkimKey show = again != null ? again : status.keys().isEmpty() ? null : status.keys().get(0);
                    if (show != null) {
                        table.viewer.setSelection(new StructuredSelection(show), true);
                    }
                    showRecord(show);
                    Ui.message(summary, describe(status), status.enabled()
                            && status.keys().stream().anyMatch(k -> !k.usable()));
                }, e -> {
                    table.viewer.setInput(List.of());
                    showRecord(null);
                    Ui.message(summary, "Loading the DKIM keys failed: " + e.getMessage(), true);
                });
    }

    /** One line: signing on or off, the keys and their state, and how DNS was asked. */
    static String describe(DkimStatus s) {
        StringBuilder b = new StringBuilder(s.enabled() ? "Signing of outbound mail is on"
                : "Signing of outbound mail is off (enabled = false in etc/org.streamail.dkim.sign.cfg)");
        if (s.keys().isEmpty()) {
            b.append(". No key is configured: New key… makes one.");
        } else {
            long usable = s.keys().stream().filter(DkimKey::usable).count();
            long published = s.keys().stream().filter(DkimKey::published).count();
            b.append(": ").append(s.keys().size()).append(s.keys().size() == 1 ? " key, " : " keys, ").append(usable)
                    .append(" usable");
            if (!s.dns().isEmpty()) {
                b.append(", ").append(published).append(" published in DNS");
            }
            if (usable < s.keys().size()) {
                b.append(". Mail from a domain whose key is not usable waits (deferred) until it is fixed.");
            } else {
                b.append('.');
            }
        }
        if (!s.dns().isEmpty()) {
            b.append(" DNS: ").append(s.dns());
        }
        return Visible.cell(b.toString());
    }

    static String keyText(DkimKey k) {
        return k.signatureAlgorithm().isEmpty() ? "unknown (file unreadable)"
                : k.signatureAlgorithm() + ", " + k.bits() + " bits";
    }

    /** What DNS publishes for the key, in the words of {@code streamail:dkim-status}. */
    static String dnsText(DkimKey k) {
        String detail = k.dnsDetail().isEmpty() ? "" : ": " + k.dnsDetail();
        return switch (k.dns()) {
            case "MATCHES" -> "published, the same key" + (detail.isEmpty() ? "" : " (" + k.dnsDetail() + ")");
            case "DIFFERS" -> "DIFFERS" + detail + " (signatures fail until the record is published)";
            case "MISSING" -> "MISSING" + detail + " (signatures fail until the record is published)";
            default -> "not checked" + detail;
        };
    }

    private void showRecord(DkimKey k) {
        DkimRecord r = k == null ? null : k.record();
        copy.setEnabled(r != null);
        if (k == null) {
            record.setText(context.gateway().isConnected() ? "Select a key to see its DNS record." : "");
        } else if (r == null) {
            record.setText(Visible.text("No record: the key file of " + k.domain() + " cannot be read.\n"
                    + k.problem()));
        } else {
            record.setText(Visible.text("Publish at " + r.name() + " (TXT) the value\n" + r.text() + "\n\n"
                    + "As a zone-file line (Copy record):\n" + r.zoneLine() + "\n\n"
                    + "DNS now: " + dnsText(k)));
        }
    }

    private void copyRecord() {
        DkimKey k = table.selected();
        if (k == null || k.record() == null) {
            return;
        }
        Ui.copy(root.getDisplay(), k.record().zoneLine());
        context.showStatus("Copied the DNS record of " + k.domain() + " (selector " + k.selector()
                + ") to the clipboard", false);
    }

    private void newKey() {
        DkimKey selected = table.selected();
        DkimKeyDialog dialog = new DkimKeyDialog(root.getShell(), selected == null ? "" : selected.domain(),
                "s" + Year.now().getValue());
        if (dialog.open() != Window.OK) {
            return;
        }
        GatewayClient gw = context.gateway();
        String what = dialog.domain() + " (selector " + dialog.selector() + ")";
        context.run(root, "Making a DKIM key for " + what, () -> gw.newDkimKey(dialog.domain(), dialog.selector(),
                dialog.algorithm(), dialog.bits()), (NewDkimKey made) -> {
                    context.showStatus("Made the DKIM key for " + made.domain() + " (selector " + made.selector()
                            + "): publish its record, then add it to keys", false);
                    new NewDkimKeyDialog(root.getShell(), made).open();
                    refresh();
                }, e -> failed("Making the DKIM key for " + what, "Making the DKIM key failed", e));
    }
}
