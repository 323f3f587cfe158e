package org.streamail.shell.internal;

/**
 * A command could not do what was asked (unknown id, unreadable file, service missing). Karaf prints the
 * message as one "Error executing command: ..." line, without a stack trace, and an ssh exec exits
 * non-zero.
 */
final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandFailure(String message) {
        super(message, null, false, false);
    }
}
