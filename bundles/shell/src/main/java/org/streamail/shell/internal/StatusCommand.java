package org.streamail.shell.internal;

import java.util.Map;
import java.util.TreeMap;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.StatusReport;

/**
 * {@code streamail:status}: whether mail is accepted, the detectors, queues, the components that failed to
 * activate (a "Problems:" section, only when there are any) and the counters.
 */
@Command(scope = "streamail", name = "status", description = "Shows whether the gateway accepts mail, its detectors, queues, components that failed to start, and counters")
@Service
public class StatusCommand implements Action {

    @Reference(optional = true)
    GatewayStatus status;

    @Override
    public Object execute() {
        StatusReport r = Services.require(status, "gateway core (GatewayStatus)").status();
        System.out.println("Ready:      " + (r.ready() ? "yes" : "NO - " + Format.visible(r.unavailableReason())));
        System.out.println("Detectors:  " + (r.detectors().isEmpty() ? "none" : String.join(", ", r.detectors())));
        System.out.println("Mandatory:  " + (r.mandatory().isEmpty() ? "none" : String.join(", ", r.mandatory())));
        System.out.println("Spooled:    " + r.spooled());
        System.out.println("Deferred:   " + r.deferred());
        System.out.println("Started:    " + Format.time(r.startedAt()));
        if (!r.problems().isEmpty()) {
            // Components that failed to activate (e.g. a refused configuration value); mail still flows.
            System.out.println("Problems:");
            for (String p : r.problems()) {
                System.out.println("  " + Format.visible(p));
            }
        }
        if (!r.counters().isEmpty()) {
            System.out.println("Counters:");
            for (Map.Entry<String, Long> c : new TreeMap<>(r.counters()).entrySet()) {
                System.out.println("  " + c.getKey() + " = " + c.getValue());
            }
        }
        return null;
    }
}
