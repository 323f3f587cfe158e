package org.streamail.rest.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the REST API, PID {@code org.streamail.rest}. Read by both the servlet (limits) and the
 * servlet context helper (authentication); property names are the method names with {@code _} as {@code .}.
 */
@ObjectClassDefinition(id = RestConfiguration.PID, name = "Streamail REST API",
        description = "REST API under /streamail/api/v1, HTTP Basic against the Karaf JAAS realm")
@interface RestConfiguration {

    String PID = "org.streamail.rest";

    @AttributeDefinition(name = "JAAS realm", description = "JAAS realm the Basic credentials are checked against")
    String jaas_realm() default "karaf";

    @AttributeDefinition(name = "Login cache seconds",
            description = "How long a successful login is remembered (a JAAS login per request is slow); 0 disables")
    int auth_cache_seconds() default 60;

    @AttributeDefinition(name = "Login cache size", description = "At most this many remembered logins")
    int auth_cache_size() default 1000;

    @AttributeDefinition(name = "Maximum message size",
            description = "Largest body accepted by POST /scan in bytes (larger: 413); match the SMTP max.message.size")
    int max_message_size() default 25 * 1024 * 1024;

    @AttributeDefinition(name = "Maximum JSON body size", description = "Largest JSON request body in bytes (larger: 413)")
    int max_json_size() default 64 * 1024;
}
