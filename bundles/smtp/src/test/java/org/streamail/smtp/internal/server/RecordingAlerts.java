package org.streamail.smtp.internal.server;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.streamail.api.alert.Alert;
import org.streamail.api.alert.AlertRequest;
import org.streamail.api.alert.AlertService;

/**
 * An {@link AlertService} that records every request. It can be told to throw (a broken reporting bundle) or
 * to block until released (a slow database).
 */
final class RecordingAlerts implements AlertService {

    final List<AlertRequest> raised = new CopyOnWriteArrayList<>();
    final AtomicInteger calls = new AtomicInteger();
    private final boolean failing;
    private final CountDownLatch release;

    private RecordingAlerts(boolean failing, CountDownLatch release) {
        this.failing = failing;
        this.release = release;
    }

    static RecordingAlerts recording() {
        return new RecordingAlerts(false, null);
    }

    /** Every raise throws, as a service whose database is down would. */
    static RecordingAlerts failing() {
        return new RecordingAlerts(true, null);
    }

    /** Every raise waits for {@code release} (at most 10 s) before recording. */
    static RecordingAlerts blockingUntil(CountDownLatch release) {
        return new RecordingAlerts(false, release);
    }

    @Override
    public Alert raise(AlertRequest request) {
        calls.incrementAndGet();
        if (failing) {
            throw new IllegalStateException("alert store unavailable");
        }
        if (release != null) {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        raised.add(request);
        return new Alert("A" + raised.size(), Instant.now(), request.severity(), request.kind(), request.subject(),
                request.messageId(), request.recipient(), request.title(), request.detail(), 1);
    }

    @Override
    public java.util.Optional<Alert> raiseOnce(AlertRequest request, String key) {
        throw new UnsupportedOperationException("the SMTP server never raises an alert once by key");
    }
}
