package org.streamail.core.internal.pipeline;

import java.time.Duration;

/**
 * The pipeline's settings (PID {@value Pipeline#PID}), validated.
 *
 * @param threads         detector threads
 * @param detectorTimeout per-detector time budget
 * @param smtpBudget      time the SMTP client waits for a verdict
 * @param maxMessageBytes hard cap on a message the intake reads
 */
public record PipelineSettings(int threads, Duration detectorTimeout, Duration smtpBudget, long maxMessageBytes) {

    public PipelineSettings {
        if (threads < 1 || threads > 256) {
            throw new IllegalArgumentException("threads must be 1..256, got " + threads);
        }
        if (detectorTimeout.isNegative() || detectorTimeout.isZero() || smtpBudget.isNegative() || smtpBudget.isZero()) {
            throw new IllegalArgumentException("detector.timeout.ms and smtp.budget.ms must be positive");
        }
        if (maxMessageBytes < 1) {
            throw new IllegalArgumentException("max.message.bytes must be positive");
        }
    }

    public static PipelineSettings defaults() {
        return new PipelineSettings(4, Duration.ofSeconds(10), Duration.ofSeconds(20), 104_857_600L);
    }

    static PipelineSettings of(PipelineConfig c) {
        return new PipelineSettings(c.threads(), Duration.ofMillis(c.detector_timeout_ms()),
                Duration.ofMillis(c.smtp_budget_ms()), c.max_message_bytes());
    }
}
