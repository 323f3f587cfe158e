package org.streamail.reporting.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code org.streamail.reporting}: alert escalation and notification. */
@ObjectClassDefinition(name = "Streamail alerts",
        description = "Escalation of repeated alerts, notification mail to the admins and the warned users, and an "
                + "optional signed webhook.")
@interface ReportingConfig {

    String PID = "org.streamail.reporting";

    @AttributeDefinition(description = "Repeats of one kind about one subject within this ISO-8601 duration "
            + "escalate: the n-th is raised n-1 severities (capped at CRITICAL).")
    String escalation_window() default "PT24H";

    @AttributeDefinition(description = "Alerts at or above this severity are mailed to admin.address: "
            + "INFO, LOW, MEDIUM, HIGH or CRITICAL.")
    String notify_min_severity() default "MEDIUM";

    @AttributeDefinition(description = "Where admin alert mail goes (one address); empty: no admin mail.")
    String admin_address() default "";

    @AttributeDefinition(description = "Whether an alert addressed to a user (a warned recipient) is mailed to them.")
    boolean notify_recipients() default true;

    @AttributeDefinition(description = "Sender of alert mail; empty: streamail-alerts@<first protected domain>.")
    String from_address() default "";

    @AttributeDefinition(description = "Webhook that gets every alert as JSON (POST); https, or http to a loopback "
            + "address only; empty: none.")
    String webhook_url() default "";

    @AttributeDefinition(description = "File holding the webhook's HMAC-SHA256 secret (header X-Streamail-Signature: "
            + "sha256=<hex>); empty: requests are not signed.")
    String webhook_secret_file() default "";

    @AttributeDefinition(description = "Connect and request timeout of the webhook, in seconds (1..60).")
    int webhook_timeout_seconds() default 10;

    @AttributeDefinition(description = "Notifications waiting to be sent at most; more are dropped with a warning.")
    int notify_queue_size() default 1000;

    @AttributeDefinition(description = "Mail about one kind and subject (to one address) is folded within this "
            + "ISO-8601 duration: the first alert and escalations are mailed at once, the other repeats in one "
            + "digest when the window closes. PT0S: every alert is mailed. At most P1D. Per node.")
    String notify_fold_window() default "PT15M";
}
