package org.streamail.spam.internal;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.QuarantineStore;

/**
 * Learns from quarantine releases: a released message was judged wanted, so it is reported as HAM by the
 * administrator who released it (which also lifts a fingerprint it matched and re-trains the classifier), or, for a
 * release a user made from their quarantine digest ({@link QuarantineDigest#RELEASE_ACTOR_PREFIX}), as that user's
 * HAM report, which weighs as any user's. Polls the newest released entries, so it needs no change in the core and
 * works whichever node or interface did the release; every node may run it, because reports and training are
 * idempotent.
 *
 * <p>Bounded: looks at the {@value #BATCH} newest releases per poll and remembers the last
 * {@value #REMEMBERED} ids it handled. Not thread-safe: called from the component's single refresh thread.
 */
final class ReleaseLearner {

    private static final Logger LOG = LoggerFactory.getLogger(ReleaseLearner.class);
    static final int BATCH = 200;
    static final int REMEMBERED = 5_000;

    private final Supplier<QuarantineStore> quarantine;
    private final SpamEngine engine;
    private final Set<String> handled = new LinkedHashSet<>();

    ReleaseLearner(Supplier<QuarantineStore> quarantine, SpamEngine engine) {
        this.quarantine = quarantine;
        this.engine = engine;
    }

    /** One poll; returns how many releases were reported as ham. Never throws. */
    int poll() {
        QuarantineStore q = quarantine.get();
        if (q == null) {
            return 0;
        }
        int reported = 0;
        try {
            List<QuarantineEntry> released = q.list(new QuarantineQuery(BATCH, 0, QuarantineEntry.Status.RELEASED, null, null, null));
            for (QuarantineEntry e : released) {
                if (handled.contains(e.id()) || e.actedBy().isBlank()) {
                    continue;
                }
                Optional<byte[]> raw = q.raw(e.id());
                // a user's release from their digest is that user's ham report, not an administrator's (which would
                // lift a fingerprint an administrator blocked, for everyone)
                boolean byUser = e.actedBy().startsWith(QuarantineDigest.RELEASE_ACTOR_PREFIX);
                String reporter = byUser ? e.actedBy().substring(QuarantineDigest.RELEASE_ACTOR_PREFIX.length())
                        : e.actedBy();
                if (raw.isPresent() && !reporter.isBlank()) {
                    try {
                        engine.report(ReportKind.HAM, raw.get(), reporter, !byUser);
                        reported++;
                    } catch (IllegalArgumentException refused) {
                        // this message cannot be learned (not mail, over the size limit): trying again would
                        // refuse it again and hold up the releases after it
                        LOG.info("Spam: release {} not learned as ham: {}", e.id(), refused.getMessage());
                    }
                }
                remember(e.id());
            }
        } catch (RuntimeException e) {
            LOG.warn("Spam: learning from quarantine releases failed ({}); retried at the next poll", e.toString());
        }
        return reported;
    }

    private void remember(String id) {
        handled.add(id);
        Iterator<String> it = handled.iterator();
        while (handled.size() > REMEMBERED && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
