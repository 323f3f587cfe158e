package org.streamail.detect.auth.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Action;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;

class AuthResultsTransformerTest {

    static final String ID = "gw.example.org";
    static final String RESULTS = "spf=pass smtp.mailfrom=shop.example; dkim=none; dmarc=pass (p=reject) header.from=shop.example";

    static AuthSettings settings(boolean enabled, boolean header) {
        return new AuthSettings(enabled, List.of(), Duration.ofSeconds(3), 100, Duration.ofMinutes(5),
                Duration.ofSeconds(8), List.of(), ID, header, 10, 8, 1, 3, 1, 1, 5, 1024, List.of(), List.of());
    }

    static Transformation transformation(String raw, Direction direction, List<Finding> findings) {
        Envelope env = new Envelope("news@shop.example", List.of("bob@example.org"), "192.0.2.9", "mx.shop.example",
                false, Instant.now(), direction, null);
        return new Transformation("id1", env, new Verdict(Action.DELIVER, 0, List.of(), findings, ""),
                Content.of(raw.getBytes(StandardCharsets.ISO_8859_1)));
    }

    static List<Finding> results(String detail) {
        return List.of(new Finding("content", "ok", 0, Category.INFO, "x"),
                new Finding(AuthChecker.DETECTOR, AuthChecker.RESULTS, 0, Category.INFO, detail));
    }

    static String text(Content c) {
        return new String(c.toByteArray(), StandardCharsets.ISO_8859_1);
    }

    static int ours(String message) {
        String header = message.substring(0, message.indexOf("\r\n\r\n"));
        Matcher m = Pattern.compile("(?im)^Authentication-Results:\\s*" + Pattern.quote(ID) + ";").matcher(header);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    static final String MESSAGE = "Received: from mx.shop.example\r\n"
            + "Authentication-Results: " + ID + "; dmarc=pass header.from=bank.example\r\n"
            + "Authentication-Results: (forged)\r\n GW.Example.ORG;\r\n\tdkim=pass header.d=bank.example\r\n"
            + "Authentication-Results: mx.provider.example; spf=pass smtp.mailfrom=shop.example\r\n"
            + "Authentication-Results: gw.example.org.evil.example; dkim=pass\r\n"
            + "From: news@shop.example\r\nSubject: hi\r\n\r\n"
            + "Authentication-Results: " + ID + "; this line is body text\r\n";

    @Test
    void ourHeaderGoesOnTopAndEveryFieldClaimingOurIdIsRenamed() {
        String out = text(new AuthResultsTransformer(settings(true, true))
                .transform(transformation(MESSAGE, Direction.INBOUND, results(RESULTS))));
        assertThat(out).startsWith("Authentication-Results: " + ID + ";\r\n\tspf=pass smtp.mailfrom=shop.example;\r\n"
                + "\tdkim=none;\r\n\tdmarc=pass (p=reject) header.from=shop.example\r\nReceived: from mx.shop.example\r\n");
        assertThat(ours(out)).isEqualTo(1);
        // renamed in place (same length: nothing else moves), so no reader takes them for our verdict
        assertThat(out).contains("\r\nX-Untrusted-AuthResult: " + ID + "; dmarc=pass header.from=bank.example\r\n")
                .contains("\r\nX-Untrusted-AuthResult: (forged)\r\n GW.Example.ORG;\r\n\tdkim=pass header.d=bank.example")
                .contains("Authentication-Results: mx.provider.example; spf=pass")
                .contains("Authentication-Results: gw.example.org.evil.example; dkim=pass")
                .endsWith("\r\n\r\nAuthentication-Results: " + ID + "; this line is body text\r\n");
    }

    @Test
    void aSecondPassGivesTheSameMessage() {
        AuthResultsTransformer t = new AuthResultsTransformer(settings(true, true));
        String once = text(t.transform(transformation(MESSAGE, Direction.INBOUND, results(RESULTS))));
        String twice = text(t.transform(transformation(once, Direction.INBOUND, results(RESULTS))));
        assertThat(twice).isEqualTo(once);
    }

    @Test
    void aFieldInOurOwnFormOnTopIsDroppedAndOnlyThatForm() {
        // on top and written as we write it: indistinguishable from ours of an earlier pass, so dropped, not renamed
        String top = "Authentication-Results: " + ID + ";\r\n\tdmarc=pass header.from=bank.example\r\nFrom: a@b.example"
                + "\r\n\r\nbody\r\n";
        assertThat(new String(AuthResultsTransformer.withoutOurs(top.getBytes(StandardCharsets.ISO_8859_1), ID),
                StandardCharsets.ISO_8859_1)).isEqualTo("From: a@b.example\r\n\r\nbody\r\n");
        // the same with a bare LF inside is not our form: renamed in place, nothing moves
        String bare = "Authentication-Results: " + ID + ";\n\nAuthentication-Results: " + ID + "; x\r\n\r\nbody\r\n";
        String out = new String(AuthResultsTransformer.withoutOurs(bare.getBytes(StandardCharsets.ISO_8859_1), ID),
                StandardCharsets.ISO_8859_1);
        assertThat(out).hasSameSizeAs(bare).startsWith("X-Untrusted-AuthResult: " + ID + ";\n\n")
                .endsWith("Authentication-Results: " + ID + "; x\r\n\r\nbody\r\n");
    }

    @Test
    void withoutResultsOnlyTheForgeriesGo() {
        String out = text(new AuthResultsTransformer(settings(true, true))
                .transform(transformation(MESSAGE, Direction.INBOUND, List.of())));
        assertThat(ours(out)).isZero();
        assertThat(out).startsWith("Received: from mx.shop.example\r\nX-Untrusted-AuthResult: " + ID + ";");
        assertThat(out).hasSameSizeAs(MESSAGE);
    }

    @Test
    void resultsThatCouldBreakTheHeaderAreNotWritten() {
        String out = text(new AuthResultsTransformer(settings(true, true)).transform(
                transformation(MESSAGE, Direction.INBOUND, results("spf=pass\r\nBcc: victim@example.org"))));
        assertThat(out).doesNotContain("Bcc:");
        assertThat(ours(out)).isZero();
    }

    @Test
    void outboundMailAndASwitchedOffHeaderAreLeftAlone() {
        Transformation outbound = transformation(MESSAGE, Direction.OUTBOUND, results(RESULTS));
        assertThat(new AuthResultsTransformer(settings(true, true)).transform(outbound)).isSameAs(outbound.raw());
        Transformation inbound = transformation(MESSAGE, Direction.INBOUND, results(RESULTS));
        assertThat(new AuthResultsTransformer(settings(true, false)).transform(inbound)).isSameAs(inbound.raw());
        assertThat(new AuthResultsTransformer(settings(false, true)).transform(inbound)).isSameAs(inbound.raw());
    }

    @Test
    void theAuthservIdIsReadPastCommentsAndQuotes() {
        assertThat(AuthResultsTransformer.authservId(" gw.example.org; spf=pass")).isEqualTo("gw.example.org");
        assertThat(AuthResultsTransformer.authservId(" (a (nested) comment) GW.example.org 1; none"))
                .isEqualTo("gw.example.org");
        assertThat(AuthResultsTransformer.authservId(" \"gw.example.org\"; none")).isEqualTo("gw.example.org");
        assertThat(AuthResultsTransformer.authservId("gw.example.org(c); none")).isEqualTo("gw.example.org");
        assertThat(AuthResultsTransformer.authservId(" (unterminated")).isEmpty();
    }
}
