package org.streamail.isolation.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the webhook enforcer, PID {@value #PID}. Without a configuration it does not start. */
@ObjectClassDefinition(name = "Streamail isolation: webhook enforcer",
        description = "POSTs each isolation change as signed JSON to an EDR/NAC containment hook.")
@interface WebhookConfig {

    String PID = "org.streamail.isolation.webhook";

    @AttributeDefinition(description = "The hook's URL; https unless the host is loopback.")
    String url();

    @AttributeDefinition(name = "secret.file", description = "File holding the HMAC-SHA256 key (at least 16 bytes; "
            + "a trailing newline is ignored). The key itself never goes into the configuration.")
    String secret_file();

    @AttributeDefinition(name = "timeout.seconds", description = "Connect and response timeout (1..120).")
    int timeout_seconds() default 10;
}
