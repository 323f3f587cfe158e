package org.streamail.detect.auth.internal.spf;

/** Ends an evaluation early with a PERMERROR or TEMPERROR; the message is the outcome's explanation. */
final class SpfException extends Exception {

    private static final long serialVersionUID = 1L;

    private final SpfResult result;

    private SpfException(SpfResult result, String message) {
        // control flow, not a fault: no stack trace to fill
        super(message, null, false, false);
        this.result = result;
    }

    static SpfException perm(String message) {
        return new SpfException(SpfResult.PERMERROR, message);
    }

    static SpfException temp(String message) {
        return new SpfException(SpfResult.TEMPERROR, message);
    }

    SpfResult result() {
        return result;
    }
}
