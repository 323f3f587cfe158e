package org.streamail.workbench.internal.views;

import java.util.List;
import org.eclipse.jface.dialogs.InputDialog;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.jface.window.Window;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Button;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Group;
import org.eclipse.swt.widgets.Label;
import org.osgi.service.component.annotations.Component;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.BadUrl;
import org.streamail.workbench.client.Click;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.client.GatewayException;
import org.streamail.workbench.client.Isolation;
import org.streamail.workbench.client.IsolationAuditEntry;
import org.streamail.workbench.client.RecallReport;

/**
 * Host isolation: the hosts cut off the network now (ip, MAC, since, until, offences, by whom, why), Isolate…
 * (a dialog that validates address, reason and time before anything is sent), Release… with confirmation,
 * the isolation audit; and the recently blocked link clicks, from which a host can be isolated or the
 * message's whole campaign recalled; the URLs those recalls marked bad (every click on them is blocked), with
 * Lift bad mark… (confirmed) for a wrong mark. Isolation is for administrators only: a viewer sees a clear
 * message instead of the lists (the blocked clicks and the URLs marked bad stay visible to everyone) and the
 * admin actions are disabled.
 */
@Component(service = WorkbenchView.class)
public final class IsolationView extends GatewayView {

    static final int AUDIT_LIMIT = 200;
    static final int CLICK_LIMIT = 100;
    static final int BAD_URL_LIMIT = 200;
    /** Longest URL quoted in the confirmation dialog; the gateway accepts up to 8192 characters. */
    private static final int SHOWN_URL = 400;

    private Label message;
    private Ui.SortedTable<Isolation> hosts;
    private Ui.SortedTable<IsolationAuditEntry> audit;
    private Ui.SortedTable<Click> clicks;
    private Ui.SortedTable<BadUrl> badUrls;
    private Button isolate;
    private Button release;
    private Button isolateClicker;
    private Button recall;
    private Button liftBadMark;
    /** The gateway answered 403 to the isolation list: this user is no admin, so the admin actions are off. */
    private boolean forbidden;

    public IsolationView() {
        super("isolation", "Isolation", 50);
    }

    @Override
    protected void createContents() {
        message = summaryLine("isolation.message", "Not connected");
        SashForm sash = verticalSash();

        Group hostGroup = Ui.group(sash, "Isolated hosts", 1, true);
        hosts = Ui.filledTable(hostGroup, "isolation.table");
        hosts.column("IP", 130, Isolation::ip, null)
                .column("MAC", 130, Isolation::mac, null)
                .column("Since", 140, i -> Ui.time(i.since()), Isolation::since)
                .column("Until", 140, i -> i.until() == null ? "until released" : Ui.time(i.until()), Isolation::until)
                .column("Offences", 70, i -> String.valueOf(i.offences()), Isolation::offences)
                .column("By", 90, Isolation::actor, null)
                .column("Reason", 320, Isolation::reason, null);
        hosts.sort(2, true);
        hosts.viewer.addSelectionChangedListener(e -> enableActions());
        Composite hostActions = new Composite(hostGroup, SWT.NONE);
        hostActions.setLayout(new GridLayout(3, false));
        isolate = Ui.button(hostActions, "Isolate…", "isolation.isolate", () -> isolate("", ""));
        release = Ui.button(hostActions, "Release…", "isolation.release", this::releaseSelected);
        Ui.button(hostActions, "Refresh", "isolation.refresh", this::refresh);

        Group auditGroup = Ui.group(sash, "Audit", 1, true);
        audit = Ui.filledTable(auditGroup, "isolation.audit");
        audit.column("Time", 140, a -> Ui.time(a.time()), IsolationAuditEntry::time)
                .column("Action", 70, IsolationAuditEntry::action, null)
                .column("IP", 130, IsolationAuditEntry::ip, null)
                .column("By", 90, IsolationAuditEntry::actor, null)
                .column("Reason", 260, IsolationAuditEntry::reason, null)
                .column("Isolated before", 160, IsolationAuditEntry::before, null)
                .column("Isolated after", 160, IsolationAuditEntry::after, null);
        audit.sort(0, true);

        Group clickGroup = Ui.group(sash, "Recently blocked clicks", 1, true);
        clicks = Ui.filledTable(clickGroup, "isolation.clicks");
        clicks.column("Time", 140, c -> Ui.time(c.time()), Click::time)
                .column("Recipient", 170, Click::recipient, null)
                .column("URL", 260, Click::url, null)
                .column("Client IP", 120, Click::clientIp, null)
                .column("MAC", 130, Click::mac, null)
                .column("Why blocked", 160, Click::reason, null)
                .column("Message", 100, Click::messageId, null);
        clicks.sort(0, true);
        clicks.viewer.addSelectionChangedListener(e -> enableActions());
        Composite clickActions = new Composite(clickGroup, SWT.NONE);
        clickActions.setLayout(new GridLayout(2, false));
        isolateClicker = Ui.button(clickActions, "Isolate client…", "isolation.isolateClicker", this::isolateClicker);
        recall = Ui.button(clickActions, "Recall campaign…", "isolation.recall", this::recallSelected);

        Group badGroup = Ui.group(sash, "URLs marked bad", 1, true);
        badUrls = Ui.filledTable(badGroup, "isolation.badUrls");
        badUrls.column("Marked at", 140, b -> Ui.time(b.markedAt()), BadUrl::markedAt)
                .column("URL", 360, BadUrl::url, null)
                .column("Reason", 360, BadUrl::reason, null);
        badUrls.sort(0, true);
        badUrls.viewer.addSelectionChangedListener(e -> enableActions());
        Composite badActions = new Composite(badGroup, SWT.NONE);
        badActions.setLayout(new GridLayout(1, false));
        liftBadMark = Ui.button(badActions, "Lift bad mark…", "isolation.liftBadUrl", this::liftSelected);
        sash.setWeights(30, 20, 25, 25);
        enableActions();
    }

