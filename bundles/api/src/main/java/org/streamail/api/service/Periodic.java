package org.streamail.api.service;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Guards a periodic task: a {@link java.util.concurrent.ScheduledExecutorService} silently cancels every later run of
 * a task that throws anything once, so a refresh, a sweep, an auto-release or a reaper hit by one
 * {@code NoClassDefFoundError} (a bundle refresh), {@code OutOfMemoryError} or bug stopped for good without a word in
 * the log (audit: the spam refresh that keeps nodes within seconds of each other, the isolation auto-release, the SMTP
 * reaper). The guarded task hands whatever its run throws, {@link Error}s included, to {@code onFailure} (which
 * should log it) and returns normally, so the next run happens as scheduled. Stateless.
 */
public final class Periodic {

    private Periodic() {
    }

    /**
     * @param task      the periodic work
     * @param onFailure told of anything a run throws (its own exceptions are ignored)
     */
    public static Runnable guarded(Runnable task, Consumer<Throwable> onFailure) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(onFailure, "onFailure");
        return () -> {
            try {
                task.run();
            } catch (Throwable t) { // NOPMD: a periodic task must survive anything one run throws
                try {
                    onFailure.accept(t);
                } catch (Throwable ignored) { // NOPMD: the failure handler failing must not cancel the schedule either
                    // nothing more can be done here
                }
            }
        };
    }
}
