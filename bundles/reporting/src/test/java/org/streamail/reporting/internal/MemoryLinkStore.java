package org.streamail.reporting.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.linkguard.LinkStore;

/** Link-guard data in memory. */
final class MemoryLinkStore implements LinkStore {

    private final List<LinkDelivery> deliveries = new ArrayList<>();
    final Map<String, String> bad = new LinkedHashMap<>();

    @Override
    public synchronized void recordLinks(String messageId, List<String> recipients, List<String> urls, Instant at) {
        for (String r : recipients) {
            for (String u : urls) {
                LinkDelivery d = new LinkDelivery(messageId, r, u, at);
                if (!deliveries.contains(d)) {
                    deliveries.add(d);
                }
            }
        }
    }

    @Override
    public synchronized List<String> linksOf(String messageId) {
        return deliveries.stream().filter(d -> d.messageId().equals(messageId)).map(LinkDelivery::url).distinct()
                .toList();
    }

    @Override
    public synchronized List<LinkDelivery> deliveriesOf(String url, Instant since, int limit) {
        return deliveriesBefore(url, since, Instant.MAX, limit);
    }

    @Override
    public synchronized List<LinkDelivery> deliveriesBefore(String url, Instant since, Instant before, int limit) {
        return deliveries.stream().filter(d -> d.url().equals(url) && !d.at().isBefore(since) && d.at().isBefore(before))
                .sorted(Comparator.comparing(LinkDelivery::at).reversed().thenComparing(LinkDelivery::messageId)
                        .thenComparing(LinkDelivery::recipient))
                .limit(Math.min(limit, 1000)).toList(); // ordered and paged as the JDBC store
    }

    @Override
    public void recordClick(Click click) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Click> clicks(int limit, boolean blockedOnly) {
        return List.of();
    }

    @Override
    public synchronized void markBad(String url, String reason, Instant at) {
        bad.putIfAbsent(url, reason);
    }

    @Override
    public synchronized Optional<String> badReason(String url) {
        return Optional.ofNullable(bad.get(url));
    }
}
