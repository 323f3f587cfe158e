package org.streamail.detect.auth.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the sender authentication detector and its Authentication-Results header (PID {@value #PID}). */
@ObjectClassDefinition(name = "Streamail sender authentication",
        description = "SPF, DKIM and DMARC of inbound mail, and the Authentication-Results header it gets")
public @interface AuthConfig {

    String PID = "org.streamail.detect.auth";

    @AttributeDefinition(description = "Check inbound mail (false: the detector reports nothing and no header is added)")
    boolean enabled() default true;

    @AttributeDefinition(description = "DNS servers to ask, comma-separated host or host:port ([v6]:port); empty: the"
            + " system's (/etc/resolv.conf). Use a validating resolver you trust: SPF, DKIM and DMARC believe its answers")
    String dns_servers() default "";

    @AttributeDefinition(description = "Time-out of one DNS query, retries included, in milliseconds (100..30000)")
    int dns_timeout_ms() default 3000;

    @AttributeDefinition(description = "DNS answers cached (0..1000000; 0: none)")
    int dns_cache_entries() default 10000;

    @AttributeDefinition(description = "Longest time a DNS answer is cached, in seconds (0..86400); shorter TTLs are kept")
    int dns_cache_max_seconds() default 3600;

    @AttributeDefinition(description = "Time all the checks of one message may take, in milliseconds (100..60000);"
            + " what is not done by then is a temperror")
    int budget_ms() default 8000;

    @AttributeDefinition(description = "Hosts that forward the world's mail to the gateway (a provider's MX, a backup"
            + " MX), comma-separated addresses or CIDR blocks: SPF judges the host before them, as their Received"
            + " fields name it")
    String trusted_relays() default "";

    @AttributeDefinition(description = "This gateway's name: the authserv-id of its Authentication-Results header"
            + " and SPF's %{r}; empty: the host name")
    String authserv_id() default "";

    @AttributeDefinition(description = "Add an Authentication-Results header to delivered inbound mail, and remove"
            + " those that claim this gateway's authserv-id (forged by the sender)")
    boolean results_header() default true;

    @AttributeDefinition(description = "Score of a DMARC failure when the From domain's policy is reject")
    double dmarc_reject_score() default 10.0;

    @AttributeDefinition(description = "Score of a DMARC failure when the From domain's policy is quarantine")
    double dmarc_quarantine_score() default 8.0;

    @AttributeDefinition(description = "Score of a DMARC failure when the From domain's policy is none (monitoring)")
    double dmarc_none_score() default 1.0;

    @AttributeDefinition(description = "Score of an SPF fail (the sender's domain says this client may not send for it)")
    double spf_fail_score() default 3.0;

    @AttributeDefinition(description = "Score of an SPF softfail")
    double spf_softfail_score() default 1.0;

    @AttributeDefinition(description = "Score of DKIM signatures that are all broken (none verifies)")
    double dkim_fail_score() default 1.0;

    @AttributeDefinition(description = "DKIM signatures verified per message (1..20), the first in header order")
    int dkim_max_signatures() default 5;

    @AttributeDefinition(description = "Smallest RSA key a DKIM signature may use, in bits (1024..8192; RFC 8301)")
    int dkim_min_rsa_bits() default 1024;

    @AttributeDefinition(description = "ARC sealers whose results lift a DMARC failure, comma-separated domains (a"
            + " sealer matches its domain and subdomains): mailing lists and forwarders you trust to have checked the"
            + " mail before they changed it. Empty: ARC is verified and reported, never acted on")
    String arc_trusted_sealers() default "";

    @AttributeDefinition(description = "ARC sealing of delivered inbound mail: domain:selector:/absolute/path/key.pem"
            + " (a PKCS#8 RSA key of mode 600, e.g. made by streamail:dkim-keygen; its record published at"
            + " selector._domainkey.domain). Every inbound message the gateway delivers gets an ARC set with the"
            + " results it verified at receipt, signed over the message as delivered. Empty: no sealing")
    String arc_seal_key() default "";

    @AttributeDefinition(description = "Welcome senders, comma-separated From domains (a domain covers its subdomains),"
            + " at most 1,000: a message whose every From domain is listed and authenticated (DMARC pass, or with no"
            + " DMARC record an SPF pass or a whole-body DKIM signature aligned with it) gets the finding auth/welcome,"
            + " and the policy does not count its spam findings below reject.score. Never a From without"
            + " authentication. Empty: none")
    String welcome_senders() default "";
}
