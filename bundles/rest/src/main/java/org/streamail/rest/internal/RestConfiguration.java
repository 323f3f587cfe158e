package org.streamail.rest.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the REST API, PID {@code org.streamail.rest}. Read by both the servlet (limits) and the
 * servlet context helper (authentication); property names are the method names with {@code _} as {@code .}.
 * Both check the raw values strictly before DS converts them ({@link org.streamail.api.config.ConfigCheck}):
 * a value that does not parse fails the activation naming the property; the context helper logs unknown keys.
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

    @AttributeDefinition(name = "Failed logins before lockout",
            description = "Failed logins (wrong user or password) from one client address within the window after"
                    + " which every request from it gets 429 until the oldest failure leaves the window; 0 turns"
                    + " throttling off (at most 100)")
    int auth_max_failures() default 10;

    @AttributeDefinition(name = "Failed login window seconds",
            description = "Sliding window in which failed logins are counted (1..86400)")
    int auth_failure_window_seconds() default 300;

    @AttributeDefinition(name = "Most throttled addresses",
            description = "Most client addresses whose failed logins are tracked; when full, the one whose last"
                    + " failure is oldest is forgotten (1..100000)")
    int auth_throttle_max_addresses() default 10_000;

    @AttributeDefinition(name = "Trusted proxies",
            description = "Comma- or space-separated IPv4/IPv6 addresses and CIDR ranges of the reverse proxies in"
                    + " front of the API. Only when the TCP peer is one of them is the client address taken from"
                    + " the header named in trusted.proxies.header. Empty: no proxy is trusted and the peer is the"
                    + " client. Ranges wider than /8 (IPv4) or /16 (IPv6) are refused")
    String trusted_proxies() default "";

    @AttributeDefinition(name = "Forwarding header",
            description = "The header the trusted proxies set: X-Forwarded-For or Forwarded (RFC 7239, for=)."
                    + " Only this one is read: a proxy passes the other through from the client unchanged")
    String trusted_proxies_header() default "X-Forwarded-For";

    @AttributeDefinition(name = "Maximum message size",
            description = "Largest body accepted by POST /scan in bytes (larger: 413); match the SMTP max.message.size")
    int max_message_size() default 25 * 1024 * 1024;

    @AttributeDefinition(name = "Maximum JSON body size", description = "Largest JSON request body in bytes (larger: 413)")
    int max_json_size() default 64 * 1024;

    @AttributeDefinition(name = "Body read timeout seconds",
            description = "The whole request body must arrive within this time from its first read (longer: 408 and"
                    + " the connection is closed); bounds a client that sends a body a byte at a time (1..3600)")
    int body_read_timeout_seconds() default 120;

    @AttributeDefinition(name = "Response write timeout seconds",
            description = "An answer's body must be taken by the client within this time from its first byte"
                    + " (longer: the connection is closed and the request thread freed); bounds a client that reads"
                    + " a large answer a byte at a time (1..3600)")
    int response_write_timeout_seconds() default 300;
}
