package org.streamail.isolation.internal;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.isolation.Enforcer;
import org.streamail.api.isolation.Isolation;

/**
 * The default enforcer ({@code log}): records every change at WARN and enforces nothing, so an isolation
 * decision is visible before a real enforcer is configured. Stateless, thread-safe, never fails.
 */
@Component(service = Enforcer.class, property = "name=" + LogEnforcer.NAME)
public final class LogEnforcer implements Enforcer {

    static final String NAME = "log";
    private static final Logger LOG = LoggerFactory.getLogger(LogEnforcer.class);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void apply(EnforcementChange change) {
        Isolation t = change.target();
        String format = "Isolation (log enforcer, nothing enforced): {} {} -> isolated now {} (management {})";
        Object[] args = {change.action(), t == null ? "-" : t.ip() + (t.until() == null ? "" : " until " + t.until()),
                IsolationServiceImpl.rules(change.isolated()), change.allowList()};
        if (t == null && change.isolated().isEmpty()) {
            LOG.info(format, args); // a routine sync with nothing isolated (e.g. at start) is no warning
        } else {
            LOG.warn(format, args);
        }
    }
}
