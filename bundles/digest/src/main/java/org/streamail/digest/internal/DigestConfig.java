package org.streamail.digest.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the quarantine digest and its release links (PID {@value #PID}). */
@ObjectClassDefinition(name = "Streamail quarantine digest",
        description = "A mail to each user listing what was held for them, with signed links to release it or ask for"
                + " its release")
public @interface DigestConfig {

    String PID = "org.streamail.digest";

    @AttributeDefinition(description = "Send the digest every day at send.time (false: only by hand, streamail:digest-send"
            + " or POST /digest/send). Enable it on one node of a cluster: each enabled node sends its own")
    boolean enabled() default false;

    @AttributeDefinition(description = "Local time of the daily digest, HH:mm")
    String send_time() default "08:00";

    @AttributeDefinition(description = "Time zone of send.time and of the times in the mail (an IANA name such as"
            + " Europe/Paris); empty: the system's")
    String time_zone() default "";

    @AttributeDefinition(description = "The URL users' browsers reach this gateway's HTTP port at (links point to"
            + " <base.url>/streamail/digest/<token>); empty: the digest lists the messages without links")
    String base_url() default "";

    @AttributeDefinition(description = "File holding the key that signs the links (created with a random key and mode"
            + " 0600 when absent; every node must hold the same key); empty: ${karaf.data}/streamail/digest.key")
    String key_file() default "";

    @AttributeDefinition(description = "Days a link stays valid (1..90)")
    int link_validity_days() default 14;

    @AttributeDefinition(description = "Categories of which a user may release their own copy, comma-separated"
            + " (SPAM, POLICY, INFO, ERROR, MALFORMED, PHISHING, MALWARE); a message held for any other category gets a"
            + " link that asks the administrators instead. Empty: users only ask")
    String self_release_categories() default "SPAM";

    @AttributeDefinition(description = "Messages listed in one user's digest (1..1000); the rest are counted")
    int max_entries() default 50;

    @AttributeDefinition(description = "Quarantine entries one run reads at most (100..1000000); the oldest of a"
            + " larger window are left out, with a warning")
    int max_scan() default 20000;

    @AttributeDefinition(description = "Window of the first digest, when none was sent before (ISO-8601, PT1H..P31D)")
    String first_window() default "P1D";

    @AttributeDefinition(description = "Sender of the digest; empty: streamail-quarantine@ the first protected domain")
    String from_address() default "";

    @AttributeDefinition(description = "Where a summary of each run goes (counts by reason and by user, no subjects);"
            + " empty: no summary")
    String admin_address() default "";

    @AttributeDefinition(description = "Also list in each user's digest the mail they sent that was held (to whom, why,"
            + " the ref; no link: only administrators release outgoing mail), so they learn it from the gateway and"
            + " notice mail they did not send")
    boolean notify_outgoing() default true;
}
