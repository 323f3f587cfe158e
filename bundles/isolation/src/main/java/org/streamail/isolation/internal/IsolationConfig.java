package org.streamail.isolation.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the isolation service, PID {@value #PID}. */
@ObjectClassDefinition(name = "Streamail endpoint isolation",
        description = "Isolate/release service: enforcers, TTLs, allow-list and management addresses.")
@interface IsolationConfig {

    String PID = "org.streamail.isolation";

    @AttributeDefinition(description = "Comma-separated enforcer names applied in this order "
            + "(log, nftables, webhook). A configured enforcer that is not running makes every change fail.")
    String enforcers() default "log";

    @AttributeDefinition(name = "default.ttl", description = "ISO-8601 duration of an isolation when none is given.")
    String default_ttl() default "PT4H";

    @AttributeDefinition(name = "max.ttl", description = "ISO-8601 upper bound of any isolation, repeats included.")
    String max_ttl() default "P7D";

    @AttributeDefinition(name = "repeat.multiplier", description = "The n-th offence of a host lasts "
            + "ttl * multiplier^(n-1), capped at max.ttl (1 = no escalation).")
    double repeat_multiplier() default 2.0;

    @AttributeDefinition(name = "protected", description = "Comma-separated IPs/CIDRs that are never isolated "
            + "(DNS servers, admin desktop). The gateway's own addresses, loopback, 0.0.0.0, :: and the "
            + "management addresses are always protected too.")
    String protected$() default "";

    @AttributeDefinition(description = "Comma-separated IPs/CIDRs an isolated host may still reach (management, "
            + "remediation); never isolated themselves.")
    String management() default "";

    @AttributeDefinition(name = "expiry.check.seconds", description = "How often expired isolations are released (1..3600).")
    int expiry_check_seconds() default 15;
}
