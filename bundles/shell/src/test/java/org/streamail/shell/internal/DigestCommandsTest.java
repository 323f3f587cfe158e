package org.streamail.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.streamail.api.digest.DigestRun;
import org.streamail.api.digest.DigestStatus;
import org.streamail.api.digest.QuarantineDigest;

/** {@code streamail:digest-status} over a fake of the digest service. */
class DigestCommandsTest extends CommandTestSupport {

    DigestStatus status;
    RuntimeException failure;

    final QuarantineDigest digest = new QuarantineDigest() {
        @Override
        public DigestRun sendNow(String actor) {
            throw new AssertionError("digest-status sends nothing");
        }

        @Override
        public DigestStatus status() {
            if (failure != null) {
                throw failure;
            }
            return status;
        }
    };

    @Test
    void theStatusSaysWhereTheDigestStandsAndARunLeftByAStoppedNode() throws Exception {
        DigestStatusCommand c = new DigestStatusCommand();
        c.digest = digest;
        status = new DigestStatus(true, Optional.of(Instant.parse("2026-12-08T08:00:00Z")),
                Optional.of(Instant.parse("2026-12-07T08:00:00Z")), Optional.empty());
        assertThat(run(c::execute)).contains("Scheduled:   yes", "Next:        2026-12-08 08:00:00Z",
                "Last window: ended 2026-12-07 08:00:00Z", "Running:     no");

        status = new DigestStatus(false, Optional.empty(), Optional.empty(), Optional.of(new DigestStatus.Running(
                "4711@gw2\u202E#a1", Instant.parse("2026-12-06T08:00:00Z"), Instant.parse("2026-12-07T08:00:00Z"),
                Instant.parse("2026-12-07T08:10:00Z"), 250, true)));
        String out = run(c::execute);
        assertThat(out).contains("Scheduled:   no", "Last window: none yet", "users done", "250",
                "Lease:       2026-12-07 08:10:00Z (lapsed").doesNotContain("\u202E").doesNotContain("Next:");

        failure = new IllegalStateException("the store cannot be read (down)");
        assertThatThrownBy(c::execute).isInstanceOf(CommandFailure.class).hasMessageContaining("not available");
        assertThatThrownBy(new DigestStatusCommand()::execute).isInstanceOf(CommandFailure.class)
                .hasMessageContaining("quarantine digest (digest bundle) is not available");
    }
}
