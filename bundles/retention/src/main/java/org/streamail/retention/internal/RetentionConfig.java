package org.streamail.retention.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration PID {@code org.streamail.retention}: the organisation's retention policy and the sweeper. */
@ObjectClassDefinition(name = "Streamail retention",
        description = "Which retention headers are honoured, clamping, the action on expired mail, exempt folders "
                + "and the IMAP sweeper.")
@interface RetentionConfig {

    String PID = "org.streamail.retention";

    @AttributeDefinition(description = "External sender domains (From header) whose retention headers are honoured "
            + "without a gateway signature. Comma-separated; exact match or *.domain for subdomains.")
    String trusted_domains() default "";

    @AttributeDefinition(description = "Whether unsigned headers of trusted domains count at all. Set false when all "
            + "trusted mail passes the gateway (it signs them) to rule out From spoofing.")
    boolean trusted_unsigned() default true;

    @AttributeDefinition(description = "The organisation's domains (their headers count only when signed); empty: "
            + "the Directory's protected domains.")
    String internal_domains() default "";

    @AttributeDefinition(description = "Shortest retention, ISO-8601, counted from the server's receipt.")
    String min_age() default "P1D";

    @AttributeDefinition(description = "Longest retention, ISO-8601, counted from the server's receipt.")
    String max_age() default "P3650D";

    @AttributeDefinition(description = "Default periods applied when stamping internal mail without a header, "
            + "first match wins, e.g. marketing@*=P14D, *@news.example.org=P30D")
    String default_rules() default "";

    @AttributeDefinition(description = "What to do with expired mail: delete, move:<folder> or flag.")
    String action() default "delete";

    @AttributeDefinition(description = "Keyword set by the flag action.")
    String flag_keyword() default "$Expired";

    @AttributeDefinition(description = "Folders never touched, with their subfolders (hierarchy written with /), "
            + "comma-separated, e.g. Archives/Local.")
    String exempt_folders() default "Archives/Local";

    @AttributeDefinition(description = "Mailboxes never swept, comma-separated.")
    String optout_mailboxes() default "";

    @AttributeDefinition(description = "Mailboxes to sweep, comma-separated; empty: the Directory's registered addresses.")
    String mailboxes() default "";

    @AttributeDefinition(description = "Time between scheduled sweeps (ISO-8601, e.g. PT1H); empty: manual only.")
    String sweep_interval() default "PT1H";

    @AttributeDefinition(description = "Only report and audit what would be done.")
    boolean dry_run() default false;

    @AttributeDefinition(description = "Campaign pull-back (MailboxRecall): move (to recall.folder) or delete. "
            + "Deleting needs UIDPLUS on the server.")
    String recall_action() default "move";

    @AttributeDefinition(description = "Folder recalled copies are moved to; created when missing, never searched "
            + "by a recall (so a second recall finds nothing), hierarchy written with /.")
    String recall_folder() default "Quarantine";

    @AttributeDefinition(description = "IMAP server host.")
    String imap_host() default "127.0.0.1";

    @AttributeDefinition(description = "IMAP server port; 0: 143 (starttls, none) or 993 (tls).")
    int imap_port() default 0;

    @AttributeDefinition(description = "starttls (default), tls, or none (allowed only to a loopback address).")
    String imap_security() default "starttls";

    @AttributeDefinition(description = "Admin or master user name.")
    String imap_user() default "";

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "Its password (secret). Prefer "
            + "imap.password.file, which keeps it out of etc/.")
    String imap_password() default "";

    @AttributeDefinition(description = "File holding the admin or master user's password on its first line "
            + "(readable by the gateway's user only; used when imap.password is empty).")
    String imap_password_file() default "";

    @AttributeDefinition(description = "Per-mailbox credentials: a file of 'mailbox = password' lines (# comments), "
            + "readable by the gateway's user only. A listed mailbox logs in as itself with its password; the "
            + "others use the admin/master login.")
    String imap_credentials_file() default "";

    @AttributeDefinition(description = "Dovecot master user separator (login mailbox*master); empty: log in as "
            + "imap.user, which can then sweep only the mailbox of that name.")
    String imap_master_separator() default "*";

    @AttributeDefinition(description = "Socket timeouts in seconds.")
    int imap_timeout_seconds() default 60;

    @AttributeDefinition(type = AttributeType.PASSWORD, description = "HMAC key, base64 of >= 32 bytes (secret); "
            + "empty: a key generated once into signing.key.file.")
    String signing_key() default "";

    @AttributeDefinition(description = "Key file; empty: ${karaf.data}/streamail/retention-signing.key.")
    String signing_key_file() default "";
}
