package org.streamail.workbench.internal.views;

import java.util.concurrent.Callable;
import java.util.function.Function;
import org.eclipse.jface.dialogs.MessageDialog;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Label;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.GatewayClient;

/**
 * The skeleton of a built-in view that shows what it loads from the gateway (quarantine, messages, alerts,
 * directory, block list, isolation, retention, DKIM): a one-column root, and the load lifecycle every such view
 * had written out again: load when it is first shown while connected, reload on every connect, empty itself on
 * disconnect, refresh only while connected. Also the small pieces those views repeated: the summary line, the
 * vertical sash, the yes-or-Cancel confirmation and the "… failed" status line plus error dialog.
 *
 * <p>What stays in each view: its widgets, what it loads and how it shows it, every text. A view with a special
 * need overrides {@link #stale()} or {@link #refreshWhileDisconnected()}, or keeps its own code beside these
 * helpers; this is a base for the views of this bundle, not part of the view SPI.
 *
 * <p>Lifecycle and threading as {@link WorkbenchView}: every method except {@link #id()}, {@link #title()} and
 * {@link #order()} runs on the UI thread; {@link #context} and {@link #root} are set by {@link #createControl}
 * (once per binding) before {@link #createContents()} runs, and are never {@code null} afterwards.
 */
abstract class GatewayView implements WorkbenchView {

    private final String id;
    private final String title;
    private final int order;
    /** What the workbench offers this view; set by {@link #createControl}. */
    protected ViewContext context;
    /** The view's top control, a one-column grid; the owner of its background tasks. */
    protected Composite root;
    /** A load was started since the last connect; reset on disconnect, read by the default {@link #stale()}. */
    private boolean loaded;

    GatewayView(String id, String title, int order) {
        this.id = id;
        this.title = title;
        this.order = order;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final String title() {
        return title;
    }

    @Override
    public final int order() {
        return order;
    }

    @Override
    public final Control createControl(Composite parent, ViewContext ctx) {
        this.context = ctx;
        root = new Composite(parent, SWT.NONE);
        root.setLayout(new GridLayout(1, false));
        createContents();
        return root;
    }

    /** Creates the view's widgets in {@link #root}, a one-column grid. Loads nothing: the lifecycle does. */
    protected abstract void createContents();

    /** Starts the background loads ({@link ViewContext#run}) that fill the view; called only while connected. */
    protected abstract void load(GatewayClient gw);

    /** Empties the view after a disconnect and says it is not connected. */
    protected abstract void showDisconnected();

    /**
     * Whether the view needs a load when it is brought to the front while connected. By default until a load
     * was started after the last connect; a view that reloads while it shows nothing overrides it.
     */
    protected boolean stale() {
        return !loaded;
    }

    /** Refresh was asked while not connected; by default nothing changes (the view already says so). */
    protected void refreshWhileDisconnected() {
    }

    @Override
    public final void activated() {
        if (context.gateway().isConnected() && stale()) {
            refresh();
        }
    }

    @Override
    public final void connectionChanged(boolean connected) {
        if (connected) {
            refresh();
        } else {
            loaded = false;
            showDisconnected();
        }
    }

    /** Reloads the view from the gateway, or only {@link #refreshWhileDisconnected()} when not connected. */
    final void refresh() {
        if (!context.gateway().isConnected()) {
            refreshWhileDisconnected();
            return;
        }
        loaded = true;
        load(context.gateway());
    }

    /** The wrapping line at the top of the view that says what it shows (or why not), filling the width. */
    protected final Label summaryLine(String name, String text) {
        Label summary = Ui.name(new Label(root, SWT.WRAP), name);
        summary.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        summary.setText(text);
        return summary;
    }

    /** A vertical sash filling the rest of the view: a table above, its detail or further tables below. */
    protected final SashForm verticalSash() {
        SashForm sash = new SashForm(root, SWT.VERTICAL);
        sash.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        return sash;
    }

    /** Asks a question with the buttons {@code yes} and Cancel; true only for {@code yes}. */
    protected final boolean confirm(String dialogTitle, String question, String yes) {
        return MessageDialog.open(MessageDialog.QUESTION, root.getShell(), dialogTitle, question, SWT.NONE, yes,
                "Cancel") == 0;
    }

    /**
     * Reports a failed action: {@code "<doing> failed: <why>"} in the status line and, unless {@code dialogTitle}
     * is {@code null}, the gateway's reason in an error dialog, as a refused write must not go unnoticed.
     */
    protected void failed(String doing, String dialogTitle, Exception e) {
        context.showStatus(doing + " failed: " + e.getMessage(), true);
        if (dialogTitle != null) {
            MessageDialog.openError(root.getShell(), dialogTitle, e.getMessage());
        }
    }

    /**
     * Runs a change on the gateway in the background with {@code doing} in the status line, then shows
     * {@code done}'s message and reloads the view, or reports the failure with {@link #failed}.
     */
    protected final <T> void change(String doing, String failureTitle, Callable<T> work,
            Function<? super T, String> done) {
        context.run(root, doing, work, result -> {
            context.showStatus(done.apply(result), false);
            refresh();
        }, e -> failed(doing, failureTitle, e));
    }
}
