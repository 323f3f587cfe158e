package org.streamail.workbench.internal.views;

import java.util.List;
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
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.RetentionAuditEntry;
import org.streamail.workbench.client.RetentionPolicy;
import org.streamail.workbench.client.SweepReport;

/**
 * Mail retention: the policy in force (domains, ages, action, exemptions, mailboxes, schedule, IMAP server,
 * last sweep), Run sweep… (confirmed, runs in the background with progress, then shows its counts) and the
 * audit of what retention did to which message.
 */
@Component(service = WorkbenchView.class)
public final class RetentionView extends GatewayView {

    static final int AUDIT_LIMIT = 500;

    private Text policy;
    private Label sweepResult;
    private Button sweep;
    private Ui.SortedTable<RetentionAuditEntry> audit;
    private RetentionPolicy current;

    public RetentionView() {
        super("retention", "Retention", 60);
    }

    @Override
    protected void createContents() {
        SashForm sash = verticalSash();

        Group policyGroup = Ui.group(sash, "Policy", 1, true);
        policy = Ui.name(new Text(policyGroup, SWT.MULTI | SWT.READ_ONLY | SWT.WRAP | SWT.V_SCROLL), "retention.policy");
        policy.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        policy.setText("Not connected");
        Composite actions = new Composite(policyGroup, SWT.NONE);
        actions.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        actions.setLayout(new GridLayout(3, false));
        sweep = Ui.button(actions, "Run sweep…", "retention.sweep", this::runSweep);
        Ui.button(actions, "Refresh", "retention.refresh", this::refresh);
        sweepResult = Ui.name(new Label(actions, SWT.WRAP), "retention.sweepResult");
        sweepResult.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));

        Group auditGroup = Ui.group(sash, "Audit", 1, true);
        audit = Ui.filledTable(auditGroup, "retention.audit");
        audit.column("Time", 140, a -> Ui.time(a.time()), RetentionAuditEntry::time)
                .column("Action", 80, a -> a.action() + (a.dryRun() ? " (dry run)" : ""), null)
                .column("Mailbox", 170, RetentionAuditEntry::mailbox, null)
                .column("Folder", 90, RetentionAuditEntry::folder, null)
                .column("Message-ID", 200, RetentionAuditEntry::messageId, null)
                .column("Expiry", 140, a -> Ui.time(a.expiry()), RetentionAuditEntry::expiry)
                .column("Rule", 120, RetentionAuditEntry::rule, null)
                .column("By", 80, RetentionAuditEntry::actor, null)
                .column("Detail", 220, RetentionAuditEntry::detail, null);
        audit.sort(0, true);
        sash.setWeights(45, 55);
    }

    @Override
    protected void showDisconnected() {
        current = null;
        policy.setText("Not connected");
        Ui.message(sweepResult, "", false);
        audit.viewer.setInput(List.of());
    }

    @Override
    protected void refreshWhileDisconnected() {
        policy.setText("Not connected");
    }

    @Override
    protected void load(GatewayClient gw) {
        context.run(root, "Loading the retention policy", gw::retentionPolicy, p -> {
            current = p;
            policy.setText(describe(p));
        }, e -> policy.setText("Loading the retention policy failed: " + e.getMessage()));
        context.run(root, "Loading the retention audit", () -> gw.retentionAudit(AUDIT_LIMIT, null),
                audit.viewer::setInput, e -> context.showStatus("Loading the retention audit failed: "
                        + e.getMessage(), true));
    }

    private void runSweep() {
        String mode = current == null ? "" : current.dryRun() ? "\n\nThe policy is in dry-run mode: the sweep only "
                + "reports what it would do." : "\n\nMessages past their expiry are handled as the policy says ("
                + current.action() + "). This cannot be undone.";
        if (!confirm("Run retention sweep", "Sweep every mailbox now?" + mode, "Run sweep")) {
            return;
        }
        sweep.setEnabled(false);
        Ui.message(sweepResult, "Sweeping…", false);
        GatewayClient gw = context.gateway();
        context.run(root, "Running a retention sweep", gw::retentionSweep, r -> {
            sweep.setEnabled(true);
            Ui.message(sweepResult, counts(r), r.errors() > 0);
            context.showStatus("Retention sweep done: " + r.deleted() + " deleted, " + r.moved() + " moved, "
                    + r.flagged() + " flagged, " + r.errors() + " errors", r.errors() > 0);
            refresh();
        }, e -> {
            sweep.setEnabled(true);
            Ui.message(sweepResult, "Sweep failed: " + e.getMessage(), true);
            context.showStatus("Retention sweep failed: " + e.getMessage(), true);
        });
    }

    /** One line with every count of a sweep. */
    static String counts(SweepReport r) {
        return (r.dryRun() ? "Dry run: " : "Sweep: ") + r.mailboxes() + " mailboxes, " + r.scanned() + " scanned, "
                + r.expired() + " expired, " + r.deleted() + " deleted, " + r.moved() + " moved, " + r.flagged()
                + " flagged, " + r.exempt() + " exempt, " + r.errors() + " errors in " + r.elapsedMs() + " ms"
                + (r.problems().isEmpty() ? "" : " — " + String.join("; ", r.problems().stream().limit(3).toList()));
    }

    /** The policy, one setting per line. */
    static String describe(RetentionPolicy p) {
        StringBuilder b = new StringBuilder();
        b.append("Retention between ").append(p.minAge()).append(" and ").append(p.maxAge())
                .append(" after receipt; expired mail: ").append(p.action())
                .append(p.dryRun() ? " (DRY RUN: only reported)" : "").append('\n');
        b.append("Sweeps: ").append(p.sweepInterval().isEmpty() ? "manual only" : "every " + p.sweepInterval())
                .append(", IMAP server ").append(p.imapServer()).append('\n');
        line(b, "Trusted sender domains", p.trustedDomains());
        line(b, "Internal domains", p.internalDomains());
        line(b, "Default rules", p.defaultRules());
        line(b, "Exempt folders", p.exemptFolders());
        line(b, "Opted-out mailboxes", p.optoutMailboxes());
        line(b, "Mailboxes swept", p.mailboxes());
        b.append("Last sweep: ").append(p.lastSweep() == null ? "none yet"
                : Ui.time(p.lastSweep().startedAt()) + " — " + counts(p.lastSweep()));
        return b.toString();
    }

    private static void line(StringBuilder b, String label, List<String> values) {
        b.append(label).append(": ");
        if (values.isEmpty()) {
            b.append("(none)");
        } else {
            b.append(Ui.join(values.stream().limit(50).toList()));
            if (values.size() > 50) {
                b.append(" and ").append(values.size() - 50).append(" more");
            }
        }
        b.append('\n');
    }
}
