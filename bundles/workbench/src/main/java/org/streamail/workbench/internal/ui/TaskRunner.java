package org.streamail.workbench.internal.ui;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;

/**
 * Runs gateway calls off the UI thread, on a small bounded pool, and hands results back with
 * {@code display.asyncExec}, dropping them when the owning control has been disposed meanwhile.
 * A listener on the UI thread learns which tasks are running, to show progress.
 *
 * <p>Threading: {@link #submit} from any thread; callbacks and the progress listener run on the UI thread.
 * Lifecycle: {@link #shutdown()} when the window closes; later submissions fail.
 */
public final class TaskRunner {

    /** Tasks that may wait behind the running ones; beyond, a submission fails rather than pile up. */
    static final int MAX_QUEUED = 64;
    static final int THREADS = 2;

    /** Told on the UI thread which task labels are running or queued; empty when idle. */
    public interface ProgressListener {
        void progress(List<String> labels);
    }

    private final Display display;
    private final ThreadPoolExecutor pool;
    private final List<String> active = new ArrayList<>(); // guarded by itself
    private final AtomicInteger pending = new AtomicInteger();
    private volatile ProgressListener listener = labels -> { };

    public TaskRunner(Display display) {
        this.display = display;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "streamail-workbench-io-" + n.incrementAndGet());
                    t.setDaemon(true); // a hung gateway call must not keep the framework from stopping
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    public void setProgressListener(ProgressListener listener) {
        this.listener = listener == null ? labels -> { } : listener;
    }

    /** True when no task is running, queued, or waiting to deliver its result. */
    public boolean isIdle() {
        return pending.get() == 0;
    }

    /** See {@link org.streamail.workbench.api.ViewContext#run}. */
    public <T> void submit(Control owner, String label, Callable<T> work, Consumer<? super T> onSuccess,
            Consumer<? super Exception> onFailure) {
        pending.incrementAndGet();
        track(label, true);
        try {
            pool.execute(() -> {
                T result = null;
                Exception failure = null;
                try {
                    result = work.call();
                } catch (Exception e) {
                    failure = e;
                } catch (LinkageError e) {
                    // e.g. a view's bundle was updated under a running task: report, do not kill the pool thread
                    failure = new IllegalStateException("unexpected failure: " + e, e);
                }
                deliver(owner, label, result, failure, onSuccess, onFailure);
            });
        } catch (RejectedExecutionException e) {
            deliver(owner, label, null, new IllegalStateException(
                    "Too many requests waiting for the gateway; try again in a moment."), onSuccess, onFailure);
        }
    }

    private <T> void deliver(Control owner, String label, T result, Exception failure,
            Consumer<? super T> onSuccess, Consumer<? super Exception> onFailure) {
        Runnable callback = () -> {
            try {
                track(label, false);
                if (owner != null && owner.isDisposed()) {
                    return; // the view went away while we waited: nobody to tell
                }
                if (failure == null) {
                    if (onSuccess != null) {
                        onSuccess.accept(result);
                    }
                } else if (onFailure != null) {
                    onFailure.accept(failure);
                }
            } finally {
                pending.decrementAndGet();
            }
        };
        if (display.isDisposed()) {
            pending.decrementAndGet();
            return;
        }
        try {
            display.asyncExec(callback);
        } catch (org.eclipse.swt.SWTException e) {
            pending.decrementAndGet(); // display disposed between the check and the call
        }
    }

    private void track(String label, boolean add) {
        synchronized (active) {
            if (add) {
                active.add(label);
            } else {
                active.remove(label);
            }
        }
        if (display.isDisposed()) {
            return;
        }
        if (Thread.currentThread() == display.getThread()) {
            listener.progress(snapshot());
        } else {
            try {
                // the snapshot is taken when the UI runs this, so out-of-order posts still end in the true state
                display.asyncExec(() -> listener.progress(snapshot()));
            } catch (org.eclipse.swt.SWTException e) {
                // display disposed: nothing to show
            }
        }
    }

    private List<String> snapshot() {
        synchronized (active) {
            return List.copyOf(active);
        }
    }

    /** Stops the pool; running calls are interrupted. */
    public void shutdown() {
        pool.shutdownNow();
    }
}
