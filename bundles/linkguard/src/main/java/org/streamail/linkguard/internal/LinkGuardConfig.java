package org.streamail.linkguard.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code org.streamail.linkguard}, shared by the rewriting transformer and the click
 * servlet; property names are the method names with {@code _} as {@code .}. Validated by {@link Settings}.
 */
@ObjectClassDefinition(name = "Streamail link guard",
        description = "Rewrites links in delivered mail to a signed click endpoint and checks each click.")
@interface LinkGuardConfig {

    String PID = "org.streamail.linkguard";

    @AttributeDefinition(description = "Rewrite links on delivery. Links already delivered keep working when off.")
    boolean enabled() default true;

    @AttributeDefinition(description = "The URL workstations reach the gateway's HTTP port at (http or https, no "
            + "path query or fragment); rewritten links are <base.url>/streamail/click/<token>.")
    String base_url() default "http://127.0.0.1:8181";

    @AttributeDefinition(description = "File holding the signing key (base64, at least 32 bytes), created with "
            + "mode 0600 when absent; empty: ${karaf.data}/streamail/linkguard.key. Share it between nodes.")
    String key_file() default "";

    @AttributeDefinition(description = "Domains whose links are never rewritten (with their subdomains), "
            + "comma-separated; the Directory's protected domains are always exempt.")
    String exempt_domains() default "";

    @AttributeDefinition(description = "Reverse proxies (IP addresses or CIDR blocks, comma-separated) whose "
            + "X-Forwarded-For is believed; the right-most address not in this list is the client.")
    String trusted_proxies() default "";

    @AttributeDefinition(description = "A PHISHING or MALWARE finding with at least this score blocks the click.")
    double block_score() default 5.0;

    @AttributeDefinition(description = "How long a scan verdict for a URL is reused, in seconds (0: never).")
    int verdict_cache_seconds() default 30;

    @AttributeDefinition(description = "When the scanner is unavailable: redirect anyway (true) or answer 503 "
            + "with an 'unable to check' page (false).")
    boolean fail_open() default false;

    @AttributeDefinition(description = "Isolate the clicking host when a click is blocked.")
    boolean isolate_on_block() default true;

    @AttributeDefinition(description = "Recall the message's campaign (pull the copies back) when a click is blocked.")
    boolean recall_on_block() default true;

    @AttributeDefinition(description = "Record clicks that were let through as well as blocked ones.")
    boolean record_clean_clicks() default true;

    @AttributeDefinition(description = "Links rewritten per message at most; the rest are left as written.")
    int max_links() default 500;

    @AttributeDefinition(description = "Also rewrite the links and form targets of attachments a browser opens as a "
            + "page (HTML, XHTML, SVG: by type, or by a file name ending in .htm, .html, .xhtml, .xht, .shtml or .svg).")
    boolean rewrite_attachments() default true;

    @AttributeDefinition(description = "Also rewrite cryptographically signed content (S/MIME or PGP/MIME "
            + "multipart/signed, inline PGP). Off by default: rewriting breaks the sender's signature, and readers "
            + "then warn that the message was altered.")
    boolean rewrite_signed() default false;

    @AttributeDefinition(description = "Also rewrite the links inside PDF, Office (docx, xlsx, pptx …), "
            + "OpenDocument and RTF attachments, recognised by their content. Only the link targets change (a PDF gets an "
            + "incremental update; other zip entries are copied as they are); signed documents follow rewrite.signed.")
    boolean rewrite_documents() default true;
}
