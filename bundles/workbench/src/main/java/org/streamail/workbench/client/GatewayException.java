package org.streamail.workbench.client;

/**
 * A gateway call failed. {@link #getMessage()} is written for the administrator (what happened and what to
 * check); {@link #kind()} lets a view react (e.g. go back to the connection view on {@link Kind#UNAUTHORIZED}).
 */
public final class GatewayException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a call failed. */
    public enum Kind {
        /** No credentials: connect first. */
        NOT_CONNECTED,
        /** No TCP connection: wrong host or port, gateway down, firewall. */
        UNREACHABLE,
        /** Connected but no answer in time. */
        TIMEOUT,
        /**
         * The gateway's TLS certificate was refused (not in the trust store, wrong host name, not the pinned
         * one): the message describes the certificate. Nothing was sent.
         */
        UNTRUSTED,
        /** HTTP 401: wrong user or password. */
        UNAUTHORIZED,
        /** HTTP 403: the user lacks the role (viewers cannot release or delete). */
        FORBIDDEN,
        /** HTTP 404. */
        NOT_FOUND,
        /** HTTP 409, e.g. releasing a message that is no longer held. */
        CONFLICT,
        /** HTTP 400 or 415: the gateway refused the request's input. */
        BAD_REQUEST,
        /** HTTP 503 or another 5xx: the gateway (or one of its services) is not available. */
        UNAVAILABLE,
        /** The answer was not what the API promises (not JSON, too large, wrong shape). */
        MALFORMED,
        /** The calling thread was interrupted. */
        CANCELLED
    }

    private final Kind kind;
    private final int status;

    public GatewayException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
    }

    public GatewayException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = 0;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when there was no HTTP answer. */
    public int status() {
        return status;
    }
}
