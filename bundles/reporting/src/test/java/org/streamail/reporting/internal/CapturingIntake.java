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

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
        if (failing) {
            throw new IOException("spool full (test)");
        }
        received.add(new Received(envelope, data.readAllBytes()));
        return new IntakeResult("g" + received.size(), IntakeResult.Outcome.ACCEPTED,
                SmtpReply.of(250, "2.0.0", "queued"), null);
    }
}
