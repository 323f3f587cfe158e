package org.streamail.rest.internal.auth;

/** The realm could not be asked (not the same as wrong credentials); the request gets 503. */
public class AuthenticationUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AuthenticationUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
