package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.delivery.Transformation;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Verdict;
import org.streamail.testsupport.InMemoryDirectory;

class LinkGuardTransformerTest {

    private static final Pattern CLICK = Pattern.compile("/streamail/click/([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)");
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final String MSG = "From: x@evil.example\r\nContent-Type: text/html\r\n\r\n"
            + "<a href=\"https://evil.example/pay\">pay</a> <a href=\"https://intranet.corp.example/\">intranet</a>\r\n";

    @TempDir
    Path dir;

    private final Fakes.FakeLinkStore store = new Fakes.FakeLinkStore();
    private final InMemoryDirectory directory = new InMemoryDirectory("corp.example");

    private LinkGuardTransformer transformer(Settings s, Fakes.FakeLinkStore linkStore) {
        return new LinkGuardTransformer(s, directory, linkStore, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private Settings settings() {
        return TestSettings.defaults(dir.resolve("linkguard.key"));
    }

    private static Transformation transformation(String msg, Direction direction, String... recipients) {
        Envelope env = new Envelope("x@evil.example", List.of(recipients), "203.0.113.9", "evil", false, NOW,
                direction, null);
        return new Transformation("gw-1", env, Verdict.clean(), Content.ofUtf8(msg));
    }

    private LinkTokens.Payload onlyToken(Content out) {
        Matcher m = CLICK.matcher(new String(out.toByteArray(), StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        LinkTokens.Payload p = new LinkTokens(KeyFile.load(dir.resolve("linkguard.key"))).verify(m.group(1))
                .orElseThrow();
        assertThat(m.find()).isFalse();
        return p;
    }

    @Test
    void inboundLinksAreRewrittenForTheSingleRecipientAndRecorded() {
        Transformation t = transformation(MSG, Direction.INBOUND, "alice@corp.example");
        Content out = transformer(settings(), store).transform(t);
        String text = new String(out.toByteArray(), StandardCharsets.UTF_8);
        assertThat(text).startsWith("From: x@evil.example\r\nContent-Type: text/html\r\n\r\n<a href=\"http://gw.example:8181/streamail/click/")
                .contains("\">pay</a> <a href=\"https://intranet.corp.example/\">intranet</a>\r\n");
        assertThat(onlyToken(out)).isEqualTo(new LinkTokens.Payload("gw-1", "alice@corp.example",
                "https://evil.example/pay"));
        assertThat(store.recorded).containsExactly(
                List.of("gw-1", List.of("alice@corp.example"), List.of("https://evil.example/pay"), NOW));
    }

    @Test
    void withSeveralRecipientsTheTokenNamesNone() {
        Content out = transformer(settings(), store).transform(
                transformation(MSG, Direction.INBOUND, "alice@corp.example", "bob@corp.example"));
        assertThat(onlyToken(out).recipient()).isEmpty();
        assertThat(store.recorded.get(0).get(1)).isEqualTo(List.of("alice@corp.example", "bob@corp.example"));
    }

    @Test
    void withoutAStoreLinksAreStillRewritten() {
        Content out = transformer(settings(), null).transform(transformation(MSG, Direction.INBOUND, "a@corp.example"));
        assertThat(onlyToken(out).url()).isEqualTo("https://evil.example/pay");
    }

    @Test
    void disabledOutboundLinklessAndUnreadableMessagesAreReturnedAsTheyCame() {
        Transformation in = transformation(MSG, Direction.INBOUND, "a@corp.example");
        assertThat(transformer(TestSettings.disabled(settings()), store).transform(in)).isSameAs(in.raw());
        Transformation out = transformation(MSG, Direction.OUTBOUND, "someone@else.example");
        assertThat(transformer(settings(), store).transform(out)).isSameAs(out.raw());
        Transformation plain = transformation("Subject: x\r\n\r\nno links here\r\n", Direction.INBOUND, "a@corp.example");
        assertThat(transformer(settings(), store).transform(plain)).isSameAs(plain.raw());
        StringBuilder deep = new StringBuilder("From: a@b.example\r\n");
        for (int i = 0; i < 30; i++) {
            deep.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\r\n\r\n--b").append(i).append("\r\n");
        }
        deep.append("Content-Type: text/plain\r\n\r\nhttp://evil.example/\r\n");
        Transformation malformed = transformation(deep.toString(), Direction.INBOUND, "a@corp.example");
        assertThat(transformer(settings(), store).transform(malformed)).isSameAs(malformed.raw());
        assertThat(store.recorded).isEmpty();
    }

    @Test
    void transformingTheOutputAgainChangesNothing() {
        LinkGuardTransformer tr = transformer(settings(), store);
        Content once = tr.transform(transformation(MSG, Direction.INBOUND, "a@corp.example"));
        Transformation again = new Transformation("gw-1", transformation(MSG, Direction.INBOUND, "a@corp.example")
                .envelope(), Verdict.clean(), once);
        assertThat(tr.transform(again)).isSameAs(once);
        assertThat(tr.name()).isEqualTo("linkguard");
    }
}
