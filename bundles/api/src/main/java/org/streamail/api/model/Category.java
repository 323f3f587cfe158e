package org.streamail.api.model;

/** What kind of problem a finding describes. Verdicts list the categories of their findings. */
public enum Category {
    /** Active or malicious code: executables, macros, scripts, exploits, archive bombs. */
    MALWARE,
    /** Phishing and fraud: deceptive links, spoofed senders, credential or payment requests. */
    PHISHING,
    /** Unsolicited bulk mail, reported or learned. */
    SPAM,
    /** The message could not be parsed; it is never delivered unscanned. */
    MALFORMED,
    /** Matched a rule the organisation set: block list, remembered rejection, size, type. */
    POLICY,
    /** A detector failed or ran out of time; the message could not be fully judged. */
    ERROR,
    /** Informational: a signal that alone says nothing bad (e.g. a newsletter header). */
    INFO
}
