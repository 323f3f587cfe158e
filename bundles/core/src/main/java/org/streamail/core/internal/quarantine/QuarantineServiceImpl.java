package org.streamail.core.internal.quarantine;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Verdict;
import org.streamail.api.service.QuarantineService;
import org.streamail.api.spam.ReportKind;
import org.streamail.api.spam.ReportService;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.MessageLog;
import org.streamail.api.store.QuarantineEntry;
import org.streamail.api.store.QuarantineQuery;
import org.streamail.api.store.QuarantineStore;
import org.streamail.core.internal.delivery.Delivery;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.spool.SpoolException;
import org.streamail.core.internal.transform.Transformers;

/**
 * Administrator actions on the quarantine, over the {@link QuarantineStore}.
 *
 * <p>Release order, chosen so that a crash can duplicate a delivery but never lose one: (1) the raw bytes
 * are written to the spool as a <em>released</em> entry (key {@code <id>-released}, delivered without
 * scanning, after the delivery transformers such as the link guard's rewriting), (2) the store entry moves HELD to RELEASED (atomic in the store, so of two concurrent
 * releases only one succeeds; the loser removes its spool entry), (3) delivery takes the entry over. A
 * crash between (1) and (2) leaves a released entry that the intake's recovery marks RELEASED and delivers.
 *
 * <p>An administrator's deletion of a message held for spam (its verdict has the SPAM category) is that
 * administrator's spam report ({@link ReportService}, optional and dynamic, from the spam bundle): its
 * fingerprint then refuses the copies still to come on every node, the delivered copies of its campaign are
 * recalled, and the classifier learns it. Releases are learned the other way by the spam bundle itself. A
 * report that fails is logged and never fails the deletion.
 *
 * <p>Thread-safe; stateless apart from its references.
 */
@Component(service = QuarantineService.class)
public class QuarantineServiceImpl implements QuarantineService {

    static final String RELEASED_SUFFIX = "-released";
    /** What the transformers may add to a released message beyond four times its size (rewritten links). */
    private static final long MAX_TRANSFORM_GROWTH = 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(QuarantineServiceImpl.class);

    private final QuarantineStore store;
    private final Spool spool;
    private final Delivery delivery;
    private final MessageLog log;
    private final Transformers transformers;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile ReportService reports;

    @Activate
    public QuarantineServiceImpl(@Reference QuarantineStore store, @Reference Spool spool,
            @Reference Delivery delivery, @Reference MessageLog log, @Reference Transformers transformers) {
        this.store = store;
        this.spool = spool;
        this.delivery = delivery;
        this.log = log;
        this.transformers = transformers;
    }

    @Override
    public List<QuarantineEntry> list(QuarantineQuery query) {
        return store.list(query);
    }

    @Override
    public Optional<QuarantineEntry> get(String id) {
        return store.get(id);
    }

    @Override
    public Optional<byte[]> raw(String id) {
        return store.raw(id);
    }

    @Override
    public QuarantineEntry release(String id, String actor) {
        QuarantineEntry e = held(id);
        byte[] raw = store.raw(id).orElseThrow(() -> new IllegalStateException("quarantine entry " + id
                + " has no stored message"));
        String who = actor == null || actor.isBlank() ? "unknown" : actor;
        // Released mail is the most suspicious mail that reaches users: it gets the delivery transformers (the
        // link guard's rewriting above all) like any delivered message. The verdict handed to them has no
        // findings, so nothing is disarmed or held again: the administrator asked for this message.
        byte[] out = transformers.apply(id, e.envelope(), new Verdict(Action.DELIVER, 0.0, List.of(), List.of(),
                "released by " + who), raw, raw.length * 4L + MAX_TRANSFORM_GROWTH);
        SpoolEntry entry;
        try {
            entry = spool.write(id + RELEASED_SUFFIX, id, e.envelope(), who, out);
        } catch (SpoolException ex) {
            if (spool.isClaimed(id + RELEASED_SUFFIX)) {
                throw new IllegalStateException("quarantine entry " + id + " is being released already");
            }
            throw new IllegalStateException("cannot queue " + id + " for delivery: " + ex.getMessage(), ex);
        }
        boolean moved;
        try {
            moved = store.transition(id, QuarantineEntry.Status.RELEASED, who);
        } catch (RuntimeException ex) {
            dropQuietly(entry);
            throw ex;
        }
        if (!moved) {
            dropQuietly(entry);
            throw new IllegalStateException("quarantine entry " + id + " is not held (released or deleted meanwhile)");
        }
        // Logged before the hand-over: delivery runs on its own threads and may finish (and log "written to
        // ..." or the hop's reply) before enqueue returns, and the last status must be the delivery's.
        status(id, "released by " + who + ", queued for delivery");
        try {
            delivery.enqueue(entry, null);
        } catch (SpoolException ex) {
            // Released and spooled: the next start's recovery queues it. Not lost.
            LOG.error("Released {} but could not queue it now; it is delivered after the next restart: {}", id,
                    ex.getMessage());
        }
        LOG.info("RELEASED {} by {}", id, who);
        return store.get(id).orElse(e);
    }

    @Override
    public QuarantineEntry delete(String id, String actor) {
        QuarantineEntry e = held(id);
        String who = actor == null || actor.isBlank() ? "unknown" : actor;
        ReportService spam = reports;
        // the store drops the bytes at deletion: read them first when the deletion is to be learned
        byte[] learn = spam != null && e.verdict().categories().contains(Category.SPAM) ? store.raw(id).orElse(null) : null;
        if (!store.transition(id, QuarantineEntry.Status.DELETED, who)) {
            throw new IllegalStateException("quarantine entry " + id + " is not held (released or deleted meanwhile)");
        }
        try {
            log.status(id, DeliveryStatus.DELETED, "deleted from quarantine by " + who);
        } catch (RuntimeException ex) {
            LOG.warn("Message log unavailable; deletion of {} not recorded: {}", id, ex.toString());
        }
        LOG.info("DELETED {} from quarantine by {}", id, who);
        if (learn != null) {
            try {
                var r = spam.report(ReportKind.SPAM, learn, who, true);
                LOG.info("Quarantined spam {} deleted by {}: reported as spam (ref {}, {})", id, who, r.reference(),
                        r.blocking() ? "now refused on every node" : "not blocking");
            } catch (RuntimeException ex) {
                LOG.warn("Quarantined spam {} deleted by {}, but reporting it as spam failed: {}", id, who, ex.toString());
            }
        }
        return store.get(id).orElse(e);
    }

    private QuarantineEntry held(String id) {
        QuarantineEntry e = store.get(id).orElseThrow(() -> new NoSuchElementException("no quarantine entry " + id));
        if (e.status() != QuarantineEntry.Status.HELD) {
            throw new IllegalStateException("quarantine entry " + id + " is " + e.status() + ", not HELD");
        }
        return e;
    }

    private void dropQuietly(SpoolEntry entry) {
        try {
            spool.remove(entry.key());
        } catch (SpoolException ex) {
            LOG.error("Could not remove spool entry {} of a failed release: {}", entry.key(), ex.getMessage());
        }
    }

    private void status(String id, String detail) {
        try {
            log.status(id, DeliveryStatus.RELEASED, detail);
        } catch (RuntimeException ex) {
            LOG.warn("Message log unavailable; release of {} not recorded: {}", id, ex.toString());
        }
    }
}
