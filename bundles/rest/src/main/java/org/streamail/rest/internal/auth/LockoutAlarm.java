package org.streamail.rest.internal.auth;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.alert.Severity;

/**
 * Tells the administrator that an address was locked out of the REST API: one WARN log line and, when an
 * {@link AlertService} is present, a {@value #ALERT_KIND} alert (MEDIUM, subject the address; the alert
 * service escalates repeats). Called once per lockout by {@link BasicAuthGate}. A missing alert service is
 * skipped and a failing one is logged: neither ever changes the answer to the request. The user names tried
 * are deliberately left out, because people type passwords into the user field.
 *
 * <p>Thread-safe; the supplier is asked at each lockout (the service comes and goes) and may return
 * {@code null}.
 */
public final class LockoutAlarm implements Consumer<LoginThrottle.Lockout> {

    private static final Logger LOG = LoggerFactory.getLogger(LockoutAlarm.class);

    /** Kind of the alert raised. */
    public static final String ALERT_KIND = "rest-login-throttled";

    private final Supplier<AlertService> alerts;

    public LockoutAlarm(Supplier<AlertService> alerts) {
        this.alerts = Objects.requireNonNull(alerts, "alerts");
    }

    @Override
    public void accept(LoginThrottle.Lockout lockout) {
        long windowSeconds = lockout.window().toSeconds();
        LOG.warn("REST logins from {} locked: {} failed logins within {} s; every request from it gets 429 until"
                + " they leave the window", lockout.address(), lockout.failures(), windowSeconds);
        AlertService service = alerts.get();
        if (service == null) {
            LOG.info("No AlertService: the REST login lockout of {} raised no alert", lockout.address());
            return;
        }
        String detail = lockout.failures() + " failed REST API logins (wrong user name or password) came from "
                + lockout.address() + " within " + windowSeconds + " s. Every request from this address, even"
                + " with a correct password, is refused with 429 until its failures leave the window. This looks"
                + " like password guessing; check which host this is.";
        try {
            service.raise(new AlertRequest(ALERT_KIND, Severity.MEDIUM, lockout.address(), "", "",
                    "REST logins throttled for " + lockout.address(), detail));
        } catch (RuntimeException e) {
            LOG.warn("Could not raise the {} alert for {}: {}", ALERT_KIND, lockout.address(), e.toString());
        }
    }
}
