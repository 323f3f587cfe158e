package org.streamail.shell.internal;

/**
 * Checks for the optional service references of the commands. References are optional so that every
 * command stays registered while the core or the store bundle is being updated, and says so clearly
 * instead of vanishing ("command not found").
 */
final class Services {

    private Services() {
    }

    static <T> T require(T service, String what) {
        if (service == null) {
            throw new CommandFailure("The " + what + " is not available right now (is the bundle providing it active?)");
        }
        return service;
    }
}
