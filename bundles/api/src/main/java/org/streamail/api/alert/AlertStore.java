package org.streamail.api.alert;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable alerts. Implemented by the store bundle; shared by every node through the database.
 * Thread-safe; methods throw {@link org.streamail.api.store.StoreException} when the database is
 * unavailable.
 */
@ProviderType
public interface AlertStore {

    /** Appends one alert (its id must be new). */
    void add(Alert alert);

    Optional<Alert> get(String id);

    /** Alerts matching the query, newest first. */
    List<Alert> query(AlertQuery query);

    /** How many alerts of {@code kind} about {@code subject} were created at or after {@code since}. */
    int count(String kind, String subject, Instant since);
}
