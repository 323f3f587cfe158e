package org.streamail.api.store;

/** The store could not complete an operation (database down, constraint violated). Unchecked. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
