package org.streamail.rest.internal.auth;

import java.util.Optional;

/**
 * Checks a user name and password. Implementations are thread-safe. Pluggable so the HTTP logic can be
 * tested without a JAAS realm.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * @return the user with their roles, or empty when the credentials are wrong
     * @throws AuthenticationUnavailableException when the realm itself cannot answer (misconfigured, down)
     */
    Optional<AuthenticatedUser> authenticate(String user, String password);

    /**
     * Answers from remembered logins only, never asking the realm: cheap, never blocks on the realm and never
     * throws {@link AuthenticationUnavailableException}. {@link BasicAuthGate} serves a remembered login
     * without queueing it behind the other logins from the same address.
     *
     * @return the remembered user, or empty when this login is not remembered (always, unless caching)
     */
    default Optional<AuthenticatedUser> cached(String user, String password) {
        return Optional.empty();
    }
}
