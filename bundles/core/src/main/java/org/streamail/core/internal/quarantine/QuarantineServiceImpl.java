package org.streamail.core.internal.quarantine;

import java.util.List;
import java.util.Locale;
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
import org.streamail.api.digest.QuarantineDigest;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Envelope;
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
import org.streamail.core.internal.spool.ReleaseKeys;
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
 * <p>A release to one recipient ({@link #releaseTo}) takes the same three steps: the spool entry is keyed
 * {@code <id>-released-<n>} ({@link ReleaseKeys}, {@code n} the recipient's index in the envelope) and its envelope
 * has that recipient only, and step (2) records the recipient in the store ({@link QuarantineStore#releaseRecipient},
 * atomic too) while the entry stays HELD for the others; the last one makes it RELEASED. The recovery records the
 * recipient and delivers. A release to everyone after some were released one by one goes to the others only.
 *
 * <p>An administrator's deletion of a message held for spam (its verdict has the SPAM category) is that
 * administrator's spam report ({@link ReportService}, optional and dynamic, from the spam bundle): its
 * fingerprint then refuses the copies still to come on every node, the delivered copies of its campaign are
 * recalled, and the classifier learns it. Releases are learned the other way by the spam bundle itself; but a
 * release to one recipient leaves the entry HELD, which the spam bundle does not see, so an administrator's release
 * to one recipient is reported here as <em>that recipient's</em> ham report (a user's weight, as a user's own release
 * from their digest is reported by the digest bundle): it trains the classifier and counts as one user's vote, and
 * never lifts an administrator's block for everyone, which only a release of the whole message does. A report that
 * fails is logged and never fails the deletion or the release.
 *
 * <p>Thread-safe; stateless apart from its references.
 */
@Component(service = QuarantineService.class)
public class QuarantineServiceImpl implements QuarantineService {

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
        String who = who(actor);
        // Recipients a copy was released to one by one have it: the rest of the message goes to the others only.
        List<String> remaining = e.envelope().recipients().stream()
                .filter(r -> !e.releasedTo().contains(r.toLowerCase(Locale.ROOT))).toList();
        if (remaining.isEmpty()) {
            // the store moves an entry to RELEASED with its last recipient: HELD and none left is not ours to fix
            throw new IllegalStateException("quarantine entry " + id + " was released to each of its recipients"
                    + " already");
        }
        boolean partial = remaining.size() < e.envelope().recipients().size();
        Envelope envelope = partial ? e.envelope().withRecipients(remaining) : e.envelope();
        SpoolEntry entry = spoolReleased(e, ReleaseKeys.whole(id), envelope, who, "released by " + who, "");
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
        status(id, "released by " + who + (partial ? " to the recipient(s) not released to before ("
                + String.join(", ", remaining) + ")" : "") + ", queued for delivery");
        enqueue(entry);
        LOG.info("RELEASED {} by {}{}", id, who, partial ? " to " + remaining : "");
        return store.get(id).orElse(e);
    }

    /**
     * As {@link #release}, for one recipient: the spool entry ({@link ReleaseKeys#toRecipient}) has an envelope
     * with that recipient only, and the store records the recipient ({@link QuarantineStore#releaseRecipient})
     * instead of moving the entry; the order (spool, store, delivery) and what a crash leaves are the same.
     */
    @Override
    public QuarantineEntry releaseTo(String id, String recipient, String actor) {
        QuarantineEntry e = held(id);
        List<String> recipients = e.envelope().recipients();
        int index = -1;
        for (int i = 0; recipient != null && i < recipients.size(); i++) {
            if (recipients.get(i).equalsIgnoreCase(recipient.strip())) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException(recipient + " is not a recipient of quarantine entry " + id);
        }
        String r = recipients.get(index);
        if (e.releasedTo().contains(r.toLowerCase(Locale.ROOT))) {
            throw new IllegalStateException("quarantine entry " + id + " was released to " + r + " already");
        }
        String who = who(actor);
        SpoolEntry entry = spoolReleased(e, ReleaseKeys.toRecipient(id, index), e.envelope().withRecipients(List.of(r)),
                who, "released to " + r + " by " + who, " to " + r);
        boolean recorded;
        try {
            recorded = store.releaseRecipient(id, r, who);
        } catch (RuntimeException ex) {
            dropQuietly(entry);
            throw ex;
        }
        if (!recorded) {
            dropQuietly(entry);
            throw new IllegalStateException("quarantine entry " + id + " is not held for " + r
                    + " (released or deleted meanwhile)");
        }
        status(id, "released to " + r + " by " + who + ", queued for delivery");
        enqueue(entry);
        LOG.info("RELEASED {} to {} by {}", id, r, who);
        if (!who.startsWith(QuarantineDigest.RELEASE_ACTOR_PREFIX)) { // the digest reports its users' releases itself
            learnRelease(id, r, who);
        }
        return store.get(id).orElse(e);
    }

    /**
     * Step (1) of a release: the stored bytes, through the delivery transformers, written to the spool under
     * {@code key} with {@code envelope}, claimed by the caller.
     */
    private SpoolEntry spoolReleased(QuarantineEntry e, String key, Envelope envelope, String who, String reason,
            String to) {
        String id = e.id();
        byte[] raw = store.raw(id).orElseThrow(() -> new IllegalStateException("quarantine entry " + id
                + " has no stored message"));
        // Released mail is the most suspicious mail that reaches users: it gets the delivery transformers (the
        // link guard's rewriting above all) like any delivered message. The verdict handed to them has no
        // findings, so nothing is disarmed or held again: the administrator asked for this message.
        byte[] out = transformers.apply(id, envelope, new Verdict(Action.DELIVER, 0.0, List.of(), List.of(),
                reason), raw, raw.length * 4L + MAX_TRANSFORM_GROWTH);
        try {
            return spool.write(key, id, envelope, who, out);
        } catch (SpoolException ex) {
            if (spool.isClaimed(key)) {
                throw new IllegalStateException("quarantine entry " + id + " is being released" + to + " already");
            }
            throw new IllegalStateException("cannot queue " + id + " for delivery: " + ex.getMessage(), ex);
        }
    }

    private void enqueue(SpoolEntry entry) {
        try {
            delivery.enqueue(entry, null);
        } catch (SpoolException ex) {
            // Released and spooled: the next start's recovery queues it. Not lost.
            LOG.error("Released {} but could not queue it now; it is delivered after the next restart: {}",
                    entry.id(), ex.getMessage());
        }
    }

    private static String who(String actor) {
        return actor == null || actor.isBlank() ? "unknown" : actor;
    }

    @Override
    public QuarantineEntry delete(String id, String actor) {
        QuarantineEntry e = held(id);
        String who = who(actor);
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

    /** An administrator's release of {@code id} to {@code recipient}, reported as that recipient's ham report. */
    private void learnRelease(String id, String recipient, String who) {
        ReportService spam = reports;
        byte[] raw = spam == null ? null : store.raw(id).orElse(null);
        if (raw == null) {
            return;
        }
        try {
            var r = spam.report(ReportKind.HAM, raw, recipient, false);
            LOG.info("Release of {} to {} by {}: reported as {}'s ham (ref {})", id, recipient, who, recipient,
                    r.reference());
        } catch (RuntimeException ex) {
            LOG.warn("Released {} to {} by {}, but reporting it as their ham failed: {}", id, recipient, who,
                    ex.toString());
        }
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