    @Override
    protected void showDisconnected() {
        forbidden = false;
        hosts.viewer.setInput(List.of());
        audit.viewer.setInput(List.of());
        clicks.viewer.setInput(List.of());
        badUrls.viewer.setInput(List.of());
        Ui.message(message, "Not connected", false);
        enableActions();
    }

    @Override
    protected void refreshWhileDisconnected() {
        Ui.message(message, "Not connected", false);
    }

    @Override
    protected void load(GatewayClient gw) {
        context.run(root, "Loading isolated hosts", gw::isolated, list -> {
            forbidden = false;
            hosts.viewer.setInput(list);
            Ui.message(message, list.isEmpty() ? "No host is isolated."
                    : list.size() + (list.size() == 1 ? " host is" : " hosts are") + " isolated.", false);
            enableActions();
        }, this::isolationFailed);
        context.run(root, "Loading the isolation audit", () -> gw.isolationAudit(null, AUDIT_LIMIT),
                audit.viewer::setInput, e -> audit.viewer.setInput(List.of()));
        context.run(root, "Loading blocked clicks", () -> gw.clicks(CLICK_LIMIT, true), list -> {
            clicks.viewer.setInput(list);
            enableActions();
        }, e -> context.showStatus("Loading blocked clicks failed: " + e.getMessage(), true));
        loadBadUrls();
    }

    /** Loads the URLs marked bad (readable by every user, unlike the isolation list). */
    private void loadBadUrls() {
        GatewayClient gw = context.gateway();
        context.run(root, "Loading URLs marked bad", () -> gw.badUrls(BAD_URL_LIMIT), list -> {
            badUrls.viewer.setInput(list);
            enableActions();
        }, e -> {
            // e.g. an older gateway without the endpoint: say so, keep the rest of the view usable
            badUrls.viewer.setInput(List.of());
            context.showStatus("Loading URLs marked bad failed: " + e.getMessage(), true);
            enableActions();
        });
    }

    private void isolationFailed(Exception e) {
        hosts.viewer.setInput(List.of());
        forbidden = e instanceof GatewayException g && g.kind() == GatewayException.Kind.FORBIDDEN;
        if (forbidden) {
            // the list and the audit are admin-only on the gateway: say so rather than show empty tables
            Ui.message(message, "Isolation is for administrators only: the gateway refused user '"
                    + context.gateway().user() + "' (HTTP 403). Log in as an admin to see, isolate or release hosts. "
                    + "Blocked clicks and URLs marked bad below are visible to every user.", true);
        } else {
            Ui.message(message, "Loading isolated hosts failed: " + e.getMessage(), true);
        }
        enableActions();
    }

    private void enableActions() {
        boolean connected = context.gateway().isConnected();
        boolean admin = connected && !forbidden;
        isolate.setEnabled(admin);
        release.setEnabled(connected && hosts.selected() != null);
        Click c = clicks.selected();
        isolateClicker.setEnabled(admin && c != null && GatewayClient.isIpLiteral(c.clientIp()));
        recall.setEnabled(admin && c != null && !c.messageId().isEmpty()); // recall is admin-only too
        liftBadMark.setEnabled(admin && badUrls.selected() != null); // so is lifting a mark
    }

    private void isolateClicker() {
        Click c = clicks.selected();
        if (c != null) {
            isolate(c.clientIp(), "clicked a blocked link: " + c.url());
        }
    }

    private void isolate(String ip, String reason) {
        IsolateDialog dialog = new IsolateDialog(root.getShell(), ip,
                reason.length() > GatewayClient.MAX_REASON_LENGTH ? reason.substring(0, GatewayClient.MAX_REASON_LENGTH)
                        : reason);
        if (dialog.open() != Window.OK) {
            return;
        }
        GatewayClient gw = context.gateway();
        String host = dialog.ip();
        change("Isolating " + host, "Isolating " + host + " failed", () -> gw.isolate(host, dialog.reason(),
                dialog.ttl()), done -> "Isolated " + done.ip() + (done.until() == null ? " until released"
                        : " until " + Ui.time(done.until())) + " (offence " + done.offences() + ")");
    }

