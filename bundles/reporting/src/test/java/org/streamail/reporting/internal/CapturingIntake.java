package org.streamail.reporting.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.SmtpReply;

/** The gateway's intake as the alert mail sees it: keeps what it is given. */
class CapturingIntake implements MessageIntake {

    record Received(Envelope envelope, byte[] raw) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    volatile boolean failing;
    /** The next calls answered 451 (the pipeline unavailable: a mandatory detector missing, the spool failing). */
    final java.util.concurrent.atomic.AtomicInteger temporaryFailures = new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
        calls.incrementAndGet();
        if (temporaryFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return new IntakeResult("", IntakeResult.Outcome.TEMPORARY_FAILURE,
                    SmtpReply.of(451, "4.7.0", "a mandatory detector is not available, try again later"), null);
        }
        if (failing) {
            throw new IOException("spool full (test)");
        }
        received.add(new Received(envelope, data.readAllBytes()));
        return new IntakeResult("g" + received.size(), IntakeResult.Outcome.ACCEPTED,
                SmtpReply.of(250, "2.0.0", "queued"), null);
    }
}
