package org.streamail.api.smtp;

import java.util.Optional;
import org.streamail.api.model.Direction;

/**
 * Whether one of the gateway's SMTP listeners accepts connections, registered by the smtp bundle for each
 * listener component that runs. The core's status reads it: the gateway is ready only while its inbound
 * listener takes mail, and a listener that cannot is named among the status problems.
 *
 * <p>Implementations answer from memory, without network I/O, and are thread-safe.
 *
 * @since package version 1.1.0
 */
public interface ListenerState {

    /**
     * {@link Direction#INBOUND}: the port the Internet delivers to; {@link Direction#OUTBOUND}: the port the
     * organisation's mail server hands mail for the Internet to.
     */
    Direction direction();

    /**
     * Why the listener does not accept connections now, for example {@code "port 2525 could not be bound after a
     * configuration change: Address already in use"}; empty while it listens, or while the administrator has
     * switched it off ({@code enabled = false}).
     */
    Optional<String> unavailableReason();
}
