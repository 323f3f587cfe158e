package org.streamail.smtp.internal.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamail.api.model.Envelope;
import org.streamail.api.service.IntakeResult;
import org.streamail.api.service.MessageIntake;
import org.streamail.api.smtp.SmtpReply;

/** A MessageIntake that keeps what it was handed, for assertions. */
final class RecordingIntake implements MessageIntake {

    record Received(Envelope envelope, byte[] data) {
        String text() {
            return new String(data, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    volatile String unavailable;
    private final AtomicInteger ids = new AtomicInteger();

    @Override
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    @Override
    public IntakeResult receive(Envelope envelope, InputStream data) throws IOException {
        byte[] bytes = data.readAllBytes();
        received.add(new Received(envelope, bytes));
        String id = "T" + ids.incrementAndGet();
        return new IntakeResult(id, IntakeResult.Outcome.ACCEPTED, SmtpReply.of(250, "2.0.0", "queued as " + id),
                null);
    }
}
