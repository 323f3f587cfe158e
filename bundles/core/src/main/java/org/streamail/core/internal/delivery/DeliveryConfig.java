package org.streamail.core.internal.delivery;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Streamail delivery", description = "Where accepted mail goes next, and how retries work.")
@interface DeliveryConfig {

    @AttributeDefinition(name = "relay.host",
            description = "Next hop SMTP server; empty: write delivered mail as files into local.folder")
    String relay_host() default "";

    @AttributeDefinition(name = "relay.port", min = "1", max = "65535")
    int relay_port() default 25;

    @AttributeDefinition(name = "relay.tls",
            description = "Encryption towards relay.host: none, may (STARTTLS when offered, certificate not checked), encrypt (STARTTLS required), verify (required and the certificate checked)")
    String relay_tls() default "may";

    @AttributeDefinition(name = "relay.tls.ca.file",
            description = "PEM file of the CA certificates that issue relay.host's certificate (a private CA); with relay.tls verify the chain is checked against these instead of the JVM's trust store, the host name still checked. Read with the configuration; missing, unreadable or without a certificate: invalid configuration (mail held). Empty: the JVM's trust store")
    String relay_tls_ca_file() default "";

    @AttributeDefinition(name = "relay.tls.fingerprints",
            description = "SHA-256 digests (64 hex digits, colons allowed, comma- or space-separated) of relay.host's certificate or of its public key: when set, the hop is accepted only if its certificate matches one, whatever its issuer and names (Postfix's fingerprint level). Needs relay.tls encrypt or verify; STARTTLS is then required")
    String relay_tls_fingerprints() default "";

    @AttributeDefinition(name = "relay.user",
            description = "SMTP AUTH user towards relay.host (PLAIN, or LOGIN when only that is offered); empty: no AUTH. Needs relay.tls verify (or encrypt with relay.auth.allow.unverified)")
    String relay_user() default "";

    @AttributeDefinition(name = "relay.password.file",
            description = "File holding the SMTP AUTH password towards relay.host (one line), mode 600 or 400; read with the configuration and again when the file changes. The password itself is never in the configuration")
    String relay_password_file() default "";

    @AttributeDefinition(name = "relay.auth.allow.unverified",
            description = "DANGEROUS: allow SMTP AUTH towards relay.host with relay.tls encrypt, where the certificate is not checked, so a man in the middle can take the password. Default false: AUTH needs verify")
    boolean relay_auth_allow_unverified() default false;

    @AttributeDefinition(name = "outbound.relay.host",
            description = "Smarthost for the organisation's mail to the Internet (from the outbound listener); empty: write it as files into outbound.local.folder")
    String outbound_relay_host() default "";

    @AttributeDefinition(name = "outbound.relay.port", min = "1", max = "65535")
    int outbound_relay_port() default 25;

    @AttributeDefinition(name = "outbound.relay.tls", description = "Encryption towards outbound.relay.host, as relay.tls")
    String outbound_relay_tls() default "may";

    @AttributeDefinition(name = "outbound.relay.tls.ca.file",
            description = "As relay.tls.ca.file, for outbound.relay.host (with outbound.relay.tls verify)")
    String outbound_relay_tls_ca_file() default "";

    @AttributeDefinition(name = "outbound.relay.tls.fingerprints",
            description = "As relay.tls.fingerprints, for outbound.relay.host (with outbound.relay.tls encrypt or verify)")
    String outbound_relay_tls_fingerprints() default "";

    @AttributeDefinition(name = "outbound.relay.user",
            description = "SMTP AUTH user towards outbound.relay.host (PLAIN, or LOGIN when only that is offered); empty: no AUTH. Needs outbound.relay.tls verify (or encrypt with outbound.relay.auth.allow.unverified)")
    String outbound_relay_user() default "";

    @AttributeDefinition(name = "outbound.relay.password.file",
            description = "File holding the SMTP AUTH password towards outbound.relay.host (one line), mode 600 or 400; read with the configuration and again when the file changes. The password itself is never in the configuration")
    String outbound_relay_password_file() default "";

    @AttributeDefinition(name = "outbound.relay.auth.allow.unverified",
            description = "DANGEROUS: allow SMTP AUTH towards outbound.relay.host with outbound.relay.tls encrypt, where the certificate is not checked, so a man in the middle can take the password. Default false: AUTH needs verify")
    boolean outbound_relay_auth_allow_unverified() default false;

    @AttributeDefinition(name = "outbound.local.folder",
            description = "Folder for outbound mail when outbound.relay.host is empty; empty: ${karaf.data}/streamail/outbound")
    String outbound_local_folder() default "";

    @AttributeDefinition(name = "outbound.hide.internal",
            description = "Outbound mail leaves without the internal hops' Received headers and client-address headers (X-Originating-IP, ...), and with internal host names in its message ids replaced by tokens")
    boolean outbound_hide_internal() default true;

    @AttributeDefinition(name = "outbound.sign.required",
            description = "Outbound mail waits (DEFERRED, retried) while no outbound signer (DKIM, org.streamail.dkim.sign) is bound, instead of leaving unsigned: set it when your domains publish DMARC p=reject and the gateway signs their mail")
    boolean outbound_sign_required() default false;

    @AttributeDefinition(name = "outbound.internal.suffixes",
            description = "Comma-separated domain suffixes of internal hosts: with outbound.hide.internal, outbound Message-ID, In-Reply-To and References ids under them (or under an IP address or a dotless name) are replaced by reversible tokens")
    String outbound_internal_suffixes() default "local,lan,internal,intranet,corp,localdomain,home.arpa";

    @AttributeDefinition(name = "outbound.id.secret.file",
            description = "Key of the message-id tokens (32 bytes, mode 600), created at first use when missing; empty: ${karaf.data}/streamail/message-id.key")
    String outbound_id_secret_file() default "";

    @AttributeDefinition(name = "relay.timeout.ms", description = "Connect and read timeout towards the next hop", min = "1")
    long relay_timeout_ms() default 30_000L;

    @AttributeDefinition(name = "relay.reuse.seconds",
            description = "How long an open connection to the next hop is kept between messages for the next one; 0: one connection per message",
            min = "0", max = "300")
    long relay_reuse_seconds() default 5L;

    @AttributeDefinition(name = "retry.initial", description = "Seconds before the first retry; doubles on each retry", min = "1")
    long retry_initial() default 60L;

    @AttributeDefinition(name = "retry.max.interval", description = "Longest wait between retries, seconds", min = "1")
    long retry_max_interval() default 3600L;

    @AttributeDefinition(name = "retry.give.up", description = "Seconds after which a deferred message is FAILED", min = "1")
    long retry_give_up() default 432_000L;

    @AttributeDefinition(name = "local.folder",
            description = "Folder for delivered mail when relay.host is empty; empty: ${karaf.data}/streamail/delivered")
    String local_folder() default "";

    @AttributeDefinition(name = "hostname", description = "This gateway's name in Received headers and EHLO; empty: the host name")
    String hostname() default "";

    @AttributeDefinition(name = "bounce.enabled",
            description = "A message refused permanently by the next hop, or given up after retry.give.up, returns a non-delivery report (RFC 3464) to its envelope sender (never for the null sender <>)")
    boolean bounce_enabled() default true;

    @AttributeDefinition(name = "bounce.inbound",
            description = "Also return non-delivery reports for inbound mail (the sender is outside, possibly forged: backscatter); only read when bounce.enabled is on")
    boolean bounce_inbound() default true;
}
