package org.streamail.detect.auth.internal.dns;

/** A DNS look-up failed in a way another try may cure (time-out, SERVFAIL, no server): a TEMPERROR. */
public final class DnsTemporaryException extends Exception {

    private static final long serialVersionUID = 1L;

    public DnsTemporaryException(String message) {
        super(message);
    }

    public DnsTemporaryException(String message, Throwable cause) {
        super(message, cause);
    }
}
