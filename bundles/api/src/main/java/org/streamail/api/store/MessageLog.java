package org.streamail.api.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;
import org.streamail.api.model.Action;
import org.streamail.api.model.Verdict;

/** The message log: every message the gateway received, its origin, verdict and delivery outcome. */
@ProviderType
public interface MessageLog {

    /** Records a received message; idempotent on {@code entry.id()} (a second call leaves the first row). */
    void received(LogEntry entry);

    /** Records the verdict of a message. */
    void decided(String id, Verdict verdict);

    /** Records a delivery outcome; {@code detail} is the next hop's reply or the error. */
    void status(String id, DeliveryStatus status, String detail);

    Optional<LogEntry> get(String id);

    List<LogEntry> query(LogQuery query);

    /**
     * Whether {@code sender} had sent to {@code recipient} before {@code before} (for "first contact"
     * signals). Case-insensitive.
     */
    boolean seenBefore(String sender, String recipient, Instant before);

    /** Number of decided messages per action received at or after {@code since}. */
    Map<Action, Long> countByAction(Instant since);
}
