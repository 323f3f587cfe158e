package org.streamail.workbench.api;

import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.eclipse.swt.widgets.Control;
import org.eclipse.swt.widgets.Display;
import org.osgi.annotation.versioning.ProviderType;
import org.streamail.workbench.client.GatewayClient;

/**
 * What the workbench offers a view. Implemented by the workbench only; views receive it in
 * {@link WorkbenchView#createControl}. Valid until the view is disposed.
 *
 * <p>Threading: {@link #gateway()} and {@link #display()} may be called from any thread; every other method
 * must be called on the UI thread.
 */
@ProviderType
public interface ViewContext {

    /** The one gateway client of this workbench; it may be disconnected. Never {@code null}. */
    GatewayClient gateway();

    /** The workbench's display. */
    Display display();

    /**
     * Runs {@code work} on a background thread while the status line shows {@code label} with a progress
     * indicator, then calls {@code onSuccess} or {@code onFailure} on the UI thread, unless {@code owner} has
     * been disposed meanwhile (then the result is dropped). The number of queued tasks is bounded: when the
     * queue is full, {@code onFailure} receives an exception saying so.
     *
     * @param owner     the control the result is for; may be {@code null} when there is none
     * @param label     what the user sees while the task runs, e.g. "Loading quarantine"
     * @param work      the blocking work; never touches widgets
     * @param onSuccess receives the result (may be {@code null} if {@code work} returned it)
     * @param onFailure receives the failure; {@code null} shows it in the status line
     */
    <T> void run(Control owner, String label, Callable<T> work, Consumer<? super T> onSuccess,
            Consumer<? super Exception> onFailure);

    /** Shows a message in the status line; {@code error} colours it. */
    void showStatus(String message, boolean error);

    /** Tells every open view that the gateway connection changed (after connect or disconnect). */
    void fireConnectionChanged();

    /** Brings the view with this id to the front, if it is present. */
    void showView(String id);
}
