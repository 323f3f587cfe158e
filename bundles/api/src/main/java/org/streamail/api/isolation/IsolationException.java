package org.streamail.api.isolation;

/** An enforcer could not apply a change; the change was rolled back. */
public class IsolationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public IsolationException(String message, Throwable cause) {
        super(message, cause);
    }
}
