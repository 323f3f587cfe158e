package org.streamail.detect.content.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The raw properties are checked before DS converts them: a config of {@code null} is never reached. */
class StrictConfigTest {

    @Test
    void disarmHtmlWrittenAsYesFailsTheTransformerNamingTheProperty() {
        assertThatThrownBy(() -> new HtmlDisarmTransformer(null, Map.of("disarm.html", "yes"), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.content: disarm.html must be true or false, got 'yes'");
    }

    @Test
    void aLimitWrittenAs30DaysFailsTheDetectorNamingTheProperty() {
        assertThatThrownBy(() -> new ContentDetector(null, Map.of("max.time.ms", "30days")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.detect.content: max.time.ms must be a whole number, got '30days'");
    }
}
