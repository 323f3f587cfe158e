package org.streamail.api.model;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Received} field the gateway puts on top of every message it delivers:
 * {@code ... by <host> (Streamail) with ESMTP[S][A] id <gateway id> ...}. Written by the core's delivery, read
 * where a copy in a mailbox or a reported message must be tied to the delivery it came from (the campaign recall,
 * spam reports). A sender can write such a line too, but only below the gateway's own, which is always the first
 * in header order: readers take the first field that carries {@link #MARK}. Stateless.
 */
public final class GatewayReceived {

    /** The comment after the gateway's host name. */
    public static final String MARK = "(Streamail)";

    private static final Pattern ID = Pattern.compile(
            "\\(Streamail\\)\\s+with\\s+E?SMTPS?A?\\s+id\\s+([A-Za-z0-9._-]{1,128})");
    /** Longest field value examined: the gateway's own line is short, a longer one is read in part. */
    private static final int MAX_VALUE = 4096;

    private GatewayReceived() {
    }

    /**
     * The gateway id that one {@code Received} field value names, or empty when the value is not the gateway's
     * (no {@link #MARK} followed by {@code with ESMTP… id <id>}).
     */
    public static Optional<String> gatewayId(String receivedValue) {
        if (receivedValue == null || receivedValue.indexOf(MARK) < 0) {
            return Optional.empty();
        }
        String v = receivedValue.length() > MAX_VALUE ? receivedValue.substring(0, MAX_VALUE) : receivedValue;
        Matcher m = ID.matcher(v);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * The gateway id of a message: that of the first of its {@code Received} field values (in header order) that
     * is the gateway's, or empty when none is.
     */
    public static Optional<String> firstGatewayId(Iterable<String> receivedValues) {
        if (receivedValues == null) {
            return Optional.empty();
        }
        for (String v : receivedValues) {
            Optional<String> id = gatewayId(v);
            if (id.isPresent()) {
                return id;
            }
        }
        return Optional.empty();
    }
}
