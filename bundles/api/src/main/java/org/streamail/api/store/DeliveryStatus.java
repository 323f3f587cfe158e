package org.streamail.api.store;

/** Where a message stands in its life through the gateway, as the message log records it. */
public enum DeliveryStatus {
    /** Spooled, not yet decided or delivered. */
    RECEIVED,
    /** The next hop refused or was unreachable; retrying. */
    DEFERRED,
    /** Handed to the next hop (or written to the local delivery folder). */
    DELIVERED,
    /** Held in quarantine. */
    QUARANTINED,
    /** Refused during the SMTP dialogue. */
    REJECTED,
    /** Released from quarantine and delivered. */
    RELEASED,
    /** Given up after the retry period, or refused permanently by the next hop. */
    FAILED,
    /** Deleted from quarantine by an administrator. */
    DELETED
}
