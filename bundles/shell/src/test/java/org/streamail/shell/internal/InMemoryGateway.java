package org.streamail.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.GatewayStatus;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.service.ScanResult;
import org.streamail.api.service.Scanner;
import org.streamail.api.service.StatusReport;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.Directory;
import org.streamail.api.store.DirectoryEntry;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.LogQuery;
import org.streamail.api.store.MessageLog;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;

/** Small in-memory implementations of the gateway services the commands call. Not thread-safe; for tests. */
final class InMemoryGateway {

    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    static final Verdict PHISHING = new Verdict(Action.QUARANTINE, 9.5, List.of(Category.PHISHING),
            List.of(new Finding("phishing", "link-text-mismatch", 4.0, Category.PHISHING,
                    "text shows bank.example, link goes to evil.example", "1.2"),
                    new Finding("phishing", "credential-request", 5.5, Category.PHISHING, "asks for a password")),
            "score 9.5 >= quarantine.score 8.0");

    // ---- scanner: answers a fixed verdict and remembers what it was asked
    Envelope lastScanEnvelope;
    byte[] lastScanBytes;
    RuntimeException scanFailure;

    final Scanner scanner = (envelope, raw) -> {
        if (scanFailure != null) {
            throw scanFailure;
        }
        lastScanEnvelope = envelope;
        lastScanBytes = raw;
        return new ScanResult("scan-1", "<m1@example.org>", "Your account", PHISHING, Duration.ofNanos(1_234_000));
    };

    // ---- status
    boolean ready = true;
    final GatewayStatus status = () -> new StatusReport(ready, ready ? "" : "mandatory detector missing: content",
            List.of("phishing", "content"), List.of("content"), 2, 1, Map.of("received", 10L, "DELIVER", 7L), T0);

    // ---- quarantine
    final Map<String, QuarantineEntry> held = new LinkedHashMap<>();
    final Map<String, byte[]> raws = new LinkedHashMap<>();

    void hold(String id, String subject, Verdict verdict, byte[] raw) {
        hold(id, subject, verdict, raw, "alice@corp.example");
    }

    void hold(String id, String subject, Verdict verdict, byte[] raw, String... recipients) {
        held.put(id, new QuarantineEntry(id, "<" + id + "@example.org>", subject,
                Envelope.inbound("bad@evil.example", List.of(recipients), "192.0.2.1", "evil"),
                verdict, raw.length, T0, QuarantineEntry.Status.HELD, null, null));
        raws.put(id, raw);
    }

    /** Thrown by {@code releaseTo} for an entry still held for the recipient; {@code null}: releases work. */
    RuntimeException releaseFailure;

    final QuarantineService quarantine = new QuarantineService() {
        @Override
        public List<QuarantineEntry> list(QuarantineQuery q) {
            return held.values().stream()
                    .filter(e -> q.status() == null || e.status() == q.status())
                    .filter(e -> q.category() == null || e.verdict().has(q.category()))
                    .skip(q.offset()).limit(q.limit()).toList();
        }

        @Override
        public Optional<QuarantineEntry> get(String id) {
            return Optional.ofNullable(held.get(id));
        }

        @Override
        public Optional<byte[]> raw(String id) {
            return Optional.ofNullable(raws.get(id));
        }

        @Override
        public QuarantineEntry release(String id, String actor) {
            return transition(id, QuarantineEntry.Status.RELEASED, actor);
        }

        /** The core's contract: released to that recipient alone; RELEASED once every recipient was. */
        @Override
        public QuarantineEntry releaseTo(String id, String recipient, String actor) {
            QuarantineEntry e = held.get(id);
            if (e == null) {
                throw new NoSuchElementException(id);
            }
            if (e.status() != QuarantineEntry.Status.HELD) {
                throw new IllegalStateException("not held");
            }
            String r = recipient.toLowerCase(Locale.ROOT);
            if (e.envelope().recipients().stream().noneMatch(x -> x.equalsIgnoreCase(r))) {
                throw new IllegalArgumentException(recipient + " is not a recipient");
            }
            if (e.releasedTo().contains(r)) {
                throw new IllegalStateException("released to " + r + " already");
            }
            if (releaseFailure != null) {
                throw releaseFailure;
            }
            QuarantineEntry next = e.withReleaseTo(r, actor, T0.plusSeconds(60));
            held.put(id, next);
            return next;
        }

        @Override
        public QuarantineEntry delete(String id, String actor) {
            raws.remove(id);
            return transition(id, QuarantineEntry.Status.DELETED, actor);
        }

        private QuarantineEntry transition(String id, QuarantineEntry.Status to, String actor) {
            QuarantineEntry e = held.get(id);
            if (e == null) {
                throw new NoSuchElementException(id);
            }
            if (e.status() != QuarantineEntry.Status.HELD) {
                throw new IllegalStateException("not held");
            }
            QuarantineEntry next = new QuarantineEntry(e.id(), e.messageId(), e.subject(), e.envelope(),
                    e.verdict(), e.size(), e.quarantinedAt(), to, actor, T0.plusSeconds(60), e.releasedTo());
            held.put(id, next);
            return next;
        }
    };

