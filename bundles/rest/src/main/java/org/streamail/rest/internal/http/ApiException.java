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
}
