package org.streamail.workbench.internal.ui;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.eclipse.swt.SWT;
import org.eclipse.swt.custom.SashForm;
import org.eclipse.swt.custom.StackLayout;
import org.eclipse.swt.graphics.Color;
import org.eclipse.swt.layout.GridData;
import org.eclipse.swt.layout.GridLayout;
import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.eclipse.swt.widgets.Label;
import org.eclipse.swt.widgets.ProgressBar;
import org.eclipse.swt.widgets.Shell;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.workbench.api.ViewContext;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.GatewayClient;

/**
 * The workbench's main window: a navigation list on the left, the selected view on the right, a status line
 * with a progress indicator below. Views are added and removed at any time ({@link #addView},
 * {@link #removeView}); their controls are created lazily the first time they are shown.
 *
 * <p>Threading: every method must be called on the UI thread of {@link #display()}. Lifecycle: created by
 * {@link #open}; gone when its shell is disposed (the task runner is shut down then).
 */
public final class WorkbenchWindow {

    private static final Logger LOG = LoggerFactory.getLogger(WorkbenchWindow.class);
    private static final Comparator<WorkbenchView> ORDER = Comparator.comparingInt(WorkbenchView::order)
            .thenComparing(WorkbenchView::title, String.CASE_INSENSITIVE_ORDER);

    private final Display display;
    private final GatewayClient gateway;
    private final TaskRunner runner;
    private final Shell shell;
    private final org.eclipse.swt.widgets.List navigation;
    private final Composite viewArea;
    private final StackLayout stack = new StackLayout();
    private final Label status;
    private final ProgressBar progress;
    private final Label connection;
    private final Color errorColor;
    private final List<Slot> slots = new ArrayList<>();
    private final ViewContext context = new Context();
    private Slot current;
    /** The status line shows a running task (replaced by "Ready" when idle), not a message to keep. */
    private boolean statusShowsProgress;

    private static final class Slot {
        final WorkbenchView view;
        Control control;

        Slot(WorkbenchView view) {
            this.view = view;
        }
    }

    private WorkbenchWindow(Display display, GatewayClient gateway, String title) {
        this.display = display;
        this.gateway = gateway;
        this.runner = new TaskRunner(display);
        this.shell = new Shell(display, SWT.SHELL_TRIM);
        shell.setText(title);
        shell.setLayout(new GridLayout(1, false));
        errorColor = display.getSystemColor(SWT.COLOR_DARK_RED);

        SashForm sash = new SashForm(shell, SWT.HORIZONTAL);
        sash.setLayoutData(new GridData(SWT.FILL, SWT.FILL, true, true));
        navigation = new org.eclipse.swt.widgets.List(sash, SWT.SINGLE | SWT.BORDER | SWT.V_SCROLL);
        navigation.setData("streamail.name", "navigation");
        viewArea = new Composite(sash, SWT.NONE);
        viewArea.setLayout(stack);
        sash.setWeights(16, 84);
        navigation.addListener(SWT.Selection, e -> {
            int i = navigation.getSelectionIndex();
            if (i >= 0 && i < slots.size()) {
                show(slots.get(i));
            }
        });

        Composite bar = new Composite(shell, SWT.NONE);
        bar.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        GridLayout barLayout = new GridLayout(3, false);
        barLayout.marginHeight = 0;
        bar.setLayout(barLayout);
        status = new Label(bar, SWT.NONE);
        status.setLayoutData(new GridData(SWT.FILL, SWT.CENTER, true, false));
        progress = new ProgressBar(bar, SWT.INDETERMINATE);
        GridData pd = new GridData(SWT.RIGHT, SWT.CENTER, false, false);
        pd.widthHint = 120;
        progress.setLayoutData(pd);
        progress.setVisible(false);
        connection = new Label(bar, SWT.NONE);
        connection.setLayoutData(new GridData(SWT.RIGHT, SWT.CENTER, false, false));
        updateConnectionLabel();

        runner.setProgressListener(labels -> {
            if (shell.isDisposed()) {
                return;
            }
            boolean busy = !labels.isEmpty();
            progress.setVisible(busy);
            if (busy) {
                status.setForeground(null);
                status.setText(labels.get(labels.size() - 1) + "…"
                        + (labels.size() > 1 ? "  (" + labels.size() + " requests)" : ""));
                statusShowsProgress = true;
            } else if (statusShowsProgress) {
                status.setText("Ready");
                statusShowsProgress = false;
            }
        });
        shell.addListener(SWT.Dispose, e -> {
            for (Slot s : List.copyOf(slots)) {
                disposeView(s);
            }
            slots.clear();
            runner.shutdown();
        });
        shell.setSize(1180, 760);
    }

    /** Creates and opens the window. UI thread. */
    public static WorkbenchWindow open(Display display, GatewayClient gateway, String title) {
        WorkbenchWindow w = new WorkbenchWindow(display, gateway, title);
        w.shell.open();
        return w;
    }

    public Display display() {
        return display;
    }

    public Shell shell() {
        return shell;
    }

    public TaskRunner runner() {
        return runner;
    }

    public ViewContext context() {
        return context;
    }

    /** Adds a view to the navigation (ignored if already present). The first view added is shown. */
    public void addView(WorkbenchView view) {
        if (shell.isDisposed() || indexOf(view) >= 0) {
            return;
        }
        Slot slot = new Slot(view);
        int at = 0;
        while (at < slots.size() && ORDER.compare(slots.get(at).view, view) <= 0) {
            at++;
        }
        slots.add(at, slot);
        navigation.add(safeTitle(view), at);
        if (current == null) {
            show(slot);
        } else {
            navigation.setSelection(slots.indexOf(current));
        }
    }

