package org.streamail.digest.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportResult;
import org.streamail.api.spam.ReportService;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;

/**
 * In-memory stand-ins for the quarantine, the alert service and the spam reports, recording what was asked of them.
 */
final class DigestFakes {

    static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");

    private DigestFakes() {
    }

    /** A held entry for {@code recipients}, quarantined {@code minutes} after {@link #T0}. */
    static QuarantineEntry entry(String id, String subject, int minutes, List<Category> categories,
            String... recipients) {
        Envelope env = new Envelope("sender@bad.example", List.of(recipients), "192.0.2.7", "mx.bad.example", false,
                T0.plusSeconds(minutes * 60L), Direction.INBOUND, null);
        Verdict v = new Verdict(Action.QUARANTINE, 9.0, categories, List.of(), "score 9.0 >= quarantine.score 8.0");
        return new QuarantineEntry(id, "<" + id + "@bad.example>", subject, env, v, 1234,
                T0.plusSeconds(minutes * 60L), QuarantineEntry.Status.HELD, "", null);
    }

    static class FakeQuarantine implements QuarantineService {
        final Map<String, QuarantineEntry> entries = new LinkedHashMap<>();
        final List<QuarantineQuery> queries = new ArrayList<>();
        final List<String> releases = new ArrayList<>();
        /** When set, {@link #list} ignores the recipient filter, as a careless store might. */
        boolean ignoreRecipientFilter;
        /** When set, {@link #release} fails as if another node had released the entry first. */
        boolean raceOnRelease;
        /** When set, {@link #list} throws it, as a store that is down. */
        RuntimeException failure;
        /** When set, runs after each {@link #list} has read its page (someone acting on the quarantine meanwhile). */
        Runnable afterList;

        FakeQuarantine add(QuarantineEntry e) {
            entries.put(e.id(), e);
            return this;
        }

        @Override
        public synchronized List<QuarantineEntry> list(QuarantineQuery q) {
            queries.add(q);
            if (failure != null) {
                throw failure;
            }
            List<QuarantineEntry> page = entries.values().stream()
                    .filter(e -> q.status() == null || e.status() == q.status())
                    .filter(e -> ignoreRecipientFilter || q.recipient() == null
                            || e.envelope().recipients().stream().anyMatch(r -> r.equalsIgnoreCase(q.recipient())))
                    .filter(q::afterPlace)
                    .sorted(Comparator.comparing(QuarantineEntry::quarantinedAt).thenComparing(QuarantineEntry::id)
                            .reversed())
                    .skip(q.offset()).limit(q.limit()).toList();
            Runnable after = afterList;
            if (after != null) {
                after.run();
            }
            return page;
        }

        @Override
        public synchronized Optional<QuarantineEntry> get(String id) {
            return Optional.ofNullable(entries.get(id));
        }

        @Override
        public Optional<byte[]> raw(String id) {
            return Optional.empty();
        }

        @Override
        public synchronized QuarantineEntry release(String id, String actor) {
            releases.add(id + " by " + actor);
            QuarantineEntry e = entries.get(id);
            if (e == null) {
                throw new NoSuchElementException(id);
            }
            if (raceOnRelease || e.status() != QuarantineEntry.Status.HELD) {
                throw new IllegalStateException(id + " is not held");
            }
            QuarantineEntry r = new QuarantineEntry(e.id(), e.messageId(), e.subject(), e.envelope(), e.verdict(),
                    e.size(), e.quarantinedAt(), QuarantineEntry.Status.RELEASED, actor, T0);
            entries.put(id, r);
            return r;
        }

        /** As the core's: a copy to one recipient; RELEASED once every recipient was released. */
        @Override
        public synchronized QuarantineEntry releaseTo(String id, String recipient, String actor) {
            releases.add(id + " to " + recipient + " by " + actor);
            QuarantineEntry e = entries.get(id);
            if (e == null) {
                throw new NoSuchElementException(id);
            }
            String r = recipient.toLowerCase(java.util.Locale.ROOT);
            if (e.envelope().recipients().stream().noneMatch(x -> x.equalsIgnoreCase(r))) {
                throw new IllegalArgumentException(recipient + " is not a recipient of " + id);
            }
            if (raceOnRelease || !e.heldFor(r)) {
                throw new IllegalStateException(id + " is not held for " + recipient);
            }
            QuarantineEntry n = e.withReleaseTo(r, actor, T0);
            entries.put(id, n);
            return n;
        }

        @Override
        public QuarantineEntry delete(String id, String actor) {
            throw new UnsupportedOperationException("the digest never deletes");
        }

        QuarantineEntry.Status status(String id) {
            return entries.get(id).status();
        }
    }

    /** The spam bundle's reports: records each report by id; {@link #failure} makes it throw. */
    static final class FakeReports implements ReportService {
        final List<String> reports = new ArrayList<>();
        RuntimeException failure;

        @Override
        public ReportResult report(ReportKind kind, byte[] raw, String reporter, boolean admin) {
            throw new UnsupportedOperationException("the digest reports by id");
        }

        @Override
        public synchronized ReportResult reportById(ReportKind kind, String id, String reporter, boolean admin) {
            if (failure != null) {
                throw failure;
            }
            reports.add(kind + " " + id + " by " + reporter + (admin ? " (admin)" : ""));
            return null;
        }
    }

    static final class FakeAlerts implements AlertService {
        final List<AlertRequest> raised = new ArrayList<>();
        final List<String> keys = new ArrayList<>();
        private final Set<String> seen = new HashSet<>();

        @Override
        public synchronized Alert raise(AlertRequest r) {
            raised.add(r);
            return new Alert("a-" + raised.size(), T0, r.severity(), r.kind(), r.subject(), r.messageId(),
                    r.recipient(), r.title(), r.detail(), 1);
        }

        @Override
        public synchronized Optional<Alert> raiseOnce(AlertRequest r, String key) {
            keys.add(key);
            if (!seen.add(key)) {
                return Optional.empty();
            }
            return Optional.of(raise(r));
        }
    }
}
