package org.streamail.linkguard.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrictConfigTest {

    /** A config whose every method fails: proves the raw properties are checked before any is read. */
    static final LinkGuardConfig UNREAD = (LinkGuardConfig) Proxy.newProxyInstance(
            LinkGuardConfig.class.getClassLoader(), new Class<?>[] {LinkGuardConfig.class}, (p, m, a) -> {
                throw new AssertionError("config read before the check: " + m.getName());
            });

    @Test
    void enabledWrittenAsYesShouldFailActivationNamingTheProperty() {
        assertThatThrownBy(() -> new LinkGuardTransformer(UNREAD, Map.of("enabled", "yes"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.linkguard: enabled must be true or false, got 'yes'");
    }

    @Test
    void isolateOnBlockWrittenAsOnShouldFailTheClickServletToo() {
        assertThatThrownBy(() -> new ClickServlet(UNREAD, Map.of("isolate.on.block", "on")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.linkguard: isolate.on.block must be true or false, got 'on'");
    }

    @Test
    void verdictCacheWrittenAs30DaysShouldFailNamingTheProperty() {
        assertThatThrownBy(() -> new LinkGuardTransformer(UNREAD, Map.of("verdict.cache.seconds", "30days"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.linkguard: verdict.cache.seconds must be a whole number, got '30days'");
    }

    @Test
    void rewriteAttachmentsWrittenAsMaybeShouldFailNamingTheProperty() {
        assertThatThrownBy(() -> new LinkGuardTransformer(UNREAD, Map.of("rewrite.attachments", "maybe"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.linkguard: rewrite.attachments must be true or false, got 'maybe'");
    }

    @Test
    void blockScoreThatIsNoNumberShouldFailNamingTheProperty() {
        assertThatThrownBy(() -> new LinkGuardTransformer(UNREAD, Map.of("block.score", "high"), null))
                .hasMessage("org.streamail.linkguard: block.score must be a number such as 5 or 1.5, got 'high'");
    }
}
