package org.streamail.api.alert;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Raises alerts: stores them, escalates repeats, and notifies. Implemented by the reporting bundle.
 *
 * <p>Escalation: the n-th alert of one {@code kind} about one {@code subject} within the configured window
 * is raised {@code n - 1} steps above the requested severity (capped at CRITICAL); the stored
 * {@link Alert#occurrences()} says which repeat it was. Notification: alerts at or above a configured
 * severity are mailed to the admin address through the gateway's normal delivery path, alerts with a
 * {@code recipient} are mailed to that user, and an optional webhook gets every alert as JSON. A failed
 * notification is logged and never fails {@link #raise}: the stored alert is what counts.
 *
 * <p>Thread-safe.
 */
@ProviderType
public interface AlertService {

    /**
     * Raises one alert.
     *
     * @return the stored alert with its final severity
     * @throws org.streamail.api.store.StoreException if it could not be stored
     */
    Alert raise(AlertRequest request);

    /**
     * Raises an alert once across every node sharing the store: {@code key} says what the alert is about (for a
     * campaign recall's warning: the campaign, the user and the copies it covers), and a second raise with the
     * same key, on this node or another, even at the same moment, stores and notifies nothing. For alerts that two
     * nodes may both decide to raise, where the check of what was handled before and the raise are two steps.
     *
     * @param key any text of 1..1,048,576 characters; equal keys are one alert
     * @return the stored alert, or empty when an alert with this key was raised before
     * @throws IllegalArgumentException for a blank or overlong key, or a request {@link #raise} refuses
     * @throws org.streamail.api.store.StoreException if it could not be stored
     * @since package version 1.1.0
     */
    java.util.Optional<Alert> raiseOnce(AlertRequest request, String key);
}
