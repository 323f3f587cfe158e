package org.streamail.spam.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Content;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.ParsedMessage;
import org.streamail.api.spam.ReportKind;

/** The component's own state across its life cycle (configuration changes build a new instance). */
class SpamComponentTest {

    /**
     * A configuration change deactivates the component and activates a new one: the messages the node inspected
     * before must still be reportable by their id (they were lost with the old instance: a user's report of mail
     * delivered before the change got "not found").
     */
    @Test
    void aMessageInspectedBeforeAConfigurationChangeCanStillBeReportedByItsId() {
        InMemorySpamStore store = new InMemorySpamStore();
        byte[] raw = Mail.text("x@other.example", "Hello friend", "We offer cheap loans with no questions asked "
                + "to every customer who answers this letter within three days of receiving it.");
        SpamComponent before = new SpamComponent(store, StrictConfigTest.config(Map.of()), Map.of());
        try {
            before.inspect(new Inspection("spool-7", Envelope.inbound("x@other.example", List.of("a@example.org"),
                    "192.0.2.1", "mx.other.example"), new ParsedMessage(null, null, null, null, null, null, null,
                            null, null, null, null, raw.length, false, null), Content.of(raw),
                    Instant.now().plusSeconds(30)));
        } finally {
            before.deactivate();
        }
        SpamComponent after = new SpamComponent(store, StrictConfigTest.config(Map.of("reporters_to_block", 2,
                "recent_bytes", 1024L * 1024)), Map.of());
        try {
            assertThat(after.reportById(ReportKind.SPAM, "spool-7", "root", true).blocking()).isTrue();
        } finally {
            after.deactivate();
        }
    }
}
