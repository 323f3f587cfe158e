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
}
