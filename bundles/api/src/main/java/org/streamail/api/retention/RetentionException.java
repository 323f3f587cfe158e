package org.streamail.api.retention;

/**
 * The retention service could not reach or use the mail server (connection refused, login failed, the
 * server lacks UIDPLUS), or a sweep is already running. Unchecked; the message says what to fix.
 */
public class RetentionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RetentionException(String message, Throwable cause) {
        super(message, cause);
    }

    public RetentionException(String message) {
        super(message);
    }
}
