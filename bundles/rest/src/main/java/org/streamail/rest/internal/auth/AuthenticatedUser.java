package org.streamail.rest.internal.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who sent a request, as the JAAS realm vouched for. Immutable.
 *
 * @param name  the login name; never {@code null}
 * @param roles the role names the realm granted (e.g. {@code admin}, {@code viewer})
 */
public record AuthenticatedUser(String name, Set<String> roles) {

    /** Role that may do everything. */
    public static final String ADMIN = "admin";
    /** Role that may only read. */
    public static final String VIEWER = "viewer";

    public AuthenticatedUser {
        Objects.requireNonNull(name, "name");
        roles = roles == null ? Set.of() : Set.copyOf(roles);
    }

    public boolean isAdmin() {
        return roles.contains(ADMIN);
    }

    /** Whether the user may read: admins and viewers. */
    public boolean canRead() {
        return isAdmin() || roles.contains(VIEWER);
    }
}
