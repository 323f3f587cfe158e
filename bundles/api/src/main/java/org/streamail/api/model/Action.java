package org.streamail.api.model;

/**
 * What the gateway does with a message, ordered from the mildest to the strictest: when several rules
 * apply, the strictest wins ({@link #max(Action, Action)}).
 */
public enum Action {
    /** Deliver unchanged (apart from trace headers). */
    DELIVER,
    /** Deliver with {@code X-Streamail-Verdict} / {@code X-Streamail-Score} headers added. */
    TAG,
    /** Hold in quarantine; the SMTP client gets 250; an administrator may release it. */
    QUARANTINE,
    /** Refuse with a 5xx reply while the client is still connected; nothing is stored but the log. */
    REJECT;

    /** The stricter of two actions. */
    public static Action max(Action a, Action b) {
        return a.ordinal() >= b.ordinal() ? a : b;
    }
}
