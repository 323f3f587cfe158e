package org.streamail.core.internal.spool;

import java.io.IOException;

/** A spool operation failed; nothing was kept (the caller answers 451, never 250). */
public final class SpoolException extends IOException {
    private static final long serialVersionUID = 1L;

    public SpoolException(String message, Throwable cause) {
        super(message, cause);
    }

    public SpoolException(String message) {
        super(message);
    }
}
