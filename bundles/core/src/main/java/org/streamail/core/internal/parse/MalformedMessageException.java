package org.streamail.core.internal.parse;

/**
 * The raw bytes are not a message the gateway can read (bad header syntax, broken multipart structure, a
 * parser crash). The pipeline turns this into a MALFORMED finding, never into a delivery.
 */
public final class MalformedMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public MalformedMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }

    public MalformedMessageException(String reason) {
        super(reason);
    }
}