    // ---- message log
    final List<LogEntry> log = new ArrayList<>();
    LogQuery lastLogQuery;

    void logged(String id, Verdict verdict, int minute) {
        log.add(new LogEntry(id, "<" + id + "@example.org>", "subject " + id,
                Envelope.inbound("sender@example.org", List.of("alice@corp.example"), "198.51.100.7", "mx"),
                List.of("from mx by gw"), 1234, verdict,
                verdict == null ? DeliveryStatus.RECEIVED : DeliveryStatus.DELIVERED, "", T0.plusSeconds(60L * minute),
                null));
    }

    final MessageLog messageLog = new MessageLog() {
        @Override
        public void received(LogEntry entry) {
            log.add(entry);
        }

        @Override
        public void decided(String id, Verdict verdict) {
        }

        @Override
        public void status(String id, DeliveryStatus status, String detail) {
        }

        @Override
        public Optional<LogEntry> get(String id) {
            return log.stream().filter(e -> e.id().equals(id)).findFirst();
        }

        @Override
        public List<LogEntry> query(LogQuery q) {
            lastLogQuery = q;
            return log.stream()
                    .filter(e -> q.action() == null || q.action() == e.action())
                    .sorted(Comparator.comparing(LogEntry::receivedAt).reversed())
                    .skip(q.offset()).limit(q.limit()).toList();
        }

        @Override
        public boolean seenBefore(String sender, String recipient, Instant before) {
            return false;
        }

        @Override
        public Map<Action, Long> countByAction(Instant since) {
            return Map.of();
        }
    };

    // ---- directory: protects corp.example
    final Map<String, DirectoryEntry> addresses = new LinkedHashMap<>();

    final Directory directory = new Directory() {
        @Override
        public RecipientCheck check(String address) {
            return RecipientCheck.LOCAL;
        }

        @Override
        public Set<String> protectedDomains() {
            return Set.of("corp.example", "b.example");
        }

        @Override
        public boolean isProtectedDomain(String domain) {
            return protectedDomains().contains(domain);
        }

        @Override
        public List<DirectoryEntry> list() {
            return List.copyOf(addresses.values());
        }

        @Override
        public Optional<DirectoryEntry> find(String address) {
            return Optional.ofNullable(addresses.get(address.toLowerCase(Locale.ROOT)));
        }

        @Override
        public DirectoryEntry add(String address, String displayName) {
            String a = address.toLowerCase(Locale.ROOT);
            int at = a.indexOf('@');
            if (at <= 0 || a.indexOf('@', at + 1) >= 0) {
                throw new IllegalArgumentException("not a plain local@domain address: " + address);
            }
            if (!isProtectedDomain(a.substring(at + 1))) {
                // worded as the JDBC directory words it
                throw new IllegalArgumentException("cannot register '" + a + "': " + a.substring(at + 1)
                        + " is not a protected domain");
            }
            DirectoryEntry e = new DirectoryEntry(a, displayName, T0);
            addresses.put(a, e);
            return e;
        }

        @Override
        public boolean remove(String address) {
            return addresses.remove(address.toLowerCase(Locale.ROOT)) != null;
        }
    };
}
