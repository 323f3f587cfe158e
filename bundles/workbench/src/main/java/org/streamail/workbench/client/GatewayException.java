package org.streamail.workbench.client;

import java.util.Optional;

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
         * one): the message describes the certificate, and {@link GatewayException#untrustedCertificate()} gives
         * it. Nothing was sent.
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
    private final transient PresentedCertificate certificate;

    public GatewayException(Kind kind, int status, String message) {
        super(message);
        this.kind = kind;
        this.status = status;
        this.certificate = null;
    }

    public GatewayException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, null);
    }

    /**
     * @param certificate the certificate the gateway presented and the client refused, for {@link Kind#UNTRUSTED};
     *                    may be {@code null}
     */
    public GatewayException(Kind kind, String message, Throwable cause, PresentedCertificate certificate) {
        super(message, cause);
        this.kind = kind;
        this.status = 0;
        this.certificate = certificate;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The certificate the gateway presented when it was refused ({@link Kind#UNTRUSTED}), so that a view can offer
     * to compare and pin it; empty for every other failure (and after serialisation).
     */
    public Optional<PresentedCertificate> untrustedCertificate() {
        return Optional.ofNullable(certificate);
    }

    /** The HTTP status, or 0 when there was no HTTP answer. */
    public int status() {
        return status;
    }
}
