package org.streamail.testsupport;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.QuarantineStore;
import org.streamail.api.store.StoreException;

/**
 * An in-memory quarantine with the JDBC store's contract (its own runs on H2 and PostgreSQL in store-jdbc's
 * {@code StoreContractTest}): hold idempotent on the id, HELD-only transitions, per-recipient releases ending the hold
 * with the last recipient, listings newest first with the status filter, limit, offset and keyset. Transitions and
 * per-recipient releases are synchronized, so that of a release to everyone and one to a recipient at the same time
 * only what the store allows happens. Counts hold calls and can fail them like a database that is down.
 */
public final class InMemoryQuarantineStore implements QuarantineStore {

    public final Map<String, QuarantineEntry> entries = new ConcurrentHashMap<>();
    public final Map<String, byte[]> raws = new ConcurrentHashMap<>();
    public final AtomicInteger holdCalls = new AtomicInteger();
    /** When positive, that many next hold calls fail like a database that is down. */
    public final AtomicInteger failNextHolds = new AtomicInteger();

    @Override
    public QuarantineEntry hold(String id, String messageId, String subject, Envelope envelope, Verdict verdict,
            byte[] raw) {
        holdCalls.incrementAndGet();
        if (failNextHolds.getAndDecrement() > 0) {
            throw new StoreException("database down (test)");
        }
        raws.putIfAbsent(id, raw.clone());
        return entries.computeIfAbsent(id, k -> new QuarantineEntry(id, messageId, subject, envelope, verdict,
                raw.length, Instant.now(), QuarantineEntry.Status.HELD, "", null));
    }

    @Override
    public Optional<QuarantineEntry> get(String id) {
        return id == null ? Optional.empty() : Optional.ofNullable(entries.get(id));
    }

    @Override
    public Optional<byte[]> raw(String id) {
        byte[] b = id == null ? null : raws.get(id);
        return b == null ? Optional.empty() : Optional.of(b.clone());
    }

    @Override
    public List<QuarantineEntry> list(QuarantineQuery query) {
        return entries.values().stream()
                .filter(e -> query.status() == null || e.status() == query.status())
                .filter(query::afterPlace)
                .sorted(Comparator.comparing(QuarantineEntry::quarantinedAt).thenComparing(QuarantineEntry::id)
                        .reversed())
                .skip(query.offset()).limit(query.limit()).toList();
    }

    @Override
    public long count(QuarantineEntry.Status status) {
        return entries.values().stream().filter(e -> status == null || e.status() == status).count();
    }

    @Override
    public synchronized boolean transition(String id, QuarantineEntry.Status to, String actor) {
        if (to == QuarantineEntry.Status.HELD) {
            throw new IllegalArgumentException("an entry can only move from HELD to RELEASED or DELETED");
        }
        QuarantineEntry e = id == null ? null : entries.get(id);
        if (e == null || e.status() != QuarantineEntry.Status.HELD) {
            return false;
        }
        if (to == QuarantineEntry.Status.DELETED) {
            raws.remove(id);
        }
        entries.put(id, new QuarantineEntry(e.id(), e.messageId(), e.subject(), e.envelope(), e.verdict(), e.size(),
                e.quarantinedAt(), to, actor, Instant.now(), e.releasedTo()));
        return true;
    }

    @Override
    public synchronized boolean releaseRecipient(String id, String recipient, String actor) {
        QuarantineEntry e = id == null ? null : entries.get(id);
        if (e == null || !e.heldFor(recipient)) {
            return false;
        }
        entries.put(id, e.withReleaseTo(recipient, actor, Instant.now()));
        return true;
    }
}
