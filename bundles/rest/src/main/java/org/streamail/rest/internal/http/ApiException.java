package org.streamail.rest.internal.http;

/**
 * Ends a request with an HTTP error status and a message for the client (sent as
 * {@code {"error":message,"status":status}}). The message must be safe to show: no stack traces, no SQL.
 */
public class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, message);
    }

    /** What {@link #clientText} answers instead of a text that must not be shown. */
    public static final String SEE_LOG = "see the gateway log";

    /**
     * A gateway service's failure text as a client may see it, or {@value #SEE_LOG} when it is not one sentence of
     * the service's own: the services sometimes append what failed beneath them (a Java exception's
     * {@code toString()}, a database message with its SQL statement). Refused: {@code null} or blank, over 300
     * characters, control characters (line breaks), "SQL" or "Exception". The caller logs the original.
     */
    public static String clientText(String message) {
        if (message == null || message.isBlank() || message.length() > 300
                || message.chars().anyMatch(Character::isISOControl) || message.contains("SQL")
                || message.contains("Exception")) {
            return SEE_LOG;
        }
        return message;
    }
}
