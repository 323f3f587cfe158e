package org.streamail.api.spam;

/** What a report says of a message. */
public enum ReportKind {
    /** Unwanted: advertising, bulk, spam. */
    SPAM,
    /** Wanted: a false positive, or a message that must never be blocked. */
    HAM
}