    /** Removes a view: calls its {@code dispose()} and disposes its control. Unknown views are ignored. */
    public void removeView(WorkbenchView view) {
        int i = indexOf(view);
        if (i < 0 || shell.isDisposed()) {
            return;
        }
        Slot slot = slots.remove(i);
        navigation.remove(i);
        disposeView(slot);
        if (current == slot) {
            current = null;
            stack.topControl = null;
            if (!slots.isEmpty()) {
                show(slots.get(0));
            } else {
                viewArea.layout();
            }
        } else if (current != null) {
            navigation.setSelection(slots.indexOf(current));
        }
    }

    /** Whether the progress indicator shows (a gateway call is running or queued). */
    public boolean progressVisible() {
        return progress.getVisible();
    }

    /** The status line's text. */
    public String statusText() {
        return status.getText();
    }

    /** The navigation entries, in order. */
    public List<String> navigationTitles() {
        return List.of(navigation.getItems());
    }

    /** The ids of the views present, in navigation order. */
    public List<String> viewIds() {
        return slots.stream().map(s -> s.view.id()).toList();
    }

    /** The id of the view in front, or empty. */
    public String currentViewId() {
        return current == null ? "" : current.view.id();
    }

    /** Brings a view to the front by id; returns its control, or {@code null} if there is no such view. */
    public Control showView(String id) {
        for (Slot s : slots) {
            if (s.view.id().equals(id)) {
                show(s);
                return s.control;
            }
        }
        return null;
    }

    private int indexOf(WorkbenchView view) {
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).view == view) {
                return i;
            }
        }
        return -1;
    }

    private void show(Slot slot) {
        if (slot.control == null || slot.control.isDisposed()) {
            slot.control = createControl(slot);
        }
        current = slot;
        stack.topControl = slot.control;
        viewArea.layout(true, true);
        navigation.setSelection(slots.indexOf(slot));
        try {
            slot.view.activated();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("View {} failed on activation", slot.view.id(), e);
            showStatus("View " + safeTitle(slot.view) + " failed: " + e, true);
        }
    }

    /** Asks the view for its control; a view that fails gets an error label instead, never a broken window. */
    private Control createControl(Slot slot) {
        List<Control> before = List.of(viewArea.getChildren());
        try {
            Control c = slot.view.createControl(viewArea, context);
            if (c == null || c.isDisposed() || c.getParent() != viewArea) {
                throw new IllegalStateException("createControl must return a live child of the view area");
            }
            if (gateway.isConnected()) {
                slot.view.connectionChanged(true);
            }
            return c;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("View {} could not create its control", slot.view.id(), e);
            for (Control child : viewArea.getChildren()) {
                if (!before.contains(child)) {
                    child.dispose(); // leftovers of the failed view would show through the stack
                }
            }
            Label l = new Label(viewArea, SWT.WRAP);
            l.setText("The view \"" + safeTitle(slot.view) + "\" failed to open: " + e);
            l.setForeground(errorColor);
            return l;
        }
    }

    private void disposeView(Slot slot) {
        try {
            if (slot.control != null) {
                slot.view.dispose();
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("View {} failed to dispose", slot.view.id(), e);
        }
        if (slot.control != null && !slot.control.isDisposed()) {
            slot.control.dispose();
        }
        slot.control = null;
    }

    private static String safeTitle(WorkbenchView view) {
        try {
            String t = view.title();
            return t == null || t.isBlank() ? view.getClass().getSimpleName() : t;
        } catch (RuntimeException e) {
            return view.getClass().getSimpleName();
        }
    }

    private void showStatus(String message, boolean error) {
        if (status.isDisposed()) {
            return;
        }
        statusShowsProgress = false;
        status.setForeground(error ? errorColor : null);
        // one line: a multi-line server message would push the bar out of the window
        String line = message.replaceAll("[\\r\\n]+", " ");
        status.setText(line.length() > 300 ? line.substring(0, 300) + "…" : line);
        status.setToolTipText(message);
        status.getParent().layout();
    }

    private void updateConnectionLabel() {
        connection.setText(gateway.isConnected()
                ? gateway.user() + " @ " + gateway.apiBase().replace(GatewayClient.API_PATH, "")
                : "Not connected");
        connection.getParent().layout();
    }

    /** The one context handed to every view. */
    private final class Context implements ViewContext {

        @Override
        public GatewayClient gateway() {
            return gateway;
        }

        @Override
        public Display display() {
            return display;
        }

        @Override
        public <T> void run(Control owner, String label, Callable<T> work, Consumer<? super T> onSuccess,
                Consumer<? super Exception> onFailure) {
            runner.submit(owner, label, work, onSuccess, onFailure != null ? onFailure
                    : e -> showStatus(label + " failed: " + e.getMessage(), true));
        }

        @Override
        public void showStatus(String message, boolean error) {
            WorkbenchWindow.this.showStatus(message, error);
        }

        @Override
        public void fireConnectionChanged() {
            if (shell.isDisposed()) {
                return;
            }
            updateConnectionLabel();
            boolean connected = gateway.isConnected();
            for (Slot s : List.copyOf(slots)) {
                if (s.control != null && !s.control.isDisposed()) {
                    try {
                        s.view.connectionChanged(connected);
                    } catch (RuntimeException | LinkageError e) {
                        LOG.warn("View {} failed on connection change", s.view.id(), e);
                    }
                }
            }
        }

        @Override
        public void showView(String id) {
            WorkbenchWindow.this.showView(id);
        }
    }
}
