package org.streamail.retention.internal;

import java.util.List;

/** Names of the headers the retention bundle reads and writes. */
final class RetentionHeaders {

    /** RFC 4021 / RFC 10080: absolute expiry date (RFC 5322 date-time). */
    static final String EXPIRES = "Expires";
    /** RFC 2156 (X.400 mapping): absolute expiry date. */
    static final String EXPIRY_DATE = "Expiry-Date";
    /** ISO-8601 duration counted from the server's receipt (IMAP INTERNALDATE), never from {@code Date:}. */
    static final String PERIOD = "X-Retention-Period";
    /** {@code yes}: the sender lets the recipient change the expiry (only counts when signed). */
    static final String MODIFIABLE = "X-Retention-Modifiable";
    /** The gateway's HMAC over the retention claim; see {@link Signer}. */
    static final String SIGNATURE = "X-Streamail-Retention-Sig";
    static final String MESSAGE_ID = "Message-ID";
    static final String FROM = "From";

    /** The headers whose presence makes a message a sweep candidate. */
    static final List<String> CANDIDATE = List.of(PERIOD, EXPIRES, EXPIRY_DATE, SIGNATURE);
    /** Everything fetched per candidate message. */
    static final List<String> FETCHED = List.of(PERIOD, EXPIRES, EXPIRY_DATE, MODIFIABLE, SIGNATURE, MESSAGE_ID, FROM);

    private RetentionHeaders() {
    }
}
