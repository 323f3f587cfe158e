package org.streamail.core.internal.pipeline;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Streamail pipeline", description = "Parsing and detector execution.")
@interface PipelineConfig {

    @AttributeDefinition(name = "threads", description = "Detector threads (shared by all messages)", min = "1", max = "256")
    int threads() default 4;

    @AttributeDefinition(name = "detector.timeout.ms",
            description = "Time budget of each detector per message; an overrun is an ERROR finding 'timeout'", min = "1")
    long detector_timeout_ms() default 10_000L;

    @AttributeDefinition(name = "smtp.budget.ms",
            description = "How long the SMTP client waits for a verdict; later verdicts are finished after a 250", min = "1")
    long smtp_budget_ms() default 20_000L;

    @AttributeDefinition(name = "max.message.bytes",
            description = "Hard cap on a message read by the intake (the listener enforces its own, smaller, limit)", min = "1")
    long max_message_bytes() default 104_857_600L;
}
