package org.streamail.api.linkguard;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Durable link-guard data, shared by every node: the links each delivered message carried (to find the
 * other copies of a campaign), the clicks, and the URLs found bad after delivery. Implemented by the store
 * bundle. URLs are compared exactly as given (the link guard normalises them before storing). Thread-safe;
 * methods throw {@link org.streamail.api.store.StoreException} when the database is unavailable.
 */
@ProviderType
public interface LinkStore {

    /** Records the links one delivery carried; idempotent per (message, recipient, url). */
    void recordLinks(String messageId, List<String> recipients, List<String> urls, Instant at);

    /** The distinct original URLs recorded for a message. */
    List<String> linksOf(String messageId);

    /** Deliveries that carried {@code url} at or after {@code since}, newest first, at most {@code limit}. */
    List<LinkDelivery> deliveriesOf(String url, Instant since, int limit);

    /**
     * Deliveries that carried {@code url} at or after {@code since} and before {@code before}, newest first, at most
     * {@code limit}: whether ordinary mail carried a URL before a campaign began, however many copies the campaign
     * itself had since (its deliveries would fill a page of the newest). Since API 1.2.
     */
    List<LinkDelivery> deliveriesBefore(String url, Instant since, Instant before, int limit);

    /** Appends a click. */
    void recordClick(Click click);

    /** The newest clicks (1..1000), newest first; only blocked ones when {@code blockedOnly}. */
    List<Click> clicks(int limit, boolean blockedOnly);

    /** Marks a URL bad from now on (a campaign found bad after delivery); idempotent. */
    void markBad(String url, String reason, Instant at);

    /** Why {@code url} was marked bad, or empty when it was not. */
    Optional<String> badReason(String url);

    /**
     * The URLs marked bad, newest mark first.
     *
     * @param limit 1..1000
     * @throws IllegalArgumentException if {@code limit} is out of range
     * @throws UnsupportedOperationException if this store cannot list them (the default)
     * @since 1.1
     */
    default List<BadUrl> badUrls(int limit) {
        throw new UnsupportedOperationException("this link store cannot list bad URLs");
    }

    /**
     * Lifts the bad mark of a URL (an administrator's decision that it is safe): clicks on it are checked again
     * like any other from now on. Idempotent.
     *
     * @return whether the URL was marked
     * @throws UnsupportedOperationException if this store cannot lift marks (the default)
     * @since 1.1
     */
    default boolean unmarkBad(String url) {
        throw new UnsupportedOperationException("this link store cannot lift bad marks");
    }
}
