package org.streamail.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Runs only where Postfix's test tools are installed (Debian package postfix); skipped elsewhere. */
class PostfixCeilingTest {

    @Test
    void smtpSourceAgainstSmtpSinkGivesARateAndOurClientIsAcceptedByIt() throws Exception {
        assumeTrue(PostfixCeiling.find("smtp-source").isPresent() && PostfixCeiling.find("smtp-sink").isPresent(),
                "Postfix smtp-source/smtp-sink not installed");
        try (PostfixCeiling c = PostfixCeiling.start()) {
            PostfixCeiling.Result r = c.measure(2, 200, 2048, "sender@example.net", "bench@example.com",
                    Duration.ofSeconds(30));
            assertThat(r.messages()).isEqualTo(200);
            assertThat(r.rate()).isPositive();

            MessageSet set = MessageSet.generated(1, MessageSet.parseMix(MessageSet.DEFAULT_MIX), 100,
                    "sender@example.net", "bench@example.com");
            SmtpLoadClient.Result ours = new SmtpLoadClient(new SmtpLoadClient.Target("127.0.0.1", c.port(), 2, 50,
                    "sender@example.net", "bench@example.com", Duration.ofSeconds(10))).run(set, "p", 100);
            assertThat(ours.accepted()).isEqualTo(100);
        }
    }
}
