package org.streamail.store.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration PID {@code org.streamail.store.housekeeping}: how long each kind of row is kept. Days; 0 keeps
 * rows forever. Validated by {@link HousekeepingSettings#from(HousekeepingConfig)}.
 */
@ObjectClassDefinition(name = "Streamail store housekeeping",
        description = "Deletes old rows of the message log, alerts, link deliveries and clicks, quarantine "
                + "records, audit trails, unconfirmed spam reports, expired block rules and inspected message summaries. "
                + "Days; 0 keeps forever.")
@interface HousekeepingConfig {

    @AttributeDefinition(name = "Message log (days)", description = "Message log rows (and their recipient "
            + "rows) received longer ago are deleted. 0: keep forever.", min = "0")
    int message_log_days() default 90;

    @AttributeDefinition(name = "Alerts (days)", description = "Alerts created longer ago are deleted. "
            + "0: keep forever.", min = "0")
    int alerts_days() default 180;

    @AttributeDefinition(name = "Link deliveries (days)", description = "Which URLs each delivery carried; "
            + "campaign recall looks back a few days at most. 0: keep forever.", min = "0")
    int link_deliveries_days() default 30;

    @AttributeDefinition(name = "Clicks (days)", description = "Recorded link clicks. 0: keep forever.", min = "0")
    int clicks_days() default 90;

    @AttributeDefinition(name = "Released/deleted quarantine records (days)", description = "Quarantine "
            + "records no longer HELD (RELEASED or DELETED) are dropped this long after the action. "
            + "0: keep forever.", min = "0")
    int quarantine_released_days() default 30;

    @AttributeDefinition(name = "Held quarantine (days)", description = "Held messages quarantined longer ago "
            + "are deleted (status DELETED by 'housekeeping', message bytes dropped), as a quarantine lifetime. "
            + "0 (default): held mail is never dropped automatically.", min = "0")
    int quarantine_held_days() default 0;

    @AttributeDefinition(name = "Audit trails (days)", description = "Retention audit and isolation audit rows. "
            + "0: keep forever.", min = "0")
    int audit_days() default 365;

    @AttributeDefinition(name = "Unconfirmed spam reports (days)", description = "A reported message's "
            + "fingerprint that never reached the reporters needed to block (PENDING) is dropped, with its "
            + "reports, when its newest report is this old. Blocking and lifted fingerprints are kept: they are "
            + "what the gateway remembers. 0: keep forever.", min = "0")
    int spam_pending_days() default 90;

    @AttributeDefinition(name = "Expired block rules (days)", description = "Block rules whose expiry passed "
            + "this long ago are deleted (every node reloads its rules). Rules without an expiry are kept. "
            + "0: keep forever.", min = "0")
    int spam_expired_rules_days() default 30;

    @AttributeDefinition(name = "Spam training records (days)", description = "The record of which message "
            + "trained the classifier which way, kept so a later report the other way takes the training back. "
            + "Older records are dropped (the learned counts stay). 0 (default): keep forever.", min = "0")
    int spam_trained_days() default 0;

    @AttributeDefinition(name = "Inspected message summaries (days)", description = "Summaries of inspected "
            + "messages (hashes and metadata, for reports by message id on any node) seen longer ago are deleted. "
            + "The detect-spam nodes delete them after their recent.shared.hours (default 48) themselves; this is "
            + "the backstop when no node does. 0: keep forever.", min = "0")
    int spam_seen_days() default 30;

    @AttributeDefinition(name = "Interval (hours)", description = "Time between runs; the first run is one "
            + "minute after activation.", min = "1", max = "8760")
    int interval_hours() default 24;

    @AttributeDefinition(name = "Batch size", description = "Rows deleted per transaction, which bounds how "
            + "long rows stay locked.", min = "10", max = "100000")
    int batch_size() default 1000;

    @AttributeDefinition(name = "DataSource filter", description = "LDAP filter selecting the DataSource "
            + "service. Set it like DataSource.target of org.streamail.store when that one is changed.")
    String DataSource_target() default StoreConstants.DEFAULT_DATASOURCE_TARGET;
}
