package org.streamail.workbench.api;

import org.eclipse.swt.widgets.Composite;
import org.eclipse.swt.widgets.Control;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A view of the Streamail workbench, registered as an OSGi service. The workbench binds every
 * {@code WorkbenchView} service dynamically: registering one adds an entry to the navigation list,
 * unregistering it (for example by stopping its bundle) removes the entry and disposes its control.
 *
 * <p>Lifecycle: {@link #createControl} is called at most once per binding, lazily, the first time the user
 * opens the view; {@link #connectionChanged} after every connect or disconnect once the control exists;
 * {@link #dispose} once when the view leaves (service unregistered or window closed), after which the
 * workbench disposes the control. One workbench window exists per framework, so a view service may keep its
 * widgets in fields.
 *
 * <p>Threading: every method except {@link #id()}, {@link #title()} and {@link #order()} is called on the SWT
 * UI thread. A view must never call the gateway on that thread: use
 * {@link ViewContext#run} so the UI stays responsive on a slow gateway.
 *
 * <p>Nullability: no method returns {@code null}.
 */
@ConsumerType
public interface WorkbenchView {

    /** A stable identifier, unique among views, e.g. {@code "quarantine"}. Any thread. */
    String id();

    /** The label in the navigation list. Any thread. */
    String title();

    /** Position in the navigation list: lower first; ties ordered by title. Any thread. */
    default int order() {
        return 1000;
    }

    /**
     * Creates the view's widgets under {@code parent} (which has no layout constraints the view must
     * follow: the returned control fills the view area).
     *
     * @param parent  the view area; the returned control must be a direct child of it
     * @param context what the view may use: the gateway client, background tasks, the status line
     * @return the view's top control
     */
    Control createControl(Composite parent, ViewContext context);

    /** The view was brought to the front; a good moment to refresh stale data. UI thread. */
    default void activated() {
    }

    /** The workbench connected to or disconnected from the gateway. UI thread. */
    default void connectionChanged(boolean connected) {
    }

    /** The view leaves the workbench; release what it holds. Its control is disposed afterwards. UI thread. */
    default void dispose() {
    }
}
