package org.streamail.detect.content.internal;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.QuarantineStore;

/** A small in-memory quarantine with the store's contract (hold idempotent on id); counts hold calls. */
final class MemoryQuarantineStore implements QuarantineStore {
    final Map<String, QuarantineEntry> entries = new ConcurrentHashMap<>();
    final Map<String, byte[]> raws = new ConcurrentHashMap<>();
    final AtomicInteger holdCalls = new AtomicInteger();

    @Override
    public QuarantineEntry hold(String id, String messageId, String subject, Envelope envelope, Verdict verdict,
            byte[] raw) {
        holdCalls.incrementAndGet();
        return entries.computeIfAbsent(id, k -> {
            raws.put(k, raw.clone());
            return new QuarantineEntry(k, messageId, subject, envelope, verdict, raw.length, Instant.now(),
                    QuarantineEntry.Status.HELD, "", null);
        });
    }

    @Override
    public Optional<QuarantineEntry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    @Override
    public Optional<byte[]> raw(String id) {
        return Optional.ofNullable(raws.get(id)).map(byte[]::clone);
    }

    @Override
    public List<QuarantineEntry> list(QuarantineQuery query) {
        return List.copyOf(entries.values());
    }

    @Override
    public long count(QuarantineEntry.Status status) {
        return entries.values().stream().filter(e -> e.status() == status).count();
    }

    @Override
    public boolean transition(String id, QuarantineEntry.Status to, String actor) {
        return false;
    }

    /** Records the recipient of a HELD entry; the last one makes it RELEASED (the store's contract). */
    @Override
    public synchronized boolean releaseRecipient(String id, String recipient, String actor) {
        QuarantineEntry e = entries.get(id);
        if (e == null || !e.heldFor(recipient)) {
            return false;
        }
        Set<String> released = new HashSet<>(e.releasedTo());
        released.add(recipient.toLowerCase(Locale.ROOT));
        boolean all = e.envelope().recipients().stream().allMatch(r -> released.contains(r.toLowerCase(Locale.ROOT)));
        entries.put(id, new QuarantineEntry(e.id(), e.messageId(), e.subject(), e.envelope(), e.verdict(), e.size(),
                e.quarantinedAt(), all ? QuarantineEntry.Status.RELEASED : QuarantineEntry.Status.HELD,
                all ? actor : e.actedBy(), all ? Instant.now() : e.actedAt(), released));
        return true;
    }
}
