package org.streamail.testdetector.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Category;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Header;
import org.streamail.api.model.ParsedMessage;

class TestFlagDetectorTest {

    private static Inspection withHeader(String value) {
        List<Header> headers = value == null ? List.of() : List.of(new Header("X-Testflag", value));
        ParsedMessage msg = new ParsedMessage("id", "s", null, null, null, null, headers, "", "", null, null, 0, false, null);
        return new Inspection("1", Envelope.inbound("a@b.c", List.of("d@e.f"), "127.0.0.1", "h"), msg,
                Content.empty(), Instant.now().plusSeconds(5));
    }

    @Test
    void quarantineHeaderGivesAMalwareFindingOfScoreTen() {
        assertThat(new TestFlagDetector().inspect(withHeader(" Quarantine ")))
                .singleElement().satisfies(f -> {
                    assertThat(f.score()).isEqualTo(10.0);
                    assertThat(f.category()).isEqualTo(Category.MALWARE);
                    assertThat(f.detector()).isEqualTo("testflag");
                });
    }

    @Test
    void rejectHeaderGivesScoreHundred() {
        assertThat(new TestFlagDetector().inspect(withHeader("reject"))).singleElement()
                .satisfies(f -> assertThat(f.score()).isEqualTo(100.0));
    }

    @Test
    void otherMessagesGetNoFinding() {
        assertThat(new TestFlagDetector().inspect(withHeader(null))).isEmpty();
        assertThat(new TestFlagDetector().inspect(withHeader("deliver"))).isEmpty();
    }
}