    private void releaseSelected() {
        Isolation i = hosts.selected();
        if (i == null || !confirm("Release host", "Release " + Visible.cell(i.ip() + (i.mac().isEmpty() ? ""
                : " (" + i.mac() + ")")) + "?\n\nIt was isolated by " + Visible.cell(i.actor()) + " on "
                + Ui.time(i.since()) + ": " + Visible.cell(i.reason())
                + "\n\nThe host gets its network access back at once.", "Release")) {
            return;
        }
        GatewayClient gw = context.gateway();
        change("Releasing " + i.ip(), "Releasing " + i.ip() + " failed", () -> {
            gw.releaseIsolation(i.ip());
            return i;
        }, released -> "Released " + released.ip());
    }

    private void recallSelected() {
        Click c = clicks.selected();
        if (c == null || c.messageId().isEmpty()) {
            return;
        }
        InputDialog ask = new InputDialog(root.getShell(), "Recall campaign",
                "Recall the campaign of message " + c.messageId() + "?\n\nThe gateway treats every message of that "
                        + "campaign as bad: it pulls delivered copies out of the mailboxes and warns the recipients."
                        + "\n\nReason (optional):", "link blocked for " + c.recipient(),
                text -> text.strip().length() > GatewayClient.MAX_REASON_LENGTH
                        ? "At most " + GatewayClient.MAX_REASON_LENGTH + " characters." : null);
        if (ask.open() != Window.OK) {
            return;
        }
        String reason = ask.getValue();
        String id = c.messageId();
        GatewayClient gw = context.gateway();
        context.run(root, "Recalling the campaign of " + id, () -> gw.recall(id, reason), report -> {
            context.showStatus("Campaign " + report.campaignId() + " recalled: " + report.messages().size()
                    + " message(s), " + report.pulled() + " copies pulled", false);
            MessageDialog.openInformation(root.getShell(), "Campaign recalled", describe(report));
        }, e -> failed("Recalling the campaign of " + id, "Recalling the campaign of " + id + " failed", e));
    }

    private void liftSelected() {
        BadUrl b = badUrls.selected();
        if (b == null) {
            return;
        }
        String url = b.url();
        String shown = url.length() <= SHOWN_URL ? url : url.substring(0, SHOWN_URL) + "…";
        if (!confirm("Lift bad mark", "Lift the bad mark of\n\n" + Visible.cell(shown) + "\n\nIt was marked bad on "
                + Ui.time(b.markedAt()) + ": " + Visible.cell(b.reason())
                + "\n\nThe link guard stops blocking clicks on it for this reason at once "
                + "(other rules and verdicts still apply).", "Lift mark")) {
            return;
        }
        GatewayClient gw = context.gateway();
        context.run(root, "Lifting the bad mark of " + abbrev(url), () -> {
            gw.unmarkBadUrl(url);
            return url;
        }, lifted -> {
            context.showStatus("No longer marked bad: " + abbrev(lifted), false);
            loadBadUrls();
        }, e -> {
            context.showStatus("Lifting the bad mark of " + abbrev(url) + " failed: " + e.getMessage(), true);
            MessageDialog.openError(root.getShell(), "Lifting the bad mark failed",
                    e.getMessage() + "\n\nURL: " + shown);
            if (e instanceof GatewayException g && g.kind() == GatewayException.Kind.NOT_FOUND) {
                loadBadUrls(); // lifted meanwhile (by another admin): show the list as it is now
            }
            enableActions();
        });
    }

    private static String abbrev(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }

    /** What a recall did, for the administrator. */
    static String describe(RecallReport r) {
        StringBuilder b = new StringBuilder();
        b.append("Campaign ").append(r.campaignId()).append(": ").append(r.messages().size())
                .append(r.messages().size() == 1 ? " message, " : " messages, ").append(r.pulled())
                .append(r.pulled() == 1 ? " copy" : " copies").append(" pulled from mailboxes.\n");
        if (!r.warned().isEmpty()) {
            b.append("Warned: ").append(Ui.join(r.warned().stream().limit(20).toList()))
                    .append(r.warned().size() > 20 ? " and " + (r.warned().size() - 20) + " more" : "").append('\n');
        }
        int shown = 0;
        for (RecallReport.Outcome o : r.mailboxes()) {
            if (shown++ >= 20) {
                b.append("… and ").append(r.mailboxes().size() - 20).append(" more mailboxes\n");
                break;
            }
            b.append("• ").append(o.mailbox()).append(": found ").append(o.found()).append(", moved ")
                    .append(o.moved()).append(", deleted ").append(o.deleted())
                    .append(o.error().isEmpty() ? "" : " — error: " + o.error()).append('\n');
        }
        return b.toString().strip();
    }

    /** Then enables the actions again from the connection, the role and the selections. */
    @Override
    protected void failed(String doing, String dialogTitle, Exception e) {
        super.failed(doing, dialogTitle, e);
        enableActions();
    }
}
