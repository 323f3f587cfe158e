package org.streamail.workbench.internal;

import java.time.Duration;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.workbench.api.WorkbenchView;
import org.streamail.workbench.client.ConnectionSecurity;
import org.streamail.workbench.client.GatewayClient;
import org.streamail.workbench.internal.ui.WorkbenchRuntime;

/**
 * The workbench: opens the window on its own UI thread when activated, shows every {@link WorkbenchView}
 * service in it while the service exists, and closes the window when deactivated. When the user closes the
 * window and {@code exit.on.close} is set, the framework is stopped (the launcher's instance exists only for
 * the window).
 */
@Component(immediate = true, configurationPid = "org.streamail.workbench")
@Designate(ocd = WorkbenchConfiguration.class)
public final class WorkbenchComponent {

    private static final Logger LOG = LoggerFactory.getLogger(WorkbenchComponent.class);

    private final GatewayClient gateway;
    private final WorkbenchRuntime runtime;

    @Activate
    public WorkbenchComponent(BundleContext context, WorkbenchConfiguration config) {
        this.gateway = new GatewayClient(Duration.ofSeconds(Math.max(1, config.connect_timeout_seconds())),
                Duration.ofSeconds(Math.max(1, config.request_timeout_seconds())), null, security(config));
        Runnable exit = !config.exit_on_close() ? null : () -> {
            LOG.info("Workbench window closed: stopping the framework");
            try {
                context.getBundle(0).stop();
            } catch (BundleException | IllegalStateException | SecurityException e) {
                LOG.warn("Could not stop the framework after the window closed", e);
            }
        };
        this.runtime = new WorkbenchRuntime(gateway, config.window_title(), exit);
        try {
            runtime.start(Duration.ofSeconds(30));
        } catch (IllegalStateException e) {
            // stay active without a window: the log says why (usually no DISPLAY)
            LOG.error("Streamail workbench: {}", e.getMessage());
        }
    }

    /**
     * The configured transport policy. A malformed pin is logged and ignored: the client then falls back to the
     * JVM's trust store and host name check (never to trusting anything), and a refused certificate is described in
     * the Connection view with its fingerprint, so the administrator can correct the pin.
     */
    static ConnectionSecurity security(WorkbenchConfiguration config) {
        try {
            return new ConnectionSecurity(config.gateway_certificate_sha256(), config.allow_plain_http());
        } catch (IllegalArgumentException e) {
            LOG.error("Streamail workbench: {}; ignoring it (the JVM's trust store applies)", e.getMessage());
            return new ConnectionSecurity(null, config.allow_plain_http());
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void bindView(WorkbenchView view) {
        // DS calls bind methods after the (activating) constructor, so runtime is set; before the display
        // exists the runtime keeps the view pending
        runtime.bind(view);
    }

    void unbindView(WorkbenchView view) {
        runtime.unbind(view); // waits until the view's widgets are gone
    }

    @Deactivate
    void deactivate() {
        runtime.stop(Duration.ofSeconds(10));
        gateway.close();
    }
}
