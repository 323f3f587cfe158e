package org.streamail.core.internal.delivery;

import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Action;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.api.store.DeliveryStatus;
import org.streamail.api.store.LogEntry;
import org.streamail.api.store.MessageLog;
import org.streamail.core.internal.spool.IdGenerator;
import org.streamail.core.internal.spool.Spool;
import org.streamail.core.internal.spool.SpoolEntry;
import org.streamail.core.internal.spool.SpoolException;

/**
 * Turns the failed recipients of an accepted message into a spooled non-delivery report
 * ({@link NonDeliveryReport}) that {@link Delivery} then delivers like any message: retried, logged, never
 * scanned.
 *
 * <p>The report's envelope is {@code MAIL FROM:<>} to the original sender, so a report that fails in turn is
 * never reported (RFC 5321 §4.5.5; this also ends any loop). It goes where the sender is: the report on an
 * inbound message (sender outside) takes the outbound hop, the report on an outbound one (sender inside) the
 * inbound hop, the organisation's mail server. Its envelope has no client address or HELO, which makes
 * Delivery's {@code Received:} line name no client.
 *
 * <p>Thread-safe (the spool and the id generator are); used on delivery threads.
 */
final class Bouncer {

    private static final Logger LOG = LoggerFactory.getLogger(Bouncer.class);

    private final Spool spool;
    private final MessageLog log;
    private final Clock clock;
    private final IdGenerator ids = new IdGenerator();

    Bouncer(Spool spool, MessageLog log, Clock clock) {
        this.spool = spool;
        this.log = log;
        this.clock = clock;
    }

    /** Whether a report on {@code original} is due at all: a sender to return it to, and the settings allow. */
    static boolean due(SpoolEntry original, DeliverySettings s) {
        return !original.envelope().sender().isEmpty() && s.bounces(original.envelope().direction());
    }

    /**
     * Builds the report on {@code original} and spools it, its delivery state first, claimed by the caller, which
     * queues it for delivery.
     * Must run before the original leaves the spool (its header is read from there).
     *
     * @return the report's spool entry; empty when no report is due ({@link #due}) or nobody failed
     */
    Optional<SpoolEntry> spoolReport(SpoolEntry original, List<NonDeliveryReport.Failure> failures,
            DeliverySettings s) throws IOException, MessagingException, SpoolException {
        if (failures.isEmpty() || !due(original, s)) {
            return Optional.empty();
        }
        byte[] head;
        try (InputStream in = spool.openRaw(original)) {
            head = in.readNBytes(NonDeliveryReport.MAX_HEADER_BYTES + 1);
        }
        Envelope env = original.envelope();
        Instant now = clock.instant();
        String id = ids.next();
        byte[] raw = NonDeliveryReport.build(id, s.hostname(), original.id(), env, NonDeliveryReport.header(head),
                failures, List.of(s.inbound().host(), s.outbound().host()), s.giveUp(), now);
        Envelope bounce = new Envelope("", List.of(env.sender()), null, null, false, now,
                env.direction() == Direction.OUTBOUND ? Direction.INBOUND : Direction.OUTBOUND, null);
        // The delivery state first, then the message: a kill between the two leaves an orphan state, deleted at the
        // next start (the original, still spooled, ends again and is reported again). The other order left a report
        // without state, which the intake's recovery took for received mail: scanned, and held or refused.
        spool.writeState(id, new Delivery.State(Action.DELIVER, 0.0, List.of(), 0, now, now, "", bounce.recipients())
                .toMap());
        SpoolEntry entry = spool.write(id, id, bounce, null, raw); // if it fails, the orphan state goes at the next start
        try {
            log.received(new LogEntry(id, "<" + id + "@" + s.hostname() + ">", NonDeliveryReport.SUBJECT, bounce,
                    List.of(), raw.length, new Verdict(Action.DELIVER, 0.0, List.of(), List.of(),
                            "non-delivery report for " + original.id() + ", generated here, not scanned"),
                    DeliveryStatus.RECEIVED, "", now, now));
        } catch (RuntimeException e) {
            LOG.warn("Message log unavailable; non-delivery report {} not recorded as received: {}", id, e.toString());
        }
        return Optional.of(entry);
    }
}
