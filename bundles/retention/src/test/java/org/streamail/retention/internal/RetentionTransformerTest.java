package org.streamail.retention.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;

/** The retention component as the core's delivery hook ({@code MessageTransformer}). */
class RetentionTransformerTest {

    private final RetentionComponent component = new RetentionComponent(TestConfig.of(Map.of(
            "signing.key", Base64.getEncoder().encodeToString(SignerTest.KEY),
            "internal.domains", "corp.example",
            "sweep.interval", "")), new MemoryAuditStore(), null, Clock.systemUTC(), null, false);

    private static byte[] message(String from) {
        return ("From: " + from + "\r\nTo: user@partner.example\r\nMessage-ID: <m1@corp.example>\r\n"
                + "Subject: offer\r\nX-Retention-Period: P7D\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private String transform(String sender, byte[] raw) throws Exception {
        return transform(sender, raw, Direction.OUTBOUND);
    }

    private String transform(String sender, byte[] raw, Direction direction) throws Exception {
        Envelope env = new Envelope(sender, List.of("user@partner.example"), "127.0.0.1", "client", false,
                Instant.now(), direction, null);
        Content out = component.transform(new Transformation("id1", env, Verdict.clean(), Content.of(raw)));
        return new String(out.toByteArray(), StandardCharsets.US_ASCII);
    }

    private static int count(String haystack, String needle) {
        int n = 0;
        for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void mailFromAnInternalSenderLeavesSignedAndSigningTwiceKeepsOneSignature() throws Exception {
        String once = transform("ceo@corp.example", message("ceo@corp.example"));
        assertThat(once).contains("X-Streamail-Retention-Sig:").endsWith("\r\n\r\nbody\r\n");
        String twice = transform("ceo@corp.example", once.getBytes(StandardCharsets.US_ASCII));
        assertThat(count(twice, "X-Streamail-Retention-Sig:")).isEqualTo(1);
    }

    @Test
    void aStrangersRetentionHeaderIsNotSigned() throws Exception {
        String out = transform("someone@stranger.example", message("someone@stranger.example"), Direction.INBOUND);
        assertThat(out).doesNotContain("X-Streamail-Retention-Sig:");
    }

    @Test
    void inboundMailClaimingAnInternalSenderLosesItsForgedSignature() throws Exception {
        String signedByUs = transform("ceo@corp.example", message("ceo@corp.example"));
        String replayed = transform("ceo@corp.example", signedByUs.getBytes(StandardCharsets.US_ASCII),
                Direction.INBOUND);
        assertThat(replayed).doesNotContain("X-Streamail-Retention-Sig:");
    }
}
