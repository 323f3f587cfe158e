package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.streamail.detect.content.internal.Samples.*;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void scoreOverridesAndDisabledRulesApply() {
        Settings s = new Settings(5, 100, 1 << 20, 100, 1 << 20, 1 << 20, 1 << 20, 5000, 10,
                Settings.parseScores(new String[] {"html-script=1.5", " executable = 42 "}),
                Settings.parseRules(new String[] {"type-mismatch"}));
        var f = new ContentDetector(s).scan(message("", "<script>x</script>",
                attachment("a.pdf", "application/pdf", pe())), Instant.now().plusSeconds(5));
        assertThat(f).extracting(x -> x.rule() + "=" + x.score()).contains("html-script=1.5", "executable=42.0")
                .noneMatch(r -> r.startsWith("type-mismatch"));
    }

    @Test
    void aTypoInTheConfigurationIsAClearError() {
        assertThatThrownBy(() -> Settings.parseScores(new String[] {"html-scirpt=2"}))
                .hasMessageContaining("unknown rule").hasMessageContaining("html-scirpt");
        assertThatThrownBy(() -> Settings.parseScores(new String[] {"eicar=lots"})).hasMessageContaining("bad score");
        assertThatThrownBy(() -> Settings.parseRules(new String[] {"nope"})).hasMessageContaining("nope");
        assertThatThrownBy(() -> Settings.defaults().withLimits(-1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aPassedDeadlineEndsTheScanWithAnIncompleteFindingInsteadOfRunningOn() {
        var f = new ContentDetector(Settings.defaults()).scan(message("", "",
                attachment("a.zip", "application/zip", zip("a.txt", utf8("x")))), Instant.now().minusSeconds(1));
        assertThat(rules(f)).containsExactly("scan-incomplete");
    }

    @Test
    void tooManyFindingsAreSummarised() {
        StringBuilder html = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            html.append("<p onclick=a()>x</p>");
        }
        Settings s = new Settings(5, 100, 1 << 20, 100, 1 << 20, 1 << 20, 1 << 20, 5000, 2, null, null);
        var atts = new org.streamail.api.model.Attachment[5];
        for (int i = 0; i < atts.length; i++) {
            atts[i] = attachment("x" + i + ".vbs", "text/plain", utf8("x"));
        }
        var f = new ContentDetector(s).scan(message("", html.toString(), atts), Instant.now().plusSeconds(5));
        assertThat(f).hasSize(3);
        assertThat(f.get(2).rule()).isEqualTo("more-findings");
    }
}
