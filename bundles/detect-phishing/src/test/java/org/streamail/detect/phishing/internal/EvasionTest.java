package org.streamail.detect.phishing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.streamail.detect.phishing.internal.Msg.msg;

import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.streamail.api.model.Finding;

/** Links and texts written the way a browser or a reader still understands them, but a naive parser does not. */
class EvasionTest {

    @TempDir
    static Path rules;
    static PhishingDetector detector;

    @BeforeAll
    static void start() {
        detector = Fixtures.detector(rules, 0);
    }

    @AfterAll
    static void stop() {
        detector.deactivate();
    }

    static Set<String> fired(Msg m) {
        return detector.inspect(m.build()).stream().map(Finding::rule).collect(Collectors.toSet());
    }

    @Test
    void hostsBehindBackslashesOrMissingSlashesAreStillHosts() {
        // Browsers read "https:\\host", "https:/\host" and "https:host" as https://host/.
        assertThat(fired(msg().link("https:\\\\paypa1.com\\login"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https:/\\paypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("HTTPS:paypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().anchor("https:\\\\paypa1-secure.xyz\\x", "paypal.com")))
                .contains(Rules.LINK_TEXT_MISMATCH);
        assertThat(fired(msg().link("https:\\\\paypal.com@203.0.113.7\\"))).contains(Rules.LINK_USERINFO,
                Rules.LINK_IP_LITERAL);
    }

    @Test
    void tabsAndNewlinesInsideAnHrefAreIgnoredAsBrowsersDo() {
        assertThat(fired(msg().link("ht\ttps://paypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().anchor("java\tscript:alert(1)", "open"))).contains(Rules.LINK_SCRIPT_SCHEME);
        assertThat(fired(msg().anchor("\njavascript:alert(1)", "open"))).contains(Rules.LINK_SCRIPT_SCHEME);
    }

    @Test
    void percentEncodedHostsAreDecoded() {
        assertThat(fired(msg().link("https://%70aypa1.com/"))).contains(Rules.LINK_LOOKALIKE);
        assertThat(fired(msg().link("https://%31%32%37.0.0.1/"))).contains(Rules.LINK_IP_LITERAL);
    }

    @Test
    void aSafeLinkStaysSafe() {
        assertThat(fired(msg().link("https:\\\\www.paypal.com\\signin"))).doesNotContain(Rules.LINK_LOOKALIKE,
                Rules.LINK_USERINFO);
        assertThat(fired(msg().link("https://www.paypal.com/a%20b"))).isEmpty();
    }

    @Test
    void anAddressOfTheOrganisationShownAsTheDisplayNameIsASpoofedSender() {
        assertThat(fired(msg().from("\"servicedesk@contoso.com\" <it@evil.example>").text("hello")))
                .contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"Support (paie@contoso.fr)\" <rh@evil.example>").text("hello")))
                .contains(Rules.SENDER_DISPLAY_NAME);
        assertThat(fired(msg().from("\"news@fabrikam.com\" <news@fabrikam.com>").text("hello")))
                .doesNotContain(Rules.SENDER_DISPLAY_NAME);
    }
}
