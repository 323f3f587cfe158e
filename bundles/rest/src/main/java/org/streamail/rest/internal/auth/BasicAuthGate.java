package org.streamail.rest.internal.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides whether a request may enter the API from its {@code Authorization} header: HTTP Basic, checked
 * by an {@link Authenticator}; the user must hold the {@code admin} or {@code viewer} role. Finer checks
 * (viewers may only read) are made per route by the router. Thread-safe if the authenticator is.
 */
public final class BasicAuthGate {

    /** The realm named in {@code WWW-Authenticate}. */
    public static final String CHALLENGE = "Basic realm=\"streamail\", charset=\"UTF-8\"";

    /** Longest Authorization header read; longer ones are refused without decoding. */
    static final int MAX_HEADER_LENGTH = 4096;

    /** Outcome of the check. */
    public sealed interface Decision {
    }

    /** Let in. */
    public record Allowed(AuthenticatedUser user) implements Decision {
    }

    /** Refused: {@code status} is 401 (send the challenge), 403 or 503; {@code message} says why. */
    public record Refused(int status, String message) implements Decision {
    }

    private final Authenticator authenticator;

    public BasicAuthGate(Authenticator authenticator) {
        this.authenticator = authenticator;
    }

    /** Checks a request's {@code Authorization} header value, {@code null} when absent. */
    public Decision check(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return new Refused(401, "authentication required");
        }
        Optional<String[]> credentials = decode(authorization);
        if (credentials.isEmpty()) {
            return new Refused(401, "malformed Basic credentials");
        }
        String user = credentials.get()[0];
        String password = credentials.get()[1];
        Optional<AuthenticatedUser> result;
        try {
            result = authenticator.authenticate(user, password);
        } catch (AuthenticationUnavailableException e) {
            return new Refused(503, "authentication service unavailable");
        }
        if (result.isEmpty()) {
            return new Refused(401, "invalid user name or password");
        }
        if (!result.get().canRead()) {
            return new Refused(403, "user '" + user + "' has neither the admin nor the viewer role");
        }
        return new Allowed(result.get());
    }

    /** {@code [user, password]} from a Basic header, or empty when it is not well-formed Basic. */
    static Optional<String[]> decode(String authorization) {
        if (authorization.length() > MAX_HEADER_LENGTH) {
            return Optional.empty();
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("basic")) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(value.substring(space + 1).strip()),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0) {
            return Optional.empty();
        }
        return Optional.of(new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)});
    }
}
