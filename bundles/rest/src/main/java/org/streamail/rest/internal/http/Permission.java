package org.streamail.rest.internal.http;

import org.streamail.rest.internal.auth.AuthenticatedUser;

/** What a route requires of the caller. */
public enum Permission {
    /** Admins and viewers. */
    READ,
    /** Admins only: anything that changes state or runs work on the caller's behalf. */
    ADMIN;

    boolean allows(AuthenticatedUser user) {
        return this == READ ? user.canRead() : user.isAdmin();
    }
}
