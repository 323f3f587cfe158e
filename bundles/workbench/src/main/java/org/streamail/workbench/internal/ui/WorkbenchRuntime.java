package org.streamail.workbench.internal.ui;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.swt.SWTError;
import org.eclipse.swt.SWTException;
import org.eclipse.swt.widgets.Display;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.GatewayClient;

/**
 * Owns the workbench's UI thread: it creates the SWT {@link Display}, opens the {@link WorkbenchWindow} and
 * runs the event loop until the window closes or {@link #stop} is called. Views may be bound at any time,
 * before the display exists too (they wait in a pending list).
 *
 * <p>Threading: {@link #bind}, {@link #unbind}, {@link #start} and {@link #stop} may be called from any
 * thread. {@link #unbind} waits ({@code syncExec}) until the view's control is gone, so nothing runs the
 * departing bundle's classes afterwards.
 */
public final class WorkbenchRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(WorkbenchRuntime.class);

    private final GatewayClient gateway;
    private final String title;
    private final Runnable onUserClose;
    private final List<WorkbenchView> views = new ArrayList<>(); // guarded by this
    private final CountDownLatch ready = new CountDownLatch(1);
    private final AtomicReference<Throwable> startFailure = new AtomicReference<>();
    private volatile Display display;
    private volatile WorkbenchWindow window;
    private volatile boolean stopping;
    private Thread thread;

    /**
     * @param onUserClose run on a fresh thread when the user closes the window (not on {@link #stop});
     *                    e.g. stops the framework of a workbench-only instance
     */
    public WorkbenchRuntime(GatewayClient gateway, String title, Runnable onUserClose) {
        this.gateway = gateway;
        this.title = title;
        this.onUserClose = onUserClose;
    }

    /**
     * Starts the UI thread and waits until the window is open.
     *
     * @throws IllegalStateException if no display could be opened (no X server, no GTK) or it took too long
     */
    public void start(Duration timeout) {
        Thread t = new Thread(this::loop, "streamail-workbench-ui");
        synchronized (this) {
            if (thread != null) {
                throw new IllegalStateException("already started");
            }
            thread = t;
        }
        t.setDaemon(false);
        t.start();
        // wait without holding this object's lock: the UI thread needs it to take the pending views
        try {
            if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the workbench window did not open within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while opening the workbench window", e);
        }
        Throwable failure = startFailure.get();
        if (failure != null) {
            throw new IllegalStateException("cannot open the workbench window (is DISPLAY set and GTK 3 "
                    + "installed?): " + failure, failure);
        }
    }

    private void loop() {
        Display d;
        WorkbenchWindow w;
        try {
            d = new Display();
            display = d;
            w = WorkbenchWindow.open(d, gateway, title);
            window = w;
            List<WorkbenchView> pending;
            synchronized (this) {
                pending = List.copyOf(views);
            }
            pending.forEach(w::addView);
        } catch (SWTError | RuntimeException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            startFailure.set(e);
            ready.countDown();
            if (display != null && !display.isDisposed()) {
                display.dispose();
            }
            return;
        }
        ready.countDown();
        try {
            while (!w.shell().isDisposed()) {
                try {
                    if (!d.readAndDispatch()) {
                        d.sleep();
                    }
                } catch (RuntimeException | LinkageError e) {
                    // one bad listener (say, in a view being updated) must not end the event loop
                    LOG.error("Unexpected failure on the workbench UI thread", e);
                }
            }
        } finally {
            d.dispose();
            gateway.disconnect();
            if (!stopping && onUserClose != null) {
                Thread t = new Thread(onUserClose, "streamail-workbench-exit");
                t.setDaemon(true);
                t.start();
            }
        }
    }

    /** Closes the window and waits (bounded) for the UI thread to end. Idempotent. */
    public void stop(Duration timeout) {
        stopping = true;
        Display d = display;
        if (d != null && !d.isDisposed()) {
            try {
                d.asyncExec(() -> {
                    WorkbenchWindow w = window;
                    if (w != null && !w.shell().isDisposed()) {
                        w.shell().dispose();
                    }
                });
                d.wake();
            } catch (SWTException e) {
                // already disposed
            }
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Adds a view; shown once the window exists. */
    public void bind(WorkbenchView view) {
        synchronized (this) {
            if (views.contains(view)) {
                return;
            }
            views.add(view);
        }
        onUi(w -> w.addView(view), false);
    }

    /** Removes a view and waits until its control is disposed. */
    public void unbind(WorkbenchView view) {
        synchronized (this) {
            views.remove(view);
        }
        onUi(w -> w.removeView(view), true);
    }

    private void onUi(java.util.function.Consumer<WorkbenchWindow> action, boolean wait) {
        Display d = display;
        if (d == null || d.isDisposed()) {
            return; // not started yet (the pending list covers it) or already gone
        }
        Runnable r = () -> {
            WorkbenchWindow w = window;
            if (w != null && !w.shell().isDisposed()) {
                action.accept(w);
            }
        };
        try {
            if (Thread.currentThread() == d.getThread()) {
                r.run();
            } else if (wait) {
                d.syncExec(r);
            } else {
                d.asyncExec(r);
            }
        } catch (SWTException e) {
            // the display was disposed meanwhile: the view is gone with it
        }
    }

    /** The display, or {@code null} before {@link #start} succeeded. */
    public Display display() {
        return display;
    }

    /** The window, or {@code null} before {@link #start} succeeded. */
    public WorkbenchWindow window() {
        return window;
    }

    /** Runs {@code s} on the UI thread and returns its result (for tests and diagnostics). */
    public <T> T sync(Supplier<T> s) {
        AtomicReference<T> out = new AtomicReference<>();
        display.syncExec(() -> out.set(s.get()));
        return out.get();
    }
}
