package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.service.StatusReport;

/** {@code streamail:status} with components that failed to activate. */
class StatusCommandTest extends CommandTestSupport {

    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");

    private StatusCommand command(List<String> problems) {
        StatusCommand c = new StatusCommand();
        c.status = () -> new StatusReport(true, "", List.of("content"), List.of("content"), 0, 0,
                Map.of("received", 1L), T0, problems);
        return c;
    }

    @Test
    void printsOneProblemPerLineBeforeTheCounters() throws Exception {
        String out = run(command(List.of(
                "org.streamail.spam (org.streamail.detect-spam): bayes.spam.probability must be in (0.5, 1], got 3.0",
                "org.streamail.linkguard (org.streamail.linkguard): java.lang.IllegalStateException: \u001b[31mkey"))::execute);
        assertThat(out).contains("Ready:      yes", "Problems:\n"
                + "  org.streamail.spam (org.streamail.detect-spam): bayes.spam.probability must be in (0.5, 1], got 3.0\n"
                + "  org.streamail.linkguard (org.streamail.linkguard): java.lang.IllegalStateException: ?[31mkey\n");
        assertThat(out.indexOf("Problems:")).isLessThan(out.indexOf("Counters:"));
        assertThat(out).doesNotContain("\u001b");
    }

    @Test
    void noProblemsSectionWhenThereAreNone() throws Exception {
        assertThat(run(command(List.of())::execute)).contains("Ready:      yes", "Counters:").doesNotContain("Problems");
    }
}
