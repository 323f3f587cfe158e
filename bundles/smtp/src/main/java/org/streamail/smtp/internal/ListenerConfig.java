package org.streamail.smtp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Configuration of the inbound SMTP listener, PID {@code org.streamail.smtp}. */
@ObjectClassDefinition(
        id = InboundListener.PID,
        name = "Streamail inbound SMTP listener",
        description = "Where the gateway accepts mail from the Internet, and the limits it enforces. "
                + "Any change restarts the listener.")
@interface ListenerConfig {

    @AttributeDefinition(name = "Bind address", description = "IP address to listen on; 0.0.0.0 for all.")
    String bind_address() default "127.0.0.1";

    @AttributeDefinition(name = "Port", min = "1", max = "65535")
    int port() default 2525;

    @AttributeDefinition(name = "Host name",
            description = "Name in the banner and EHLO reply; empty for the local host name.")
    String hostname() default "";

    @AttributeDefinition(name = "Maximum message size",
            description = "Bytes; advertised in EHLO SIZE. Larger messages get 552 5.3.4.", min = "1")
    long max_message_size() default 26214400L;

    @AttributeDefinition(name = "Maximum recipients",
            description = "Per message; values below 100 are raised to 100 (RFC 5321). More get 452 4.5.3.")
    int max_recipients() default 100;

    @AttributeDefinition(name = "Maximum connections", description = "Concurrent sessions; more get 421.", min = "1")
    int max_connections() default 200;

    @AttributeDefinition(name = "Maximum connections per client address",
            description = "Concurrent sessions from one IP address; more get 421 4.7.0.", min = "1")
    int max_connections_per_ip() default 50;

    @AttributeDefinition(name = "Connection timeout (ms)",
            description = "How long the listener waits for the client before 421.", min = "1")
    int connection_timeout_ms() default 60000;

    @AttributeDefinition(name = "DATA timeout (s)",
            description = "How long the text of one message (DATA, from the 354 reply to the final dot) may take "
                    + "in all; longer gets 421 4.4.2 and close. 0: no limit (only the connection timeout per "
                    + "read).", min = "0")
    int data_timeout_seconds() default 600;

    @AttributeDefinition(name = "Maximum errors",
            description = "Refused commands and recipients per session before 421 and close.", min = "1")
    int max_errors() default 10;

    @AttributeDefinition(name = "Session time limit (s)",
            description = "How long one SMTP session may last in all, whatever the client sends (a client sending "
                    + "only unknown verbs or NOOPs is bounded by nothing else); then 421 4.4.2 and close, never in "
                    + "the middle of a command. 0: no limit.", min = "0")
    int max_session_seconds() default 1800;

    @AttributeDefinition(name = "TLS key store",
            description = "Path of a PKCS12 or JKS key store with the server key and certificate. "
                    + "Empty: STARTTLS is not offered.")
    String tls_keystore() default "";

    @AttributeDefinition(name = "TLS key store password", type = AttributeType.PASSWORD)
    String tls_keystore_password() default "";

    @AttributeDefinition(name = "TLS cipher suites",
            description = "JSSE names of the cipher suites STARTTLS offers, comma-separated (TLS 1.2 and 1.3). "
                    + "Empty: forward-secret AEAD suites only (TLS 1.3; ECDHE or DHE-RSA with AES-GCM or "
                    + "ChaCha20-Poly1305), as far as the JDK enables them. A name the JDK does not enable is a "
                    + "configuration error.")
    String[] tls_cipher_suites() default {};

    @AttributeDefinition(name = "Require TLS",
            description = "true: MAIL FROM before STARTTLS gets 530 5.7.0 (RFC 3207), counted as an error; no mail "
                    + "is taken in plaintext. Needs a TLS key store.")
    boolean tls_required() default false;

    @AttributeDefinition(name = "Harvest: unknown recipients per client",
            description = "Refused unknown recipients from one client address (IPv6: its /64) within the harvest "
                    + "window, counted over all its sessions, that raise an smtp-harvest intrusion alert (and, with "
                    + "the harvest action refuse, get the client's recipients refused). 0: off.",
            min = "0")
    int harvest_max_unknown_recipients() default 20;

    @AttributeDefinition(name = "Harvest window (s)",
            description = "The sliding window of the unknown-recipient count per client. 0: off.", min = "0")
    int harvest_window_seconds() default 600;

    @AttributeDefinition(name = "Harvest action",
            description = "refuse: unknown-recipient refusals are answered after a growing delay (see the harvest "
                    + "delay), and once a client reaches the limit every recipient it gives, known or not, gets "
                    + "450 4.7.1 (try later) and its session is closed with 421 4.7.0 at the next command, until its "
                    + "count within the window falls below the limit; the alert is raised as well. alert: only the "
                    + "smtp-harvest alert, the replies do not change.",
            options = {@Option(label = "refuse", value = "refuse"), @Option(label = "alert", value = "alert")})
    String harvest_action() default "refuse";

    @AttributeDefinition(name = "Harvest delay, longest (ms)",
            description = "With the harvest action refuse: a client's first 3 unknown recipients within the window "
                    + "are refused at once, the later ones after a delay growing in equal steps to this value at the "
                    + "limit (a fast address guesser slows down). Bounded by the session time limit; the listener's "
                    + "stop ends it. 0: no delay. At most 60000.", min = "0", max = "60000")
    int harvest_delay_max_ms() default 5000;

    @AttributeDefinition(name = "Harvest: exempt clients",
            description = "Client addresses or CIDR blocks never delayed nor refused for harvesting (their unknown "
                    + "recipients are still counted and alerted): a relay in front of the gateway, through which "
                    + "every sender arrives from one address, must be listed here, or one harvester behind it gets "
                    + "all its mail refused for a window. Empty: none. Default: loopback (a relay on this host).",
            cardinality = 256)
    String[] harvest_exempt_networks() default {"127.0.0.0/8", "::1/128"};

    @AttributeDefinition(name = "Intrusion alert interval (s)",
            description = "At most one alert per kind of intrusion attempt and client address within this many "
                    + "seconds (refused non-internal clients, sessions closed after max.errors, clients over "
                    + "max.connections.per.ip, relay and smuggling attempts, directory harvesting over sessions; "
                    + "per listener: a full listener); the log still has every attempt. 0: no intrusion alerts.",
            min = "0")
    long intrusion_alert_interval_seconds() default 300;

    @AttributeDefinition(name = "Intrusion alerts per interval, all addresses",
            description = "At most this many alerts of one kind of intrusion attempt per intrusion alert interval "
                    + "over all client addresses (a botnet has thousands); further events are counted and named "
                    + "in one summary alert (subject many-addresses) when the interval is over. 0: no such cap.",
            min = "0")
    int intrusion_alert_max_per_interval() default 10;
}
