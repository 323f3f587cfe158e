package org.streamail.linkguard.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.campaign.CampaignService;
import org.streamail.api.campaign.RecallReport;
import org.streamail.api.isolation.Isolation;
import org.streamail.api.isolation.IsolationService;
import org.streamail.api.linkguard.Click;
import org.streamail.api.linkguard.LinkDelivery;
import org.streamail.api.linkguard.LinkStore;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.Scanner;

/** Recording in-memory implementations of the services the link guard uses. */
final class Fakes {

    private Fakes() {
    }

    /** Answers a fixed verdict and remembers what it scanned. */
    static final class FakeScanner implements Scanner {
        volatile Verdict verdict = Verdict.clean();
        final List<byte[]> scanned = new CopyOnWriteArrayList<>();
        final List<Envelope> envelopes = new CopyOnWriteArrayList<>();

        @Override
        public ScanResult scan(Envelope envelope, byte[] raw) {
            envelopes.add(envelope);
            scanned.add(raw);
            return new ScanResult("scan-" + scanned.size(), "", "", verdict, Duration.ofMillis(1));
        }
    }

    static final class FakeLinkStore implements LinkStore {
        final List<Click> clicks = new CopyOnWriteArrayList<>();
        final Map<String, String> bad = new HashMap<>();
        final List<List<Object>> recorded = new CopyOnWriteArrayList<>();

        @Override
        public void recordLinks(String messageId, List<String> recipients, List<String> urls, Instant at) {
            recorded.add(List.of(messageId, recipients, urls, at));
        }

        @Override
        public List<String> linksOf(String messageId) {
            return List.of();
        }

        @Override
        public List<LinkDelivery> deliveriesOf(String url, Instant since, int limit) {
            return List.of();
        }

        @Override
        public List<LinkDelivery> deliveriesBefore(String url, Instant since, Instant before, int limit) {
            return List.of();
        }

        @Override
        public void recordClick(Click click) {
            clicks.add(click);
        }

        @Override
        public List<Click> clicks(int limit, boolean blockedOnly) {
            return List.copyOf(clicks);
        }

        @Override
        public void markBad(String url, String reason, Instant at) {
            bad.put(url, reason);
        }

        @Override
        public Optional<String> badReason(String url) {
            return Optional.ofNullable(bad.get(url));
        }
    }

    static final class FakeAlerts implements AlertService {
        final List<AlertRequest> raised = new CopyOnWriteArrayList<>();

        @Override
        public Alert raise(AlertRequest r) {
            raised.add(r);
            return new Alert("a" + raised.size(), Instant.now(), r.severity(), r.kind(), r.subject(), r.messageId(),
                    r.recipient(), r.title(), r.detail(), 1);
        }

        @Override
        public java.util.Optional<Alert> raiseOnce(AlertRequest r, String key) {
            throw new UnsupportedOperationException("the link guard never raises an alert once by key");
        }
    }

    /** Isolates anything but the allow-listed addresses (SecurityException, as the real service). */
    static final class FakeIsolation implements IsolationService {
        final Set<String> allowList;
        final List<List<Object>> calls = new CopyOnWriteArrayList<>();

        FakeIsolation(Set<String> allowList) {
            this.allowList = allowList;
        }

        @Override
        public Isolation isolate(String ip, String mac, String reason, Duration ttl, String actor) {
            calls.add(new ArrayList<>(java.util.Arrays.asList(ip, mac, reason, ttl, actor)));
            if (allowList.contains(ip)) {
                throw new SecurityException(ip + " is allow-listed");
            }
            return null; // the link guard does not look at it
        }

        @Override
        public boolean release(String ip, String actor) {
            return false;
        }

        @Override
        public List<Isolation> list() {
            return List.of();
        }

        @Override
        public boolean isProtected(String ip) {
            return allowList.contains(ip);
        }
    }

    static final class FakeCampaigns implements CampaignService {
        final List<List<String>> recalls = new CopyOnWriteArrayList<>();

        @Override
        public RecallReport recall(String messageId, String reason, String actor) {
            recalls.add(List.of(messageId, reason, actor));
            return null;
        }
    }
}
