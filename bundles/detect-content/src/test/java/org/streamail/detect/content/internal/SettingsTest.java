package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.streamail.detect.content.internal.Samples.*;

import java.time.Instant;
import java.util.Map;
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

    /**
     * A {@code .cfg} file has no arrays: its value is one comma list (the README's example). Each item counted
     * (two overrides were read as one unknown rule, and the mandatory detector failed with every message held).
     */
    @Test
    void aCommaListFromACfgFileSetsEachItem() {
        assertThat(Settings.parseScores(new String[] {"html-script=2, type-mismatch=1 ,"}))
                .containsEntry(Rule.HTML_SCRIPT, 2.0).containsEntry(Rule.TYPE_MISMATCH, 1.0).hasSize(2);
        assertThat(Settings.parseRules(new String[] {"html-script, type-mismatch", "eicar"}))
                .containsExactlyInAnyOrder(Rule.HTML_SCRIPT, Rule.TYPE_MISMATCH, Rule.EICAR);
    }

    /** A change that does not parse is refused and the previous settings stay: the detector is mandatory. */
    @Test
    void anInvalidConfigurationChangeKeepsThePreviousSettings() {
        ContentDetector d = new ContentDetector(config(Map.of()), Map.of());
        d.modified(config(Map.of("rule_scores", new String[] {"html-script=2"})), Map.of("rule.scores", "html-script=2"));
        assertThat(scriptScore(d)).isEqualTo(2.0);
        d.modified(config(Map.of("rule_scores", new String[] {"html-scirpt=9"})), Map.of("rule.scores", "html-scirpt=9"));
        assertThat(scriptScore(d)).isEqualTo(2.0);
        d.modified(config(Map.of("max_time_ms", 5000)), Map.of("max.time.ms", "5s"));
        assertThat(scriptScore(d)).isEqualTo(2.0);
        d.modified(config(Map.of()), Map.of());
        assertThat(scriptScore(d)).isEqualTo(Rule.HTML_SCRIPT.defaultScore());
    }

    private static double scriptScore(ContentDetector d) {
        return d.scan(message("", "<script>x</script>"), Instant.now().plusSeconds(5)).stream()
                .filter(f -> f.rule().equals("html-script")).findFirst().orElseThrow().score();
    }

    /** The annotation's defaults, with some methods answering otherwise. */
    static ContentDetector.Config config(Map<String, Object> overrides) {
        return (ContentDetector.Config) java.lang.reflect.Proxy.newProxyInstance(
                ContentDetector.Config.class.getClassLoader(), new Class<?>[] {ContentDetector.Config.class},
                (proxy, m, args) -> overrides.getOrDefault(m.getName(), m.getDefaultValue()));
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
