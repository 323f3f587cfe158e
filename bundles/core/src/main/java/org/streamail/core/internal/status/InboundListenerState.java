package org.streamail.core.internal.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Why the inbound SMTP listener is not running, read from the Declarative Services runtime, for readiness
 * while the listener has no {@link org.streamail.api.smtp.ListenerState} registered (a running listener says
 * itself whether its port is open).
 *
 * <p>The listener (component {@code org.streamail.smtp} of bundle {@code org.streamail.smtp}) opens its port
 * in its activation, and Felix SCR reports a configuration {@link ComponentConfigurationDTO#ACTIVE} only once
 * the activation has returned. Every other state is a reason: the bundle stopped or absent, the listener
 * waiting for the store after a database change (it restarts on the new recipient directory), still starting,
 * or failed to start (its port taken at start-up). A configuration change to a port that cannot be bound is
 * not seen here: Felix SCR keeps a component whose modified method threw ACTIVE. Stateless; thread-safe.
 */
final class InboundListenerState {

    static final String COMPONENT = "org.streamail.smtp";
    static final String BUNDLE = "org.streamail.smtp";
    private static final String NOT_ACCEPTED = ", inbound mail is not accepted";

    private InboundListenerState() {
    }

    /** Why the listener does not take mail now, or empty while it runs. */
    static Optional<String> unavailableReason(Collection<ComponentDescriptionDTO> descriptions,
            Function<ComponentDescriptionDTO, Collection<ComponentConfigurationDTO>> configurations) {
        ComponentDescriptionDTO listener = null;
        for (ComponentDescriptionDTO d : descriptions) {
            if (d != null && COMPONENT.equals(d.name) && d.bundle != null && BUNDLE.equals(d.bundle.symbolicName)) {
                listener = d;
                break;
            }
        }
        if (listener == null) {
            return Optional.of("no inbound SMTP listener (bundle " + BUNDLE + " is not active)" + NOT_ACCEPTED);
        }
        Collection<ComponentConfigurationDTO> configs = configurations.apply(listener);
        if (configs == null || configs.isEmpty()) {
            return Optional.of("inbound SMTP listener not running (component " + COMPONENT + " is disabled)"
                    + NOT_ACCEPTED);
        }
        ComponentConfigurationDTO c = configs.iterator().next();
        for (ComponentConfigurationDTO other : configs) {
            if (other != null && other.state == ComponentConfigurationDTO.ACTIVE) {
                return Optional.empty();
            }
        }
        return Optional.of(switch (c == null ? -1 : c.state) {
            case ComponentConfigurationDTO.SATISFIED -> "inbound SMTP listener starting" + NOT_ACCEPTED + " yet";
            case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "inbound SMTP listener waiting for "
                    + missing(c.unsatisfiedReferences) + NOT_ACCEPTED;
            case ComponentConfigurationDTO.FAILED_ACTIVATION -> "inbound SMTP listener failed to start: "
                    + ComponentProblems.bounded(ComponentProblems.visible(ComponentProblems.reason(COMPONENT,
                            c.failure))) + NOT_ACCEPTED;
            case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "inbound SMTP listener has no configuration"
                    + NOT_ACCEPTED;
            default -> "inbound SMTP listener not running (state " + (c == null ? "unknown" : c.state) + ")"
                    + NOT_ACCEPTED;
        });
    }

    private static String missing(UnsatisfiedReferenceDTO[] references) {
        List<String> names = new ArrayList<>();
        if (references != null) {
            for (UnsatisfiedReferenceDTO r : references) {
                if (r != null && r.name != null) {
                    names.add(r.name);
                }
            }
        }
        return names.isEmpty() ? "its services" : "its " + String.join(", ", names)
                + (names.size() == 1 ? " service" : " services");
    }
}
