package org.streamail.rest.internal.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Decides whether a request may enter the API from its {@code Authorization} header: HTTP Basic, checked
 * by an {@link Authenticator}; the user must hold the {@code admin} or {@code viewer} role. Finer checks
 * (viewers may only read) are made per route by the router.
 *
 * <p>Failed logins are throttled per client address by a {@link LoginThrottle}: a locked address gets 429
 * with a {@code Retry-After} before its credentials are looked at, and each new lockout goes to the lockout
 * listener (log and alert). Absent or malformed headers never reach the password check, so they are not
 * counted. A login the authenticator remembers ({@link Authenticator#cached}) is answered at once. Any other
 * login waits for its address's turn ({@link AddressLocks}: one realm call at a time per address, at most
 * {@link AddressLocks#DEFAULT_WAIT}, else 503 with {@code Retry-After: 1}), then looks at the lock and the
 * remembered logins again before it asks the realm. So a burst of parallel guesses from one address reaches the
 * realm exactly {@code auth.max.failures} times, and parallel logins with the same new credentials make one
 * realm call. With throttling off there is nothing to count and logins are not queued.
 *
 * <p>Lifecycle: lives as long as its servlet context helper. Threading: thread-safe if the authenticator and
 * the listener are. Nullability: see the parameters.
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

    /**
     * Refused: {@code status} is 401 (send the challenge), 403, 429 or 503; {@code message} says why. Send
     * {@code Retry-After: retryAfterSeconds} when it is above 0: always for 429, and for the 503 of a login that
     * did not get its address's turn in time (1 s); 0 otherwise.
     */
    public record Refused(int status, String message, long retryAfterSeconds) implements Decision {
        public Refused(int status, String message) {
            this(status, message, 0);
        }
    }

    private final Authenticator authenticator;
    private final LoginThrottle throttle;
    private final Consumer<LoginThrottle.Lockout> onLockout;
    private final AddressLocks turns;

    /** A gate without throttling. */
    public BasicAuthGate(Authenticator authenticator) {
        this(authenticator, LoginThrottle.disabled(), lockout -> { });
    }

    /**
     * @param onLockout told once per lockout, on the request thread that caused it; must not throw
     */
    public BasicAuthGate(Authenticator authenticator, LoginThrottle throttle,
            Consumer<LoginThrottle.Lockout> onLockout) {
        this(authenticator, throttle, onLockout, new AddressLocks());
    }

    /** For tests: a given wait and bound for the per-address turns. */
    BasicAuthGate(Authenticator authenticator, LoginThrottle throttle, Consumer<LoginThrottle.Lockout> onLockout,
            AddressLocks turns) {
        this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.onLockout = Objects.requireNonNull(onLockout, "onLockout");
        this.turns = Objects.requireNonNull(turns, "turns");
    }

    /**
     * Checks a request.
     *
     * @param authorization the {@code Authorization} header value, {@code null} when absent
     * @param remoteAddress the client address the throttle counts failures for ({@code null}: "unknown")
     */
    public Decision check(String authorization, String remoteAddress) {
        // Every request from a locked address is refused alike, whatever its header. Requests without
        // usable credentials only look at the lock: they never reach the password check, so they are
        // neither counted nor tracked.
        if (authorization == null || authorization.isBlank()) {
            return throttledOr(remoteAddress, new Refused(401, "authentication required"));
        }
        Optional<String[]> credentials = decode(authorization);
        if (credentials.isEmpty()) {
            return throttledOr(remoteAddress, new Refused(401, "malformed Basic credentials"));
        }
        String user = credentials.get()[0];
        String password = credentials.get()[1];
        long retryAfter = throttle.lockedFor(remoteAddress);
        if (retryAfter > 0) {
            return throttled(retryAfter);
        }
        // Remembered logins cost nothing and count nothing: they never wait behind other logins.
        Optional<AuthenticatedUser> remembered = authenticator.cached(user, password);
        if (remembered.isPresent()) {
            return decide(user, remembered.get());
        }
        if (!throttle.enabled()) {
            return login(user, password, remoteAddress);
        }
        AddressLocks.Turn turn = turns.acquire(LoginThrottle.key(remoteAddress));
        if (turn instanceof AddressLocks.Busy busy) {
            return new Refused(503, busy.message(), 1);
        }
        try (AddressLocks.Held held = (AddressLocks.Held) turn) {
            // While this request waited, the logins before it may have locked the address or remembered these
            // very credentials (a parallel request with the same password).
            retryAfter = throttle.lockedFor(remoteAddress);
            if (retryAfter > 0) {
                return throttled(retryAfter);
            }
            remembered = authenticator.cached(user, password);
            if (remembered.isPresent()) {
                return decide(user, remembered.get());
            }
            return login(user, password, remoteAddress);
        }
    }

    private Decision throttledOr(String remoteAddress, Refused otherwise) {
        long retryAfter = throttle.lockedFor(remoteAddress);
        return retryAfter > 0 ? throttled(retryAfter) : otherwise;
    }

    private static Refused throttled(long retryAfterSeconds) {
        return new Refused(429, "too many failed logins from your address; retry in " + retryAfterSeconds + " s",
                retryAfterSeconds);
    }

    /** Asks the realm; a wrong password is counted (inside the address's turn when throttling is on). */
    private Decision login(String user, String password, String remoteAddress) {
        Optional<AuthenticatedUser> result;
        try {
            result = authenticator.authenticate(user, password);
        } catch (AuthenticationUnavailableException e) {
            return new Refused(503, "authentication service unavailable");
        }
        if (result.isEmpty()) {
            throttle.failed(remoteAddress).ifPresent(onLockout);
            return new Refused(401, "invalid user name or password");
        }
        return decide(user, result.get());
    }

    private static Decision decide(String user, AuthenticatedUser authenticated) {
        if (!authenticated.canRead()) {
            return new Refused(403, "user '" + user + "' has neither the admin nor the viewer role");
        }
        return new Allowed(authenticated);
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
